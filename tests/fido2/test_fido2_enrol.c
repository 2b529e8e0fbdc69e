/* FIDO2 enrolment without hardware (skf_enroll against softfido through the real
 * libfido2), checked by the broker's attestation policy (fido2_attest) as the broker will:
 * trusted roots, allowed models, self and "none" attestation, tampering, UV, algorithms
 * (R-MFA-1, R-INPUT-1, R-TEST-1). */
#include "fdev.h"

/* ---- enrolment ---- */

/* R-MFA-1: a key with an attestation from a trusted root and an allowed model enrols; the
 * broker stores what the signed authenticator data says. */
static void
test_enrol_trusted(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:enrol", opts_key);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_string_equal(t->er->fmt, "packed");
	assert_int_equal(t->er->cose_type, COSE_ES256);
	assert_int_equal(t->er->pubkey_len, 64);
	assert_true(t->er->x5c_len > 0);
	assert_true(t->er->sig_len > 0);
	assert_memory_equal(t->er->cdh, cdh, 32);
	assert_memory_equal(t->er->aaguid, aaguid_key, 16);
	assert_int_equal(t->er->uv_method, SKF_UVM_NONE);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(t->ui.touch_cues, 1);
	assert_int_equal(softfido_touches(t->sf[0]), 1);

	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
	assert_null(t->at->reason);
	assert_true(t->at->trusted);
	assert_false(t->at->self_attested);
	assert_int_equal(t->at->cose_type, COSE_ES256);
	assert_int_equal(t->at->cred_id_len, t->er->cred_id_len);
	assert_memory_equal(t->at->cred_id, t->er->cred_id, t->er->cred_id_len);
	assert_memory_equal(t->at->pubkey, t->er->pubkey, 64);
	assert_memory_equal(t->at->aaguid, aaguid_key, 16);
	assert_int_equal(t->at->sign_count, 1);
	assert_non_null(strstr(t->at->subject, "Authenticator Attestation"));
	/* the same attestation given as x5c + sig instead of the statement */
	{
		struct fido2_attest_policy p = { .roots = roots, .allowed = &enrol_allowed };
		struct fido2_attest_req r = {
			.rp_id = RP, .cdh = cdh, .cdh_len = 32, .fmt = t->er->fmt,
			.cose_type = t->er->cose_type, .authdata = t->er->authdata,
			.authdata_len = t->er->authdata_len, .x5c = t->er->x5c,
			.x5c_len = t->er->x5c_len, .sig = t->er->sig, .sig_len = t->er->sig_len,
		};

		assert_int_equal(fido2_attest_verify(&p, &r, t->at), SK_OK);
		assert_true(t->at->trusted);
	}
}

static void
test_enrol_untrusted_root(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:enrol", opts_key);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, other_roots, &enrol_allowed, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "attestation certificate not trusted");
	assert_false(t->at->trusted);
	/* without a trust store the signature still verifies, but nothing is trusted */
	assert_int_equal(attest(t, cdh, RP, NULL, &enrol_allowed, false), SK_OK);
	assert_false(t->at->trusted);
}

static void
test_enrol_aaguid_not_allowed(void **state)
{
	struct t *t = *state;
	struct fido2_aaguid_list only_bio;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:enrol", opts_key);
	fido2_aaguid_list_init(&only_bio);
	assert_int_equal(fido2_aaguid_list_add(&only_bio, AAGUID_BIO), SK_OK);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, roots, &only_bio, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "AAGUID not allowed");
	assert_false(t->at->trusted);
}

/* The certificate names another model than the credential claims. */
static void
test_enrol_cert_for_other_model(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	memcpy(o.aaguid, aaguid_bio, 16);  /* claims to be the fingerprint model */
	o.cert_aaguid = aaguid_key;         /* but its certificate is the plain model's */
	plug(t, 0, "softfido:enrol", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "attestation certificate is for another model");
}

static void
test_enrol_self_and_none_refused_with_store(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	o.att = SOFTFIDO_ATT_SELF;
	plug(t, 0, "softfido:self", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(t->er->x5c_len, 0);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "self attestation not accepted");
	assert_int_equal(attest(t, cdh, RP, NULL, NULL, false), SK_OK);
	assert_true(t->at->self_attested);
	assert_false(t->at->trusted);
	/* a self signature that does not verify */
	t->er->authdata[t->er->authdata_len - 1] ^= 0x01; /* last byte of the COSE key's y */
	assert_int_not_equal(attest(t, cdh, RP, NULL, NULL, false), SK_OK);
	skf_devlist_close(&t->l);

	opts_key(&o);
	o.att = SOFTFIDO_ATT_NONE;
	plug(t, 1, "softfido:none", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_string_equal(t->er->fmt, "none");
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "attestation missing (format none)");
	assert_int_equal(attest(t, cdh, RP, NULL, &enrol_allowed, false), SK_OK);
	assert_true(t->at->self_attested);
}

/* R-INPUT-1: a changed attestation signature, another challenge or another relying party. */
static void
test_enrol_tampered(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32], other[32];
	unsigned char *sig;

	plug_new(t, 0, "softfido:enrol", opts_key);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	sig = memmem(t->er->attstmt, t->er->attstmt_len, t->er->sig, t->er->sig_len);
	assert_non_null(sig);
	sig[t->er->sig_len - 1] ^= 0x01;
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_CRYPTO);
	assert_string_equal(t->at->reason, "attestation signature invalid");
	sig[t->er->sig_len - 1] ^= 0x01;

	challenge(other);
	assert_int_equal(attest(t, other, RP, roots, &enrol_allowed, false), SK_ERR_CRYPTO);
	assert_string_equal(t->at->reason, "attestation signature invalid");

	assert_int_equal(attest(t, cdh, "evil.example", roots, &enrol_allowed, false),
	                 SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "relying party mismatch");

	/* truncated authenticator data and statement */
	t->er->authdata_len -= 10;
	assert_int_not_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
	t->er->authdata_len += 10;
	t->er->attstmt_len -= 3;
	assert_int_not_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
	t->er->attstmt_len += 3;
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
}

/* --uv required on a key with a PIN: the PIN is asked once, the UV flag is attested. */
static void
test_enrol_uv_required_pin(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:pin", opts_pin);
	assert_int_equal(enroll(t, SKF_UV_REQUIRED, false, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(t->ui.last_retries, 8);
	assert_int_equal(t->er->uv_method, SKF_UVM_PIN);
	assert_true(t->er->flags & FIDO2_FLAG_UV);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, true), SK_OK);
}

/* A CTAP 2.0 key with a PIN needs it even for --uv discouraged. */
static void
test_enrol_discouraged_pin_key(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:pin", opts_pin);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 1);
}

static void
test_enrol_uv_required_unavailable(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:plain", opts_key);
	expect_enroll(t, SKF_UV_REQUIRED, SK_ERR_DENIED, SKF_FAIL_UV_UNAVAILABLE);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
	/* preferred goes ahead without */
	assert_int_equal(enroll(t, SKF_UV_PREFERRED, false, cdh), SK_OK);
	assert_int_equal(t->er->uv_method, SKF_UVM_NONE);
	/* a broker that requires UV refuses what came without it */
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, true), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "user verification missing");
}

static void
test_enrol_several_keys_refused(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;

	opts_key(&o);
	plug(t, 0, "softfido:a", &o);
	plug(t, 1, "softfido:b", &o);
	expect_enroll(t, SKF_UV_DISCOURAGED, SK_ERR_BUSY, SKF_FAIL_SEVERAL_DEVICES);
	skf_devlist_close(&t->l);
	expect_enroll(t, SKF_UV_DISCOURAGED, SK_ERR_NOTFOUND, SKF_FAIL_NO_DEVICE);
}

/* The same key enrolled twice for one user is refused by the key (excludeList). */
static void
test_enrol_excluded(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];
	struct skf_cred_ref ex;
	struct skf_enroll_req req = {
		.rp_id = RP, .user_id = t->user_id, .user_id_len = sizeof(t->user_id),
		.cdh = cdh, .cdh_len = 32, .uv = SKF_UV_DISCOURAGED, .exclude = &ex,
		.n_exclude = 1, .timeout_ms = TIMEOUT_MS, .ui = ui_of(t),
	};

	plug_new(t, 0, "softfido:enrol", opts_key);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	ex.id = t->cred.cred_id;
	ex.len = t->cred.cred_id_len;
	challenge(cdh);
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_EXISTS);
	assert_int_equal(t->er->fail, SKF_FAIL_EXCLUDED);
}

static void
test_enrol_resident(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:rk", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, true, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
	skf_devlist_close(&t->l);

	opts_key(&o);
	o.rk = false;
	plug(t, 1, "softfido:nork", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, true, cdh), SK_ERR_DENIED);
	assert_int_equal(t->er->fail, SKF_FAIL_UNSUPPORTED);
}

/* R-INPUT-1: requests the library must refuse before talking to a key. */
static void
test_enrol_bad_requests(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32], uid[65];
	struct skf_enroll_req req = {
		.rp_id = RP, .user_id = uid, .user_id_len = sizeof(uid), .cdh = cdh,
		.cdh_len = 32, .timeout_ms = TIMEOUT_MS,
	};

	plug_new(t, 0, "softfido:enrol", opts_key);
	memset(uid, 1, sizeof(uid));
	challenge(cdh);
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_ARG);  /* user id 65 bytes */
	req.user_id_len = 16;
	req.cdh_len = 31;
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_ARG);
	req.cdh_len = 32;
	req.timeout_ms = 0;
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_ARG);
	req.timeout_ms = TIMEOUT_MS;
	req.rp_id = "";
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_ARG);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
}

/* ES256 is preferred when the key offers it; otherwise EdDSA, then RS256. A CTAP 2.0 key
 * that does not list its algorithms is tried in that order. Each credential then logs in
 * and the broker verifies it with the stored key of that type. */
static void
enrol_and_login_with(struct t *t, size_t slot, const char *path, const int algs[3],
                     bool list, enum softfido_attestation att, int want)
{
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	skf_devlist_close(&t->l);
	opts_key(&o);
	memcpy(o.algs, algs, sizeof(o.algs));
	o.list_algs = list;
	o.att = att;
	plug(t, slot, path, &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(t->er->cose_type, want);
	assert_int_equal(attest(t, cdh, RP, att == SOFTFIDO_ATT_PACKED ? roots : NULL,
	                        &enrol_allowed, false), SK_OK);
	assert_int_equal(t->at->cose_type, want);
	assert_int_equal(t->at->pubkey_len, want == COSE_ES256 ? 64 : want == COSE_EDDSA ? 32 : 259);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
	t->ar->sig[t->ar->sig_len - 1] ^= 0x01;
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_ERR_CRYPTO);
}

static void
test_enrol_algorithms(void **state)
{
	struct t *t = *state;
	const int ed_es[3] = { COSE_EDDSA, COSE_ES256, 0 };
	const int ed[3] = { COSE_EDDSA, 0, 0 };
	const int rsa[3] = { COSE_RS256, 0, 0 };

	enrol_and_login_with(t, 0, "softfido:ed-es", ed_es, true, SOFTFIDO_ATT_PACKED, COSE_ES256);
	enrol_and_login_with(t, 1, "softfido:ed", ed, true, SOFTFIDO_ATT_PACKED, COSE_EDDSA);
	/* CTAP 2.0: not listed; ES256 and EdDSA are refused before RS256 is accepted */
	enrol_and_login_with(t, 2, "softfido:rsa", rsa, false, SOFTFIDO_ATT_PACKED, COSE_RS256);
	assert_int_equal(softfido_touches(t->sf[2]), 2);  /* refusals need no touch */
}

/* Self attestation with EdDSA and RS256 credentials (no trust store configured). */
static void
test_enrol_self_attestation_algorithms(void **state)
{
	struct t *t = *state;
	const int ed[3] = { COSE_EDDSA, 0, 0 };
	const int rsa[3] = { COSE_RS256, 0, 0 };

	enrol_and_login_with(t, 0, "softfido:ed-self", ed, true, SOFTFIDO_ATT_SELF, COSE_EDDSA);
	assert_true(t->at->self_attested);
	enrol_and_login_with(t, 1, "softfido:rsa-self", rsa, true, SOFTFIDO_ATT_SELF, COSE_RS256);
	assert_true(t->at->self_attested);
}

/* A key that makes none of the three algorithms is refused with a reason. */
static void
test_enrol_no_common_algorithm(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;

	opts_key(&o);
	o.algs[0] = -35;  /* ES384 only */
	o.list_algs = true;
	plug(t, 0, "softfido:p384", &o);
	expect_enroll(t, SKF_UV_DISCOURAGED, SK_ERR_DENIED, SKF_FAIL_UNSUPPORTED);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
}

/* Enrolment times out the same way. */
static void
test_enrol_timeout(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];
	struct skf_enroll_req req = {
		.rp_id = RP, .user_id = t->user_id, .user_id_len = sizeof(t->user_id),
		.cdh = cdh, .cdh_len = 32, .uv = SKF_UV_DISCOURAGED, .timeout_ms = 500,
		.ui = ui_of(t),
	};
	int64_t t0, took;

	opts_key(&o);
	o.never_touched = true;
	plug(t, 0, "softfido:key", &o);
	challenge(cdh);
	t0 = now_ms();
	assert_int_equal(skf_enroll(&t->l, &req, t->er), SK_ERR_TIMEOUT);
	took = now_ms() - t0;
	assert_int_equal(t->er->fail, SKF_FAIL_TIMEOUT);
	assert_true(took >= 450 && took <= 500 + 500);
}

/* An attestation request with a format name of no known kind or of absurd length. */
static void
test_attest_bad_format(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:enrol", opts_key);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	memcpy(t->er->fmt, "tpm", 4);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_DENIED);
	assert_string_equal(t->at->reason, "attestation format not supported");
	memcpy(t->er->fmt, "packet", 7);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_PROTO);
	memset(t->er->fmt, 'p', sizeof(t->er->fmt) - 1);
	t->er->fmt[sizeof(t->er->fmt) - 1] = '\0';
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_PROTO);
	memcpy(t->er->fmt, "packed", 7);
	t->er->cose_type = COSE_EDDSA;  /* claims another key type than the key made */
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_ERR_PROTO);
	t->er->cose_type = COSE_ES256;
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, false), SK_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enrol_trusted),
		T(test_enrol_untrusted_root),
		T(test_enrol_aaguid_not_allowed),
		T(test_enrol_cert_for_other_model),
		T(test_enrol_self_and_none_refused_with_store),
		T(test_enrol_tampered),
		T(test_enrol_uv_required_pin),
		T(test_enrol_discouraged_pin_key),
		T(test_enrol_uv_required_unavailable),
		T(test_enrol_several_keys_refused),
		T(test_enrol_excluded),
		T(test_enrol_resident),
		T(test_enrol_bad_requests),
		T(test_enrol_timeout),
		T(test_enrol_algorithms),
		T(test_enrol_self_attestation_algorithms),
		T(test_enrol_no_common_algorithm),
		T(test_attest_bad_format),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
