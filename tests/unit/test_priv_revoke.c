/* An early end of a grant ends its live privileged sessions at once (issue 9, item 4;
 * R-PRIV-7, R-INC-1): grant_end (broker/grant/grant.c), the one place every early end goes
 * through (revoke, HR, user lock), on a real SQLite store, with the session registered in the
 * broker's registry and watched through the real watch code (a socketpair for the agent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "grant.h"
#include "priv_session.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "store.h"
#include "store_grant.h"

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
add_grant(struct sk_store_txn *t, enum grant_state st, int64_t now)
{
	struct grant_rec g;

	memset(&g, 0, sizeof(g));
	snprintf(g.role, sizeof(g.role), "ops");
	snprintf(g.requester, sizeof(g.requester), "sato");
	snprintf(g.reason, sizeof(g.reason), "maintenance");
	snprintf(g.services, sizeof(g.services), "sudo");
	g.minutes = 60;
	g.state = st;
	g.created = now;
	g.starts = st == GRANT_ACTIVE ? now - 1 : 0;
	g.ends = st == GRANT_ACTIVE ? now + 3600 : 0;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_grant_insert(t, &g), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	return g.id;
}

/* Revoking an active grant orders its live session ended at once ("grant_revoked"), long
 * before the deadline; a login checked afterwards finds no grant. */
static void
test_r_priv_7_revoke_ends_live_session(void **state)
{
	char dir[512], path[600], cause[SK_NAME_MAX];
	struct sk_store *s;
	struct sk_store_txn *t;
	struct session_watch *w;
	struct grant_active a;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	int fd[2];
	int64_t now = wall_ms() / 1000, id, t0;
	struct priv_session_info info = { .session_id = 77, .ends_at = now + 3600 };

	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sekimori.db", dir);
	assert_int_equal(store_open(path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	id = add_grant(t, GRANT_ACTIVE, now);
	assert_int_equal(grant_find_active(t, "sato", "sudo", now, &a), SK_OK);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
	assert_int_equal(session_watch_add(77, "sato", "", SK_CARD_REMOVAL_END, &w), SK_OK);
	info.grant_id = (uint64_t)id;
	snprintf(info.user, sizeof(info.user), "sato");
	snprintf(info.role, sizeof(info.role), "ops");
	assert_int_equal(priv_session_add(&info, 300), SK_OK);
	t0 = wall_ms();
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(grant_end(t, id, GRANT_END_REVOKED, "approver", NULL, now, NULL), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(session_watch_wait(w, fd[0], &stop, &action, cause, sizeof(cause)), SK_OK);
	print_message("revoke -> order after %lld ms\n", (long long)(wall_ms() - t0));
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "grant_revoked");
	assert_true(wall_ms() - t0 < 1000);
	assert_int_equal(grant_find_active(t, "sato", "sudo", now, &a), SK_ERR_NOTFOUND);
	session_watch_remove(w);
	priv_session_clear();
	close(fd[0]);
	close(fd[1]);
	store_release(t);
	store_close(s);
	sk_test_rmtree(dir);
}

/* Denying a grant that never became active orders nothing: a session registered under its id
 * (which a login never does) is not woken by the deny. */
static void
test_deny_pending_orders_nothing(void **state)
{
	char dir[512], path[600], cause[SK_NAME_MAX];
	struct sk_store *s;
	struct sk_store_txn *t;
	struct session_watch *w;
	volatile sig_atomic_t stop = 1;
	unsigned action = 0;
	int fd[2];
	int64_t now = wall_ms() / 1000, id;
	struct priv_session_info info = { .session_id = 78, .ends_at = now + 3600 };

	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sekimori.db", dir);
	assert_int_equal(store_open(path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	id = add_grant(t, GRANT_PENDING, now);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
	assert_int_equal(session_watch_add(78, "sato", "", SK_CARD_REMOVAL_END, &w), SK_OK);
	info.grant_id = (uint64_t)id;
	snprintf(info.user, sizeof(info.user), "sato");
	assert_int_equal(priv_session_add(&info, 0), SK_OK);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(grant_end(t, id, GRANT_END_DENIED, "approver", NULL, now, NULL), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	/* Not ordered: only the stop flag ends the wait. */
	assert_int_equal(session_watch_wait(w, fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_ERR_UNAVAILABLE);
	session_watch_remove(w);
	priv_session_clear();
	close(fd[0]);
	close(fd[1]);
	store_release(t);
	store_close(s);
	sk_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_priv_7_revoke_ends_live_session),
		cmocka_unit_test(test_deny_pending_orders_nothing),
	};
	int r;

	sk_log_to_stderr(1);
	r = cmocka_run_group_tests_name("priv_revoke", tests, NULL, NULL);
	session_watch_timers_stop();
	return r;
}
