/* The attempt limit where guesses can slip past it (R-LOGIN-1): knowledge = stack with
 * parallel guesses and abandoned second steps, a store that cannot be written ("deny
 * first"), and the current password of a change (one bookkeeping for every path). Real
 * libpam, the built module, a real broker; pam_exec stands in for a slow pam_unix that
 * leaves a trace of every password it checks. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 3\nunlock_time = 0\ntotp_window = 2\n"
	"[profile stackp]\nknowledge = stack\nmethods = password, totp\ndeny = 3\nunlock_time = 0\n"
	"totp_window = 2\n";

static struct sk_fixture fx;
static char reached_path[700];
static char text_buf[8192];

/* The stack of conf/pam.d/sekimori-stack with `password_lines` in place of pam_unix. */
static void
write_stack_service(const char *name, const char *password_lines)
{
	char text[8192];
	const char *mod = getenv("SK_PAM_MODULE");

	snprintf(text, sizeof(text),
	         "auth requisite %s profile=stackp conf=%s preauth\n"
	         "%s"
	         "auth [default=die] %s profile=stackp conf=%s authfail\n"
	         "auth required %s profile=stackp conf=%s\n",
	         mod, fx.conf, password_lines, mod, fx.conf, mod, fx.conf);
	skpd_write_service(fx.pamdir, name, NULL, text);
}

static int
setup(void **state)
{
	char args[1024], script[700], line[2048];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	/* A password check that takes a while and notes each time it runs, then says no. */
	snprintf(reached_path, sizeof(reached_path), "%s/reached", fx.dir);
	snprintf(line, sizeof(line), "#!/bin/sh\necho reached >> '%s'\nsleep 1\nexit 1\n",
	         reached_path);
	sk_test_write_file(fx.dir, "slow-password-check", line, script, sizeof(script));
	assert_int_equal(chmod(script, 0700), 0);
	snprintf(line, sizeof(line), "auth [success=1 default=bad] pam_exec.so quiet %s\n", script);
	write_stack_service("sk-stack-slow", line);
	write_stack_service("sk-stack-ok", "auth [success=1 default=bad] pam_permit.so\n");
	/* The password passes, then a line the stack must never have stops the login before
	 * pam_sekimori's second step: the transaction ends with the attempt unresolved. */
	snprintf(text_buf, sizeof(text_buf),
	         "auth requisite %s profile=stackp conf=%s preauth\n"
	         "auth [success=1 default=bad] pam_permit.so\n"
	         "auth [default=die] %s profile=stackp conf=%s authfail\n"
	         "auth requisite pam_deny.so\n"
	         "auth required %s profile=stackp conf=%s\n",
	         getenv("SK_PAM_MODULE"), fx.conf, getenv("SK_PAM_MODULE"), fx.conf,
	         getenv("SK_PAM_MODULE"), fx.conf);
	skpd_write_service(fx.pamdir, "sk-stack-cut", NULL, text_buf);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[1024], out[1024];

	(void)state;
	skfx_stop_broker(&fx);
	/* A store test that failed half-way leaves its file system mounted. */
	snprintf(cmd, sizeof(cmd), "mountpoint -q '%s/state' && umount '%s/state'", fx.dir, fx.dir);
	(void)sk_test_run(cmd, out, sizeof(out));
	skfx_finish(&fx);
	return 0;
}

static void
stack_user(const char *name)
{
	char pw[64], seed[64];

	skfx_add_user(&fx, name, "stackp", pw, sizeof(pw));
	skfx_enroll_totp(&fx, name, seed, sizeof(seed));
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;

	if (f == NULL)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* One value from the store, SQLite or PostgreSQL (skfx_store_sql; the broker keeps it open). */
static void
store_value(const char *user, const char *column, char *out, size_t outsz)
{
	char sql[1024];
	int n = snprintf(sql, sizeof(sql), "SELECT %s FROM users WHERE name = '%s'", column, user);

	assert_true(n > 0 && (size_t)n < sizeof(sql));
	if (skfx_store_sql(&fx, sql, out, outsz) != 0)
		fail_msg("store SQL failed: %s: %s", sql, out);
	n = (int)strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

struct racer {
	const char *user;
	int result;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct skpd d;

	r->result = skpd_authenticate(&d, fx.pamdir, "sk-stack-slow", r->user, NULL, NULL, NULL);
	return NULL;
}

/* R-LOGIN-1: twelve parallel wrong passwords in stack mode: at most deny (3) of them reach
 * the preceding password check; the others are refused before it runs. */
static void
test_r_login_1_stack_parallel_guesses_bounded(void **state)
{
	struct racer r[12];
	pthread_t t[12];
	int refused;

	(void)state;
	stack_user("stackrace");
	for (int i = 0; i < 12; i++) {
		r[i].user = "stackrace";
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 12; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_not_equal(r[i].result, PAM_SUCCESS);
	}
	assert_int_equal(count_lines(reached_path), 3);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackrace\"",
	                                  "\"reason\":\"stack_password_failed\"", NULL), 3);
	refused = skfx_audit_count(&fx, "\"user\":\"stackrace\"",
	                           "\"reason\":\"attempts_in_progress\"", NULL) +
	          skfx_audit_count(&fx, "\"user\":\"stackrace\"", "\"reason\":\"locked_preauth\"",
	                           NULL);
	assert_int_equal(refused, 9);
}

/* R-LOGIN-1: a right password reaches the code prompt; quitting there counts as a failed
 * attempt, so it cannot be used to test passwords for free. */
static void
test_r_login_1_stack_abandoned_second_step_counted(void **state)
{
	char value[256];
	struct skpd d;

	(void)state;
	stack_user("stackquit");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stackquit", NULL,
		                                   NULL, NULL), PAM_CONV_ERR);
		assert_true(skpd_contains(&d, "One-time code: "));
	}
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackquit\"",
	                                  "\"reason\":\"stack_second_step_abandoned\"", NULL), 3);
	store_value("stackquit", "locked", value, sizeof(value));
	assert_string_equal(value, "1");
	/* Locked: the next login is refused before the password module runs. */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stackquit", NULL, NULL,
	                                   NULL), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "One-time code: "));
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackquit\"",
	                                  "\"reason\":\"locked_preauth\"", NULL), 1);
}

/* R-LOGIN-1: a transaction that ends after the password passed but before the second step
 * ran (pam_end with the attempt unresolved) counts too. */
static void
test_r_login_1_stack_transaction_end_counted(void **state)
{
	char value[256];
	struct skpd d;

	(void)state;
	stack_user("stackcut");
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-cut", "stackcut", "198.51.100.4",
	                                   NULL, NULL), PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackcut\"",
	                                  "\"reason\":\"stack_second_step_abandoned\"", NULL), 1);
	store_value("stackcut", "fail_count || '|' || last_fail_from", value, sizeof(value));
	assert_string_equal(value, "1|198.51.100.4");
}

/* R-LOGIN-1: a stack login that succeeds gives its place back and clears the failures; one
 * whose code is wrong turns its place into one failure, not two. */
static void
test_r_login_1_stack_success_releases(void **state)
{
	char pw[64], seed[64], code[16], value[256];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "stackok", "stackp", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "stackok", seed, sizeof(seed));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stackok", NULL, "000000",
	                                   NULL), PAM_AUTH_ERR);
	store_value("stackok", "fail_count || '|' || (SELECT count(*) FROM pending_attempts"
	            " WHERE user_id = users.id)", value, sizeof(value));
	assert_string_equal(value, "1|0");
	skfx_totp_code(seed, 30, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stackok", NULL, code,
	                                   NULL), PAM_SUCCESS);
	store_value("stackok", "fail_count || '|' || (SELECT count(*) FROM pending_attempts"
	            " WHERE user_id = users.id)", value, sizeof(value));
	assert_string_equal(value, "0|0");
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackok\"", "\"result\":\"allow\"",
	                                  "\"methods\":\"stack,totp\"", NULL), 1);
}

/* R-LOGIN-1: attempts whose logins vanished without a word (the process killed after the
 * password check, a broker restart) count as failures once their time is up: three of them
 * lock the account. The rows are what PREAUTH stores, written here with times 220 s in the
 * past rather than waiting for TALLY_PENDING_TTL. */
static void
test_r_login_1_stack_expired_attempts_counted(void **state)
{
	char cmd[2048], out[1024], value[256];
	struct skpd d;
	long now = (long)time(NULL);

	(void)state;
	stack_user("stackgone");
	for (int i = 1; i <= 3; i++) {
		/* 16 random bytes: randomblob on SQLite, an md5 on PostgreSQL (no extension). */
		snprintf(cmd, sizeof(cmd), "INSERT INTO pending_attempts(user_id, token, created,"
		         " expires) SELECT id, %s, %ld, %ld FROM users WHERE name = 'stackgone'",
		         sk_test_store_is_pg() ? "decode(md5(random()::text), 'hex')" : "randomblob(16)",
		         now - 400 + i, now - 220 + i);
		if (skfx_store_sql(&fx, cmd, out, sizeof(out)) != 0)
			fail_msg("store SQL failed: %s: %s", cmd, out);
	}
	/* The password module would say yes: the lock stops the login before it. */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stackgone", NULL, NULL,
	                                   NULL), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "One-time code: "));
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackgone\"",
	                                  "\"reason\":\"pending_attempt_expired\"", NULL), 3);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stackgone\"",
	                                  "\"reason\":\"locked_preauth\"", NULL), 1);
	store_value("stackgone", "locked || '|' || fail_count || '|' || (SELECT count(*) FROM"
	            " pending_attempts WHERE user_id = users.id)", value, sizeof(value));
	assert_string_equal(value, "1|3|0");
}

/* One bookkeeping for every path that counts guesses: a wrong current password in a
 * password change records where the failure came from, like a failed login. */
static void
test_r_login_1_password_change_failure_origin(void **state)
{
	char pw[64], seed[64], value[256];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "chg1", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "chg1", seed, sizeof(seed));
	skpd_begin(&d, fx.pamdir, "sk-test", "chg1", "203.0.113.7", "wrong-current-1",
	           "New-Horse-Battery-1", "New-Horse-Battery-1", NULL);
	d.last = pam_chauthtok(d.pamh, 0);
	assert_int_not_equal(d.last, PAM_SUCCESS);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	store_value("chg1", "fail_count || '|' || failures_since_login || '|' || last_fail_from",
	            value, sizeof(value));
	assert_string_equal(value, "1|1|203.0.113.7");
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"chg1\"", "\"reason\":\"old_wrong\"",
	                                  NULL), 1);
}

static void
run_ok(const char *cmd)
{
	char out[4096];

	if (sk_test_run(cmd, out, sizeof(out)) != 0)
		fail_msg("%s: %s", cmd, out);
}

/* Fills the file system that holds path. */
static void
fill(const char *path)
{
	static char block[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t w;

	assert_true(fd >= 0);
	memset(block, 0x5a, sizeof(block));
	do {
		w = write(fd, block, sizeof(block));
	} while (w > 0);
	assert_int_equal(errno, ENOSPC);
	/* Also the last partial block: nothing is left. */
	while (write(fd, block, 1) == 1)
		;
	assert_int_equal(close(fd), 0);
}

/* R-LOGIN-1 (deny first): with the store full, no guess is checked that could not be
 * counted, and no "allow" is written for a decision the store cannot keep. Then, with room
 * again, the guesses count as usual. Needs root to mount a small tmpfs for the store. */
static void
test_r_login_1_store_full_denies_before_checking(void **state)
{
	char pw[64], seed[64], code[16], cmd[4096], filler[800], value[256];
	struct skpd d;

	(void)state;
	/* The store's file system filled under SQLite's WAL; a full disk under PostgreSQL is the
	 * database server's, and a store that refuses writes there is test_audit_outage and
	 * test_multi_broker's test_database_down_fails_closed_and_resumes (_pg). */
	if (sk_test_store_is_pg())
		skip();
	skfx_add_user(&fx, "full1", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "full1", seed, sizeof(seed));
	skfx_stop_broker(&fx);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/state' '%s/state.keep' && "
	         "mount -t tmpfs -o size=4m,mode=0700 sekimori-test '%s/state' 2>&1", fx.dir, fx.dir,
	         fx.dir);
	if (geteuid() != 0 || system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/state.keep'", fx.dir);
		run_ok(cmd);
		skfx_restart(&fx);
		skip();   /* no way to make a small file system here (needs CAP_SYS_ADMIN) */
	}
	snprintf(cmd, sizeof(cmd), "cp -a '%s/state.keep/.' '%s/state/'", fx.dir, fx.dir);
	run_ok(cmd);
	skfx_restart(&fx);
	/* A read makes the broker open the store (and its WAL index) before the disk fills. */
	snprintf(cmd, sizeof(cmd), "user show full1");
	assert_int_equal(skfx_cli(&fx, cmd, NULL, value, sizeof(value)), 0);
	/* SQLite maps its WAL index (-shm) into memory: its blocks must exist before the file
	 * system is full, or touching a new page of it is a SIGBUS rather than a failed write.
	 * fallocate allocates them without changing a byte. */
	snprintf(cmd, sizeof(cmd), "fallocate -l 32768 '%s/state/sekimori.db-shm'", fx.dir);
	run_ok(cmd);
	snprintf(filler, sizeof(filler), "%s/state/filler", fx.dir);
	fill(filler);

	/* The right password and code: refused, and no "allow" anywhere in the log. */
	skfx_totp_code(seed, 30, code, sizeof(code));
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "full1", NULL, pw, code),
	                     PAM_SUCCESS);
	/* A wrong password: not checked at all, since its failure could not be counted. */
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "full1", NULL,
	                                       "wrong-guess-1", code), PAM_SUCCESS);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"full1\"", "\"result\":\"allow\"",
	                                  NULL), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"full1\"",
	                                  "\"reason\":\"bad_password\"", NULL), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"full1\"",
	                                  "\"reason\":\"store_unavailable\"", NULL), 2);

	/* Room again: a wrong guess is checked and counted. */
	assert_int_equal(unlink(filler), 0);
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "full1", NULL,
	                                       "wrong-guess-2", code), PAM_SUCCESS);
	store_value("full1", "fail_count", value, sizeof(value));
	assert_string_equal(value, "1");
	skfx_totp_code(seed, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "full1", NULL, pw, code),
	                 PAM_SUCCESS);

	/* Put the store back on the test folder for the tests after this one. */
	skfx_stop_broker(&fx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/state.keep' && cp -a '%s/state' '%s/state.keep' && "
	         "umount '%s/state' && rm -rf '%s/state' && mv '%s/state.keep' '%s/state'",
	         fx.dir, fx.dir, fx.dir, fx.dir, fx.dir, fx.dir, fx.dir);
	run_ok(cmd);
	skfx_restart(&fx);
}

/* The documented rule: a failure's tally and its audit record go in one transaction. When
 * the record cannot be written, the failure is not stored either (and the request fails
 * closed). Breaks the audit log, so it runs last. */
static void
test_r_log_1_password_change_tally_and_audit_together(void **state)
{
	char pw[64], seed[64], value[256], path[700];
	struct skpd d;
	FILE *f;

	(void)state;
	skfx_add_user(&fx, "chg2", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "chg2", seed, sizeof(seed));
	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_true(fputs("\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	skpd_begin(&d, fx.pamdir, "sk-test", "chg2", NULL, "wrong-current-2",
	           "New-Horse-Battery-2", "New-Horse-Battery-2", NULL);
	d.last = pam_chauthtok(d.pamh, 0);
	assert_int_not_equal(d.last, PAM_SUCCESS);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	store_value("chg2", "fail_count || '|' || failures_since_login", value, sizeof(value));
	assert_string_equal(value, "0|0");
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"chg2\"", "\"reason\":\"old_wrong\"",
	                                  NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_login_1_stack_parallel_guesses_bounded),
		cmocka_unit_test(test_r_login_1_stack_abandoned_second_step_counted),
		cmocka_unit_test(test_r_login_1_stack_transaction_end_counted),
		cmocka_unit_test(test_r_login_1_stack_expired_attempts_counted),
		cmocka_unit_test(test_r_login_1_stack_success_releases),
		cmocka_unit_test(test_r_login_1_password_change_failure_origin),
		cmocka_unit_test(test_r_login_1_store_full_denies_before_checking),
		cmocka_unit_test(test_r_log_1_password_change_tally_and_audit_together),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
