/* The broker's registry of watched sessions and its timer list (broker/session_watch.c,
 * broker/session_timer.c): what the SESSION_WATCH handler sleeps on. The peer is a real
 * socketpair standing for the agent's connection; the registry and the timer thread are the
 * broker's own code. R-CARD-3: a revoked card orders its sessions at once. */
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

#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store_card.h"

#define CARD_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CARD_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct peer {
	int fd[2];   /* [0] the broker's end, [1] the agent's */
};

static void
peer_open(struct peer *p)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fd), 0);
}

static void
peer_close(struct peer *p)
{
	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
}

/* R-CARD-3: revoking a card orders exactly the sessions that logged in with it, each with its
 * own profile's action; the others keep sleeping. */
static void
test_r_card_3_revoked_card_orders_its_sessions(void **state)
{
	struct session_watch *a1, *a2, *b;
	struct peer pa1, pa2, pb;
	struct card_rec revoked[1];
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];

	(void)state;
	peer_open(&pa1);
	peer_open(&pa2);
	peer_open(&pb);
	assert_int_equal(session_watch_add(11, "alice", CARD_A, SK_CARD_REMOVAL_LOCK, &a1), SK_OK);
	assert_int_equal(session_watch_add(12, "alice", CARD_A, SK_CARD_REMOVAL_END, &a2), SK_OK);
	assert_int_equal(session_watch_add(13, "bob", CARD_B, SK_CARD_REMOVAL_LOCK, &b), SK_OK);
	assert_int_equal(session_watch_count(), 3);
	memset(revoked, 0, sizeof(revoked));
	snprintf(revoked[0].binding.spki_sha256, sizeof(revoked[0].binding.spki_sha256), "%s",
	         CARD_A);
	assert_int_equal(session_watch_cards_revoked(revoked, 1), 2);
	assert_int_equal(session_watch_wait(a1, pa1.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_LOCK);
	assert_string_equal(cause, "card_revoked");
	assert_int_equal(session_watch_wait(a2, pa2.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	/* bob's session was not ordered: it wakes only when the broker stops. */
	stop = 1;
	assert_int_equal(session_watch_wait(b, pb.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_ERR_UNAVAILABLE);
	session_watch_remove(a1);
	session_watch_remove(a2);
	session_watch_remove(b);
	assert_int_equal(session_watch_count(), 0);
	assert_int_equal(session_watch_order_card(CARD_A, "card_revoked"), 0);
	peer_close(&pa1);
	peer_close(&pa2);
	peer_close(&pb);
}

/* R-LIFE-2: leave, secondment and retirement end every live session of the user (HR orders
 * them ended, whatever the profile's card-removal action); other users' sessions sleep on. */
static void
test_r_life_2_hr_ends_every_session_of_the_user(void **state)
{
	struct session_watch *h1, *h2, *other;
	struct peer p1, p2, po;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];

	(void)state;
	peer_open(&p1);
	peer_open(&p2);
	peer_open(&po);
	assert_int_equal(session_watch_add(51, "10004", "", SK_CARD_REMOVAL_LOCK, &h1), SK_OK);
	assert_int_equal(session_watch_add(52, "10004", CARD_A, SK_CARD_REMOVAL_NONE, &h2), SK_OK);
	assert_int_equal(session_watch_add(53, "10005", "", SK_CARD_REMOVAL_LOCK, &other), SK_OK);
	assert_int_equal(session_watch_order_user("10004", SK_CARD_REMOVAL_END, "hr"), 2);
	assert_int_equal(session_watch_wait(h1, p1.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "hr");
	assert_int_equal(session_watch_wait(h2, p2.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	stop = 1;
	assert_int_equal(session_watch_wait(other, po.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_ERR_UNAVAILABLE);
	session_watch_remove(h1);
	session_watch_remove(h2);
	session_watch_remove(other);
	assert_int_equal(session_watch_order_user("10004", SK_CARD_REMOVAL_END, "hr"), 0);
	assert_int_equal(session_watch_order_user("", SK_CARD_REMOVAL_END, "hr"), 0);
	peer_close(&p1);
	peer_close(&p2);
	peer_close(&po);
}

/* The agent leaving (its session closed) wakes the handler, which then unregisters. */
static void
test_agent_gone_wakes_wait(void **state)
{
	struct session_watch *w;
	struct peer p;
	volatile sig_atomic_t stop = 0;
	unsigned action;
	char cause[SK_NAME_MAX];

	(void)state;
	peer_open(&p);
	assert_int_equal(session_watch_add(21, "carol", "", SK_CARD_REMOVAL_LOCK, &w), SK_OK);
	close(p.fd[1]);
	p.fd[1] = -1;
	assert_int_equal(session_watch_wait(w, p.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_ERR_IO);
	session_watch_remove(w);
	peer_close(&p);
}

/* The timer list: a deadline orders its session when it comes, not before; a cancelled timer
 * never fires; timers fire in time order whatever the order they were added in. */
static void
test_timer_orders_session_at_deadline(void **state)
{
	struct session_watch *early, *late, *cancelled;
	struct peer pe, pl, pc;
	volatile sig_atomic_t stop = 0;
	uint64_t t_late, t_early, t_cancel;
	unsigned action = 0;
	char cause[SK_NAME_MAX];
	int64_t t0 = wall_ms(), woke;

	(void)state;
	peer_open(&pe);
	peer_open(&pl);
	peer_open(&pc);
	assert_int_equal(session_watch_add(31, "dave", "", SK_CARD_REMOVAL_LOCK, &early), SK_OK);
	assert_int_equal(session_watch_add(32, "dave", "", SK_CARD_REMOVAL_LOCK, &late), SK_OK);
	assert_int_equal(session_watch_add(33, "dave", "", SK_CARD_REMOVAL_LOCK, &cancelled), SK_OK);
	assert_int_equal(session_watch_timer_add(t0 + 600, 32, SK_CARD_REMOVAL_END, "grant_expired",
	                                         &t_late), SK_OK);
	assert_int_equal(session_watch_timer_add(t0 + 300, 31, SK_CARD_REMOVAL_END, "grant_expired",
	                                         &t_early), SK_OK);
	assert_int_equal(session_watch_timer_add(t0 + 400, 33, SK_CARD_REMOVAL_END, "grant_expired",
	                                         &t_cancel), SK_OK);
	assert_int_equal(session_watch_timer_add(t0, 33, 7, "bad_action", NULL), SK_ERR_ARG);
	assert_int_equal(session_watch_timer_cancel(t_cancel), SK_OK);
	assert_int_equal(session_watch_timer_cancel(t_cancel), SK_ERR_NOTFOUND);
	assert_int_equal(session_watch_wait(early, pe.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	woke = wall_ms() - t0;
	print_message("deadline +300 ms -> woken after %lld ms\n", (long long)woke);
	assert_true(woke >= 300);
	assert_true(woke < 300 + 2000);
	assert_int_equal(action, SK_CARD_REMOVAL_END);
	assert_string_equal(cause, "grant_expired");
	assert_int_equal(session_watch_wait(late, pl.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	woke = wall_ms() - t0;
	print_message("deadline +600 ms -> woken after %lld ms\n", (long long)woke);
	assert_true(woke >= 600);
	/* The cancelled one is still asleep: only the stop flag wakes it. */
	stop = 1;
	assert_int_equal(session_watch_wait(cancelled, pc.fd[0], &stop, &action, cause,
	                                    sizeof(cause)), SK_ERR_UNAVAILABLE);
	assert_int_equal(session_watch_timer_cancel(t_early), SK_ERR_NOTFOUND);   /* fired */
	session_watch_remove(early);
	session_watch_remove(late);
	session_watch_remove(cancelled);
	session_watch_timers_stop();
	peer_close(&pe);
	peer_close(&pl);
	peer_close(&pc);
}

/* A session is ordered once: a second order (a timer after a revocation) does not change the
 * first. */
static void
test_first_order_wins(void **state)
{
	struct session_watch *w;
	struct peer p;
	volatile sig_atomic_t stop = 0;
	unsigned action = 0;
	char cause[SK_NAME_MAX];

	(void)state;
	peer_open(&p);
	assert_int_equal(session_watch_add(41, "erin", CARD_B, SK_CARD_REMOVAL_LOCK, &w), SK_OK);
	assert_int_equal(session_watch_order_card(CARD_B, "card_revoked"), 1);
	assert_int_equal(session_watch_order_session(41, SK_CARD_REMOVAL_END, "grant_expired"), 1);
	assert_int_equal(session_watch_order_session(99, SK_CARD_REMOVAL_END, "grant_expired"), 0);
	assert_int_equal(session_watch_wait(w, p.fd[0], &stop, &action, cause, sizeof(cause)),
	                 SK_OK);
	assert_int_equal(action, SK_CARD_REMOVAL_LOCK);
	assert_string_equal(cause, "card_revoked");
	session_watch_remove(w);
	peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_card_3_revoked_card_orders_its_sessions),
		cmocka_unit_test(test_agent_gone_wakes_wait),
		cmocka_unit_test(test_timer_orders_session_at_deadline),
		cmocka_unit_test(test_first_order_wins),
		cmocka_unit_test(test_r_life_2_hr_ends_every_session_of_the_user),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests_name("session_watch", tests, NULL, NULL);
}
