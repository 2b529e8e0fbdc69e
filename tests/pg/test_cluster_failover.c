/* Failover (issue 12, item 5; R-LOGIN-1, R-LOG-1): three sekimorid on one PostgreSQL, logins
 * from several clients spread over them, through real libpam and the built module.
 *
 * The module talks to one broker (its conf=), so each client chooses among the three
 * brokers' PAM services itself, in turn, and when a broker does not answer
 * (PAM_AUTHINFO_UNAVAIL) tries the next one, at most once each: that is the client's
 * failover, not the module's.
 *
 * Under that load: one broker is killed with SIGKILL, and logins go on on the two others;
 * then PostgreSQL is stopped (pg_ctl stop -m immediate) and started again: while it is down
 * no login succeeds, and afterwards the brokers reconnect and logins succeed again.
 * Finally every reply is held to the audit records and the store's counters: no success
 * without a committed allow record, no decision counted twice. Runs under
 * tests/pg/with-pg.sh (cluster_failover_pg). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define BROKERS 3
#define CLIENTS 6
#define OK_USERS_PER_CLIENT 2    /* right password and a fresh TOTP code */
#define BAD_USERS_PER_CLIENT 1   /* wrong password */
#define USERS_PER_CLIENT (OK_USERS_PER_CLIENT + BAD_USERS_PER_CLIENT)
#define PASSWORD "Sakura-Namiki-2026"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 100\nfail_interval = 1\nunlock_time = 0\nidle_timeout = 600\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"totp_window = 2\n";

static struct sk_fixture fx[BROKERS];

struct user {
	char name[32];
	char seed[64];
	int wrong;               /* a wrong-password user */
	long long last_step;     /* the last TOTP step tried */
	/* What the client saw: */
	int success, auth_err, unknown;   /* unknown: no verdict (broker or store down) */
};

struct client {
	int id;
	pthread_t thread;
	struct user users[USERS_PER_CLIENT];
	unsigned turn;
};

static struct client clients[CLIENTS];
static atomic_int stop_load;
static atomic_int attempts_done;
/* Logins that succeeded, counted by broker, and those that ended within the window in
 * which the database was known to be down. */
static atomic_int successes_at[BROKERS];
static atomic_int success_while_down;
static atomic_int ended_while_down;
static atomic_int db_down;   /* set after pg_ctl stop returned, cleared before start */

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
ready_user(struct user *u, const char *name, int wrong)
{
	char temp[64];

	snprintf(u->name, sizeof(u->name), "%s", name);
	u->wrong = wrong;
	skfx_add_user(&fx[0], u->name, "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx[0], u->name, u->seed, sizeof(u->seed));
	skfx_first_login(&fx[0], u->name, temp, u->seed, PASSWORD);
	u->last_step = (long long)time(NULL) / 30 + 1;   /* first_login used +30 s */
}

static int
setup(void **state)
{
	char args[1024], name[32];

	(void)state;
	skfx_start(&fx[0], "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx[0].conf);
	skpd_write_service(fx[0].pamdir, "sk-test", args, NULL);
	skfx_start_peer(&fx[1], &fx[0], "b2", "profile=mynumber");
	skfx_start_peer(&fx[2], &fx[0], "b3", "profile=mynumber");
	for (int c = 0; c < CLIENTS; c++) {
		clients[c].id = c;
		for (int k = 0; k < USERS_PER_CLIENT; k++) {
			snprintf(name, sizeof(name), "fo%d%c", c, 'a' + k);
			ready_user(&clients[c].users[k], name, k >= OK_USERS_PER_CLIENT);
		}
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = BROKERS - 1; i >= 0; i--)
		skfx_finish(&fx[i]);
	return 0;
}

/* One login of u: the brokers in turn from `first`, the next one when a broker gives no
 * verdict. Returns the PAM code of the last try. */
static int
login(struct user *u, int first, int *tries_unknown)
{
	char code[16];
	const char *password = u->wrong ? "wrong-password-1" : PASSWORD;
	int r = PAM_AUTHINFO_UNAVAIL;

	*tries_unknown = 0;
	if (u->wrong) {
		snprintf(code, sizeof(code), "000000");
	} else {
		long long step = (long long)time(NULL) / 30;

		if (step <= u->last_step)
			step = u->last_step + 1;
		if (step > (long long)time(NULL) / 30 + 2)
			return -1;   /* no fresh step within the window yet */
		u->last_step = step;
		skfx_totp_code(u->seed, (long)(step * 30 + 1 - (long long)time(NULL)), code,
		               sizeof(code));
	}
	for (int k = 0; k < BROKERS; k++) {
		struct skpd d;
		int b = (first + k) % BROKERS;

		r = skpd_authenticate(&d, fx[b].pamdir, "sk-test", u->name, NULL, password, code);
		if (r == PAM_SUCCESS)
			atomic_fetch_add(&successes_at[b], 1);
		if (r == PAM_SUCCESS || r == PAM_AUTH_ERR)
			return r;
		(*tries_unknown)++;   /* this broker may or may not have decided */
	}
	return r;
}

static void *
client_run(void *arg)
{
	struct client *c = arg;

	while (!atomic_load(&stop_load)) {
		struct user *u = &c->users[c->turn % USERS_PER_CLIENT];
		int was_down = atomic_load(&db_down), unknown, r;

		r = login(u, (int)((c->turn + (unsigned)c->id) % BROKERS), &unknown);
		c->turn++;
		if (r == -1) {
			usleep(50000);   /* this user's next TOTP step is not in reach yet */
			continue;
		}
		u->unknown += unknown;
		if (r == PAM_SUCCESS)
			u->success++;
		else if (r == PAM_AUTH_ERR)
			u->auth_err++;
		/* Begun and ended while the database was down. */
		if (was_down && atomic_load(&db_down)) {
			atomic_fetch_add(&ended_while_down, 1);
			if (r == PAM_SUCCESS)
				atomic_fetch_add(&success_while_down, 1);
		}
		atomic_fetch_add(&attempts_done, 1);
	}
	return NULL;
}

/* Waits (at most limit seconds) until cond() holds. */
static int
wait_until(int (*cond)(void *), void *arg, double limit)
{
	double t0 = now_s();

	while (!cond(arg)) {
		if (now_s() - t0 > limit)
			return 0;
		usleep(100000);
	}
	return 1;
}

static int
attempts_reach(void *arg)
{
	return atomic_load(&attempts_done) >= *(int *)arg;
}

static int
successes_reach(void *arg)
{
	const int *want = arg;   /* [broker, count] */

	return atomic_load(&successes_at[want[0]]) >= want[1];
}

static void
pg_ctl(const char *action)
{
	char cmd[2048], out[4096];

	snprintf(cmd, sizeof(cmd), "%s '%s' -D '%s' -l '%s' -w -t 60 %s 2>&1",
	         getenv("SK_TEST_PG_AS"), getenv("SK_TEST_PG_CTL"), getenv("SK_TEST_PG_DATA"),
	         getenv("SK_TEST_PG_LOG"), action);
	if (sk_test_run(cmd, out, sizeof(out)) != 0)
		fail_msg("pg_ctl %s: %s", action, out);
}

/* The seqs an audit.not_committed marker of fx's log names ([first, last] pairs). */
struct ranges {
	unsigned long long r[64][2];
	int n;
};

static unsigned long long
field_u(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p != NULL ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void
not_committed(struct sk_fixture *f, struct ranges *rg)
{
	char path[700], line[8192];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", f->dir);
	assert_non_null(fp = fopen(path, "r"));
	rg->n = 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, "\"event\":\"audit.not_committed\"") != NULL && rg->n < 64) {
			rg->r[rg->n][0] = field_u(line, "\"first\":");
			rg->r[rg->n][1] = field_u(line, "\"last\":");
			rg->n++;
		}
	fclose(fp);
}

/* Authentication records of every broker's log holding both needles, whose transaction
 * committed. */
static int
committed_count(const char *a, const char *b)
{
	int n = 0;

	for (int i = 0; i < BROKERS; i++) {
		struct ranges rg;
		char path[700], line[8192];
		FILE *fp;

		not_committed(&fx[i], &rg);
		snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx[i].dir);
		assert_non_null(fp = fopen(path, "r"));
		while (fgets(line, sizeof(line), fp) != NULL) {
			unsigned long long seq = field_u(line, "{\"seq\":");
			int dropped = 0;

			if (strstr(line, a) == NULL || strstr(line, b) == NULL ||
			    strstr(line, "\"event\":\"auth\"") == NULL)
				continue;
			if (seq == 0)
				seq = field_u(line, ",\"seq\":");
			for (int k = 0; k < rg.n; k++)
				dropped |= seq >= rg.r[k][0] && seq <= rg.r[k][1];
			n += !dropped;
		}
		fclose(fp);
	}
	return n;
}

/* Whether broker b's log says it refuses every record until restart. */
static int
log_refuses(int b)
{
	char cmd[1024], out[256];

	snprintf(cmd, sizeof(cmd), "grep -c 'audit log refuses every further record until restart'"
	         " '%s/broker.log'", fx[b].dir);
	return sk_test_run(cmd, out, sizeof(out)) == 0 && atoi(out) > 0;
}

/* Whether broker b wrote a marker an outage had held back (audit_event.c, on_committed). */
static int
pending_marked(int b)
{
	char cmd[1024], out[256];

	snprintf(cmd, sizeof(cmd), "grep -c 'of rolled-back transactions are marked not committed"
	         " now' '%s/broker.log'", fx[b].dir);
	return sk_test_run(cmd, out, sizeof(out)) == 0 && atoi(out) > 0;
}

/* Why a wait failed: each broker's own log (its last lines). */
static void
show_broker_logs(void)
{
	for (int i = 0; i < BROKERS; i++) {
		char cmd[1024], out[4096];

		snprintf(cmd, sizeof(cmd), "{ grep -m 3 'refuses every further record' '%s/broker.log';"
		         " grep -v 'audit anchor=' '%s/broker.log' | tail -n 4; }", fx[i].dir,
		         fx[i].dir);
		if (sk_test_run(cmd, out, sizeof(out)) >= 0)
			print_message("broker %d:\n%s\n", i + 1, out);
	}
}

static void
test_r_login_1_broker_killed_and_database_restarted_under_load(void **state)
{
	int want, status, want_success[2], killed_at, marked = 0;
	char needle[64], sql[256], out[256], args[4096], verdict[8192];
	double t_down;

	(void)state;
	for (int c = 0; c < CLIENTS; c++)
		assert_int_equal(pthread_create(&clients[c].thread, NULL, client_run, &clients[c]), 0);
	want = 30;
	assert_true(wait_until(attempts_reach, &want, 120));

	/* A broker killed under load: the others go on. */
	assert_int_equal(kill(fx[2].broker, SIGKILL), 0);
	assert_int_equal(waitpid(fx[2].broker, &status, 0), fx[2].broker);
	fx[2].broker = 0;
	killed_at = atomic_load(&attempts_done);
	for (int b = 0; b < 2; b++) {
		want_success[0] = b;
		want_success[1] = atomic_load(&successes_at[b]) + 3;
		assert_true(wait_until(successes_reach, want_success, 120));
	}
	want = killed_at + 30;
	assert_true(wait_until(attempts_reach, &want, 120));

	/* The database stopped as by a crash, under load: nothing succeeds while it is down. */
	pg_ctl("-m immediate stop");
	atomic_store(&db_down, 1);
	t_down = now_s();
	while (now_s() - t_down < 20 && atomic_load(&ended_while_down) < 12)
		usleep(100000);
	atomic_store(&db_down, 0);
	pg_ctl("start");
	assert_true(atomic_load(&ended_while_down) >= CLIENTS);
	assert_int_equal(atomic_load(&success_while_down), 0);

	/* Back: both live brokers reconnect by themselves and logins succeed again, with no
	 * restart. That includes a broker whose transaction the outage rolled back at its
	 * commit: the audit marker for that transaction's records could not be written while
	 * the database was down, so it was kept pending and written by the next transaction
	 * (audit_event.c, on_rolled_back); its log must never refuse records. */
	for (int b = 0; b < 2; b++) {
		want_success[0] = b;
		want_success[1] = atomic_load(&successes_at[b]) + 2;
		if (!wait_until(successes_reach, want_success, 120) || log_refuses(b)) {
			show_broker_logs();
			fail_msg("no logins succeed on broker %d after the database came back", b + 1);
		}
		if (pending_marked(b))
			marked++;
	}
	print_message("brokers that marked a rolled-back transaction after the outage, with no "
	              "restart: %d of 2\n", marked);
	atomic_store(&stop_load, 1);
	for (int c = 0; c < CLIENTS; c++)
		assert_int_equal(pthread_join(clients[c].thread, NULL), 0);
	for (int b = 0; b < 2; b++)
		assert_true(kill(fx[b].broker, 0) == 0);

	/* The killed broker starts again on its log: records it appended but never committed
	 * get their audit.not_committed marker, so that committed records can be counted. */
	skfx_restart(&fx[2]);
	/* The three chains together (item 3): whole, none missing, no record in two places,
	 * each reaching the seq the store committed for its broker. */
	snprintf(args, sizeof(args), "audit verify --brokers --store '%s'", fx[0].store);
	for (int i = 0; i < BROKERS; i++) {
		size_t n = strlen(args);

		snprintf(args + n, sizeof(args) - n, " %s/log/audit.jsonl:%s/state/audit.anchor",
		         fx[i].dir, fx[i].dir);
	}
	if (skfx_cli(&fx[0], args, NULL, verdict, sizeof(verdict)) != 0)
		fail_msg("%s", verdict);
	assert_non_null(strstr(verdict, "Audit logs of 3 brokers intact"));

	/* Every reply against the audit records and the store. */
	for (int c = 0; c < CLIENTS; c++)
		for (int k = 0; k < USERS_PER_CLIENT; k++) {
			struct user *u = &clients[c].users[k];
			int allow, denied;

			snprintf(needle, sizeof(needle), "\"user\":\"%s\"", u->name);
			allow = committed_count(needle, "\"result\":\"allow\"");
			denied = committed_count(needle, "\"reason\":\"bad_password\"");
			print_message("%s: client saw %d allowed, %d denied, %d without verdict; "
			              "committed records: %d allow, %d bad_password\n", u->name,
			              u->success, u->auth_err, u->unknown, allow, denied);
			if (!u->wrong) {
				/* first_login's allow is one more committed record. No success without
				 * its committed record; at most one record per try without verdict. */
				assert_true(allow - 1 >= u->success);
				assert_true(allow - 1 <= u->success + u->unknown);
				assert_int_equal(u->auth_err, 0);
				assert_true(u->success > 0);
			} else {
				assert_int_equal(u->success, 0);
				assert_true(denied >= u->auth_err);
				assert_true(denied <= u->auth_err + u->unknown);
				assert_true(u->auth_err > 0);
				/* The store counts exactly the failures whose records committed. */
				snprintf(sql, sizeof(sql), "SELECT failures_since_login FROM users WHERE "
				         "name = '%s'", u->name);
				assert_int_equal(skfx_store_sql(&fx[0], sql, out, sizeof(out)), 0);
				assert_int_equal(atoi(out), denied);
			}
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_login_1_broker_killed_and_database_restarted_under_load),
	};

	if (!sk_test_store_is_pg()) {
		printf("SKIP: needs SK_TEST_STORE=pg (run under tests/pg/with-pg.sh)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
