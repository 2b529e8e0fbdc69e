/* The store interface (broker/store/store.h) on the SQLite backend, or on PostgreSQL under
 * tests/pg/with-pg.sh (SK_TEST_STORE=pg; ctest's unit_test_store_txn_pg): "this user's row, locked"
 * (two threads on one user run one after the other, two users do not wait for each other),
 * the transaction rules (writes only inside one, the lock a store_begin_user took ends with
 * its transaction, the rolled_back hook's own transaction), and the typed operations that
 * replaced SQL in the handlers (sessions, the user list, the tally as stored). Real SQLite
 * files in a temporary folder, real threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "sqlite_store.h"
#include "store.h"

#define WAIT_MS 10000   /* the bound for a condition that must come true */
#define QUIET_MS 300    /* how long a thread that must stay blocked is watched */

struct fixture {
	char dir[512];
	char path[600];
	struct sk_store *store;
};

static void
add_user(struct sk_store *s, const char *name, int64_t *id)
{
	struct sk_store_txn *t = NULL;
	struct user_rec u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.profile, sizeof(u.profile), "staff");
	u.created = 1000;
	u.pw_temporary = 1;
	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_insert(t, &u), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	store_release(t);
	if (id != NULL)
		*id = u.id;
}

static int
setup(void **state)
{
	static struct fixture f;

	sk_test_mkdtemp(f.dir, sizeof(f.dir));
	sk_test_store_name(f.dir, f.path, sizeof(f.path));
	assert_int_equal(store_open(f.path, &f.store), SK_OK);
	add_user(f.store, "alice", NULL);
	add_user(f.store, "bob", NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_set_txn_hooks(NULL, NULL);
	store_close(f->store);
	sk_test_rmtree(f->dir);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Polls until *flag reaches want or ms pass; returns whether it did. */
static int
wait_for(atomic_int *flag, int want, int ms)
{
	int64_t end = now_ms() + ms;

	while (atomic_load(flag) != want) {
		if (now_ms() > end)
			return 0;
		pause_ms(5);
	}
	return 1;
}

/* One worker: locks `user`, says so, waits until told to go on, writes a failure time into
 * the user's tally in a transaction, unlocks. order records when it held the lock. */
struct worker {
	struct sk_store *store;
	const char *user;
	int use_begin_user;        /* store_begin_user instead of store_user_lock */
	atomic_int locked;         /* 1 once it holds the user */
	atomic_int go;             /* set by the test: finish */
	atomic_int done;
	int result;
	int order;
};

static atomic_int order_counter;

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	int r = store_acquire(w->store, &t);

	if (r == SK_OK)
		r = w->use_begin_user ? store_begin_user(t, w->user) : store_user_lock(t, w->user);
	if (r == SK_OK) {
		w->order = atomic_fetch_add(&order_counter, 1);
		atomic_store(&w->locked, 1);
		while (!atomic_load(&w->go))
			pause_ms(2);
		if (!w->use_begin_user)
			r = store_begin(t);
		if (r == SK_OK)
			r = store_user_get(t, w->user, &u);
		if (r == SK_OK) {
			u.tally.fail_times[u.tally.n_times++] = 2000 + w->order;
			r = store_user_save_auth(t, &u);
		}
		if (r == SK_OK)
			r = store_commit(t);
		else
			store_rollback(t);
		store_user_unlock(t);   /* nothing to do after store_begin_user's commit */
	}
	store_release(t);
	w->result = r;
	atomic_store(&w->done, 1);
	return NULL;
}

static void
worker_start(struct worker *w, pthread_t *th, struct sk_store *s, const char *user,
             int use_begin_user)
{
	memset(w, 0, sizeof(*w));
	w->store = s;
	w->user = user;
	w->use_begin_user = use_begin_user;
	assert_int_equal(pthread_create(th, NULL, worker_run, w), 0);
}

static int64_t
failures_stored(struct sk_store *s, const char *user)
{
	struct sk_store_txn *t = NULL;
	struct user_rec u;

	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_user_get(t, user, &u), SK_OK);
	store_release(t);
	return u.tally.n_times;
}

/* R-LOGIN-1: a second attempt for the same user waits until the first has finished, so it
 * reads what the first wrote (no lost update of the tally). The second attempt runs on
 * store_b: the same store object (one broker), or on PostgreSQL a second one opened on the
 * same database (a second broker, its own connections and writer serialisation). */
static void
serialises_one_user_on(void **state, int use_begin_user, struct sk_store *store_b)
{
	struct fixture *f = *state;
	struct worker a, b;
	pthread_t ta, tb;
	int b_early, a_done, b_after;
	int64_t before = failures_stored(f->store, "alice");

	worker_start(&a, &ta, f->store, "alice", use_begin_user);
	assert_true(wait_for(&a.locked, 1, WAIT_MS));
	worker_start(&b, &tb, store_b, "alice", use_begin_user);
	/* b must not get alice while a holds her. The workers are let go before any assertion,
	 * so a failing check ends the test instead of leaving threads behind. */
	b_early = wait_for(&b.locked, 1, QUIET_MS);
	atomic_store(&a.go, 1);
	a_done = wait_for(&a.done, 1, WAIT_MS);
	b_after = wait_for(&b.locked, 1, WAIT_MS);
	atomic_store(&b.go, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_false(b_early);
	assert_true(a_done);
	assert_true(b_after);
	assert_int_equal(a.result, SK_OK);
	assert_int_equal(b.result, SK_OK);
	assert_true(b.order > a.order);
	/* Both failures are in: b read a's committed tally before writing its own. */
	assert_int_equal(failures_stored(f->store, "alice"), before + 2);
}

static void
serialises_one_user(void **state, int use_begin_user)
{
	serialises_one_user_on(state, use_begin_user, ((struct fixture *)*state)->store);
}

/* Two brokers on one PostgreSQL database: the user lock holds across them (it lives in the
 * database, not in a process). SQLite has one broker per file (test_store_one_broker_per_file). */
static void
test_r_login_1_user_lock_across_brokers(void **state)
{
	struct fixture *f = *state;
	struct sk_store *second = NULL;

	if (!sk_test_store_is_pg())
		skip();
	assert_int_equal(store_open(f->path, &second), SK_OK);
	serialises_one_user_on(state, 0, second);
	serialises_one_user_on(state, 1, second);
	assert_int_equal(failures_stored(second, "alice"), 4);
	store_close(second);
}

/* Two brokers with one broker_id on one PostgreSQL database would share an audit seq: the
 * second is refused; another broker_id is accepted; the name is free again after close. */
static void
test_store_pg_broker_id_held_once(void **state)
{
	struct fixture *f = *state;
	struct sk_store *second = NULL, *third = NULL;

	if (!sk_test_store_is_pg())
		skip();
	assert_int_equal(store_set_instance(f->store, "b1"), SK_OK);
	assert_int_equal(store_open(f->path, &second), SK_OK);
	assert_int_equal(store_set_instance(second, "b1"), SK_ERR_STORE);
	store_close(second);
	assert_int_equal(store_open(f->path, &second), SK_OK);
	assert_int_equal(store_set_instance(second, "b2"), SK_OK);
	store_close(f->store);
	f->store = NULL;
	assert_int_equal(store_open(f->path, &third), SK_OK);
	assert_int_equal(store_set_instance(third, "b1"), SK_OK);
	f->store = third;
	store_close(second);
}

/* A broker killed while it holds a user (SIGKILL: no unlock, no close): the database drops
 * its advisory lock with its connection, and another broker gets the user at once instead
 * of waiting for it forever. */
static void
test_r_login_1_killed_broker_releases_its_user(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	int pipefd[2], status;
	int64_t t0;
	char c = 0;
	pid_t pid;

	if (!sk_test_store_is_pg())
		skip();
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sk_store *s = NULL;
		struct sk_store_txn *ct = NULL;

		close(pipefd[0]);
		if (store_open(f->path, &s) != SK_OK || store_acquire(s, &ct) != SK_OK ||
		    store_user_lock(ct, "alice") != SK_OK)
			_exit(1);
		(void)!write(pipefd[1], "L", 1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	assert_int_equal(c, 'L');
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	/* Held by the other broker: this broker waits and gives up at statement_timeout. */
	t0 = now_ms();
	assert_int_equal(store_user_lock(t, "alice"), SK_ERR_STORE);
	assert_true(now_ms() - t0 >= 4000);
	store_release(t);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	t0 = now_ms();
	assert_int_equal(store_user_lock(t, "alice"), SK_OK);
	assert_true(now_ms() - t0 < WAIT_MS);
	store_user_unlock(t);
	store_release(t);
}

/* Each broker_id has its own committed audit seq (one audit chain per broker). */
static void
test_store_audit_seq_per_broker(void **state)
{
	struct fixture *f = *state;
	struct sk_store *second = NULL;
	struct sk_store_txn *t = NULL;
	uint64_t seq = 0;
	int present = 1;

	if (!sk_test_store_is_pg())
		skip();
	assert_int_equal(store_set_instance(f->store, "b1"), SK_OK);
	assert_int_equal(store_open(f->path, &second), SK_OK);
	assert_int_equal(store_set_instance(second, "b2"), SK_OK);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_audit_seq_set(t, 41), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	store_release(t);
	assert_int_equal(store_acquire(second, &t), SK_OK);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	assert_int_equal(present, 0);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_audit_seq_set(t, 7), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	store_release(t);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	store_release(t);
	assert_int_equal(present, 1);
	assert_int_equal(seq, 41);
	store_close(second);
}

static void
test_r_login_1_user_lock_serialises_one_user(void **state)
{
	serialises_one_user(state, 0);
}

static void
test_r_login_1_begin_user_serialises_one_user(void **state)
{
	serialises_one_user(state, 1);
}

/* While alice is held (and no transaction is open), bob is locked, written and committed:
 * the only thing two users share is SQLite's one writer at a time. */
static void
test_user_lock_other_user_not_blocked(void **state)
{
	struct fixture *f = *state;
	struct worker a, b;
	pthread_t ta, tb;
	int b_locked, b_done, a_held;

	worker_start(&a, &ta, f->store, "alice", 0);
	assert_true(wait_for(&a.locked, 1, WAIT_MS));
	worker_start(&b, &tb, f->store, "bob", 0);
	b_locked = wait_for(&b.locked, 1, WAIT_MS);
	atomic_store(&b.go, 1);
	b_done = wait_for(&b.done, 1, WAIT_MS);
	a_held = !atomic_load(&a.done);   /* alice is still held meanwhile */
	atomic_store(&a.go, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_true(b_locked);
	assert_true(b_done);
	assert_true(a_held);
	assert_int_equal(b.result, SK_OK);
	assert_int_equal(a.result, SK_OK);
	assert_int_equal(failures_stored(f->store, "bob"), 1);
	assert_int_equal(failures_stored(f->store, "alice"), 1);
}

/* The lock store_begin_user took ends with the transaction (commit or rollback). */
static void
test_begin_user_lock_ends_with_transaction(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct worker w;
	pthread_t th;
	int early, later;

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_begin_user(t, "alice"), SK_OK);
	assert_true(store_in_txn(t));
	store_rollback(t);
	assert_false(store_in_txn(t));
	worker_start(&w, &th, f->store, "alice", 0);
	assert_true(wait_for(&w.locked, 1, WAIT_MS));
	atomic_store(&w.go, 1);
	assert_true(wait_for(&w.done, 1, WAIT_MS));
	pthread_join(th, NULL);
	assert_int_equal(w.result, SK_OK);
	/* Inside an enclosing store_user_lock the transaction leaves the lock alone. */
	assert_int_equal(store_user_lock(t, "alice"), SK_OK);
	assert_int_equal(store_begin_user(t, "alice"), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	worker_start(&w, &th, f->store, "alice", 0);
	early = wait_for(&w.locked, 1, QUIET_MS);
	store_user_unlock(t);
	later = wait_for(&w.locked, 1, WAIT_MS);
	atomic_store(&w.go, 1);
	pthread_join(th, NULL);
	store_release(t);
	assert_false(early);
	assert_true(later);
	assert_int_equal(w.result, SK_OK);
}

/* Misuse is refused, not obeyed: a write outside a transaction (it would bypass the writer
 * queue and the audit record), a second user while holding one, a lock inside a transaction,
 * a nested transaction. */
static void
test_store_refuses_misuse(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct user_rec u;

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(store_user_set_disabled(t, u.id, 1), SK_ERR_INTERNAL);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(store_user_lock(t, "alice"), SK_OK);
	assert_int_equal(store_user_lock(t, "bob"), SK_ERR_INTERNAL);
	assert_int_equal(store_begin_user(t, "bob"), SK_ERR_INTERNAL);
	store_user_unlock(t);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_begin(t), SK_ERR_INTERNAL);
	assert_int_equal(store_user_lock(t, "bob"), SK_ERR_INTERNAL);
	store_rollback(t);
	assert_int_equal(store_commit(t), SK_ERR_INTERNAL);
	store_release(t);
}

/* The rolled_back hook runs with the writer still held and may run its own transaction
 * (audit_event.c writes its "not committed" marker so). */
static struct sk_store_txn *hook_txn;
static int hook_calls, hook_result;

static void
on_rolled_back(struct sk_store_txn *t)
{
	hook_calls++;
	hook_txn = t;
	hook_result = store_begin(t);
	if (hook_result == SK_OK)
		hook_result = store_audit_seq_set(t, 77);
	if (hook_result == SK_OK)
		hook_result = store_commit(t);
}

static void
test_rolled_back_hook_runs_its_own_transaction(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	uint64_t seq = 0;
	int present = 0;

	hook_calls = 0;
	store_set_txn_hooks(NULL, on_rolled_back);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_set_disabled(t, u.id, 1), SK_OK);
	assert_int_equal(store_audit_seq_set(t, 5), SK_OK);
	store_rollback(t);
	assert_int_equal(hook_calls, 1);
	assert_ptr_equal(hook_txn, t);
	assert_int_equal(hook_result, SK_OK);
	assert_false(store_in_txn(t));
	store_set_txn_hooks(NULL, NULL);
	/* The transaction's change is gone, the hook's is in. */
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	assert_int_equal(present, 1);
	assert_int_equal(seq, 77);
	/* And the writer queue is free again. */
	assert_int_equal(store_begin(t), SK_OK);
	store_rollback(t);
	store_release(t);
}

/* Sessions, once SQL in session.c and session_agent.c. */
static void
test_store_session_ops(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct user_rec a, b;
	struct session_open_rec s = { 0, "sshd", "ws1", "pts/3", 4242, 3000 };
	int64_t id = 0;

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &a), SK_OK);
	assert_int_equal(store_user_get(t, "bob", &b), SK_OK);
	s.user_id = a.id;
	assert_int_equal(store_session_open(t, &s, &id), SK_ERR_INTERNAL);   /* no transaction */
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_session_open(t, &s, &id), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_true(id > 0);
	assert_int_equal(store_session_is_open(t, a.id, id), SK_OK);
	assert_int_equal(store_session_is_open(t, b.id, id), SK_ERR_NOTFOUND);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_session_close(t, b.id, id, 3100), SK_ERR_NOTFOUND);
	assert_int_equal(store_session_close(t, a.id, id, 3100), SK_OK);
	assert_int_equal(store_session_close(t, a.id, id, 3200), SK_ERR_NOTFOUND);
	assert_int_equal(store_user_set_logout(t, a.id, 3100), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_session_is_open(t, a.id, id), SK_ERR_NOTFOUND);
	assert_int_equal(store_user_get(t, "alice", &a), SK_OK);
	assert_int_equal(a.last_logout, 3100);
	store_release(t);
}

/* The user list, once SQL in admin_user.c: every user, ordered by name, with lock and
 * temporary-password state; the callback can stop it. */
struct seen {
	char names[4][SK_USER_MAX];
	int locked[4];
	int n, stop_after;
};

static int
collect(void *arg, const struct user_summary *u)
{
	struct seen *s = arg;

	if (s->n < 4) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", u->name);
		s->locked[s->n] = u->locked;
	}
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static void
test_store_user_list(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct seen s;
	struct user_rec u;

	add_user(f->store, "aaron", NULL);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_begin_user(t, "bob"), SK_OK);
	assert_int_equal(store_user_get(t, "bob", &u), SK_OK);
	u.tally.locked = 1;
	assert_int_equal(store_user_save_auth(t, &u), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_user_list(t, collect, &s), SK_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "aaron");
	assert_string_equal(s.names[1], "alice");
	assert_string_equal(s.names[2], "bob");
	assert_int_equal(s.locked[1], 0);
	assert_int_equal(s.locked[2], 1);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(store_user_list(t, collect, &s), SK_OK);
	assert_int_equal(s.n, 1);
	store_release(t);
}

/* The tally as the backend keeps it (failure times, pending attempts): what is saved reads
 * back the same, count and oldest failure included. */
static void
test_store_tally_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct user_rec u, back;

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_begin_user(t, "alice"), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	u.tally.n_times = 3;
	u.tally.fail_times[0] = 100;
	u.tally.fail_times[1] = 200;
	u.tally.fail_times[2] = (int64_t)1 << 40;
	u.tally.n_pending = 2;
	memset(u.tally.pending[0].token, 0xa1, TALLY_TOKEN_LEN);
	u.tally.pending[0].created = 10;
	u.tally.pending[0].expires = 190;
	memset(u.tally.pending[1].token, 0xb2, TALLY_TOKEN_LEN);
	u.tally.pending[1].created = 20;
	u.tally.pending[1].expires = 200;
	snprintf(u.last_fail_from, sizeof(u.last_fail_from), "ws9");
	assert_int_equal(store_user_save_auth(t, &u), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &back), SK_OK);
	assert_int_equal(back.tally.n_times, 3);
	assert_int_equal(back.tally.fail_times[2], (int64_t)1 << 40);
	assert_int_equal(back.tally.fail_count, 3);
	assert_int_equal(back.tally.fail_first, 100);
	assert_int_equal(back.tally.n_pending, 2);
	assert_memory_equal(back.tally.pending[1].token, u.tally.pending[1].token,
	                    TALLY_TOKEN_LEN);
	assert_int_equal(back.tally.pending[1].expires, 200);
	assert_string_equal(back.last_fail_from, "ws9");
	store_release(t);
}

/* FIDO2 rows, now stored from a struct fido2_rec (the store no longer sees the attestation
 * result type of verify/). */
static void
test_store_fido2_ops(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct fido2_rec rec, got[FIDO2_PER_USER_MAX];
	struct user_rec u;
	int64_t id = 0, dup = 0;
	size_t n = 0;

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	memset(&rec, 0, sizeof(rec));
	rec.user_id = u.id;
	memcpy(rec.cred_id, "\x01\x02\x03\x04", 4);
	rec.cred_id_len = 4;
	rec.cose_type = -7;
	memset(rec.pubkey, 0x5a, 65);
	rec.pubkey_len = 65;
	memset(rec.aaguid, 0x11, sizeof(rec.aaguid));
	rec.sign_count = 3;
	snprintf(rec.fmt, sizeof(rec.fmt), "packed");
	snprintf(rec.subject, sizeof(rec.subject), "CN=test key");
	rec.trusted = 1;
	rec.created = 5000;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_fido2_insert(t, &rec, (const unsigned char *)"\xa0", 1, &id), SK_OK);
	assert_int_equal(store_fido2_insert(t, &rec, NULL, 0, &dup), SK_ERR_EXISTS);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_fido2_list(t, u.id, 1, got, FIDO2_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, id);
	assert_memory_equal(got[0].pubkey, rec.pubkey, 65);
	assert_string_equal(got[0].subject, "CN=test key");
	assert_int_equal(got[0].created, 5000);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_fido2_used(t, id, 9, 5100), SK_OK);
	assert_int_equal(store_fido2_flag_clone(t, id), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_fido2_list(t, u.id, 1, got, FIDO2_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 0);   /* flagged: no longer offered */
	assert_int_equal(store_fido2_list(t, u.id, 0, got, FIDO2_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].sign_count, 9);
	assert_int_equal(got[0].last_used, 5100);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_fido2_delete(t, u.id + 1, id), SK_ERR_NOTFOUND);
	assert_int_equal(store_fido2_delete(t, u.id, id), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	store_release(t);
}

/* Another process opening the same store: what store_open says there (0 when it refused). */
static int
other_process_refused(const char *path)
{
	pid_t pid = fork();
	int status = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sk_store *s = NULL;

		_exit(store_open(path, &s) == SK_ERR_STORE && s == NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) == 0;
}

/* The user lock lives in the broker's memory, so one broker owns the file: a second
 * sekimorid on the same store is refused while the first has it open, and not after. */
static void
test_store_one_broker_per_file(void **state)
{
	struct fixture *f = *state;

	if (sk_test_store_is_pg())
		skip();   /* several brokers share a database: test_r_login_1_user_lock_across_brokers */

	assert_true(other_process_refused(f->path));
	store_close(f->store);
	f->store = NULL;
	assert_false(other_process_refused(f->path));
	assert_int_equal(store_open(f->path, &f->store), SK_OK);
}

/* An integer PRAGMA of the transaction's connection, e.g. "PRAGMA synchronous" (1 NORMAL,
 * 2 FULL) or "PRAGMA wal_autocheckpoint" (0: SQLite checkpoints nothing in its commits). */
static int
pragma_of(struct sk_store_txn *t, const char *pragma)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(sq_db(t), pragma, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* HR staging (store_begin_nondurable) commits without a sync, and only that transaction: its
 * commit or its rollback makes the pooled connection durable again (synchronous=FULL), so
 * the next transaction on it, a login's, is synced. Cached statements survive both, and the
 * rows written through them are there. */
/* What the last commit told the committed hook (-1: nothing yet). */
static int committed_durable = -1;

static void
note_committed(int durable)
{
	committed_durable = durable;
}

static void
test_r_log_1_nondurable_staging_then_durable_again(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	int64_t id = 0;

	if (sk_test_store_is_pg())
		skip();   /* PostgreSQL has no set_durable; its commits are durable at the server */

	/* Group commit: every SQLite connection is synchronous=NORMAL (1) and commits are made
	 * durable by store_durable_sync; a store_begin_nondurable commit is reported to the
	 * committed hook as not durable (its reply need not wait), an ordinary one as durable. */
	store_set_txn_hooks(note_committed, NULL);
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(pragma_of(t, "PRAGMA synchronous"), 1);
	assert_int_equal(store_begin_nondurable(t), SK_OK);
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", "staged1");
	snprintf(u.profile, sizeof(u.profile), "staff");
	assert_int_equal(store_user_insert(t, &u), SK_OK);
	committed_durable = -1;
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(committed_durable, 0);
	assert_int_equal(pragma_of(t, "PRAGMA synchronous"), 1);

	assert_int_equal(store_begin_nondurable(t), SK_OK);
	snprintf(u.name, sizeof(u.name), "%s", "staged2");
	assert_int_equal(store_user_insert(t, &u), SK_OK);
	store_rollback(t);
	store_release(t);

	/* The pooled connection again: the first row there, the second not; an ordinary
	 * commit is durable again. */
	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_user_get(t, "staged1", &u), SK_OK);
	assert_int_equal(store_user_get(t, "staged2", &u), SK_ERR_NOTFOUND);
	store_release(t);
	committed_durable = -1;
	add_user(f->store, "staged3", &id);
	assert_int_equal(committed_durable, 1);
	assert_true(id > 0);
	assert_int_equal(store_durable_sync(f->store), SK_OK);
	store_set_txn_hooks(NULL, NULL);
}

static uint64_t
checkpoints_run(struct sk_store *s)
{
	struct sq_checkpointer *c = &((struct sq_store *)s)->checkpointer;
	uint64_t n;

	pthread_mutex_lock(&c->mu);
	n = c->runs;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* A commit that takes the WAL past 1,000 pages does not checkpoint in its own thread (the
 * connection's automatic checkpoint is off); the store's checkpoint thread does it soon
 * after, and every row is there. */
static void
test_store_wal_checkpointed_off_the_committing_thread(void **state)
{
	struct fixture *f = *state;
	struct sk_store_txn *t = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t before;
	int frames = -1, copied = -1;

	if (sk_test_store_is_pg())
		skip();   /* PostgreSQL checkpoints in its server */

	assert_int_equal(store_acquire(f->store, &t), SK_OK);
	assert_int_equal(pragma_of(t, "PRAGMA wal_autocheckpoint"), 0);
	before = checkpoints_run(f->store);
	assert_int_equal(store_begin(t), SK_OK);
	/* About 1,500 pages of 4 KiB: a table of this test's own, in the store's file. */
	assert_int_equal(sqlite3_exec(sq_db(t), "CREATE TABLE bulk(b BLOB);"
	                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
	                              " FROM n WHERE i < 1500)"
	                              " INSERT INTO bulk SELECT randomblob(3900) FROM n;",
	                              NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(t), SK_OK);
	for (int i = 0; i < 1000 && checkpoints_run(f->store) == before; i++)
		usleep(10 * 1000);
	assert_true(checkpoints_run(f->store) > before);
	/* Nothing is left to copy: the thread's checkpoint took every frame. */
	assert_int_equal(sqlite3_wal_checkpoint_v2(sq_db(t), NULL, SQLITE_CHECKPOINT_PASSIVE,
	                                           &frames, &copied), SQLITE_OK);
	assert_true(frames >= 1500);
	assert_int_equal(copied, frames);
	assert_int_equal(sqlite3_prepare_v2(sq_db(t), "SELECT count(*) FROM bulk", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1500);
	sqlite3_finalize(st);
	store_release(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_r_login_1_user_lock_serialises_one_user, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_login_1_begin_user_serialises_one_user, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_user_lock_other_user_not_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_user_lock_ends_with_transaction, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_refuses_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_hook_runs_its_own_transaction, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_session_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_user_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_tally_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_fido2_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_one_broker_per_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_wal_checkpointed_off_the_committing_thread,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_nondurable_staging_then_durable_again,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_login_1_user_lock_across_brokers, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_pg_broker_id_held_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_login_1_killed_broker_releases_its_user, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_audit_seq_per_broker, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
