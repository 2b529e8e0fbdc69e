/* Privileged sessions in the broker (issue 9, item 4): the registry of broker/core/
 * priv_session.c with its deadline and warning timers on the real timer thread, and the
 * early ends (revoke, user lock, lock --all-privileged). The peer is a real socketpair
 * standing for the agent's connection; the registry, the watch and the timers are the broker's
 * own code. R-PRIV-7: a privileged session ends at its grant's end; R-INC-1: all at once. */
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

#include "priv_session.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct watched {
	struct session_watch *w;
	int fd[2];
};

static void
watch(struct watched *s, uint64_t id, const char *user)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->fd), 0);
	assert_int_equal(session_watch_add(id, user, "", SK_CARD_REMOVAL_END, &s->w), SK_OK);
}

static void
unwatch(struct watched *s)
{
	session_watch_remove(s->w);
	close(s->fd[0]);
	close(s->fd[1]);
}

static struct priv_session_info
info(uint64_t id, const char *user, uint64_t grant, int64_t ends_at)
{
	struct priv_session_info i = { .session_id = id, .grant_id = grant, .ends_at = ends_at };

	snprintf(i.user, sizeof(i.user), "%s", user);
	snprintf(i.role, sizeof(i.role), "%s", "dbadmin");
	return i;
}

/* R-PRIV-7: the warning comes warn_seconds before the deadline and the watch goes on; the
 * end comes at the deadline (whole seconds, the grant's end), not before. */
static void
test_r_priv_7_warning_then_end_at_deadline(void **state)
{
	struct watched s;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];
	int64_t ends = wall_ms() / 1000 + 3, t;
	struct priv_session_info i = info(101, "alice", 7, ends), got;

	(void)state;
	watch(&s, 101, "alice");
	assert_int_equal(priv_session_add(&i, 2), SK_OK);
	assert_int_equal(priv_session_get(101, &got), SK_OK);
	assert_int_equal(got.ends_at, ends);
	assert_int_equal(session_watch_wait(s.w, s.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	t = wall_ms();
	print_message("warning %lld ms before the deadline\n", (long long)(ends * 1000 - t));
	assert_int_equal(action, SK_SESSION_WARN);
	assert_string_equal(cause, "deadline_warning");
	assert_true(t >= (ends - 2) * 1000);
	assert_true(t < ends * 1000);
	assert_int_equal(session_watch_wait(s.w, s.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	t = wall_ms();
	print_message("ordered ended %lld ms after the deadline\n", (long long)(t - ends * 1000));
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "grant_expired");
	assert_true(t >= ends * 1000);
	assert_true(t < ends * 1000 + 1000);
	priv_session_forget(101);
	assert_int_equal(priv_session_get(101, &got), SK_ERR_NOTFOUND);
	unwatch(&s);
}

/* A revoked grant ends its sessions at once, not at the deadline; another grant's session and
 * a forgotten session's timers stay quiet. */
static void
test_r_priv_7_revoke_ends_only_that_grants_sessions(void **state)
{
	struct watched a, b;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];
	int64_t far = wall_ms() / 1000 + 3600, t0 = wall_ms();
	struct priv_session_info ia = info(201, "bob", 11, far), ib = info(202, "bob", 12, far);

	(void)state;
	watch(&a, 201, "bob");
	watch(&b, 202, "bob");
	assert_int_equal(priv_session_add(&ia, 300), SK_OK);
	assert_int_equal(priv_session_add(&ib, 300), SK_OK);
	assert_int_equal(priv_session_count(), 2);
	assert_int_equal(priv_session_end_grant(11, "grant_revoked"), 1);
	assert_int_equal(priv_session_end_grant(0, "grant_revoked"), 0);
	assert_int_equal(session_watch_wait(a.w, a.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	print_message("revoke -> order after %lld ms\n", (long long)(wall_ms() - t0));
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "grant_revoked");
	stop = 1;
	assert_int_equal(session_watch_wait(b.w, b.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_ERR_UNAVAILABLE);
	priv_session_forget(201);
	priv_session_forget(202);
	assert_int_equal(priv_session_count(), 0);
	unwatch(&a);
	unwatch(&b);
}

/* R-INC-1: a user lock ends that user's privileged sessions; lock --all-privileged ends every
 * one and names each user once. A session that is not privileged is not touched. */
static void
test_r_inc_1_lock_ends_privileged_sessions(void **state)
{
	struct watched c1, c2, d, plain;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX], users[4][SK_USER_MAX];
	int64_t far = wall_ms() / 1000 + 3600;
	struct priv_session_info i1 = info(301, "carol", 21, far), i2 = info(302, "carol", 21, far),
	                         i3 = info(303, "dave", 22, far);
	size_t n_users = 0;

	(void)state;
	watch(&c1, 301, "carol");
	watch(&c2, 302, "carol");
	watch(&d, 303, "dave");
	watch(&plain, 304, "dave");
	assert_int_equal(priv_session_add(&i1, 0), SK_OK);
	assert_int_equal(priv_session_add(&i2, 0), SK_OK);
	assert_int_equal(priv_session_add(&i3, 0), SK_OK);
	assert_int_equal(priv_session_end_user("carol", "user_locked"), 2);
	assert_int_equal(session_watch_wait(c1.w, c1.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_string_equal(cause, "user_locked");
	assert_int_equal(session_watch_wait(c2.w, c2.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	priv_session_forget(301);
	priv_session_forget(302);
	assert_int_equal(priv_session_end_all("all_privileged", users, 4, &n_users), 1);
	assert_int_equal(n_users, 1);
	assert_string_equal(users[0], "dave");
	assert_int_equal(session_watch_wait(d.w, d.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_string_equal(cause, "all_privileged");
	stop = 1;
	assert_int_equal(session_watch_wait(plain.w, plain.fd[0], &stop, &action, cause,
	                                    sizeof(cause)), SK_ERR_UNAVAILABLE);
	priv_session_clear();
	unwatch(&c1);
	unwatch(&c2);
	unwatch(&d);
	unwatch(&plain);
}

/* A deadline already past (an agent registering again after a restart, late) ends the
 * session at once and sends no warning; re-adding a known session re-arms its timers. */
static void
test_r_priv_7_past_deadline_ends_at_once(void **state)
{
	struct watched s;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];
	int64_t now = wall_ms() / 1000;
	struct priv_session_info late = info(401, "erin", 0, now + 3600),
	                         past = info(401, "erin", 0, now - 1);

	(void)state;
	watch(&s, 401, "erin");
	assert_int_equal(priv_session_add(&late, 300), SK_OK);
	assert_int_equal(priv_session_add(&past, 300), SK_OK);
	assert_int_equal(priv_session_count(), 1);
	assert_int_equal(session_watch_wait(s.w, s.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "grant_expired");
	priv_session_clear();
	unwatch(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_priv_7_warning_then_end_at_deadline),
		cmocka_unit_test(test_r_priv_7_revoke_ends_only_that_grants_sessions),
		cmocka_unit_test(test_r_inc_1_lock_ends_privileged_sessions),
		cmocka_unit_test(test_r_priv_7_past_deadline_ends_at_once),
	};
	int r;

	sk_log_to_stderr(1);
	r = cmocka_run_group_tests_name("priv_session", tests, NULL, NULL);
	session_watch_timers_stop();
	return r;
}
