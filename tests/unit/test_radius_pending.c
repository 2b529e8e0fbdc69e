/* RADIUS challenge mode's pending logins (broker/core/radius_pending.c, R-MFA-3, R-LOGIN-1):
 * a State is good once and for its lifetime only, States are not guessable from one another,
 * and the table is bounded. Time is a number here; the end-to-end rounds through FreeRADIUS
 * are tests/remote/radius_challenge.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "radius_pending.h"
#include "sk_err.h"

#define T0 INT64_C(1900000000)

static void
pending_for(struct radius_pending *p, const char *user, const char *password)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->txn.user, sizeof(p->txn.user), "%s", user);
	snprintf(p->password, sizeof(p->password), "%s", password);
}

static int
clear_table(void **state)
{
	(void)state;
	radius_pending_clear();
	return 0;
}

/* R-MFA-3: taken once with the password and the transaction; the second take finds nothing. */
static void
test_r_mfa_3_state_single_use(void **state)
{
	struct radius_pending p, out;
	unsigned char s[RADIUS_STATE_LEN];

	(void)state;
	pending_for(&p, "ume", "Kobai+Kaoru-2026");
	assert_int_equal(radius_pending_put(&p, T0, 300, s), SK_OK);
	assert_int_equal(radius_pending_count(), 1);
	assert_int_equal(radius_pending_take(s, T0 + 1, &out), SK_OK);
	assert_string_equal(out.txn.user, "ume");
	assert_string_equal(out.password, "Kobai+Kaoru-2026");
	assert_int_equal(out.expires, T0 + 300);
	assert_int_equal(radius_pending_count(), 0);
	assert_int_equal(radius_pending_take(s, T0 + 2, &out), SK_ERR_NOTFOUND);
	assert_string_equal(out.password, "");
}

/* R-MFA-3: at its lifetime's end still good; one second later expired, gone, no password. */
static void
test_r_mfa_3_state_expires(void **state)
{
	struct radius_pending p, out;
	unsigned char a[RADIUS_STATE_LEN], b[RADIUS_STATE_LEN];

	(void)state;
	pending_for(&p, "ume", "pw-a");
	assert_int_equal(radius_pending_put(&p, T0, 60, a), SK_OK);
	pending_for(&p, "ume", "pw-b");
	assert_int_equal(radius_pending_put(&p, T0, 60, b), SK_OK);
	assert_memory_not_equal(a, b, RADIUS_STATE_LEN);
	assert_int_equal(radius_pending_take(a, T0 + 60, &out), SK_OK);
	assert_int_equal(radius_pending_take(b, T0 + 61, &out), SK_ERR_TIMEOUT);
	assert_string_equal(out.txn.user, "ume");
	assert_string_equal(out.password, "");
	assert_int_equal(radius_pending_take(b, T0 + 61, &out), SK_ERR_NOTFOUND);
}

/* A State differing in one bit is another State. */
static void
test_r_mfa_3_state_exact(void **state)
{
	struct radius_pending p, out;
	unsigned char s[RADIUS_STATE_LEN];

	(void)state;
	pending_for(&p, "ume", "pw");
	assert_int_equal(radius_pending_put(&p, T0, 60, s), SK_OK);
	s[RADIUS_STATE_LEN - 1] ^= 1;
	assert_int_equal(radius_pending_take(s, T0, &out), SK_ERR_NOTFOUND);
	assert_int_equal(radius_pending_count(), 1);
}

/* Bounded: RADIUS_PENDING_MAX logins, then BUSY until one is taken or expires. */
static void
test_r_mfa_3_table_bounded(void **state)
{
	struct radius_pending p, out;
	unsigned char s[RADIUS_STATE_LEN], first[RADIUS_STATE_LEN];

	(void)state;
	pending_for(&p, "ume", "pw");
	for (unsigned i = 0; i < RADIUS_PENDING_MAX; i++)
		assert_int_equal(radius_pending_put(&p, T0 + (i == 0 ? 0 : 10), 60,
		                                    i == 0 ? first : s), SK_OK);
	assert_int_equal(radius_pending_put(&p, T0 + 10, 60, s), SK_ERR_BUSY);
	assert_int_equal(radius_pending_take(first, T0 + 10, &out), SK_OK);
	assert_int_equal(radius_pending_put(&p, T0 + 10, 60, s), SK_OK);
	assert_int_equal(radius_pending_put(&p, T0 + 10, 60, s), SK_ERR_BUSY);
	/* All of them expired: the next put drops them and finds room. */
	assert_int_equal(radius_pending_put(&p, T0 + 71, 60, s), SK_OK);
	assert_int_equal(radius_pending_count(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_r_mfa_3_state_single_use, clear_table),
		cmocka_unit_test_teardown(test_r_mfa_3_state_expires, clear_table),
		cmocka_unit_test_teardown(test_r_mfa_3_state_exact, clear_table),
		cmocka_unit_test_teardown(test_r_mfa_3_table_bounded, clear_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
