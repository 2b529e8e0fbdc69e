/* R-LOG-1 under a store outage: a transaction that appended an audit record is rolled back
 * and the audit.not_committed marker for it cannot be written either (the store refuses
 * every audit line, as a database that went away would). The broker must not stop serving
 * for good: the marker is kept pending and written first by the next transaction once the
 * store works again (broker/audit/audit_event.c, on_rolled_back), with no restart. The
 * fault is a trigger on audit_tail installed behind the broker's back, on SQLite and, under
 * tests/pg/with-pg.sh, on PostgreSQL (integration_test_audit_outage_pg). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 5\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"totp_window = 2\n";

static const char *fault_sqlite =
	"CREATE TABLE fault_inject(active INTEGER); INSERT INTO fault_inject VALUES(1);"
	"CREATE TRIGGER audit_tail_fault BEFORE INSERT ON audit_tail"
	" WHEN (SELECT active FROM fault_inject) = 1"
	" BEGIN SELECT RAISE(ABORT, 'injected store fault'); END;";

/* \$ keeps the shell (the SQL goes through sh -c in double quotes) off the dollar quotes. */
static const char *fault_pg =
	"CREATE TABLE fault_inject(active INTEGER); INSERT INTO fault_inject VALUES(1);"
	"CREATE FUNCTION audit_tail_fault() RETURNS trigger LANGUAGE plpgsql AS \\$f\\$"
	" BEGIN IF (SELECT active FROM fault_inject) = 1 THEN"
	" RAISE EXCEPTION 'injected store fault'; END IF; RETURN NEW; END \\$f\\$;"
	"CREATE TRIGGER audit_tail_fault BEFORE INSERT ON audit_tail"
	" FOR EACH ROW EXECUTE FUNCTION audit_tail_fault();";

/* Lines of the broker's own log (its stderr) holding needle. */
static int
broker_log_count(struct sk_fixture *fx, const char *needle)
{
	char cmd[2048], out[64];

	snprintf(cmd, sizeof(cmd), "grep -c -- '%s' '%s/broker.log'", needle, fx->dir);
	if (sk_test_run(cmd, out, sizeof(out)) < 0)
		return -1;
	return atoi(out);
}

static void
test_r_log_1_marker_held_back_by_store_fault_written_later(void **state)
{
	struct sk_fixture fx;
	struct skpd d;
	char temp[64], seed[64], code[16], out[8192], args[1024];
	const char *password = "Sakura-Namiki-2026";
	int held, marked;

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	skfx_add_user(&fx, "outage1", "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "outage1", seed, sizeof(seed));
	skfx_first_login(&fx, "outage1", temp, seed, password);

	/* Every audit line the broker keeps in the store is refused from now on. */
	assert_int_equal(skfx_store_sql(&fx, sk_test_store_is_pg() ? fault_pg : fault_sqlite, out,
	                                sizeof(out)), 0);
	skfx_totp_code(seed, 30, code, sizeof(code));
	/* No record, no decision: refused (R-LOG-1). */
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "outage1", NULL, password,
	                                       code), PAM_SUCCESS);
	held = broker_log_count(&fx, "the next transaction that appends a record marks them first");
	assert_true(held >= 1);
	assert_int_equal(broker_log_count(&fx, "refuses every further record"), 0);

	/* The store works again: the next login is decided, with no restart, and the marker
	 * for the records that did not take effect goes first. */
	assert_int_equal(skfx_store_sql(&fx, "UPDATE fault_inject SET active = 0", out, sizeof(out)),
	                 0);
	skfx_totp_code(seed, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "outage1", NULL, password, code),
	                 PAM_SUCCESS);
	marked = broker_log_count(&fx, "of rolled-back transactions are marked not committed now");
	assert_int_equal(marked, 1);
	assert_true(skfx_audit_count(&fx, "\"event\":\"audit.not_committed\"",
	                             "\"reason\":\"rolled_back\"", NULL) >= 1);
	assert_int_equal(broker_log_count(&fx, "refuses every further record"), 0);
	/* The chain holds the marker and verifies whole. */
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	skfx_finish(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_1_marker_held_back_by_store_fault_written_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
