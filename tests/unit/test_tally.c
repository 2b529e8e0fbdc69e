/* The attempt limit (R-LOGIN-1: a limit on login attempts; R-PRIV-5: privileged IDs get a
 * stricter one, e.g. unlock_time 0 = only an administrator unlocks). The tally functions are
 * pure, so time is just a number here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sk_log.h"
#include "tally.h"

#define T0 INT64_C(1900000000)   /* an arbitrary epoch second */

static void
fresh(struct tally *t)
{
	tally_init(t);
	t->fail_count = 99;
	t->fail_first = 99;
	t->locked = 99;
	t->locked_until = 99;
	tally_clear(t);
	assert_int_equal(t->fail_count, 0);
	assert_int_equal(t->fail_first, 0);
	assert_int_equal(t->locked, 0);
	assert_int_equal(t->locked_until, 0);
}

/* R-LOGIN-1: the deny-th failure locks, not one earlier; remaining counts down to 0. */
static void
test_lock_after_deny_failures(void **state)
{
	const struct tally_limits l = { .deny = 5, .fail_interval = 900, .unlock_time = 600 };
	struct tally t;

	(void)state;
	fresh(&t);
	assert_int_equal(tally_remaining(&t, &l), 5);
	for (unsigned i = 1; i < 5; i++) {
		tally_normalize(&t, &l, T0 + i);
		assert_int_equal(tally_record_failure(&t, &l, T0 + i), 0);
		assert_false(tally_is_locked(&t));
		assert_int_equal(tally_remaining(&t, &l), 5 - i);
	}
	assert_int_equal(t.fail_first, T0 + 1);
	tally_normalize(&t, &l, T0 + 5);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 5), 1);
	assert_true(tally_is_locked(&t));
	assert_int_equal(tally_remaining(&t, &l), 0);
	assert_int_equal(t.locked_until, T0 + 5 + 600);
}

/* deny = 1: the first failure locks. */
static void
test_deny_one(void **state)
{
	const struct tally_limits l = { .deny = 1, .fail_interval = 60, .unlock_time = 0 };
	struct tally t;

	(void)state;
	fresh(&t);
	assert_int_equal(tally_remaining(&t, &l), 1);
	assert_int_equal(tally_record_failure(&t, &l, T0), 1);
	assert_true(tally_is_locked(&t));
	assert_int_equal(t.locked_until, 0);
}

/* The window slides: each failure counts for fail_interval seconds after it happened (at
 * exactly fail_interval it still counts), so old failures drop out one by one. */
static void
test_old_failures_forgotten(void **state)
{
	const struct tally_limits l = { .deny = 3, .fail_interval = 900, .unlock_time = 600 };
	struct tally t;

	(void)state;
	fresh(&t);
	assert_int_equal(tally_record_failure(&t, &l, T0), 0);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 10), 0);
	assert_int_equal(tally_remaining(&t, &l), 1);
	tally_normalize(&t, &l, T0 + 900);
	assert_int_equal(t.fail_count, 2);
	tally_normalize(&t, &l, T0 + 901);
	assert_int_equal(t.fail_count, 1);
	assert_int_equal(t.fail_first, T0 + 10);
	assert_int_equal(tally_remaining(&t, &l), 2);
	tally_normalize(&t, &l, T0 + 911);
	assert_int_equal(t.fail_count, 0);
	assert_int_equal(tally_remaining(&t, &l), 3);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 1000), 0);
	assert_int_equal(t.fail_first, T0 + 1000);
}

/* R-LOGIN-1: a burst around the edge of a window gets no more than deny tries: failures just
 * before and just after the point where the first one expires still add up. */
static void
test_no_burst_at_window_edge(void **state)
{
	const struct tally_limits l = { .deny = 5, .fail_interval = 900, .unlock_time = 600 };
	struct tally t;
	unsigned tries = 0;

	(void)state;
	fresh(&t);
	tally_normalize(&t, &l, T0);
	assert_int_equal(tally_record_failure(&t, &l, T0), 0);
	tries++;
	/* Three more just before the first expires, then as many as the limit lets through. */
	for (int64_t now = T0 + 895; now < T0 + 910 && !tally_is_locked(&t); now++) {
		tally_normalize(&t, &l, now);
		if (tally_is_locked(&t))
			break;
		(void)tally_record_failure(&t, &l, now);
		tries++;
	}
	assert_true(tally_is_locked(&t));
	/* Within any 900 s no more than deny failures were allowed. */
	assert_true(tries <= 1 + l.deny);
	assert_int_equal(t.fail_count, l.deny);
}

/* Without normalize nothing is forgotten: the record itself never drops failures. */
static void
test_failures_add_up_within_interval(void **state)
{
	const struct tally_limits l = { .deny = 3, .fail_interval = 60, .unlock_time = 30 };
	struct tally t;

	(void)state;
	fresh(&t);
	for (int i = 0; i < 2; i++) {
		tally_normalize(&t, &l, T0 + 30 * i);
		assert_int_equal(tally_record_failure(&t, &l, T0 + 30 * i), 0);
	}
	tally_normalize(&t, &l, T0 + 60);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 60), 1);
	assert_int_equal(t.locked_until, T0 + 90);
}

/* A timed lock opens at locked_until, not a second before. */
static void
test_timed_lock_opens(void **state)
{
	const struct tally_limits l = { .deny = 2, .fail_interval = 900, .unlock_time = 2 };
	struct tally t;

	(void)state;
	fresh(&t);
	tally_record_failure(&t, &l, T0);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 1), 1);
	assert_int_equal(t.locked_until, T0 + 3);
	tally_normalize(&t, &l, T0 + 2);
	assert_true(tally_is_locked(&t));
	assert_int_equal(tally_remaining(&t, &l), 0);
	tally_normalize(&t, &l, T0 + 3);
	assert_false(tally_is_locked(&t));
	assert_int_equal(t.fail_count, 0);
	assert_int_equal(tally_remaining(&t, &l), 2);
	/* After the lock opens, the count starts again from zero. */
	assert_int_equal(tally_record_failure(&t, &l, T0 + 4), 0);
	assert_int_equal(tally_remaining(&t, &l), 1);
}

/* R-PRIV-5: unlock_time 0 never opens by time; only an administrator's clear does. */
static void
test_admin_only_lock(void **state)
{
	const struct tally_limits l = { .deny = 3, .fail_interval = 3600, .unlock_time = 0 };
	static const int64_t later[] = { 1, 3600, 86400, 86400 * 365, INT64_C(1) << 40 };
	struct tally t;

	(void)state;
	fresh(&t);
	for (int i = 0; i < 3; i++)
		tally_record_failure(&t, &l, T0 + i);
	assert_true(tally_is_locked(&t));
	assert_int_equal(t.locked_until, 0);
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		tally_normalize(&t, &l, T0 + later[i]);
		assert_true(tally_is_locked(&t));
		assert_int_equal(tally_remaining(&t, &l), 0);
	}
	/* Neither does the fail_interval forget a locked account's failures. */
	assert_int_equal(t.fail_count, 3);
	tally_clear(&t);   /* sekimori user unlock */
	assert_false(tally_is_locked(&t));
	assert_int_equal(tally_remaining(&t, &l), 3);
}

/* While locked, failures are not counted (the lock does not grow, and the count is not
 * pushed past deny); the call reports no new lock. */
static void
test_no_counting_while_locked(void **state)
{
	const struct tally_limits l = { .deny = 2, .fail_interval = 900, .unlock_time = 60 };
	struct tally t;

	(void)state;
	fresh(&t);
	tally_record_failure(&t, &l, T0);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 1), 1);
	for (int i = 2; i < 50; i++) {
		tally_normalize(&t, &l, T0 + i);
		assert_int_equal(tally_record_failure(&t, &l, T0 + i), 0);
		assert_int_equal(t.fail_count, 2);
		assert_int_equal(t.locked_until, T0 + 61);   /* not extended */
		assert_true(tally_is_locked(&t));
	}
}

/* remaining never underflows when deny shrinks below the count already recorded (a profile
 * made stricter while failures were on record). */
static void
test_remaining_with_stricter_limit(void **state)
{
	const struct tally_limits loose = { .deny = 10, .fail_interval = 900, .unlock_time = 60 };
	const struct tally_limits strict = { .deny = 3, .fail_interval = 900, .unlock_time = 0 };
	struct tally t;

	(void)state;
	fresh(&t);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tally_record_failure(&t, &loose, T0 + i), 0);
	assert_int_equal(tally_remaining(&t, &loose), 5);
	assert_int_equal(tally_remaining(&t, &strict), 0);
	/* The next failure under the stricter limit locks at once, for an administrator. */
	assert_int_equal(tally_record_failure(&t, &strict, T0 + 6), 1);
	assert_int_equal(t.locked_until, 0);
}

static void
token_of(unsigned char tok[TALLY_TOKEN_LEN], unsigned char v)
{
	memset(tok, v, TALLY_TOKEN_LEN);
}

/* R-LOGIN-1: pending attempts hold their places, so no more than deny can be in flight or
 * failed at once, however many ask at the same moment. */
static void
test_r_login_1_pending_attempts_hold_places(void **state)
{
	const struct tally_limits l = { .deny = 3, .fail_interval = 900, .unlock_time = 0 };
	unsigned char tok[TALLY_TOKEN_LEN];
	struct tally t;
	int granted = 0;

	(void)state;
	fresh(&t);
	for (unsigned char i = 1; i <= 12; i++) {
		token_of(tok, i);
		granted += tally_reserve(&t, &l, T0, TALLY_PENDING_TTL, tok);
	}
	assert_int_equal(granted, 3);
	assert_int_equal(t.n_pending, 3);
	assert_int_equal(tally_remaining(&t, &l), 0);
	assert_false(tally_is_locked(&t));
	/* One confirmed as a failure: still no new place. */
	token_of(tok, 1);
	assert_int_equal(tally_release(&t, tok), 1);
	assert_int_equal(tally_record_failure(&t, &l, T0 + 1), 0);
	token_of(tok, 13);
	assert_int_equal(tally_reserve(&t, &l, T0 + 1, TALLY_PENDING_TTL, tok), 0);
	/* One released by a success of that login: its place frees, the failures stay. */
	token_of(tok, 2);
	assert_int_equal(tally_release(&t, tok), 1);
	assert_int_equal(tally_release(&t, tok), 0);
	token_of(tok, 14);
	assert_int_equal(tally_reserve(&t, &l, T0 + 2, TALLY_PENDING_TTL, tok), 1);
	/* A success clears the failures, not the other logins still in flight. */
	tally_clear(&t);
	assert_int_equal(t.fail_count, 0);
	assert_int_equal(t.n_pending, 2);
	assert_int_equal(tally_remaining(&t, &l), 1);
}

/* R-LOGIN-1: an attempt never resolved (a second step abandoned, a crash) counts as a
 * failure at its expiry time, whenever the tally is next looked at, and only once. */
static void
test_r_login_1_expired_attempt_counts(void **state)
{
	const struct tally_limits l = { .deny = 2, .fail_interval = 900, .unlock_time = 600 };
	unsigned char a[TALLY_TOKEN_LEN], b[TALLY_TOKEN_LEN];
	struct tally t;

	(void)state;
	fresh(&t);
	token_of(a, 0xa);
	token_of(b, 0xb);
	assert_int_equal(tally_reserve(&t, &l, T0, 100, a), 1);
	assert_int_equal(tally_reserve(&t, &l, T0 + 10, 100, b), 1);
	tally_normalize(&t, &l, T0 + 99);
	assert_int_equal(t.n_expired, 0);
	assert_int_equal(t.n_pending, 2);
	tally_normalize(&t, &l, T0 + 105);
	assert_int_equal(t.n_expired, 1);
	assert_int_equal(t.n_pending, 1);
	assert_int_equal(t.fail_count, 1);
	assert_int_equal(t.fail_times[0], T0 + 100);
	assert_false(tally_is_locked(&t));
	/* Looked at much later: the second expiry locks, from its own expiry time. */
	tally_normalize(&t, &l, T0 + 300);
	assert_int_equal(t.n_expired, 1);
	assert_int_equal(t.n_pending, 0);
	assert_true(tally_is_locked(&t));
	assert_int_equal(t.locked_until, T0 + 110 + 600);
	/* Nothing left to count a second time. */
	tally_normalize(&t, &l, T0 + 301);
	assert_int_equal(t.n_expired, 0);
	assert_true(tally_is_locked(&t));
	assert_int_equal(tally_release(&t, a), 0);
}

/* An attempt that expires after a timed lock has opened counts in a fresh window; one whose
 * failure would already be outside fail_interval leaves nothing behind. */
static void
test_r_login_1_expiry_after_lock_and_window(void **state)
{
	const struct tally_limits l = { .deny = 1, .fail_interval = 60, .unlock_time = 30 };
	unsigned char a[TALLY_TOKEN_LEN];
	struct tally t;

	(void)state;
	fresh(&t);
	token_of(a, 1);
	assert_int_equal(tally_reserve(&t, &l, T0, 200, a), 1);
	tally_normalize(&t, &l, T0 + 200);
	assert_true(tally_is_locked(&t));
	assert_int_equal(t.locked_until, T0 + 230);
	tally_normalize(&t, &l, T0 + 231);
	assert_false(tally_is_locked(&t));
	assert_int_equal(t.fail_count, 0);
	assert_int_equal(tally_reserve(&t, &l, T0 + 231, 200, a), 1);
	tally_normalize(&t, &l, T0 + 1000);   /* expired at +431, out of the window by +1000 */
	assert_int_equal(t.n_expired, 1);
	assert_false(tally_is_locked(&t));
	assert_int_equal(t.locked_until, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_after_deny_failures),
		cmocka_unit_test(test_deny_one),
		cmocka_unit_test(test_old_failures_forgotten),
		cmocka_unit_test(test_no_burst_at_window_edge),
		cmocka_unit_test(test_failures_add_up_within_interval),
		cmocka_unit_test(test_timed_lock_opens),
		cmocka_unit_test(test_admin_only_lock),
		cmocka_unit_test(test_no_counting_while_locked),
		cmocka_unit_test(test_remaining_with_stricter_limit),
		cmocka_unit_test(test_r_login_1_pending_attempts_hold_places),
		cmocka_unit_test(test_r_login_1_expired_attempt_counts),
		cmocka_unit_test(test_r_login_1_expiry_after_lock_and_window),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
