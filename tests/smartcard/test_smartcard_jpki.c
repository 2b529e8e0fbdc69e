/* JPKI card login through the real pcscd + vsmartcard-vpcd (smartcard_fixture.h): the
 * signature, wrong PINs, the last try withheld, a blocked card, PIN format and cancel.
 *
 * Requirements: R-MFA-1 (PIN + card), R-TEST-1. */
#include "smartcard_fixture.h"

/* ---- JPKI ------------------------------------------------------------------------------- */

/* R-MFA-1: the My Number card's auth key signs the broker's challenge after the PIN; the
 * broker verifies it with the trusted test CA. Also measures a full login through pcscd. */
static void
test_jpki_login_ok(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	struct card_binding b;
	uint8_t chal[32];
	long long t0, t1, best = 1 << 30, total = 0;
	int i;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	t0 = sk_now_ms();
	/* reader NULL: the first reader that holds a card. */
	assert_int_equal(card_login(SC_KIND_JPKI, &p, NULL, chal, &res), SK_OK);
	t1 = sk_now_ms();
	fprintf(stderr, "JPKI login through pcscd (first): %lld ms\n", t1 - t0);
	assert_string_equal(res.reader, reader);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.tries_seen, 3);
	assert_int_equal(res.sig_alg, SC_SIG_RSA_PKCS1_SHA256);
	assert_int_equal(res.sig_len, 256);
	assert_string_equal(res.jpki_token, "JPKIAPICCTOKEN2");
	expect_cert(&res, "jpki.pem");
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, &b), SK_OK);
	assert_int_equal(strlen(b.spki_sha256), 64);
	/* What the card went through: one signature, PIN back to logged out, our 6Cxx recovery
	 * used for the token, the card reset on the way out. */
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);
	assert_int_equal(emu_state("pin_tries"), 3);
	assert_int_equal(emu_state("pin_verify_data"), 1);
	assert_true(emu_state("wrong_length") >= 1);
	assert_true(emu_state("resets") >= 2);
	for (i = 0; i < 5; i++) {
		t0 = sk_now_ms();
		assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
		t1 = sk_now_ms();
		total += t1 - t0;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	fprintf(stderr, "JPKI login through pcscd: best %lld ms, mean %lld ms over 5\n", best,
		total / 5);
	assert_true(best < 1000);
}

/* A wrong PIN is refused and the tries left are reported; the right PIN then works and the
 * card's counter is restored. */
static void
test_jpki_wrong_pin(void **state)
{
	struct pin_ctx p = { "9999", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	expect_login_tries(SC_KIND_JPKI, &p, &res, SK_ERR_PIN_WRONG, 2);
	assert_int_equal(res.sig_len, 0);
	assert_int_equal(res.cert_len, 0);
	assert_int_equal(emu_state("pin_tries"), 2);
	assert_int_equal(emu_state("pin_wrong"), 1);
	assert_int_equal(emu_state("sign_ops"), 0);
	p.pin = "1234";
	p.calls = 0;
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(p.tries_seen, 2);   /* the user was told before typing */
	assert_int_equal(emu_state("pin_tries"), 3);
	expect_login_verifies(&res, chal);
}

/* One try left: the PIN is neither asked for nor sent; the card's counter does not move. */
static void
test_jpki_last_try_refused(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--one-try-left", END);
	assert_int_equal(emu_state("pin_tries"), 1);
	expect_login_tries(SC_KIND_JPKI, &p, &res, SK_ERR_PIN_LAST_TRY, 1);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 1);
	assert_int_equal(emu_state("sign_ops"), 0);
	assert_int_equal(res.sig_len, 0);
}

/* Wrong PIN at two tries: the answer is "one left", and the next attempt is refused. */
static void
test_jpki_wrong_then_last_try(void **state)
{
	struct pin_ctx p = { "0000", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--tries", "2", END);
	expect_login_tries(SC_KIND_JPKI, &p, &res, SK_ERR_PIN_WRONG, 1);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(p.calls, 1);
	assert_int_equal(emu_state("pin_verify_data"), 1);
	assert_int_equal(emu_state("pin_tries"), 1);
}

/* A blocked card (either status word) is reported as blocked; nothing is sent. */
static void
test_jpki_blocked(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--blocked", END);
	expect_login_tries(SC_KIND_JPKI, &p, &res, SK_ERR_PIN_BLOCKED, 0);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	emu_stop();
	emu_jpki("jpki.pem", "jpki.key", "--blocked", "--blocked-sw", "63C0", END);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_BLOCKED);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

/* A PIN of the wrong form, or a cancelled prompt, never reaches the card. */
static void
test_jpki_pin_format_and_cancel(void **state)
{
	struct pin_ctx p = { "12345", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_FORMAT);
	p.pin = "12a4";
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_FORMAT);
	p.pin = "";   /* empty: its own outcome, not "unreadable" (issue 7 item 15) */
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_EMPTY);
	p.cancel = 1;
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_CANCELLED);
	assert_int_equal(p.calls, 4);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_jpki_login_ok, teardown),
		cmocka_unit_test_teardown(test_jpki_wrong_pin, teardown),
		cmocka_unit_test_teardown(test_jpki_last_try_refused, teardown),
		cmocka_unit_test_teardown(test_jpki_wrong_then_last_try, teardown),
		cmocka_unit_test_teardown(test_jpki_blocked, teardown),
		cmocka_unit_test_teardown(test_jpki_pin_format_and_cancel, teardown),
	};

	return cmocka_run_group_tests_name("smartcard_pcscd_jpki", tests, group_setup, group_teardown);
}
