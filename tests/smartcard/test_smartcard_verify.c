/* broker/card_verify's refusals (smartcard_fixture.h): expired, untrusted, revoked (CRL in
 * PEM and DER, a stale CRL) and tampered signatures; the binding hash against openssl's; the
 * verifier's input checks without a card.
 *
 * Requirements: R-CARD-1 (binding keys), R-CARD-3/4 (revocation by CRL), R-TEST-1. */
#include "smartcard_fixture.h"

/* One line of output from a shell command, without its newline. */
static void
run_line(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	assert_non_null(fgets(out, (int)cap, p));
	assert_int_equal(pclose(p), 0);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

/* ---- the broker's refusals ------------------------------------------------------------- */

/* Logs in with a JPKI card holding cert (key other.key) and gives the verdicts of up to
 * three trust sets (NULL ends the list) in v[]. */
static void
verdicts_for(const char *cert, int v[3], const struct card_trust *t0,
	     const struct card_trust *t1, const struct card_trust *t2)
{
	const struct card_trust *ts[3] = { t0, t1, t2 };
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	int i;

	emu_jpki(cert, "other.key", END);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	/* The signature itself is good: only the certificate is refused. */
	assert_int_equal(card_verify_signature(res.cert, res.cert_len, chal, sizeof(chal),
					       res.sig, res.sig_len), SK_OK);
	for (i = 0; i < 3 && ts[i] != NULL; i++)
		v[i] = card_verify_login(ts[i], res.cert, res.cert_len, chal, sizeof(chal),
					 res.sig, res.sig_len, AT_2028, NULL);
	emu_stop();
}

static void
test_expired_refused(void **state)
{
	int v[3];

	(void)state;
	verdicts_for("expired.pem", v, trust, NULL, NULL);
	assert_int_equal(v[0], CARD_VERIFY_EXPIRED);
	verdicts_for("notyet.pem", v, trust, NULL, NULL);
	assert_int_equal(v[0], CARD_VERIFY_NOT_YET_VALID);
}

/* The chain must end at the configured CA, never at the CA certificate the card offers
 * (the emulated card carries the untrusted CA in EF 000B). */
static void
test_untrusted_refused(void **state)
{
	int v[3];

	(void)state;
	verdicts_for("untrusted.pem", v, trust, trust_crl, NULL);
	assert_int_equal(v[0], CARD_VERIFY_UNTRUSTED);
	assert_int_equal(v[1], CARD_VERIFY_UNTRUSTED);
}

/* R-CARD-3: a certificate listed in the imported CRL (PEM or DER) is refused; the same
 * certificate passes without the CRL; a stale CRL refuses everything (fail closed). */
static void
test_crl_revoked_refused(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	int v[3];

	(void)state;
	verdicts_for("revoked.pem", v, trust_crl, trust_crl_der, trust);
	assert_int_equal(v[0], CARD_VERIFY_REVOKED);
	assert_int_equal(v[1], CARD_VERIFY_REVOKED);
	assert_int_equal(v[2], SK_OK);
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(card_verify_login(trust_crl, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
	assert_int_equal(card_verify_login(trust_crl_stale, res.cert, res.cert_len, chal,
					   sizeof(chal), res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_CRL_UNUSABLE);
}

/* A signature that does not match the challenge, the certificate or its own bytes fails. */
static void
test_tampered_signature_refused(void **state)
{
	struct pin_ctx p = { "123456", 0, 0, 0 };
	struct sc_login_result res, ec;
	uint8_t chal[32], chal_ec[32], other[32];

	(void)state;
	emu_piv_rsa_and_9e();
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(card_login(SC_KIND_PIV_9E, NULL, reader, chal_ec, &ec), SK_OK);
	/* A flipped bit in the RSA signature. */
	res.sig[100] ^= 0x01;
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	res.sig[100] ^= 0x01;
	/* A replay for another challenge. */
	memcpy(other, chal, sizeof(other));
	other[0] ^= 0x80;
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, other, sizeof(other),
					   res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* A flipped bit inside ECDSA's s, and a truncated ECDSA signature. */
	ec.sig[ec.sig_len - 1] ^= 0x01;
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	ec.sig[ec.sig_len - 1] ^= 0x01;
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len - 1, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* The 9E signature presented with the 9A certificate. */
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal_ec,
					   sizeof(chal_ec), ec.sig, ec.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* And the untampered ones still pass. */
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len, AT_2028, NULL), SK_OK);
}

/* ---- card_verify without a card ----------------------------------------------------------- */

/* R-CARD-1/4: the binding keys are what the openssl CLI says about the same certificate. */
static void
test_binding_matches_openssl(void **state)
{
	static const char *const certs[] = { "jpki.pem", "piv9a_ec.pem", "revoked.pem" };
	struct card_binding b, b2;
	uint8_t der[4096];
	char cmd[2048], line[1200];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		const char *f = sct_pki_path(certs[i]);

		len = pem_der(certs[i], der, sizeof(der));
		assert_int_equal(card_verify_binding(der, len, &b), SK_OK);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -serial", f);
		run_line(cmd, line, sizeof(line));
		assert_string_equal(line + strlen("serial="), b.serial);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -issuer -nameopt RFC2253", f);
		run_line(cmd, line, sizeof(line));
		assert_string_equal(line + strlen("issuer="), b.issuer);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -pubkey | openssl pkey "
			 "-pubin -outform DER | openssl dgst -sha256 -r", f);
		run_line(cmd, line, sizeof(line));
		assert_int_equal(strncmp(line, b.spki_sha256, 64), 0);
	}
	/* A replaced card (new key) has a new SPKI hash and serial; same issuer. */
	len = pem_der("jpki.pem", der, sizeof(der));
	assert_int_equal(card_verify_binding(der, len, &b), SK_OK);
	len = pem_der("revoked.pem", der, sizeof(der));
	assert_int_equal(card_verify_binding(der, len, &b2), SK_OK);
	assert_string_not_equal(b.spki_sha256, b2.spki_sha256);
	assert_string_not_equal(b.serial, b2.serial);
	assert_string_equal(b.issuer, b2.issuer);
}

static void
test_verify_input_checks(void **state)
{
	struct card_trust *t = NULL;
	struct card_binding b;
	uint8_t der[4096 + 1], sig[256] = { 0 }, chal[32] = { 0 };
	size_t len;

	(void)state;
	assert_int_equal(card_verify_trust_load("/nonexistent/ca.pem", NULL, &t), SK_ERR_CONFIG);
	assert_null(t);
	/* A CRL file that is not a CRL, and a CA file with no certificate. */
	assert_int_equal(card_verify_trust_load(sct_pki_path("ca.pem"), sct_pki_path("ca.key"), &t),
			 SK_ERR_CONFIG);
	assert_int_equal(card_verify_trust_load(sct_pki_path("crl.pem"), NULL, &t), SK_ERR_CONFIG);
	len = pem_der("jpki.pem", der, sizeof(der) - 1);
	/* Trailing garbage, truncation, nothing. */
	der[len] = 0x00;
	assert_int_equal(card_verify_chain(trust, der, len + 1, AT_2028), SK_ERR_PROTO);
	assert_int_equal(card_verify_chain(trust, der, len - 1, AT_2028), SK_ERR_PROTO);
	assert_int_equal(card_verify_binding(der, 0, &b), SK_ERR_PROTO);
	assert_int_equal(card_verify_signature(der, len, chal, sizeof(chal), sig, 255),
			 CARD_VERIFY_BAD_SIGNATURE);
	assert_int_equal(card_verify_signature(der, len, chal, sizeof(chal), sig, sizeof(sig)),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* keyUsage without digitalSignature. */
	len = pem_der("noku.pem", der, sizeof(der));
	assert_int_equal(card_verify_chain(trust, der, len, AT_2028), CARD_VERIFY_UNTRUSTED);
	/* The CA itself is not a login certificate... but it chains; its keyUsage says no. */
	len = pem_der("ca.pem", der, sizeof(der));
	assert_int_equal(card_verify_chain(trust, der, len, AT_2028), CARD_VERIFY_UNTRUSTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_expired_refused, teardown),
		cmocka_unit_test_teardown(test_untrusted_refused, teardown),
		cmocka_unit_test_teardown(test_crl_revoked_refused, teardown),
		cmocka_unit_test_teardown(test_tampered_signature_refused, teardown),
		cmocka_unit_test(test_binding_matches_openssl),
		cmocka_unit_test(test_verify_input_checks),
	};

	return cmocka_run_group_tests_name("smartcard_pcscd_verify", tests, group_setup, group_teardown);
}
