/* Audit with several brokers (issue 12, item 3; R-LOG-1, R-LOG-3): three sekimorid on one
 * PostgreSQL database, each with its own chain, checked together by
 * `sekimori audit verify --brokers LOG:ANCHOR[:KEY]...` against the seqs the store committed
 * for each broker. Whole: passes. A record removed from one log, a log and anchor put back
 * to an older copy, a log missing, a log given twice, a log of another database: each named.
 * Runs under tests/pg/with-pg.sh (cluster_audit_pg). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define BROKERS 3

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 50\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"totp_window = 2\n";

static struct sk_fixture fx[BROKERS];
static char copies[700];   /* tampered copies go here */

static int
setup(void **state)
{
	char args[1024], temp[64];

	(void)state;
	skfx_start(&fx[0], "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx[0].conf);
	skpd_write_service(fx[0].pamdir, "sk-test", args, NULL);
	skfx_start_peer(&fx[1], &fx[0], "b2", "profile=mynumber");
	skfx_start_peer(&fx[2], &fx[0], "b3", "profile=mynumber");
	skfx_add_user(&fx[0], "auditee", "mynumber", temp, sizeof(temp));
	sk_test_mkdtemp(copies, sizeof(copies));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = BROKERS - 1; i >= 0; i--)
		skfx_finish(&fx[i]);
	sk_test_rmtree(copies);
	return 0;
}

/* A few decisions on broker i: wrong passwords (denies that commit a failure each). */
static void
decisions(int i, int n)
{
	struct skpd d;

	for (int k = 0; k < n; k++)
		assert_int_equal(skpd_authenticate(&d, fx[i].pamdir, "sk-test", "auditee", NULL,
		                                   "wrong-password-1", "123456"), PAM_AUTH_ERR);
}

/* " LOG:ANCHOR" of broker i, appended to buf. */
static void
spec(char *buf, size_t sz, int i)
{
	size_t n = strlen(buf);

	snprintf(buf + n, sz - n, " %s/log/audit.jsonl:%s/state/audit.anchor", fx[i].dir,
	         fx[i].dir);
}

static int
verify(const char *specs, char *out, size_t outsz)
{
	char args[4096];

	snprintf(args, sizeof(args), "audit verify --brokers --store '%s'%s", fx[0].store, specs);
	return skfx_cli(&fx[0], args, NULL, out, outsz);
}

static void
run(const char *cmd)
{
	char out[4096];

	if (sk_test_run(cmd, out, sizeof(out)) != 0)
		fail_msg("%s: %s", cmd, out);
}

static void
test_r_log_1_three_chains_verify_together(void **state)
{
	char specs[2048] = "", out[8192];

	(void)state;
	for (int i = 0; i < BROKERS; i++)
		decisions(i, 2);
	for (int i = 0; i < BROKERS; i++)
		spec(specs, sizeof(specs), i);
	assert_int_equal(verify(specs, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit logs of 3 brokers intact, none missing, no record in "
	                            "two places."));
	assert_non_null(strstr(out, "  b2: "));
	assert_non_null(strstr(out, "  b3: "));
	/* Every record names its broker and has an id of its own. */
	assert_int_equal(skfx_audit_count(&fx[1], "\"event\":\"auth\"", (char *)NULL),
	                 skfx_audit_count(&fx[1], "\"event\":\"auth\"", "\"broker\":\"b2\"",
	                                  "\"record_id\":\"", (char *)NULL));
	/* A key given per log (LOG:ANCHOR:KEY) is used: another key fails the log's records. */
	snprintf(specs, sizeof(specs), " %s/log/audit.jsonl:%s/state/audit.anchor:%s/keys/audit.key",
	         fx[0].dir, fx[0].dir, fx[0].dir);
	spec(specs, sizeof(specs), 1);
	spec(specs, sizeof(specs), 2);
	assert_int_equal(verify(specs, out, sizeof(out)), 0);
	/* The same chains with the JSON verdict. */
	snprintf(specs, sizeof(specs), " --json");
	for (int i = 0; i < BROKERS; i++)
		spec(specs, sizeof(specs), i);
	assert_int_equal(verify(specs, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	assert_non_null(strstr(out, "\"broker\":\"b3\""));
}

/* One record taken out of the middle of broker 2's log (a copy, with its anchor). */
static void
test_r_log_3_record_removed_is_named(void **state)
{
	char specs[2048] = "", out[8192], cmd[4096];

	(void)state;
	decisions(1, 3);
	snprintf(cmd, sizeof(cmd), "sed '2d' '%s/log/audit.jsonl' >'%s/cut.jsonl' && "
	         "cp '%s/state/audit.anchor' '%s/cut.anchor'", fx[1].dir, copies, fx[1].dir, copies);
	run(cmd);
	spec(specs, sizeof(specs), 0);
	snprintf(specs + strlen(specs), sizeof(specs) - strlen(specs), " %s/cut.jsonl:%s/cut.anchor",
	         copies, copies);
	spec(specs, sizeof(specs), 2);
	assert_int_equal(verify(specs, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "Audit logs DAMAGED: "));
	assert_non_null(strstr(out, "cut.jsonl at line 2: "));
	/* Its broker is then not accounted for either. */
	assert_non_null(strstr(out, "no log given for broker b2"));
}

/* Broker 3's log and anchor put back to an older copy, which is whole on its own: only the
 * store's committed seq shows the records that are gone. */
static void
test_r_log_3_log_put_back_is_named(void **state)
{
	char specs[2048] = "", out[8192], cmd[4096];

	(void)state;
	decisions(2, 1);
	snprintf(cmd, sizeof(cmd), "cp '%s/log/audit.jsonl' '%s/old.jsonl' && "
	         "cp '%s/state/audit.anchor' '%s/old.anchor'", fx[2].dir, copies, fx[2].dir, copies);
	run(cmd);
	decisions(2, 2);
	spec(specs, sizeof(specs), 0);
	spec(specs, sizeof(specs), 1);
	snprintf(specs + strlen(specs), sizeof(specs) - strlen(specs), " %s/old.jsonl:%s/old.anchor",
	         copies, copies);
	assert_int_equal(verify(specs, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "old.jsonl: the log of broker b3 ends at record "));
	assert_non_null(strstr(out, "are missing"));
	/* The old copy alone verifies: the plain check cannot see it. */
	assert_null(strstr(out, "at line"));
}

static void
test_r_log_3_log_missing_is_named(void **state)
{
	char specs[2048] = "", out[8192];

	(void)state;
	spec(specs, sizeof(specs), 0);
	spec(specs, sizeof(specs), 2);
	assert_int_equal(verify(specs, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "Audit logs DAMAGED: no log given for broker b2 (the store "
	                            "committed its records up to "));
	assert_null(strstr(out, "broker b3"));
}

static void
test_r_log_3_log_given_twice_is_named(void **state)
{
	char specs[2048] = "", out[8192], cmd[4096];

	(void)state;
	for (int i = 0; i < BROKERS; i++)
		spec(specs, sizeof(specs), i);
	spec(specs, sizeof(specs), 1);
	assert_int_equal(verify(specs, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "are both the log of broker b2 (one log given twice?)"));
	/* A copy under another name is the same log: its records are in two places too. */
	snprintf(cmd, sizeof(cmd), "cp '%s/log/audit.jsonl' '%s/dup.jsonl' && "
	         "cp '%s/state/audit.anchor' '%s/dup.anchor'", fx[1].dir, copies, fx[1].dir, copies);
	run(cmd);
	specs[0] = '\0';
	for (int i = 0; i < BROKERS; i++)
		spec(specs, sizeof(specs), i);
	snprintf(specs + strlen(specs), sizeof(specs) - strlen(specs), " %s/dup.jsonl:%s/dup.anchor",
	         copies, copies);
	assert_int_equal(verify(specs, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "dup.jsonl are both the log of broker b2"));
	assert_non_null(strstr(out, " record ids appear twice, the first "));
}

/* A log of a broker this database never knew (another database's, here: a fourth broker
 * written on a second database of the same server). */
static void
test_r_log_3_log_of_another_store_is_named(void **state)
{
	char specs[2048] = "", out[8192], other[1024], sql[256], cmd[4096];
	const char *q;

	(void)state;
	/* The same logs, held to an empty database: every broker is unknown there. */
	snprintf(sql, sizeof(sql), "CREATE DATABASE sk_other_%d", (int)getpid());
	assert_int_equal(sk_test_pg_sql(getenv("SK_TEST_PG_URI"), sql, out, sizeof(out)), 0);
	q = strchr(getenv("SK_TEST_PG_URI"), '?');
	assert_non_null(q);
	snprintf(other, sizeof(other), "postgresql:///sk_other_%d%s", (int)getpid(), q);
	assert_int_equal(sk_test_pg_sql(other, "CREATE TABLE meta(key TEXT PRIMARY KEY, value "
	                                "TEXT NOT NULL)", out, sizeof(out)), 0);
	for (int i = 0; i < BROKERS; i++)
		spec(specs, sizeof(specs), i);
	snprintf(cmd, sizeof(cmd), "audit verify --brokers --store '%s'%s", other, specs);
	assert_int_equal(skfx_cli(&fx[0], cmd, NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "broker b3 has no committed audit seq in this store"));
	/* A SQLite store is refused: one broker per file, plain audit verify. */
	snprintf(cmd, sizeof(cmd), "audit verify --brokers --store /tmp/x.db%s", specs);
	assert_int_equal(skfx_cli(&fx[0], cmd, NULL, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "--brokers needs a PostgreSQL store"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_1_three_chains_verify_together),
		cmocka_unit_test(test_r_log_3_record_removed_is_named),
		cmocka_unit_test(test_r_log_3_log_put_back_is_named),
		cmocka_unit_test(test_r_log_3_log_missing_is_named),
		cmocka_unit_test(test_r_log_3_log_given_twice_is_named),
		cmocka_unit_test(test_r_log_3_log_of_another_store_is_named),
	};

	if (!sk_test_store_is_pg()) {
		printf("SKIP: needs SK_TEST_STORE=pg (run under tests/pg/with-pg.sh)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
