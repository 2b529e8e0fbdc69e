/* Primary and standby (issue 12, item 7; doc/deployment.md): two sekimorid on a PostgreSQL
 * primary with a synchronous streaming standby, their store URI naming both servers
 * (host=H,H&port=P1,P2&target_session_attrs=read-write). The primary is stopped as by a
 * crash (pg_ctl stop -m immediate): logins fail closed on both brokers; the standby is
 * promoted (pg_ctl promote): without a restart both brokers write to it, and what was
 * committed before the crash is there (a failure count, a used TOTP step), and the brokers'
 * audit chains still match the committed seqs (audit verify --brokers).
 * Runs under tests/pg/with-pg.sh (cluster_standby_pg). R-LOGIN-1, R-MFA-1, R-LOG-1. */
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define PASSWORD "Sakura-Namiki-2026"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 10\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"totp_window = 3\n";   /* first login +30 s, then +60 s, then +90 s */

static struct sk_fixture fx[2];
static char standby[600], standby_log[700], standby_port[16];
static int standby_up;

static void
as_pg(const char *what, const char *fmt, ...)
{
	char cmd[4096], out[4096];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "%s ", getenv("SK_TEST_PG_AS"));
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (sk_test_run(cmd, out, sizeof(out)) != 0)
		fail_msg("%s: %s: %s", what, cmd, out);
}

static void
pg_ctl(const char *data, const char *log, const char *action)
{
	as_pg(action, "'%s' -D '%s' -l '%s' -w -t 60 %s 2>&1", getenv("SK_TEST_PG_CTL"), data,
	      log, action);
}

/* psql on one server (by port), one value. */
static int
sql_at(const char *port, const char *sql, char *out, size_t outsz)
{
	char uri[1024];

	snprintf(uri, sizeof(uri), "postgresql:///postgres?host=%s&port=%s&user=postgres",
	         getenv("SK_TEST_PG_HOST"), port);
	return sk_test_pg_sql(uri, sql, out, outsz);
}

static int
wait_value(const char *port, const char *sql, const char *want, int seconds)
{
	char out[512];

	for (int i = 0; i < seconds * 10; i++) {
		if (sql_at(port, sql, out, sizeof(out)) == 0 && strcmp(out, want) == 0)
			return 1;
		usleep(100000);
	}
	return 0;
}

static int
setup(void **state)
{
	char bin[600], ports[64], hosts[1300], conf[700];
	const char *host = getenv("SK_TEST_PG_HOST"), *port = getenv("SK_TEST_PG_PORT");
	char args[1024];
	FILE *f;

	(void)state;
	/* The standby: a base backup of the primary with its recovery settings (-R), on the
	 * next port, streaming. */
	snprintf(bin, sizeof(bin), "%s", getenv("SK_TEST_PG_CTL"));
	snprintf(standby, sizeof(standby), "%s/standby", host);
	snprintf(standby_log, sizeof(standby_log), "%s/standby.log", host);
	snprintf(standby_port, sizeof(standby_port), "%d", atoi(port) + 1);
	as_pg("pg_basebackup", "'%s/pg_basebackup' -D '%s' -R -X stream -h '%s' -p %s -U postgres "
	      "2>&1", dirname(bin), standby, host, port);
	snprintf(conf, sizeof(conf), "%s/postgresql.conf", standby);
	assert_non_null(f = fopen(conf, "a"));
	fprintf(f, "port = %s\n", standby_port);
	fclose(f);
	pg_ctl(standby, standby_log, "start");
	standby_up = 1;
	assert_true(wait_value(standby_port, "SELECT pg_is_in_recovery()", "t", 30));
	/* Synchronous: a commit returns once the standby has it. */
	assert_int_equal(sql_at(port, "ALTER SYSTEM SET synchronous_standby_names = '*'", args,
	                        sizeof(args)), 0);
	assert_int_equal(sql_at(port, "SELECT pg_reload_conf()", args, sizeof(args)), 0);
	assert_true(wait_value(port, "SELECT sync_state FROM pg_stat_replication", "sync", 30));

	/* The brokers' URI names both servers; only the one that takes writes is used. */
	snprintf(hosts, sizeof(hosts), "%s,%s", host, host);
	snprintf(ports, sizeof(ports), "%s,%s&target_session_attrs=read-write", port,
	         standby_port);
	assert_int_equal(setenv("SK_TEST_PG_HOST", hosts, 1), 0);
	assert_int_equal(setenv("SK_TEST_PG_PORT", ports, 1), 0);
	skfx_start(&fx[0], "C", profiles);
	assert_int_equal(setenv("SK_TEST_PG_HOST", host, 1), 0);
	assert_int_equal(setenv("SK_TEST_PG_PORT", port, 1), 0);
	assert_non_null(strstr(fx[0].store, "target_session_attrs=read-write"));
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx[0].conf);
	skpd_write_service(fx[0].pamdir, "sk-test", args, NULL);
	skfx_start_peer(&fx[1], &fx[0], "b2", "profile=mynumber");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 1; i >= 0; i--)
		skfx_finish(&fx[i]);
	if (standby_up)
		pg_ctl(standby, standby_log, "-m immediate stop");
	return 0;
}

static void
test_r_login_1_primary_lost_standby_promoted(void **state)
{
	char temp[64], seed[64], code[16], used[16], sql[256], out[8192], args[4096];
	long long step;
	struct skpd d;
	int ok;

	(void)state;
	skfx_add_user(&fx[0], "standby1", "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx[0], "standby1", seed, sizeof(seed));
	skfx_first_login(&fx[0], "standby1", temp, seed, PASSWORD);
	/* Committed on the primary (and, synchronously, on the standby): a login with the code
	 * of step +60 s through broker 2, then two failures through broker 1. */
	skfx_totp_code(seed, 60, used, sizeof(used));
	step = ((long long)time(NULL) + 60) / 30;
	assert_int_equal(skpd_authenticate(&d, fx[1].pamdir, "sk-test", "standby1", NULL, PASSWORD,
	                                   used), PAM_SUCCESS);
	for (int i = 0; i < 2; i++)
		assert_int_equal(skpd_authenticate(&d, fx[0].pamdir, "sk-test", "standby1", NULL,
		                                   "wrong-password-1", "000000"), PAM_AUTH_ERR);

	/* The primary crashes: nothing takes writes; both brokers refuse, neither exits. */
	pg_ctl(getenv("SK_TEST_PG_DATA"), getenv("SK_TEST_PG_LOG"), "-m immediate stop");
	skfx_totp_code(seed, 90, code, sizeof(code));
	for (int i = 0; i < 2; i++)
		assert_int_not_equal(skpd_authenticate(&d, fx[i].pamdir, "sk-test", "standby1", NULL,
		                                       PASSWORD, code), PAM_SUCCESS);

	/* Promotion: the brokers find the new primary by themselves (the URI's second host). */
	pg_ctl(standby, standby_log, "promote");
	assert_true(wait_value(standby_port, "SELECT pg_is_in_recovery()", "f", 30));
	/* What committed before the crash is there: the two failures ... */
	snprintf(sql, sizeof(sql), "SELECT u.failures_since_login FROM users u WHERE u.name = "
	         "'standby1'");
	assert_int_equal(sk_test_pg_sql(fx[0].store, sql, out, sizeof(out)), 0);
	assert_string_equal(out, "2");
	/* ... and the used step: its code is refused as used (once the broker has reconnected:
	 * a bounded wait while it answers without a verdict). */
	for (int i = 0; i < 30; i++) {
		ok = skpd_authenticate(&d, fx[0].pamdir, "sk-test", "standby1", NULL, PASSWORD, used);
		if (ok != PAM_AUTHINFO_UNAVAIL)
			break;
		sleep(1);
	}
	assert_int_equal(ok, PAM_AUTH_ERR);
	/* A fresh code: accepted once, through broker 1. */
	skfx_totp_code(seed, 90, code, sizeof(code));
	ok = skpd_authenticate(&d, fx[0].pamdir, "sk-test", "standby1", NULL, PASSWORD, code);
	if (ok != PAM_SUCCESS) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "tail -n 30 '%s/broker.log'", fx[0].dir);
		sk_test_run(cmd, out, sizeof(out));
		fail_msg("login after promotion: %d: %s\nbroker log:\n%s", ok, d.transcript, out);
	}
	assert_true(((long long)time(NULL) + 90) / 30 > step);
	/* Broker 2 writes to the new primary too: a failure, counted. */
	assert_int_equal(skpd_authenticate(&d, fx[1].pamdir, "sk-test", "standby1", NULL,
	                                   "wrong-password-1", "000000"), PAM_AUTH_ERR);
	assert_int_equal(sk_test_pg_sql(fx[0].store, sql, out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	/* The audit chains match the promoted server's committed seqs. */
	snprintf(args, sizeof(args), "audit verify --brokers --store '%s' "
	         "%s/log/audit.jsonl:%s/state/audit.anchor %s/log/audit.jsonl:%s/state/audit.anchor",
	         fx[0].store, fx[0].dir, fx[0].dir, fx[1].dir, fx[1].dir);
	if (skfx_cli(&fx[0], args, NULL, out, sizeof(out)) != 0)
		fail_msg("%s", out);
	assert_non_null(strstr(out, "Audit logs of 2 brokers intact"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_login_1_primary_lost_standby_promoted),
	};

	if (!sk_test_store_is_pg()) {
		printf("SKIP: needs SK_TEST_STORE=pg (run under tests/pg/with-pg.sh)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
