/* The admin session registry (broker/core/admin_session.c): a session is the token's and
 * the uid's together, and ends at its expiry (R-PRIV-*: privileged work needs the person's
 * own recent MFA; a session does not outlive its lifetime). Time is the caller's argument,
 * so expiry is checked at exact instants without waiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "admin_session.h"
#include "sk_err.h"

static int
reset(void **state)
{
	(void)state;
	admin_session_clear();
	return 0;
}

static void
test_r_priv_session_bound_to_uid(void **state)
{
	unsigned char token[ADMIN_TOKEN_LEN], other[ADMIN_TOKEN_LEN];
	struct admin_session_view v, got;

	(void)state;
	assert_int_equal(admin_session_create(1000, "alice", 1000, 900, token, &v), SK_OK);
	assert_string_equal(v.name, "alice");
	assert_int_equal(v.expires, 1900);
	assert_int_equal(admin_session_find(token, 1000, 1500, &got), SK_OK);
	assert_string_equal(got.name, "alice");
	assert_int_equal(got.id, v.id);
	/* uid A's token presented by uid B: as unknown as a made-up token. */
	assert_int_equal(admin_session_find(token, 1001, 1500, &got), SK_ERR_NOTFOUND);
	assert_int_equal(admin_session_check(v.id, 1001, 1500, &got), SK_ERR_NOTFOUND);
	memcpy(other, token, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(admin_session_find(other, 1000, 1500, &got), SK_ERR_NOTFOUND);
	/* ... and the refusal did not end the owner's session. */
	assert_int_equal(admin_session_check(v.id, 1000, 1500, &got), SK_OK);
}

static void
test_r_priv_expired_session_refused(void **state)
{
	unsigned char token[ADMIN_TOKEN_LEN];
	struct admin_session_view v, got;

	(void)state;
	assert_int_equal(admin_session_create(0, "boss", 5000, 60, token, &v), SK_OK);
	assert_int_equal(admin_session_check(v.id, 0, 5059, &got), SK_OK);
	/* At its expiry the session is over for good: it says "expired", even to a clock that
	 * would put it back in its lifetime, and another uid still learns nothing. */
	assert_int_equal(admin_session_find(token, 0, 5060, &got), SK_ERR_TIMEOUT);
	assert_int_equal(admin_session_find(token, 0, 5000, &got), SK_ERR_TIMEOUT);
	assert_int_equal(admin_session_check(v.id, 0, 5000, &got), SK_ERR_TIMEOUT);
	assert_int_equal(admin_session_find(token, 1000, 5100, &got), SK_ERR_NOTFOUND);
	/* Logging out an expired session removes it. */
	assert_int_equal(admin_session_end(v.id), SK_OK);
	assert_int_equal(admin_session_find(token, 0, 5100, &got), SK_ERR_NOTFOUND);
}

static void
test_r_priv_logout_ends_session(void **state)
{
	unsigned char t1[ADMIN_TOKEN_LEN], t2[ADMIN_TOKEN_LEN];
	struct admin_session_view a, b, got;

	(void)state;
	assert_int_equal(admin_session_create(1000, "alice", 100, 900, t1, &a), SK_OK);
	assert_int_equal(admin_session_create(1000, "alice", 100, 900, t2, &b), SK_OK);
	assert_true(a.id != b.id);
	assert_memory_not_equal(t1, t2, ADMIN_TOKEN_LEN);
	assert_int_equal(admin_session_end(a.id), SK_OK);
	assert_int_equal(admin_session_find(t1, 1000, 200, &got), SK_ERR_NOTFOUND);
	assert_int_equal(admin_session_end(a.id), SK_ERR_NOTFOUND);
	assert_int_equal(admin_session_find(t2, 1000, 200, &got), SK_OK);
}

static void
test_r_priv_registry_full_then_expired_make_room(void **state)
{
	unsigned char token[ADMIN_TOKEN_LEN];
	struct admin_session_view v;

	(void)state;
	for (int i = 0; i < ADMIN_SESSIONS_MAX; i++)
		assert_int_equal(admin_session_create(1000, "alice", 100, 60, token, &v), SK_OK);
	assert_int_equal(admin_session_create(1000, "alice", 100, 60, token, &v), SK_ERR_BUSY);
	assert_int_equal(admin_session_create(1000, "alice", 160, 60, token, &v), SK_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_r_priv_session_bound_to_uid, reset),
		cmocka_unit_test_setup(test_r_priv_expired_session_refused, reset),
		cmocka_unit_test_setup(test_r_priv_logout_ends_session, reset),
		cmocka_unit_test_setup(test_r_priv_registry_full_then_expired_make_room, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
