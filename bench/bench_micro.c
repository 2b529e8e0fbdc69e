/* The pieces of one login, measured alone: yescrypt, the durable writes (fdatasync, audit
 * append, SQLite commit) and the protocol round trips without libpam. The in-process parts
 * call the broker's own functions (skbroker) on files in the benchmark's folder, so they
 * hit the same file system as the running broker. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "audit_event.h"
#include "audit_log.h"
#include "bench.h"
#include "password.h"
#include "sk_audit_chain.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "store.h"
#include "store_user.h"

static void
path_in(char *out, size_t outsz, const char *dir, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= outsz)
		bench_die("path %s/%s too long", dir, name);
}

struct series {
	double *v;
	size_t n, cap;
};

static void
series_init(struct series *s, size_t cap)
{
	s->n = 0;
	s->cap = cap;
	if ((s->v = calloc(cap, sizeof(*s->v))) == NULL)
		bench_die("allocation");
}

static void
series_add(struct series *s, double ms)
{
	if (s->n < s->cap)
		s->v[s->n++] = ms;
}

static void
series_done(struct series *s, const char *what, struct bench_micro *out, size_t *n)
{
	out[*n].what = what;
	bench_stats_of(s->v, s->n, &out[*n].s);
	(*n)++;
	free(s->v);
}

char bench_micro_notes[512];

static double
tv_ms(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_usec - a->tv_usec) / 1e3;
}

static void
micro_password(unsigned scale, struct bench_micro *out, size_t *n)
{
	char hash[PASSWORD_HASH_MAX] = "";
	struct series h, v;
	size_t iters = 8 * (size_t)scale;

	struct rusage r0, r1;

	series_init(&h, iters);
	series_init(&v, iters);
	getrusage(RUSAGE_THREAD, &r0);
	for (size_t i = 0; i < iters; i++) {
		double t0 = bench_now_ms();

		if (password_hash(BENCH_PASSWORD, hash, sizeof(hash)) != SK_OK)
			bench_die("password_hash failed");
		series_add(&h, bench_now_ms() - t0);
		t0 = bench_now_ms();
		if (password_verify(BENCH_PASSWORD, hash) != SK_OK)
			bench_die("password_verify failed");
		series_add(&v, bench_now_ms() - t0);
	}
	getrusage(RUSAGE_THREAD, &r1);
	if (strrchr(hash, '$') == NULL)
		bench_die("no yescrypt hash");
	/* Hash and verify cost the same; split the CPU of both between user and kernel. */
	snprintf(bench_micro_notes, sizeof(bench_micro_notes),
	         "yescrypt setting %.*s: per hash or verify %.1f ms user + %.1f ms system CPU, "
	         "%.0f minor page faults (its memory is mapped and touched afresh every call).",
	         (int)(strrchr(hash, '$') - hash), hash,
	         tv_ms(&r0.ru_utime, &r1.ru_utime) / (double)(2 * iters),
	         tv_ms(&r0.ru_stime, &r1.ru_stime) / (double)(2 * iters),
	         (double)(r1.ru_minflt - r0.ru_minflt) / (double)(2 * iters));
	series_done(&h, "password_hash (yescrypt, libxcrypt default cost)", out, n);
	series_done(&v, "password_verify (yescrypt)", out, n);
}

/* What the device gives one small durable append, with nothing of Sekimori around it. */
static void
micro_fdatasync(const char *dir, unsigned scale, struct bench_micro *out, size_t *n)
{
	char path[700], line[300];
	struct series s;
	size_t iters = 100 * (size_t)scale;
	int fd;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	path_in(path, sizeof(path), dir, "raw.log");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		bench_die("open %s: %s", path, strerror(errno));
	series_init(&s, iters);
	for (size_t i = 0; i < iters; i++) {
		double t0 = bench_now_ms();

		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) || fdatasync(fd) != 0)
			bench_die("write/fdatasync: %s", strerror(errno));
		series_add(&s, bench_now_ms() - t0);
	}
	close(fd);
	series_done(&s, "write 300 B + fdatasync (the disk alone)", out, n);
}

/* A broker_conn good enough for broker_audit: the audit log and a peer. */
static struct broker micro_broker;

static void
micro_conn(struct broker_conn *c, struct audit_log *log)
{
	memset(c, 0, sizeof(*c));
	micro_broker.audit = log;
	c->b = &micro_broker;
	c->peer_uid = 0;
	c->peer_pid = getpid();
	snprintf(c->peer_name, sizeof(c->peer_name), "root");
}

static json_object *
auth_fields(void)
{
	json_object *x = audit_field(NULL, "service", BENCH_SERVICE);

	x = audit_field(x, "rhost", "");
	x = audit_field(x, "tty", "pts/1");
	x = audit_field(x, "profile", BENCH_PROFILE);
	x = audit_field(x, "methods", "password,totp");
	x = audit_field(x, "classes", "knowledge,possession");
	return audit_field(x, "reason", "ok");
}

static void
micro_store_audit(const char *dir, unsigned scale, struct bench_micro *out, size_t *n)
{
	char log_path[700], anchor_path[700], db_path[700];
	unsigned char key[SK_AUDIT_KEY_LEN];
	struct audit_log *log = NULL;
	struct broker_conn c;
	struct series a, s, both;
	struct user_rec u;
	size_t iters = 100 * (size_t)scale;
	struct sk_store *store = NULL;
	struct sk_store_txn *db = NULL;
	json_object *ev;
	int saved_stderr;

	path_in(log_path, sizeof(log_path), dir, "audit.jsonl");
	path_in(anchor_path, sizeof(anchor_path), dir, "audit.anchor");
	path_in(db_path, sizeof(db_path), dir, "store.db");
	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    audit_log_open(log_path, anchor_path, key, sizeof(key), &log) != SK_OK)
		bench_die("cannot open the audit log in %s", dir);
	if (store_open(db_path, &store) != SK_OK || store_acquire(store, &db) != SK_OK)
		bench_die("cannot open the store in %s", dir);
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "micro1");
	snprintf(u.profile, sizeof(u.profile), BENCH_PROFILE);
	snprintf(u.pw_hash, sizeof(u.pw_hash), "$y$j9T$x$y");
	u.created = time(NULL);
	if (store_begin(db) != SK_OK || store_user_insert(db, &u) != SK_OK ||
	    store_commit(db) != SK_OK)
		bench_die("cannot insert the micro user");
	micro_conn(&c, log);
	c.db = db;
	/* The audit writer copies every record to the log as a one-line summary (syslog in
	 * production, stderr for a foreground broker): send it where it costs least. */
	sk_log_to_stderr(1);
	fflush(stderr);
	saved_stderr = dup(2);
	if (saved_stderr < 0 || freopen("/dev/null", "w", stderr) == NULL)
		bench_die("cannot silence stderr");

	series_init(&a, iters);
	series_init(&s, iters);
	series_init(&both, iters);
	ev = auth_fields();
	json_object_object_add(ev, "event", json_object_new_string("auth"));
	json_object_object_add(ev, "user", json_object_new_string(u.name));
	json_object_object_add(ev, "result", json_object_new_string("allow"));
	for (size_t i = 0; i < iters; i++) {
		double t0 = bench_now_ms();
		int r;

		/* The log's own cost: the record alone, as the writer appends it. (broker_audit
		 * itself must run inside a store transaction, whose seq it records.) */
		if (audit_log_append(log, ev) != SK_OK)
			bench_die("audit append failed");
		series_add(&a, bench_now_ms() - t0);

		/* A changed value each time: SQLite leaves a page clean when an UPDATE writes the
		 * bytes it already holds, and a commit with no dirty page syncs nothing. */
		u.last_login = (int64_t)(2 * i);
		t0 = bench_now_ms();
		r = store_begin(db);
		if (r == SK_OK)
			r = store_user_save_auth(db, &u);
		if (r == SK_OK)
			r = store_commit(db);
		if (r == SK_OK)
			r = store_durable_sync(store);   /* synchronous=NORMAL: the WAL synced here */
		if (r != SK_OK)
			bench_die("store commit failed");
		series_add(&s, bench_now_ms() - t0);

		/* auth_finish's commit_outcome: the audit record inside the store transaction. */
		u.last_login = (int64_t)(2 * i + 1);
		t0 = bench_now_ms();
		r = store_begin(db);
		if (r == SK_OK)
			r = store_user_save_auth(db, &u);
		if (r == SK_OK)
			r = broker_audit(&c, "auth", u.name, "allow", auth_fields());
		if (r == SK_OK)
			r = store_commit(db);
		/* The group commit's syncs for this one decision, one after the other (the
		 * leader in audit_durable.c runs the WAL's alongside the log's since issue 11,
		 * item 5, so a reply waits for about the slower one: this row is an upper bound). */
		if (r == SK_OK)
			r = audit_log_flush(log, NULL);
		if (r == SK_OK)
			r = store_durable_sync(store);
		if (r != SK_OK)
			bench_die("commit with audit failed");
		series_add(&both, bench_now_ms() - t0);
	}
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	sk_log_to_stderr(0);
	json_object_put(ev);
	store_release(db);
	store_close(store);
	audit_log_close(log);
	explicit_bzero(key, sizeof(key));
	series_done(&a, "audit_log_append (write, fdatasync log, rewrite + fdatasync anchor)",
	            out, n);
	series_done(&s, "store commit (BEGIN IMMEDIATE, UPDATE users, COMMIT; WAL, synchronous=NORMAL;"
	            " fdatasync of the WAL)", out, n);
	series_done(&both, "auth outcome as auth_finish writes it (store txn with audit inside,"
	            " then one decision's group-commit syncs: log, anchor unsynced, WAL)", out, n);
}

static struct sk_msg *
login_request(unsigned type, const char *user)
{
	struct sk_msg *m = sk_msg_new(type);

	if (m == NULL || sk_msg_put_text(m, SK_K_USER, user) != SK_OK ||
	    sk_msg_put_text(m, SK_K_SERVICE, BENCH_SERVICE) != SK_OK ||
	    sk_msg_put_text(m, SK_K_RHOST, "") != SK_OK ||
	    sk_msg_put_text(m, SK_K_TTY, "pts/1") != SK_OK ||
	    sk_msg_put_text(m, SK_K_PROFILE, BENCH_PROFILE) != SK_OK)
		bench_die("cannot build a request");
	return m;
}

static unsigned
call(struct sk_client *c, struct sk_msg *req)
{
	struct sk_msg *reply = NULL;
	unsigned st;

	if (sk_client_call(c, req, &reply, 0) != SK_OK)
		bench_die("the broker did not answer");
	st = sk_reply_status(reply);
	sk_msg_free(reply);
	sk_msg_free(req);
	return st;
}

/* The module's side of the protocol without libpam: what the broker costs per request. */
static void
micro_protocol(const struct bench_env *e, struct bench_pool *pool, unsigned scale,
               struct bench_micro *out, size_t *n)
{
	struct series b, bf;
	size_t iters_b = 50 * (size_t)scale, iters_bf = 20 * (size_t)scale;

	series_init(&b, iters_b);
	for (size_t i = 0; i < iters_b; i++) {
		struct sk_client c;
		double t0 = bench_now_ms();

		if (sk_client_open(&c, e->socket, 15000) != SK_OK)
			bench_die("cannot connect to %s", e->socket);
		if (call(&c, login_request(SK_REQ_AUTH_BEGIN, pool->users[i % pool->n].name)) !=
		    SK_ST_OK)
			bench_die("AUTH_BEGIN refused");
		sk_client_close(&c);
		series_add(&b, bench_now_ms() - t0);
	}
	series_done(&b, "connect + AUTH_BEGIN + close (no PAM; no yescrypt, no write)", out, n);

	series_init(&bf, iters_bf);
	for (size_t i = 0; i < iters_bf; i++) {
		char code[16];
		struct bench_user *u = bench_pool_take(pool, code, sizeof(code));
		struct sk_client c;
		struct sk_msg *fin = sk_msg_new(SK_REQ_AUTH_FINISH);
		double t0 = bench_now_ms();

		if (fin == NULL || sk_msg_put_text(fin, SK_K_PASSWORD, BENCH_PASSWORD) != SK_OK ||
		    sk_msg_put_text(fin, SK_K_OTP, code) != SK_OK)
			bench_die("cannot build AUTH_FINISH");
		if (sk_client_open(&c, e->socket, 15000) != SK_OK)
			bench_die("cannot connect to %s", e->socket);
		if (call(&c, login_request(SK_REQ_AUTH_BEGIN, u->name)) != SK_ST_OK)
			bench_die("AUTH_BEGIN refused for %s", u->name);
		if (call(&c, fin) != SK_ST_OK)
			bench_die("AUTH_FINISH refused for %s", u->name);
		sk_client_close(&c);
		series_add(&bf, bench_now_ms() - t0);
		bench_pool_give_back(pool, u);
	}
	series_done(&bf, "connect + AUTH_BEGIN + AUTH_FINISH (no PAM; password + TOTP, allow)",
	            out, n);
}

size_t
bench_micro_run(const struct bench_env *e, struct bench_pool *pool, unsigned scale,
                struct bench_micro *out)
{
	char dir[700];
	size_t n = 0;

	path_in(dir, sizeof(dir), e->dir, "micro");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		bench_die("mkdir %s: %s", dir, strerror(errno));
	micro_password(scale, out, &n);
	micro_fdatasync(dir, scale, out, &n);
	micro_store_audit(dir, scale, out, &n);
	micro_protocol(e, pool, scale, out, &n);
	return n;
}
