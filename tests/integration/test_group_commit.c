/* Group commit (issue 11, item 1; broker/audit/audit_durable.c, doc/architecture.md
 * "Durability"): decisions that arrive together share one sync, no reply leaves before the
 * sync that covers it, and the store's copy of the audit lines gives back records the log
 * lost (R-LOG-1, R-LOG-3).
 *   - concurrent failed logins: the broker's STATUS counts fewer syncs than commits;
 *   - SIGKILL under concurrent load: every failure a client was answered is in the store's
 *     tally and has its record, and `audit verify` passes after the restart;
 *   - the store ahead of the log (the log's tail of whole records lost, as after a power
 *     failure that wrote the WAL back first): the restart writes the records back from the
 *     store and `audit verify` passes; a log cut back beyond what the store kept is refused.
 * R-TEST-1: generated users and passwords only. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sk_audit_chain.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define USERS 8
#define PER_USER 12

static struct sk_fixture fx;

/* deny is high so that every wrong password is counted, none refused as locked. */
static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 100\nfail_interval = 86400\n"
	"unlock_time = 0\ntotp_window = 2\n";

static atomic_int stop_load;

struct loader {
	pthread_t tid;
	char user[32];
	int rounds;             /* 0: until stop_load or the broker dies */
	atomic_int answered;    /* failures the broker answered (PAM_AUTH_ERR) */
};

static struct loader loaders[USERS];

static void *
load(void *arg)
{
	struct loader *l = arg;
	struct skpd d;

	for (int i = 0; l->rounds == 0 || i < l->rounds; i++) {
		if (l->rounds == 0 && atomic_load(&stop_load))
			break;
		if (skpd_authenticate(&d, fx.pamdir, "sk-test", l->user, NULL, "wrong-guess-1",
		                      "000000") != PAM_AUTH_ERR)
			break;   /* the broker died under us: this attempt had no answer */
		atomic_fetch_add(&l->answered, 1);
	}
	return NULL;
}

static void
start_loaders(int rounds)
{
	atomic_store(&stop_load, 0);
	for (int i = 0; i < USERS; i++) {
		loaders[i].rounds = rounds;
		atomic_store(&loaders[i].answered, 0);
		assert_int_equal(pthread_create(&loaders[i].tid, NULL, load, &loaders[i]), 0);
	}
}

static void
join_loaders(void)
{
	atomic_store(&stop_load, 1);
	for (int i = 0; i < USERS; i++)
		assert_int_equal(pthread_join(loaders[i].tid, NULL), 0);
}

static int64_t
json_int(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_int64(v);
}

static void
status_counts(int64_t *syncs, int64_t *commits)
{
	char out[16384];
	json_object *o;

	assert_int_equal(skfx_cli(&fx, "--json status", NULL, out, sizeof(out)), 0);
	o = json_tokener_parse(out);
	assert_non_null(o);
	*syncs = json_int(o, "durable_syncs");
	*commits = json_int(o, "durable_commits");
	json_object_put(o);
}

static int
committed_failures(const char *user)
{
	char out[8192], args[128], *p;

	snprintf(args, sizeof(args), "--json user show %s", user);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	p = strstr(out, "\"failures\":");
	assert_non_null(p);
	return atoi(p + strlen("\"failures\":"));
}

/* bad_password records of user in the log that no audit.not_committed marker names. */
static int
logged_failures(const char *user)
{
	char path[700], line[8192];
	int64_t seqs[4096], first[64], last[64];
	size_t n = 0, m = 0;
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_object *o = json_tokener_parse(line), *v;
		const char *ev = "", *u = "", *reason = "";

		assert_non_null(o);
		if (json_object_object_get_ex(o, "event", &v))
			ev = json_object_get_string(v);
		if (json_object_object_get_ex(o, "user", &v))
			u = json_object_get_string(v);
		if (json_object_object_get_ex(o, "reason", &v))
			reason = json_object_get_string(v);
		if (strcmp(u, user) == 0 && strcmp(reason, "bad_password") == 0) {
			assert_true(n < sizeof(seqs) / sizeof(seqs[0]));
			seqs[n++] = json_int(o, "seq");
		}
		if (strcmp(ev, "audit.not_committed") == 0) {
			assert_true(m < sizeof(first) / sizeof(first[0]));
			first[m] = json_int(o, "first");
			last[m++] = json_int(o, "last");
		}
		json_object_put(o);
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		int marked = 0;

		for (size_t j = 0; j < m; j++)
			marked |= seqs[i] >= first[j] && seqs[i] <= last[j];
		count += !marked;
	}
	return count;
}

static void
setup_users(void)
{
	static int done;
	char pw[64], seed[64], args[1024];

	if (done)
		return;
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	for (int i = 0; i < USERS; i++) {
		snprintf(loaders[i].user, sizeof(loaders[i].user), "gc%d", i + 1);
		skfx_add_user(&fx, loaders[i].user, "mynumber", pw, sizeof(pw));
		skfx_enroll_totp(&fx, loaders[i].user, seed, sizeof(seed));
		skfx_first_login(&fx, loaders[i].user, pw, seed, "Kawa-Nagare-2026x");
	}
	done = 1;
}

/* R-LOG-1: USERS clients at once, PER_USER failed logins each: every failure is counted and
 * recorded, and the broker made fewer syncs than it committed transactions (decisions that
 * arrived together shared one). */
static void
test_r_log_1_concurrent_decisions_share_syncs(void **state)
{
	int64_t syncs0, commits0, syncs, commits;
	char out[4096];

	(void)state;
	setup_users();
	status_counts(&syncs0, &commits0);
	start_loaders(PER_USER);
	join_loaders();
	status_counts(&syncs, &commits);
	for (int i = 0; i < USERS; i++) {
		assert_int_equal(atomic_load(&loaders[i].answered), PER_USER);
		assert_int_equal(committed_failures(loaders[i].user), PER_USER);
		assert_int_equal(logged_failures(loaders[i].user), PER_USER);
	}
	print_message("commits %lld, syncs %lld: %.2f commits per sync\n",
	              (long long)(commits - commits0), (long long)(syncs - syncs0),
	              (double)(commits - commits0) / (double)(syncs - syncs0 ? syncs - syncs0 : 1));
	assert_true(commits - commits0 >= USERS * PER_USER);
	assert_true(syncs - syncs0 >= 1);
	assert_true(syncs - syncs0 < commits - commits0);
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit log intact"));
}

/* R-LOG-1: the broker SIGKILLed while USERS clients fail logins: after the restart, every
 * failure a client got an answer for is in the store's tally and in the log (unmarked), and
 * the chain verifies. */
static void
test_r_log_1_sigkill_under_concurrent_load_keeps_every_answer(void **state)
{
	int before[USERS], status;
	char out[4096];

	(void)state;
	setup_users();
	for (int i = 0; i < USERS; i++)
		before[i] = committed_failures(loaders[i].user);
	start_loaders(0);
	/* Bounded wait until the load has answers, then the kill. */
	for (int i = 0; i < 1200; i++) {
		int total = 0;

		for (int j = 0; j < USERS; j++)
			total += atomic_load(&loaders[j].answered);
		if (total >= 3 * USERS)
			break;
		usleep(25000);
	}
	assert_int_equal(kill(fx.broker, SIGKILL), 0);
	assert_int_equal(waitpid(fx.broker, &status, 0), fx.broker);
	assert_true(WIFSIGNALED(status));
	fx.broker = 0;
	join_loaders();
	assert_int_equal(unlink(fx.socket), 0);
	skfx_restart(&fx);
	for (int i = 0; i < USERS; i++) {
		int answered = atomic_load(&loaders[i].answered);
		int tally = committed_failures(loaders[i].user) - before[i];

		/* At most one more: the attempt in flight when the broker died may have committed
		 * without its answer. */
		assert_true(tally >= answered);
		assert_true(tally <= answered + 1);
		assert_int_equal(logged_failures(loaders[i].user), before[i] + tally);
	}
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit log intact"));
}

/* The log's whole lines; v[i] points into buf. */
struct lines {
	char *buf;
	char *v[8192];
	size_t n;
};

static void
load_lines(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "rb");
	long size;
	char *p, *nl;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	l->buf = malloc((size_t)size + 1);
	assert_non_null(l->buf);
	assert_int_equal(fread(l->buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	l->buf[size] = '\0';
	l->n = 0;
	for (p = l->buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(l->n < sizeof(l->v) / sizeof(l->v[0]));
		l->v[l->n++] = p;
	}
}

static void
save_lines(const char *path, const struct lines *l, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_true(fprintf(f, "%s\n", l->v[i]) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Rewrites the anchor for line i (0-based) of l, with the broker's key: the anchor as the
 * disk would hold it had the kernel not written the later ones back either. */
static void
anchor_at(const struct lines *l, size_t i)
{
	char path[700], mac[SK_AUDIT_MAC_HEX + 1], prev[SK_AUDIT_MAC_HEX + 1];
	unsigned char key[SK_AUDIT_KEY_LEN];
	struct sk_audit_anchor a;
	const char *why = "";
	int fd;

	snprintf(path, sizeof(path), "%s/keys/audit.key", fx.dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, key, sizeof(key)), (ssize_t)sizeof(key));
	close(fd);
	assert_int_equal(sk_audit_line_open(key, sizeof(key), l->v[i], strlen(l->v[i]), &a.seq,
	                                    prev, mac, &why), 0);
	memcpy(a.mac, mac, sizeof(a.mac));
	snprintf(path, sizeof(path), "%s/state/audit.anchor", fx.dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(sk_audit_anchor_write(fd, key, sizeof(key), &a), 0);
	close(fd);
}

/* One number from the store, SQLite or PostgreSQL (skfx_store_sql). */
static int64_t
store_int(const char *sql)
{
	char res[256], *end = NULL;
	long long v;

	if (skfx_store_sql(&fx, sql, res, sizeof(res)) != 0)
		fail_msg("store SQL failed: %s: %s", sql, res);
	v = strtoll(res, &end, 10);
	if (end == res || (*end != '\0' && *end != '\n'))
		fail_msg("not a number: %s: %s", sql, res);
	return v;
}

/* The seq the store committed with the last record. SQLite keeps it in meta 'audit_seq';
 * PostgreSQL one per broker, 'audit_seq@<broker_id>' (the host name by default), and this
 * test's database has one broker. */
static int64_t
store_committed_seq(void)
{
	return store_int(sk_test_store_is_pg()
	                 ? "SELECT CAST(value AS BIGINT) FROM meta WHERE key LIKE 'audit_seq@%'"
	                 : "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_seq'");
}

/* Starts the broker and expects it to refuse (exit 1). */
static void
start_refused(void)
{
	char log[700];
	int status;

	snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
	fx.broker = fork();
	assert_true(fx.broker >= 0);
	if (fx.broker == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		execl(getenv("SK_SEKIMORID"), "sekimorid", "-c", fx.conf, "-f", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(fx.broker, &status, 0), fx.broker);
	fx.broker = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

/* R-LOG-1, R-LOG-3: the store committed records the log lost. The broker stopped; the
 * store still holds the lines the log had not synced at its last prune (audit_tail). The
 * log is cut back to the record before the first of them, and the anchor set to that record
 * (the disk after a power failure that wrote the WAL but neither the log's tail nor the
 * later anchors back): the restart writes the lines back, and the chain verifies with the
 * same records as before. Cut one record further (beyond the store's copy): refused. */
static void
test_r_log_3_store_ahead_of_log_restored(void **state)
{
	char logpath[700], saved[700], anchorpath[700], savedanchor[700], out[4096];
	struct lines before, after;
	int64_t kept_first, kept_last, committed;
	size_t cut;

	(void)state;
	setup_users();
	start_loaders(2);
	join_loaders();
	skfx_stop_broker(&fx);
	committed = store_committed_seq();
	kept_first = store_int("SELECT coalesce(min(seq), 0) FROM audit_tail");
	kept_last = store_int("SELECT coalesce(max(seq), 0) FROM audit_tail");
	print_message("store committed %lld, keeps lines %lld-%lld\n", (long long)committed,
	              (long long)kept_first, (long long)kept_last);
	assert_true(kept_first >= 2);
	assert_int_equal(kept_last, committed);

	snprintf(logpath, sizeof(logpath), "%s/log/audit.jsonl", fx.dir);
	snprintf(saved, sizeof(saved), "%s/audit.jsonl.saved", fx.dir);
	snprintf(anchorpath, sizeof(anchorpath), "%s/state/audit.anchor", fx.dir);
	snprintf(savedanchor, sizeof(savedanchor), "%s/audit.anchor.saved", fx.dir);
	load_lines(logpath, &before);
	assert_int_equal((int64_t)before.n, committed);
	save_lines(saved, &before, before.n);
	{
		struct lines a;

		load_lines(anchorpath, &a);
		save_lines(savedanchor, &a, a.n);
		free(a.buf);
	}

	/* The log without records kept_first..committed, the anchor at kept_first - 1. */
	cut = (size_t)(kept_first - 1);
	save_lines(logpath, &before, cut);
	anchor_at(&before, cut - 1);
	skfx_restart(&fx);
	load_lines(logpath, &after);
	assert_true(after.n >= before.n);
	for (size_t i = 0; i < before.n; i++)
		assert_string_equal(after.v[i], before.v[i]);
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit log intact"));
	{
		char log[700], text[65536];
		int fd;
		ssize_t n;

		snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
		fd = open(log, O_RDONLY);
		assert_true(fd >= 0);
		n = pread(fd, text, sizeof(text) - 1, 0);
		close(fd);
		assert_true(n > 0);
		text[n] = '\0';
		assert_non_null(strstr(text, "written back from the store's copy"));
	}
	free(after.buf);

	/* One record further than the store's copy reaches: refused. */
	skfx_stop_broker(&fx);
	free(before.buf);
	load_lines(logpath, &before);
	committed = store_committed_seq();
	kept_first = store_int("SELECT coalesce(min(seq), 0) FROM audit_tail");
	assert_true(kept_first >= 3);
	save_lines(saved, &before, before.n);
	{
		struct lines a;

		load_lines(anchorpath, &a);
		save_lines(savedanchor, &a, a.n);
		free(a.buf);
	}
	cut = (size_t)(kept_first - 2);
	save_lines(logpath, &before, cut);
	anchor_at(&before, cut - 1);
	start_refused();
	/* Put back so that the fixture can finish. */
	save_lines(logpath, &before, before.n);
	{
		struct lines a;

		load_lines(savedanchor, &a);
		save_lines(anchorpath, &a, a.n);
		free(a.buf);
	}
	free(before.buf);
	skfx_restart(&fx);
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", profiles);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_1_concurrent_decisions_share_syncs),
		cmocka_unit_test(test_r_log_1_sigkill_under_concurrent_load_keeps_every_answer),
		cmocka_unit_test(test_r_log_3_store_ahead_of_log_restored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
