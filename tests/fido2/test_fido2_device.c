/* FIDO2 logins without hardware: skfido2 (skf_assert) drives the REAL libfido2, which talks
 * CTAP2 to softfido (an in-process software authenticator); what comes back is checked by
 * the broker side (fido2_verify) exactly as the broker will. Enrolment: test_fido2_enrol.c.
 * R-MFA-1: touch = possession; PIN = possession + knowledge; a biometric model on the
 * inherence allow-list = possession + inherence. R-INPUT-1: tampered, replayed, cloned and
 * misdirected evidence is refused. R-LOGIN-1: a key's last PIN or sensor try is never spent
 * and three wrong PINs in a row ask for the key to be re-inserted. R-TEST-1: every key,
 * certificate and id is generated here. */
#include "fdev.h"

/* ---- authentication ---- */

/* R-MFA-1: touch only -> possession. No PIN is asked. */
static void
test_assert_up_only_possession(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:key", opts_key);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	t->ui.touch_cues = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ar->uv_method, SKF_UVM_NONE);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(t->ui.touch_cues, 1);
	assert_int_equal(softfido_touches(t->sf[0]), 2);  /* enrolment + login; probe silent */
	assert_string_equal(t->ar->dev_path, "softfido:key");
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
	assert_int_equal(res.sign_count, 3);  /* enrolment 1, silent probe 2, login 3 */
}

/* R-MFA-1: UV by the key's PIN -> possession + knowledge; the PIN is asked exactly once. */
static void
test_assert_pin_possession_knowledge(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	pin_key_enrolled(t);
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(t->ar->uv_method, SKF_UVM_PIN);
	assert_int_equal(t->ar->pin_retries, 8);
	assert_int_equal(verify(t, cdh, RP, true, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_KNOWLEDGE);
	/* uv discouraged on the same key: no PIN, possession only */
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
}

/* R-MFA-1: a fingerprint model on the inherence list -> possession + inherence, no PIN. */
static void
test_assert_biometric_inherence(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:bio", opts_bio);
	assert_true(t->l.d[0].builtin_uv);
	assert_true(t->l.d[0].bio);
	enroll_ok(t, SKF_UV_REQUIRED);
	assert_int_equal(t->er->uv_method, SKF_UVM_BUILTIN);
	assert_int_equal(t->ui.pin_calls, 0);
	t->ui.bio_cues = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(t->ui.bio_cues, 1);
	assert_int_equal(t->ar->uv_method, SKF_UVM_BUILTIN);
	assert_int_equal(softfido_pin_tokens(t->sf[0]), 0);
	assert_int_equal(softfido_builtin_uvs(t->sf[0]), 2);
	assert_int_equal(verify(t, cdh, RP, true, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_INHERENCE);
}

/* The same biometric behaviour from a model not on the inherence list counts as nothing
 * beyond possession. */
static void
test_assert_biometric_not_allowlisted(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_bio(&o);
	memcpy(o.aaguid, aaguid_key, 16);
	plug(t, 0, "softfido:bio-other", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ar->uv_method, SKF_UVM_BUILTIN);
	assert_int_equal(verify(t, cdh, RP, true, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
}

/* The finger is not recognised: the key's PIN is used instead (knowledge, not inherence). */
static void
test_assert_biometric_falls_back_to_pin(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:bio", opts_bio);
	enroll_ok(t, SKF_UV_REQUIRED);
	softfido_set_bio_match(t->sf[0], false);
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(t->ar->uv_method, SKF_UVM_PIN);
	assert_int_equal(verify(t, cdh, RP, true, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_KNOWLEDGE);
	/* and without a way to ask for the PIN it fails with a reason */
	t->ui.pin = NULL;
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_CANCELLED);
}

/* R-INPUT-1: another relying party finds no credential on the key; an assertion made for
 * one relying party is refused for another by the broker. */
static void
test_assert_wrong_relying_party(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:key", opts_key);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	assert_int_equal(assert_run(t, "evil.example", SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh),
	                 SK_ERR_NOTFOUND);
	assert_int_equal(t->ar->fail, SKF_FAIL_NO_CREDENTIAL);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(verify(t, cdh, "evil.example", false, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_WRONG_RP);
}

/* R-INPUT-1: a changed signature; an old assertion replayed against a new challenge. */
static void
test_assert_tampered_and_replayed(void **state)
{
	struct t *t = *state;
	struct fido2_verify_result res;
	unsigned char cdh[32], fresh[32];

	plug_new(t, 0, "softfido:key", opts_key);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	t->ar->sig[t->ar->sig_len / 2] ^= 0x04;
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	t->ar->sig[t->ar->sig_len / 2] ^= 0x04;
	challenge(fresh);
	assert_int_equal(verify(t, fresh, RP, false, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	/* the same evidence a second time: the counter did not move */
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
}

/* R-INPUT-1: a key whose counter goes backwards is flagged as a clone. */
static void
test_assert_counter_backwards_is_clone(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];
	uint32_t before;

	opts_key(&o);
	o.counter_start = 41;
	plug(t, 0, "softfido:key", &o);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	assert_int_equal(t->cred.count, 42);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	before = t->cred.count;
	softfido_set_counter_mode(t->sf[0], SOFTFIDO_COUNTER_REPLAY);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_true(t->ar->sign_count < before);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
	assert_string_equal(res.reason, "clone suspected");
	assert_int_equal(res.classes, 0);
	assert_int_equal(t->cred.count, before);  /* nothing stored */
}

/* Keys that always report 0 keep working. */
static void
test_assert_counter_always_zero(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_key(&o);
	o.counter = SOFTFIDO_COUNTER_ZERO;
	plug(t, 0, "softfido:zero", &o);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	assert_int_equal(t->cred.count, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
		assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
		assert_int_equal(res.sign_count, 0);
		assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
	}
}

/* UV required: a key that cannot verify fails on the device side; UP-only evidence is
 * refused by a broker profile that requires UV. */
static void
test_assert_uv_missing(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_key(&o);
	o.client_pin = true;  /* supports a PIN, none set */
	plug(t, 0, "softfido:nopin", &o);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_NOT_SET);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(assert_run(t, RP, SKF_UV_PREFERRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ar->uv_method, SKF_UVM_NONE);
	assert_int_equal(verify(t, cdh, RP, true, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_UV_MISSING);
}

/* A credential the key does not hold: found out silently, no touch asked. */
static void
test_assert_unknown_credential(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	plug_new(t, 0, "softfido:key", opts_key);
	assert_int_equal(RAND_bytes(t->cred.cred_id, 48), 1);
	t->cred.cred_id_len = 48;
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_ERR_NOTFOUND);
	assert_int_equal(t->ar->fail, SKF_FAIL_NO_CREDENTIAL);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
	assert_int_equal(t->ui.touch_cues, 0);
}

/* Nobody touches the key: a clear timeout, not a hang. */
static void
test_assert_timeout(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];
	int64_t t0, took;

	plug_new(t, 0, "softfido:key", opts_key);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	softfido_set_never_touched(t->sf[0], true);
	t0 = now_ms();
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, 700, cdh), SK_ERR_TIMEOUT);
	took = now_ms() - t0;
	assert_int_equal(t->ar->fail, SKF_FAIL_TIMEOUT);
	assert_string_equal(skf_fail_name(t->ar->fail), "security key not touched in time");
	assert_true(took >= 650);
	assert_true(took <= 700 + 500);
	/* the key is usable again afterwards */
	softfido_set_never_touched(t->sf[0], false);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
}

/* A wrong PIN is refused by the key; the tries left are reported. */
static void
test_assert_wrong_pin(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	pin_key_enrolled(t);
	t->ui.pin = "000000";
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_INVALID);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 7);
	assert_int_equal(t->ar->pin_retries, 7);
	assert_int_equal(softfido_pin_tokens(t->sf[0]), 1);  /* only the enrolment's */
	/* too short to be a PIN: refused before it reaches the key */
	t->ui.pin = "12";
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_PROTO);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 7);
	t->ui.pin = PIN_GOOD;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 8);
}

/* A blocked PIN: nobody is asked for it. */
static void
test_assert_pin_blocked(void **state)
{
	struct t *t = *state;

	pin_key_enrolled(t);
	softfido_set_pin_retries(t->sf[0], 0);
	t->ui.pin_calls = 0;
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_BLOCKED);
	assert_int_equal(t->ui.pin_calls, 0);
}

/* Issue 7 item 11: like a card, a key's last PIN try is never spent at a login. With one
 * try left the PIN is not asked for at all; with two it is, and a wrong one leaves one. */
static void
test_r_login_1_fido2_last_pin_try_kept(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	pin_key_enrolled(t);
	softfido_set_pin_retries(t->sf[0], 1);
	t->ui.pin_calls = 0;
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_LAST_TRY);
	assert_int_equal(t->ui.pin_calls, 0);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 1);
	/* two left: asked, shown the count, and a wrong PIN leaves the last one alone */
	softfido_set_pin_retries(t->sf[0], 2);
	t->ui.pin = "000000";
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(t->ui.last_retries, 2);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_INVALID);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 1);
	t->ui.pin = PIN_GOOD;
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_LAST_TRY);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 1);
}

/* Issue 7 item 11: three wrong PINs in a row and the key takes no PIN until it is removed
 * and re-inserted (CTAP2_ERR_PIN_AUTH_BLOCKED); that is what the person is told, not that
 * the PIN is blocked. No try is used meanwhile; after the power cycle the right PIN works. */
static void
test_r_login_1_fido2_three_wrong_pins_power_cycle(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	pin_key_enrolled(t);
	t->ui.pin = "000000";
	for (int i = 0; i < 2; i++) {
		expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_INVALID);
	}
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_POWER_CYCLE);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 5);
	t->ui.pin = PIN_GOOD;
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_PIN_POWER_CYCLE);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 5);
	assert_int_equal(softfido_power_cycle(t->sf[0]), SK_OK);
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 8);
}

/* Issue 7 item 11: the sensor's last try is not spent either (CTAP 2.1 getUVRetries). With
 * one left the key's PIN is used instead, which also restores the sensor's tries; a key
 * without a PIN is not used at all. */
static void
test_r_login_1_fido2_last_uv_try_kept(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned builtin;
	unsigned char cdh[32];

	opts_bio(&o);
	plug(t, 0, "softfido:bio", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	softfido_set_uv_retries(t->sf[0], 1);
	builtin = softfido_builtin_uvs(t->sf[0]);
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ar->uv_method, SKF_UVM_PIN);
	assert_int_equal(t->ui.pin_calls, 1);
	assert_int_equal(softfido_builtin_uvs(t->sf[0]), builtin);
	assert_int_equal(softfido_uv_retries(t->sf[0]), 5);
	/* with tries left, the sensor is used */
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_OK);
	assert_int_equal(t->ar->uv_method, SKF_UVM_BUILTIN);

	/* a sensor key without a PIN */
	opts_bio(&o);
	o.client_pin = false;
	o.pin = NULL;
	memset(&t->cred, 0, sizeof(t->cred));
	skf_devlist_close(&t->l);
	skf_devlist_init(&t->l);
	plug(t, 1, "softfido:bio-nopin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	softfido_set_uv_retries(t->sf[1], 1);
	builtin = softfido_builtin_uvs(t->sf[1]);
	expect_assert_uv(t, SK_ERR_DENIED, SKF_FAIL_UV_LAST_TRY);
	assert_int_equal(softfido_builtin_uvs(t->sf[1]), builtin);
	assert_int_equal(softfido_uv_retries(t->sf[1]), 1);

	/* enrolment keeps it too */
	skf_devlist_close(&t->l);
	skf_devlist_init(&t->l);
	plug(t, 2, "softfido:bio-nopin-2", &o);
	softfido_set_uv_retries(t->sf[2], 1);
	expect_enroll(t, SKF_UV_REQUIRED, SK_ERR_DENIED, SKF_FAIL_UV_LAST_TRY);
	assert_int_equal(softfido_builtin_uvs(t->sf[2]), 0);
	assert_int_equal(softfido_uv_retries(t->sf[2]), 1);
}

/* Several keys plugged in: the one holding the credential is found and used; the others
 * are never asked for a touch. */
static void
test_assert_several_keys(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 1, "softfido:mine", &o);
	enroll_ok(t, SKF_UV_DISCOURAGED);
	skf_devlist_close(&t->l);
	plug(t, 0, "softfido:other", &o);
	assert_int_equal(skf_devlist_add_custom(&t->l, "softfido:mine", softfido_io(),
	                                        softfido_transport()), SK_OK);
	plug(t, 2, "softfido:third", &o);
	assert_int_equal(t->l.n, 3);
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_OK);
	assert_string_equal(t->ar->dev_path, "softfido:mine");
	assert_int_equal(softfido_touches(t->sf[0]), 0);
	assert_int_equal(softfido_touches(t->sf[2]), 0);
	assert_int_equal(verify(t, cdh, RP, false, &res), SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
}

static void
test_assert_no_key(void **state)
{
	struct t *t = *state;
	unsigned char cdh[32];

	assert_int_equal(RAND_bytes(t->cred.cred_id, 32), 1);
	t->cred.cred_id_len = 32;
	assert_int_equal(assert_run(t, RP, SKF_UV_DISCOURAGED, TIMEOUT_MS, cdh), SK_ERR_NOTFOUND);
	assert_int_equal(t->ar->fail, SKF_FAIL_NO_DEVICE);
}

/* One request with the given shape against the plugged keys. */
static int
odd_request(struct t *t, size_t first_len, size_t n_allow, size_t cdh_len, int timeout_ms)
{
	unsigned char cdh[33], ids[SKF_CRED_ID_MAX + 1];
	struct skf_cred_ref allow[SKF_MAX_ALLOW + 1];
	struct skf_assert_req req;

	memset(cdh, 3, sizeof(cdh));
	memset(ids, 7, sizeof(ids));
	for (size_t i = 0; i <= SKF_MAX_ALLOW; i++) {
		allow[i].id = ids;
		allow[i].len = i == 0 ? first_len : 16;
	}
	req = (struct skf_assert_req){
		.rp_id = RP, .cdh = cdh, .cdh_len = cdh_len, .allow = allow, .n_allow = n_allow,
		.up = true, .timeout_ms = timeout_ms,
	};
	return skf_assert(&t->l, &req, t->ar);
}

/* R-INPUT-1: requests refused before any key is asked. */
static void
test_assert_bad_requests(void **state)
{
	struct t *t = *state;

	plug_new(t, 0, "softfido:key", opts_key);
	assert_int_equal(odd_request(t, SKF_CRED_ID_MAX + 1, 1, 32, TIMEOUT_MS), SK_ERR_ARG);
	assert_int_equal(odd_request(t, 0, 1, 32, TIMEOUT_MS), SK_ERR_ARG);
	assert_int_equal(odd_request(t, 16, SKF_MAX_ALLOW + 1, 32, TIMEOUT_MS), SK_ERR_ARG);
	assert_int_equal(odd_request(t, 16, 0, 32, TIMEOUT_MS), SK_ERR_ARG);
	assert_int_equal(odd_request(t, 16, 1, 33, TIMEOUT_MS), SK_ERR_ARG);
	assert_int_equal(odd_request(t, 16, 1, 32, -1), SK_ERR_ARG);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
	/* well formed, but the key holds none of them */
	assert_int_equal(odd_request(t, 16, SKF_MAX_ALLOW, 32, TIMEOUT_MS), SK_ERR_NOTFOUND);
}

/* The real HID enumeration runs (on a machine without keys it finds none). */
static void
test_enumerate_hid(void **state)
{
	struct skf_devlist l;

	(void)state;
	skf_devlist_init(&l);
	assert_int_equal(skf_devlist_enumerate(&l), SK_OK);
	assert_true(l.n <= SKF_MAX_DEVICES);
	skf_devlist_close(&l);
	assert_int_equal(l.n, 0);
}

static void
test_names(void **state)
{
	enum skf_uv uv;

	(void)state;
	assert_int_equal(skf_uv_parse("required", &uv), SK_OK);
	assert_int_equal(uv, SKF_UV_REQUIRED);
	assert_int_equal(skf_uv_parse("preferred", &uv), SK_OK);
	assert_int_equal(uv, SKF_UV_PREFERRED);
	assert_int_equal(skf_uv_parse("discouraged", &uv), SK_OK);
	assert_int_equal(uv, SKF_UV_DISCOURAGED);
	assert_int_equal(skf_uv_parse("always", &uv), SK_ERR_PROTO);
	assert_int_equal(skf_uv_parse(NULL, &uv), SK_ERR_PROTO);
	assert_string_equal(skf_uv_name(SKF_UV_PREFERRED), "preferred");
	assert_string_equal(skf_uv_method_name(SKF_UVM_PIN), "pin");
	assert_string_equal(skf_uv_method_name(SKF_UVM_BUILTIN), "builtin");
	assert_string_equal(skf_uv_method_name(SKF_UVM_NONE), "none");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_assert_up_only_possession),
		T(test_assert_pin_possession_knowledge),
		T(test_assert_biometric_inherence),
		T(test_assert_biometric_not_allowlisted),
		T(test_assert_biometric_falls_back_to_pin),
		T(test_assert_wrong_relying_party),
		T(test_assert_tampered_and_replayed),
		T(test_assert_counter_backwards_is_clone),
		T(test_assert_counter_always_zero),
		T(test_assert_uv_missing),
		T(test_assert_unknown_credential),
		T(test_assert_timeout),
		T(test_assert_wrong_pin),
		T(test_assert_pin_blocked),
		T(test_r_login_1_fido2_last_pin_try_kept),
		T(test_r_login_1_fido2_three_wrong_pins_power_cycle),
		T(test_r_login_1_fido2_last_uv_try_kept),
		T(test_assert_several_keys),
		T(test_assert_no_key),
		T(test_assert_bad_requests),
		cmocka_unit_test(test_enumerate_hid),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
