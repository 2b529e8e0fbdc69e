/* PIV card login through the real pcscd + vsmartcard-vpcd (smartcard_fixture.h): 9A with
 * RSA and EC keys, 9E without a PIN, the PIV PIN rules.
 *
 * Requirements: R-MFA-1 (PIN + card; 9E is possession only), R-TEST-1. */
#include "smartcard_fixture.h"

/* ---- PIV -------------------------------------------------------------------------------- */

static void
test_piv_9a_rsa(void **state)
{
	struct pin_ctx p = { "123456", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_piv_rsa_and_9e();
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.tries_seen, 3);
	assert_int_equal(res.sig_alg, SC_SIG_RSA_PKCS1_SHA256);
	assert_int_equal(res.sig_len, 256);
	expect_cert(&res, "piv9a_rsa.pem");
	expect_login_verifies(&res, chal);
	/* 266-byte GENERAL AUTHENTICATE went out chained; the 264-byte answer and the
	 * certificate object came back through GET RESPONSE; the PIN was logged out. */
	assert_true(emu_state("chained") >= 1);
	assert_true(emu_state("get_response") >= 2);
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);
}

static void
test_piv_9a_ec(void **state)
{
	struct pin_ctx p = { "20240101", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_ec.pem"), "--key-9a",
		  sct_pki_path("piv9a_ec.key"), "--pin", "20240101", END);
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(res.sig_alg, SC_SIG_ECDSA_SHA256);
	assert_true(res.sig_len >= 8 && res.sig_len <= 72);
	expect_login_verifies(&res, chal);
	assert_int_equal(emu_state("chained"), 0);
}

/* R-MFA-1: key 9E proves possession only: no PIN is asked, queried or sent. */
static void
test_piv_9e_no_pin(void **state)
{
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_piv_rsa_and_9e();
	assert_int_equal(card_login(SC_KIND_PIV_9E, NULL, reader, chal, &res), SK_OK);
	assert_int_equal(res.sig_alg, SC_SIG_ECDSA_SHA256);
	assert_int_equal(res.tries_left, -1);
	expect_cert(&res, "piv9e.pem");
	expect_login_verifies(&res, chal);
	assert_int_equal(emu_state("pin_status"), 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

static void
test_piv_pin_rules(void **state)
{
	struct pin_ctx p = { "654321", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_ec.pem"), "--key-9a",
		  sct_pki_path("piv9a_ec.key"), END);
	expect_login_tries(SC_KIND_PIV_9A, &p, &res, SK_ERR_PIN_WRONG, 2);
	expect_login_tries(SC_KIND_PIV_9A, &p, &res, SK_ERR_PIN_WRONG, 1);
	p.pin = "123456";
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(p.calls, 2);
	assert_int_equal(emu_state("pin_verify_data"), 2);
	assert_int_equal(emu_state("pin_tries"), 1);
	p.pin = "123";   /* too short for PIV: never sent (and not asked: one try left) */
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(emu_state("pin_verify_data"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_piv_9a_rsa, teardown),
		cmocka_unit_test_teardown(test_piv_9a_ec, teardown),
		cmocka_unit_test_teardown(test_piv_9e_no_pin, teardown),
		cmocka_unit_test_teardown(test_piv_pin_rules, teardown),
	};

	return cmocka_run_group_tests_name("smartcard_pcscd_piv", tests, group_setup, group_teardown);
}
