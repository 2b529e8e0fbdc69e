/* Several brokers, one truth (issue 12, item 2): three sekimorid on one PostgreSQL database,
 * each with its own socket, audit log and broker_id, driven through real libpam and the
 * built module (one PAM service per broker). Run under tests/pg/with-pg.sh
 * (integration_test_multi_broker_pg); on SQLite, where one broker owns the file, a second
 * broker on the same store must refuse to start, and the PostgreSQL tests are skipped.
 * Requirement IDs: R-LOGIN-1 (attempt limit), R-MFA-1 (a one-time code once), R-PRIV-7 (a
 * grant's revocation and end hold on every broker at once). */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
	"deny = 3\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"totp_window = 2\n"
	/* A privileged line (sk-priv) whose break-glass grants last one minute (R-PRIV-7). */
	"[role fleet]\n"
	"services = sk-priv\nholders = pv1, pv2\nmax_minutes = 30\n"
	"breakglass = pv1, pv2\nbreakglass_minutes = 1\n"
	"[role ciso]\nholders = " SKFX_ADMIN "\n";   /* who reviews break-glass use */

/* fx[0] is the first broker (with the fixture administrator), fx[1], fx[2] its peers. */
static struct sk_fixture fx[BROKERS];

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	if (!sk_test_store_is_pg())
		return 0;
	skfx_start(&fx[0], "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx[0].conf);
	skpd_write_service(fx[0].pamdir, "sk-test", args, NULL);
	skfx_start_peer(&fx[1], &fx[0], "b2", "profile=mynumber");
	skfx_start_peer(&fx[2], &fx[0], "b3", "profile=mynumber");
	/* The privileged line on every broker, each with its own conf. */
	for (int i = 0; i < BROKERS; i++) {
		snprintf(args, sizeof(args), "profile=%s conf=%s", SKFX_ADMIN_PROFILE, fx[i].conf);
		skpd_write_service(fx[i].pamdir, "sk-priv", args, NULL);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (!sk_test_store_is_pg())
		return 0;
	for (int i = BROKERS - 1; i >= 0; i--)
		skfx_finish(&fx[i]);
	return 0;
}

/* Audit records (every broker's log) whose line holds every needle. */
static int
audit_count_all(const char *a, const char *b)
{
	int n = 0;

	for (int i = 0; i < BROKERS; i++)
		n += skfx_audit_count(&fx[i], a, b, NULL);
	return n;
}

struct account {
	char name[32];
	char temp[64];
	char seed[64];
	const char *password;
};

static void
ready_account(struct account *a, const char *name)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->password = "Sakura-Namiki-2026";
	skfx_add_user(&fx[0], a->name, "mynumber", a->temp, sizeof(a->temp));
	skfx_enroll_totp(&fx[0], a->name, a->seed, sizeof(a->seed));
	skfx_first_login(&fx[0], a->name, a->temp, a->seed, a->password);
}

struct racer {
	struct sk_fixture *broker;
	const char *user;
	const char *password;
	const char *code;
	int result;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct skpd d;

	r->result = skpd_authenticate(&d, r->broker->pamdir, "sk-test", r->user, NULL, r->password,
	                              r->code);
	return NULL;
}

#define GUESSES 64

/* R-LOGIN-1: 64 parallel wrong guesses spread over three brokers: exactly deny (3) reach
 * verification, on whichever brokers; every other one is refused as locked. */
static void
test_r_login_1_guesses_over_three_brokers(void **state)
{
	static struct racer r[GUESSES];
	pthread_t t[GUESSES];
	struct account a;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	ready_account(&a, "spread1");
	for (int i = 0; i < GUESSES; i++) {
		r[i] = (struct racer){ &fx[i % BROKERS], a.name, "parallel-guess", "654321", -1 };
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < GUESSES; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < GUESSES; i++)
		assert_int_equal(r[i].result, PAM_AUTH_ERR);
	assert_int_equal(audit_count_all("\"user\":\"spread1\"", "\"reason\":\"bad_password\""), 3);
	assert_int_equal(audit_count_all("\"user\":\"spread1\"", "\"result\":\"locked\""),
	                 GUESSES - 3);
	/* Each broker answered its share: the limit held across brokers, not inside one. */
	for (int i = 0; i < BROKERS; i++)
		assert_true(skfx_audit_count(&fx[i], "\"user\":\"spread1\"", "\"event\":\"auth\"",
		                             NULL) > 0);
}

#define CODE_RACERS 16

/* R-MFA-1: 16 parallel logins with one TOTP code over three brokers: exactly one accepted. */
static void
test_r_mfa_1_one_code_once_over_three_brokers(void **state)
{
	static struct racer r[CODE_RACERS];
	pthread_t t[CODE_RACERS];
	struct account a;
	char code[16];
	int wins = 0;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	ready_account(&a, "spread2");
	skfx_totp_code(a.seed, 60, code, sizeof(code));   /* first_login used +30 */
	for (int i = 0; i < CODE_RACERS; i++) {
		r[i] = (struct racer){ &fx[i % BROKERS], a.name, a.password, code, -1 };
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < CODE_RACERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < CODE_RACERS; i++)
		wins += r[i].result == PAM_SUCCESS;
	assert_int_equal(wins, 1);
	/* The first login of ready_account, and the one winner. */
	assert_int_equal(audit_count_all("\"user\":\"spread2\"", "\"result\":\"allow\""), 2);
}

/* A lock an administrator sets through one broker holds at once on the others: the next
 * login with the right password and code on brokers 2 and 3 is refused as locked. */
static void
test_r_login_1_admin_lock_seen_by_every_broker(void **state)
{
	struct account a;
	struct skpd d;
	char code[16], out[4096];

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	ready_account(&a, "spread3");
	assert_int_equal(skfx_cli(&fx[0], "user lock spread3", NULL, out, sizeof(out)), 0);
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	for (int i = 1; i < BROKERS; i++) {
		assert_int_equal(skpd_authenticate(&d, fx[i].pamdir, "sk-test", a.name, NULL,
		                                   a.password, code), PAM_AUTH_ERR);
		assert_int_equal(skfx_audit_count(&fx[i], "\"user\":\"spread3\"",
		                                  "\"result\":\"locked\"", NULL), 1);
	}
}

/* ---- privileged grants (R-PRIV-7) ------------------------------------------------------------ */

#define PRIV_PW "Fleet-Holder-Pass-8"
#define ADMIN_TOTP_WINDOW 3   /* the fixture's admin profile (sk_fixture.c) */

/* A holder of the fleet role with an admin session of their own (their own XDG_RUNTIME_DIR
 * below broker 1's folder): grants are requested under the person's own name. */
struct holder {
	const char *name;
	char seed[64];
	long long last;   /* the last TOTP step used: the store refuses a step again */
	char rundir[700];
};

static void
make_holder(struct holder *h, const char *name)
{
	char temp[64], out[4096], saved[sizeof(fx[0].rundir)];
	int r;

	h->name = name;
	skfx_add_user(&fx[0], name, SKFX_ADMIN_PROFILE, temp, sizeof(temp));
	skfx_enroll_totp(&fx[0], name, h->seed, sizeof(h->seed));
	h->last = (long long)time(NULL) / 30;   /* the enrolment used it */
	skfx_set_password(&fx[0], name, SKFX_ADMIN_PROFILE, temp, PRIV_PW);
	snprintf(h->rundir, sizeof(h->rundir), "%s/run-%s", fx[0].dir, name);
	assert_int_equal(mkdir(h->rundir, 0700), 0);
	memcpy(saved, fx[0].rundir, sizeof(saved));
	snprintf(fx[0].rundir, sizeof(fx[0].rundir), "%s", h->rundir);
	r = skfx_admin_login_as(&fx[0], name, PRIV_PW, h->seed, &h->last, out, sizeof(out));
	memcpy(fx[0].rundir, saved, sizeof(saved));
	if (r != 0)
		fail_msg("%s could not log in: %s", name, out);
}

/* The CLI through broker 1 under h's admin session. */
static int
holder_cli(struct holder *h, const char *args, char *out, size_t outsz)
{
	char saved[sizeof(fx[0].rundir)];
	int r;

	memcpy(saved, fx[0].rundir, sizeof(saved));
	snprintf(fx[0].rundir, sizeof(fx[0].rundir), "%s", h->rundir);
	r = skfx_cli(&fx[0], args, NULL, out, outsz);
	memcpy(fx[0].rundir, saved, sizeof(saved));
	return r;
}

/* The code of h's next unused TOTP step; waits (at most one step) while that step is still
 * beyond the window ahead of now. */
static void
next_code(struct holder *h, char *code, size_t sz)
{
	long long step = h->last + 1, now = (long long)time(NULL) / 30;

	if (step < now - 1)
		step = now - 1;
	/* Once inside the window, later clocks keep it inside: now only grows. */
	for (int i = 0; i < 700 && step > (long long)time(NULL) / 30 + ADMIN_TOTP_WINDOW; i++)
		usleep(50000);
	assert_true(step <= (long long)time(NULL) / 30 + ADMIN_TOTP_WINDOW);
	/* The middle of the step, away from its edges. */
	skfx_totp_code(h->seed, (long)(step * 30 + 15 - (long long)time(NULL)), code, sz);
	h->last = step;
}

/* A whole privileged login on broker b's sk-priv line: authentication (password and a fresh
 * code: a ticket of that broker), then the account phase, which looks for the active grant.
 * Returns the account phase's PAM code; the authentication must succeed. */
static int
priv_login(struct holder *h, int b)
{
	struct skpd d;
	char code[16];
	int r;

	next_code(h, code, sizeof(code));
	skpd_begin(&d, fx[b].pamdir, "sk-priv", h->name, NULL, PRIV_PW, code, NULL);
	d.last = pam_authenticate(d.pamh, 0);
	if (d.last != PAM_SUCCESS)
		fail_msg("broker %d: authentication of %s failed (%d): %s", b + 1, h->name, d.last,
		         d.transcript);
	r = pam_acct_mgmt(d.pamh, 0);
	d.last = r;
	(void)skpd_end(&d);
	return r;
}

/* The id in "Grant N: state". */
static unsigned long long
grant_id(const char *out)
{
	const char *p = strstr(out, "Grant ");

	assert_non_null(p);
	return strtoull(p + 6, NULL, 10);
}

/* Privileged-login audit records of user on broker b with the given result and reason. */
static int
priv_audit(int b, const char *user, const char *result, const char *reason)
{
	char u[64], res[64], why[64];

	snprintf(u, sizeof(u), "\"user\":\"%s\"", user);
	snprintf(res, sizeof(res), "\"result\":\"%s\"", result);
	if (reason == NULL)
		return skfx_audit_count(&fx[b], "\"event\":\"privileged_login\"", u, res, NULL);
	snprintf(why, sizeof(why), "\"reason\":\"%s\"", reason);
	return skfx_audit_count(&fx[b], "\"event\":\"privileged_login\"", u, res, why, NULL);
}

/* R-PRIV-7: a grant revoked through broker 1 unlocks nothing on brokers 2 and 3 right after:
 * the privileged account phase there, with a fresh ticket of its own broker, is refused
 * (no_grant), no cache lag. Before the revocation the same login is allowed on both. */
static void
test_r_priv_7_grant_revocation_seen_by_every_broker(void **state)
{
	struct holder h;
	char out[4096], cmd[64];
	unsigned long long id;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	make_holder(&h, "pv1");
	assert_int_equal(holder_cli(&h, "grant breakglass --role fleet --minutes 1 --reason "
	                            "'router down'", out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": active"));
	id = grant_id(out);
	for (int b = 1; b < BROKERS; b++) {
		assert_int_equal(priv_login(&h, b), PAM_SUCCESS);
		assert_int_equal(priv_audit(b, h.name, "allow", NULL), 1);
	}
	snprintf(cmd, sizeof(cmd), "grant revoke %llu", id);
	assert_int_equal(skfx_cli(&fx[0], cmd, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": revoked"));
	for (int b = 1; b < BROKERS; b++) {
		assert_int_not_equal(priv_login(&h, b), PAM_SUCCESS);
		assert_int_equal(priv_audit(b, h.name, "deny", "no_grant"), 1);
	}
}

/* R-PRIV-7: a grant that ends (a one-minute break-glass grant activated through broker 1)
 * unlocks nothing on brokers 2 and 3 from its end on: allowed on both before, refused
 * (no_grant) on both right after the end. */
static void
test_r_priv_7_grant_expiry_seen_by_every_broker(void **state)
{
	struct holder h;
	char out[4096];
	const char *until;
	long long ends = 0;
	char sql[256];

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	make_holder(&h, "pv2");
	assert_int_equal(holder_cli(&h, "grant breakglass --role fleet --minutes 1 --reason "
	                            "'disk full'", out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": active"));
	snprintf(sql, sizeof(sql), "SELECT ends FROM grants WHERE id = %llu;", grant_id(out));
	assert_int_equal(skfx_store_sql(&fx[0], sql, out, sizeof(out)), 0);
	until = out + strspn(out, " \n");
	ends = strtoll(until, NULL, 10);
	assert_true(ends > (long long)time(NULL));
	for (int b = 1; b < BROKERS; b++) {
		assert_int_equal(priv_login(&h, b), PAM_SUCCESS);
		assert_int_equal(priv_audit(b, h.name, "allow", NULL), 1);
	}
	/* A full second past the end (bounded: the grant lasts one minute). */
	for (int i = 0; i < 1400 && (long long)time(NULL) <= ends; i++)
		usleep(50000);
	assert_true((long long)time(NULL) > ends);
	for (int b = 1; b < BROKERS; b++) {
		assert_int_not_equal(priv_login(&h, b), PAM_SUCCESS);
		assert_int_equal(priv_audit(b, h.name, "deny", "no_grant"), 1);
	}
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
pg_ctl(const char *action)
{
	char cmd[2048], out[4096];

	snprintf(cmd, sizeof(cmd), "%s '%s' -D '%s' -l '%s' -w -t 60 -m fast %s 2>&1",
	         getenv("SK_TEST_PG_AS"), getenv("SK_TEST_PG_CTL"), getenv("SK_TEST_PG_DATA"),
	         getenv("SK_TEST_PG_LOG"), action);
	if (sk_test_run(cmd, out, sizeof(out)) != 0)
		fail_msg("pg_ctl %s: %s", action, out);
}

/* Fail closed: with the database stopped, a login with the right password and code is
 * refused by every broker (no decision without the store), within the module's time; once
 * the database is back, the brokers reconnect and the next login (a fresh code) succeeds. */
static void
test_database_down_fails_closed_and_resumes(void **state)
{
	struct account a;
	struct skpd d;
	struct timespec t0;
	char code[16];
	int r;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	ready_account(&a, "spread4");
	pg_ctl("stop");
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	for (int i = 0; i < BROKERS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = skpd_authenticate(&d, fx[i].pamdir, "sk-test", a.name, NULL, a.password, code);
		assert_int_not_equal(r, PAM_SUCCESS);
		assert_true(seconds_since(&t0) < 15.0);
	}
	pg_ctl("start");
	for (int i = 0; i < BROKERS; i++)
		assert_true(kill(fx[i].broker, 0) == 0);   /* every broker stayed up */
	/* The code of the refused attempts was never accepted: it still works once. */
	assert_int_equal(skpd_authenticate(&d, fx[1].pamdir, "sk-test", a.name, NULL, a.password,
	                                   code), PAM_SUCCESS);
}

/* Fail closed when the database is slow: another session holds this user's lock (as a
 * stuck broker would); the login waits at most statement_timeout (5 s by default) and is
 * refused, well before the broker's request_timeout_ms (15 s). */
static void
test_database_slow_fails_closed(void **state)
{
	struct account a;
	struct skpd d;
	struct timespec t0;
	char code[16], cmd[2048];
	double took;
	pid_t holder;
	int r, status;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();
	ready_account(&a, "spread5");
	snprintf(cmd, sizeof(cmd), "psql -X -q '%s' -c \"SELECT pg_advisory_lock("
	         "hashtextextended('spread5', 5338)), pg_sleep(12)\" >/dev/null 2>&1", fx[0].store);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	sleep(1);   /* the holder has its lock (its 12 s outlast the whole check) */
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = skpd_authenticate(&d, fx[2].pamdir, "sk-test", a.name, NULL, a.password, code);
	took = seconds_since(&t0);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_int_not_equal(r, PAM_SUCCESS);
	assert_true(took >= 4.0);    /* it waited for the lock ... */
	assert_true(took < 11.0);    /* ... and gave up at statement_timeout */
}

/* SQLite: one broker owns the file; a second sekimorid on it exits instead of serving. */
static void
test_sqlite_second_broker_refused(void **state)
{
	struct sk_fixture first, second;
	char conf[1024], out[1024], cmd[2048];
	int status;

	(void)state;
	if (sk_test_store_is_pg())
		skip();
	skfx_start_bare(&first, "C", profiles);
	memset(&second, 0, sizeof(second));
	/* The peer's conf names first's store by its absolute path. */
	snprintf(first.store, sizeof(first.store), "%s/state/sekimori.db", first.dir);
	sk_test_mkdtemp(second.dir, sizeof(second.dir));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/keys' '%s/keys'", first.dir, second.dir);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	snprintf(conf, sizeof(conf), "[broker]\nsocket = s.sock\nstore = %s\n"
	         "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	         "key_dir = keys\n%s", first.store, profiles);
	sk_test_write_file(second.dir, "sekimori.conf", conf, second.conf, sizeof(second.conf));
	snprintf(cmd, sizeof(cmd), "timeout 20 '%s' -c '%s' -f >'%s/broker.log' 2>&1",
	         getenv("SK_SEKIMORID"), second.conf, second.dir);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(WEXITSTATUS(status), 124);   /* exited by itself, not by timeout */
	sk_test_rmtree(second.dir);
	skfx_finish(&first);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_login_1_guesses_over_three_brokers),
		cmocka_unit_test(test_r_mfa_1_one_code_once_over_three_brokers),
		cmocka_unit_test(test_r_login_1_admin_lock_seen_by_every_broker),
		cmocka_unit_test(test_r_priv_7_grant_revocation_seen_by_every_broker),
		cmocka_unit_test(test_r_priv_7_grant_expiry_seen_by_every_broker),
		cmocka_unit_test(test_database_slow_fails_closed),
		cmocka_unit_test(test_database_down_fails_closed_and_resumes),
		cmocka_unit_test(test_sqlite_second_broker_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
