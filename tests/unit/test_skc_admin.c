/* Typed calls of the admin session family (common/skc_admin.c) against a socketpair peer
 * that plays the broker: what each request carries, the decoded replies, and that a reply
 * which would make a session out of less than a whole token fails closed (R-INPUT-1,
 * R-PRIV-*). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_admin.h"
#include "skc_peer.h"

static void
test_login_begin_names_the_account_and_reads_the_plan(void **state)
{
	struct skc_admin_login_begin_in in = { .user = "boss" };
	struct skc_admin_login_begin_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;
	const uint64_t steps[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP };

	(void)state;
	assert_int_equal(sk_msg_put_uint_array(reply, SK_K_STEPS, steps, 2), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_BANNER, "privileged ID"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_login_begin(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.n_steps, 2);
	assert_int_equal(out.steps[0], SK_METHOD_PASSWORD);
	assert_int_equal(out.steps[1], SK_METHOD_TOTP);
	assert_string_equal(out.banner, "privileged ID");
	req = skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_BEGIN);
	skc_assert_text(req, SK_K_USER, "boss");
	skc_assert_absent(req, SK_K_ACTOR);
	sk_msg_free(req);

	/* Under one's own uid no name is sent; a refusal carries its reason. */
	in.user = NULL;
	reply = skc_peer_reply(SK_ST_DENIED);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_NOT_ADMINISTRATOR), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_login_begin(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_int_equal(out.res.reason, SK_REASON_NOT_ADMINISTRATOR);
	assert_int_equal(out.n_steps, 0);
	req = skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_BEGIN);
	skc_assert_absent(req, SK_K_USER);
	sk_msg_free(req);

	/* R-INPUT-1: an OK without a plan, or with too long a plan, is malformed. */
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_admin_login_begin(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_BEGIN));
	{
		const uint64_t many[] = { 1, 2, 1, 2, 1 };

		reply = skc_peer_reply(SK_ST_OK);
		assert_int_equal(sk_msg_put_uint_array(reply, SK_K_STEPS, many, 5), SK_OK);
		skc_peer_answer(&p, reply);
		assert_int_equal(skc_admin_login_begin(&p.client, &in, &out), SK_ERR_PROTO);
	}
	skc_peer_close(&p);
}

static void
test_r_priv_login_finish_session_needs_whole_token(void **state)
{
	struct skc_admin_login_finish_in in = { .password = "pw-of-boss", .otp = "123456" };
	struct skc_admin_login_finish_out out;
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_peer p;
	struct sk_msg *reply, *req;

	(void)state;
	memset(token, 0xa5, sizeof(token));
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_ADMIN_TOKEN, token, sizeof(token)), SK_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ADMIN_EXPIRES, 1900), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_USER, "boss"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_login_finish(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_memory_equal(out.token, token, sizeof(token));
	assert_int_equal(out.expires, 1900);
	assert_string_equal(out.user, "boss");
	req = skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_FINISH);
	skc_assert_text(req, SK_K_PASSWORD, "pw-of-boss");
	skc_assert_text(req, SK_K_OTP, "123456");
	sk_msg_free(req);

	/* A short token is no session. */
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_ADMIN_TOKEN, token, 16), SK_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ADMIN_EXPIRES, 1900), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_USER, "boss"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_login_finish(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_FINISH));

	/* A denial with the attempts left: no token, no password field missing either way. */
	in.otp = NULL;
	reply = skc_peer_reply(SK_ST_DENIED);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REMAINING, 2), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_login_finish(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_int_equal(out.remaining, 2);
	req = skc_peer_request(&p, SK_REQ_ADMIN_LOGIN_FINISH);
	skc_assert_absent(req, SK_K_OTP);
	sk_msg_free(req);
	skc_peer_close(&p);
}

static void
test_attach_sends_token_and_whoami_reads_roles(void **state)
{
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_admin_attach_in in = { token };
	struct skc_admin_session_out out;
	struct skc_peer p;
	struct sk_msg *reply, *req;

	(void)state;
	memset(token, 0x3c, sizeof(token));
	reply = skc_peer_reply(SK_ST_ADMIN_SESSION);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_ADMIN_SESSION_EXPIRED),
	                 SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_attach(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_ADMIN_SESSION);
	assert_int_equal(out.res.reason, SK_REASON_ADMIN_SESSION_EXPIRED);
	assert_false(out.has_session);
	req = skc_peer_request(&p, SK_REQ_ADMIN_ATTACH);
	skc_assert_bytes(req, SK_K_ADMIN_TOKEN, token, sizeof(token));
	sk_msg_free(req);

	/* whoami without a session: the roles only. */
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ROLES, SK_ROLE_RECOVERY | SK_ROLE_AUDITOR),
	                 SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_whoami(&p.client, &out), SK_OK);
	assert_int_equal(out.roles, SK_ROLE_RECOVERY | SK_ROLE_AUDITOR);
	assert_false(out.has_session);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ADMIN_WHOAMI));

	/* With a session: person, expiry and the time of the factors; a name without them is
	 * malformed. */
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ROLES, SK_ROLE_ADMIN), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_USER, "boss"), SK_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ADMIN_EXPIRES, 1900), SK_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ADMIN_AUTH_AT, 1000), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_whoami(&p.client, &out), SK_OK);
	assert_true(out.has_session);
	assert_string_equal(out.user, "boss");
	assert_int_equal(out.expires, 1900);
	assert_int_equal(out.auth_at, 1000);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ADMIN_WHOAMI));
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_USER, "boss"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_admin_logout(&p.client, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ADMIN_LOGOUT));
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_begin_names_the_account_and_reads_the_plan),
		cmocka_unit_test(test_r_priv_login_finish_session_needs_whole_token),
		cmocka_unit_test(test_attach_sends_token_and_whoami_reads_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
