/* Typed calls of RADIUS challenge mode (common/skc_radius.c) against a socketpair peer that
 * plays the broker: round one sends the login with the RADIUS origin, the NAS and the
 * password and reads the State of a challenge; round two sends the State and the code. A
 * challenge without a State of exactly 32 bytes fails closed, and a secret too long is not
 * sent (R-MFA-3, R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_origin.h"
#include "sk_proto.h"
#include "skc_peer.h"
#include "skc_radius.h"

static const unsigned char state32[SKC_RADIUS_STATE_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static void
begin_in(struct skc_radius_begin_in *in)
{
	memset(in, 0, sizeof(*in));
	in->who.user = "ume";
	in->who.service = "radius";
	in->who.rhost = "198.51.100.7";
	in->who.profile = "remote";
	in->who.frontend = SK_FRONTEND_RADIUS;
	in->nas = "192.0.2.1";
	snprintf(in->password, sizeof(in->password), "%s", "Kobai+Kaoru-2026");
}

static void
test_r_mfa_3_begin_sends_origin_and_reads_state(void **state)
{
	struct skc_radius_begin_in in;
	struct skc_radius_begin_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_CHALLENGE), *req;

	(void)state;
	begin_in(&in);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_RADIUS_STATE, state32, sizeof(state32)), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_BANNER, "authorised staff only"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_radius_begin(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_CHALLENGE);
	assert_memory_equal(out.state, state32, sizeof(state32));
	assert_string_equal(out.banner, "authorised staff only");
	req = skc_peer_request(&p, SK_REQ_RADIUS_BEGIN);
	skc_assert_text(req, SK_K_USER, "ume");
	skc_assert_text(req, SK_K_RHOST, "198.51.100.7");
	skc_assert_text(req, SK_K_NAS, "192.0.2.1");
	skc_assert_uint(req, SK_K_FRONTEND, SK_FRONTEND_RADIUS);
	skc_assert_text(req, SK_K_PASSWORD, "Kobai+Kaoru-2026");
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* A challenge whose State is missing or not 32 bytes is no challenge: SK_ERR_PROTO. */
static void
test_r_input_1_challenge_without_good_state_fails(void **state)
{
	struct skc_radius_begin_in in;
	struct skc_radius_begin_out out;
	struct skc_peer p;
	struct sk_msg *reply, *req;

	(void)state;
	begin_in(&in);
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_CHALLENGE));
	assert_int_equal(skc_radius_begin(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_RADIUS_BEGIN));
	skc_peer_close(&p);

	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_CHALLENGE);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_RADIUS_STATE, state32, 31), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_radius_begin(&p.client, &in, &out), SK_ERR_PROTO);
	req = skc_peer_request(&p, SK_REQ_RADIUS_BEGIN);
	sk_msg_free(req);
	skc_peer_close(&p);
}

static void
test_r_mfa_3_continue_sends_state_and_code(void **state)
{
	struct skc_radius_continue_in in = { .user = "ume", .service = "radius",
	                                     .rhost = "198.51.100.7", .nas = "192.0.2.1" };
	struct skc_radius_continue_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_DENIED), *req;

	(void)state;
	memcpy(in.state, state32, sizeof(state32));
	snprintf(in.code, sizeof(in.code), "%s", "123456");
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REMAINING, 4), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_radius_continue(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_true(out.v.has_remaining);
	assert_int_equal(out.v.remaining, 4);
	req = skc_peer_request(&p, SK_REQ_RADIUS_CONTINUE);
	skc_assert_bytes(req, SK_K_RADIUS_STATE, state32, sizeof(state32));
	skc_assert_text(req, SK_K_USER, "ume");
	skc_assert_text(req, SK_K_OTP, "123456");
	skc_assert_text(req, SK_K_NAS, "192.0.2.1");
	skc_assert_absent(req, SK_K_PASSWORD);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* A password that fills the buffer without its NUL is refused, nothing sent. */
static void
test_r_input_1_long_password_not_sent(void **state)
{
	struct skc_radius_begin_in in;
	struct skc_radius_begin_out out;
	struct skc_peer p;

	(void)state;
	begin_in(&in);
	memset(in.password, 'x', sizeof(in.password));
	skc_peer_open(&p);
	assert_int_equal(skc_radius_begin(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_mfa_3_begin_sends_origin_and_reads_state),
		cmocka_unit_test(test_r_input_1_challenge_without_good_state_fails),
		cmocka_unit_test(test_r_mfa_3_continue_sends_state_and_code),
		cmocka_unit_test(test_r_input_1_long_password_not_sent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
