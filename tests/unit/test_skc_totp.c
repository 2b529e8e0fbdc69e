/* Typed calls of the TOTP family (common/skc_totp.c) against a socketpair peer that plays
 * the broker: BEGIN sends only the options given and reads the enrolment id and the otpauth
 * URI (R-MFA-1, R-CRED-2), CONFIRM sends the id and the code; malformed replies fail closed
 * (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_peer.h"
#include "skc_totp.h"

static void
test_totp_enroll_begin_sends_the_options_and_reads_the_uri(void **state)
{
	static const unsigned char seed[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	                                        11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	struct skc_totp_enroll_begin_in in = { .actor = "admin1", .user = "frank",
	                                       .algorithm = "sha256", .digits = 8, .period = 60,
	                                       .secret = seed, .secret_len = sizeof(seed) };
	struct skc_totp_enroll_begin_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;

	(void)state;
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ENROLL_ID, 7), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_URI, "otpauth://totp/S:frank?secret=AE"),
	                 SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_totp_enroll_begin(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.enroll_id, 7);
	assert_string_equal(out.uri, "otpauth://totp/S:frank?secret=AE");
	req = skc_peer_request(&p, SK_REQ_TOTP_ENROLL_BEGIN);
	skc_assert_text(req, SK_K_ALGORITHM, "sha256");
	skc_assert_uint(req, SK_K_DIGITS, 8);
	skc_assert_uint(req, SK_K_PERIOD, 60);
	skc_assert_bytes(req, SK_K_SECRET, seed, sizeof(seed));
	sk_msg_free(req);

	/* The broker's defaults: nothing of the options is sent. */
	memset(&in, 0, sizeof(in));
	in.user = "frank";
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_ENROLL_ID, 8), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_URI, "otpauth://totp/x"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_totp_enroll_begin(&p.client, &in, &out), SK_OK);
	req = skc_peer_request(&p, SK_REQ_TOTP_ENROLL_BEGIN);
	skc_assert_absent(req, SK_K_ALGORITHM);
	skc_assert_absent(req, SK_K_DIGITS);
	skc_assert_absent(req, SK_K_PERIOD);
	skc_assert_absent(req, SK_K_SECRET);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* R-INPUT-1: a URI that is no otpauth URI, or too long, or no enrolment id: malformed. */
static void
test_r_input_1_totp_enroll_begin_malformed_reply_fails_closed(void **state)
{
	struct skc_totp_enroll_begin_in in = { .user = "frank" };
	struct skc_totp_enroll_begin_out out;
	char longuri[SKC_TOTP_URI_MAX + 1];

	(void)state;
	memcpy(longuri, "otpauth://", 10);
	memset(longuri + 10, 'a', sizeof(longuri) - 11);
	longuri[sizeof(longuri) - 1] = '\0';
	for (int kind = 0; kind < 3; kind++) {
		struct skc_peer p;
		struct sk_msg *reply = skc_peer_reply(SK_ST_OK);

		if (kind != 2)
			assert_int_equal(sk_msg_put_uint(reply, SK_K_ENROLL_ID, 7), SK_OK);
		assert_int_equal(sk_msg_put_text(reply, SK_K_URI, kind == 0 ? "https://x/" :
		                                 kind == 1 ? longuri : "otpauth://totp/x"), SK_OK);
		skc_peer_open(&p);
		skc_peer_answer(&p, reply);
		assert_int_equal(skc_totp_enroll_begin(&p.client, &in, &out), SK_ERR_PROTO);
		assert_string_equal(out.uri, "");
		skc_peer_close(&p);
	}
}

static void
test_totp_enroll_confirm_sends_id_and_code(void **state)
{
	struct skc_totp_enroll_confirm_in in = { .user = "frank", .enroll_id = 7,
	                                         .code = "123456" };
	struct skc_reply_out out;
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_DENIED));
	assert_int_equal(skc_totp_enroll_confirm(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	req = skc_peer_request(&p, SK_REQ_TOTP_ENROLL_CONFIRM);
	skc_assert_uint(req, SK_K_ENROLL_ID, 7);
	skc_assert_text(req, SK_K_OTP, "123456");
	sk_msg_free(req);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_enroll_begin_sends_the_options_and_reads_the_uri),
		cmocka_unit_test(test_r_input_1_totp_enroll_begin_malformed_reply_fails_closed),
		cmocka_unit_test(test_totp_enroll_confirm_sends_id_and_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
