/* FIDO2 end to end without hardware: skfido2 drives the REAL libfido2, which talks CTAP2 to
 * softfido (an in-process software authenticator) through its io/transport functions; what
 * comes back is checked by the broker side (fido2_attest at enrolment, fido2_verify at
 * login) exactly as the broker will.
 * R-MFA-1: touch = possession; PIN = possession + knowledge; a biometric model on the
 * inherence allow-list = possession + inherence. R-INPUT-1: tampered, replayed, cloned and
 * misdirected evidence is refused. R-TEST-1: every key, certificate and id is generated
 * here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fido.h>
#include <openssl/rand.h>

#include "fido2_attest.h"
#include "fido2_verify.h"
#include "sk_err.h"
#include "sk_log.h"
#include "skf_assert.h"
#include "skf_devices.h"
#include "skf_enroll.h"
#include "softfido.h"

#define RP "sekimori.test"
#define AAGUID_KEY "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"  /* a plain security key model */
#define AAGUID_BIO "6f3e1c2a-9b5d-4e7f-8a01-23456789abcd"  /* a fingerprint key model */
#define PIN_GOOD "482916"
#define TIMEOUT_MS 5000

/* Shared for the whole run: two test CAs (one trusted), the trust store and allow-lists. */
static X509 *ca_cert, *other_cert;
static EVP_PKEY *ca_key, *other_key;
static X509_STORE *roots, *other_roots;
static char tmpdir[256];
static struct fido2_aaguid_list enrol_allowed, inherence;
static unsigned char aaguid_key[16], aaguid_bio[16];

/* Per test: the authenticators, what was enrolled, what the broker stored. */
struct stored {
	unsigned char cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char pubkey[FIDO2_PUBKEY_MAX];
	size_t pubkey_len;
	int cose_type;
	unsigned char aaguid[16];
	uint32_t count;
	bool trusted;          /* the attestation chained to a root (broker's "trusted") */
};

struct ui {
	const char *pin;
	int pin_calls;
	int last_retries;
	int touch_cues;
	int bio_cues;
};

struct t {
	struct softfido *sf[3];
	struct skf_devlist l;
	struct skf_enroll_result *er;
	struct skf_assert_result *ar;
	struct fido2_attest_result *at;
	struct stored cred;
	struct ui ui;
	unsigned char user_id[16];
};

static int
pin_cb(void *arg, int retries, char *pin, size_t pinsz)
{
	struct ui *u = arg;
	int n;

	u->pin_calls++;
	u->last_retries = retries;
	if (u->pin == NULL)
		return SK_ERR_DENIED;
	n = snprintf(pin, pinsz, "%s", u->pin);
	return n > 0 && (size_t)n < pinsz ? SK_OK : SK_ERR_RANGE;
}

static void
cue_cb(void *arg, enum skf_cue cue)
{
	struct ui *u = arg;

	if (cue == SKF_CUE_TOUCH)
		u->touch_cues++;
	else
		u->bio_cues++;
}

static void
opts_key(struct softfido_opts *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->aaguid, aaguid_key, 16);
	o->rk = true;
	o->att = SOFTFIDO_ATT_PACKED;
	o->ca_cert = ca_cert;
	o->ca_key = ca_key;
	o->cert_aaguid_ext = true;
}

static void
opts_pin(struct softfido_opts *o)
{
	opts_key(o);
	o->client_pin = true;
	o->pin = PIN_GOOD;
}

static void
opts_bio(struct softfido_opts *o)
{
	opts_pin(o);
	memcpy(o->aaguid, aaguid_bio, 16);
	o->builtin_uv = true;
	o->bio_enroll = true;
	o->bio_match = true;
}

static int
group_setup(void **state)
{
	char path[300];

	(void)state;
	sk_log_to_stderr(1);
	fido_init(0);
	if (fido2_aaguid_parse(AAGUID_KEY, aaguid_key) != SK_OK ||
	    fido2_aaguid_parse(AAGUID_BIO, aaguid_bio) != SK_OK)
		return -1;
	fido2_aaguid_list_init(&enrol_allowed);
	fido2_aaguid_list_init(&inherence);
	if (fido2_aaguid_list_add(&enrol_allowed, AAGUID_KEY) != SK_OK ||
	    fido2_aaguid_list_add(&enrol_allowed, AAGUID_BIO) != SK_OK ||
	    fido2_aaguid_list_add(&inherence, AAGUID_BIO) != SK_OK)
		return -1;
	if (softfido_make_ca("Sekimori Test Attestation Root", &ca_cert, &ca_key) != SK_OK ||
	    softfido_make_ca("Some Other Root", &other_cert, &other_key) != SK_OK)
		return -1;
	if (snprintf(tmpdir, sizeof(tmpdir), "%s/sk-fido2-XXXXXX",
	             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp") >= (int)sizeof(tmpdir) ||
	    mkdtemp(tmpdir) == NULL)
		return -1;
	if (snprintf(path, sizeof(path), "%s/roots.pem", tmpdir) >= (int)sizeof(path) ||
	    softfido_write_pem(path, ca_cert) != SK_OK ||
	    fido2_attest_load_roots(path, &roots) != SK_OK)
		return -1;
	if (snprintf(path, sizeof(path), "%s/other.pem", tmpdir) >= (int)sizeof(path) ||
	    softfido_write_pem(path, other_cert) != SK_OK ||
	    fido2_attest_load_roots(path, &other_roots) != SK_OK)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char path[300];

	(void)state;
	X509_STORE_free(roots);
	X509_STORE_free(other_roots);
	X509_free(ca_cert);
	X509_free(other_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	if (snprintf(path, sizeof(path), "%s/roots.pem", tmpdir) < (int)sizeof(path))
		(void)remove(path);
	if (snprintf(path, sizeof(path), "%s/other.pem", tmpdir) < (int)sizeof(path))
		(void)remove(path);
	(void)remove(tmpdir);
	return 0;
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->er = calloc(1, sizeof(*t->er))) == NULL ||
	    (t->ar = calloc(1, sizeof(*t->ar))) == NULL ||
	    (t->at = calloc(1, sizeof(*t->at))) == NULL ||
	    RAND_bytes(t->user_id, sizeof(t->user_id)) != 1)
		return -1;
	skf_devlist_init(&t->l);
	t->ui.pin = PIN_GOOD;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	skf_devlist_close(&t->l);
	for (size_t i = 0; i < 3; i++)
		softfido_free(t->sf[i]);
	free(t->er);
	free(t->ar);
	free(t->at);
	free(t);
	return 0;
}

/* Plugs in a software key under a path and opens it through skfido2. */
static struct softfido *
plug(struct t *t, size_t slot, const char *path, const struct softfido_opts *o)
{
	assert_true(slot < 3);
	assert_non_null(t->sf[slot] = softfido_new(path, o));
	assert_int_equal(skf_devlist_add_custom(&t->l, path, softfido_io(), softfido_transport()),
	                 SK_OK);
	return t->sf[slot];
}

static void
challenge(unsigned char cdh[32])
{
	assert_int_equal(RAND_bytes(cdh, 32), 1);
}

static struct skf_ui
ui_of(struct t *t)
{
	struct skf_ui u = { .pin = pin_cb, .cue = cue_cb, .arg = &t->ui };

	return u;
}

static int
enroll(struct t *t, enum skf_uv uv, bool resident, unsigned char cdh[32])
{
	struct skf_enroll_req req = {
		.rp_id = RP,
		.rp_name = "Sekimori",
		.user_id = t->user_id,
		.user_id_len = sizeof(t->user_id),
		.user_name = "staff0001",
		.display_name = "Test Staff",
		.cdh = cdh,
		.cdh_len = 32,
		.uv = uv,
		.resident = resident,
		.timeout_ms = TIMEOUT_MS,
		.ui = ui_of(t),
	};

	challenge(cdh);
	return skf_enroll(&t->l, &req, t->er);
}

/* What the broker does with an enrolment the CLI relays. */
static int
attest(struct t *t, const unsigned char cdh[32], const char *rp, X509_STORE *store,
       const struct fido2_aaguid_list *allowed, bool require_uv)
{
	struct fido2_attest_policy p = { .roots = store, .allowed = allowed,
	                                 .require_uv = require_uv };
	struct fido2_attest_req r = {
		.rp_id = rp,
		.cdh = cdh,
		.cdh_len = 32,
		.fmt = t->er->fmt,
		.cose_type = t->er->cose_type,
		.authdata = t->er->authdata,
		.authdata_len = t->er->authdata_len,
		.attstmt = t->er->attstmt,
		.attstmt_len = t->er->attstmt_len,
	};
	int rc = fido2_attest_verify(&p, &r, t->at);

	if (rc == SK_OK) {
		memcpy(t->cred.cred_id, t->at->cred_id, t->at->cred_id_len);
		t->cred.cred_id_len = t->at->cred_id_len;
		memcpy(t->cred.pubkey, t->at->pubkey, t->at->pubkey_len);
		t->cred.pubkey_len = t->at->pubkey_len;
		t->cred.cose_type = t->at->cose_type;
		memcpy(t->cred.aaguid, t->at->aaguid, 16);
		t->cred.count = t->at->sign_count;
		t->cred.trusted = t->at->trusted;
	}
	return rc;
}

/* Enrols the single plugged key and has the broker accept it with the full policy. */
static void
enroll_ok(struct t *t, enum skf_uv uv)
{
	unsigned char cdh[32];

	assert_int_equal(enroll(t, uv, false, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, uv == SKF_UV_REQUIRED), SK_OK);
	assert_true(t->at->trusted);
}

static int
assert_run(struct t *t, const char *rp, enum skf_uv uv, int timeout_ms, unsigned char cdh[32])
{
	struct skf_cred_ref allow = { .id = t->cred.cred_id, .len = t->cred.cred_id_len };
	struct skf_assert_req req = {
		.rp_id = rp,
		.cdh = cdh,
		.cdh_len = 32,
		.allow = &allow,
		.n_allow = 1,
		.up = true,
		.uv = uv,
		.timeout_ms = timeout_ms,
		.ui = ui_of(t),
	};

	challenge(cdh);
	return skf_assert(&t->l, &req, t->ar);
}

/* What the broker does with an assertion the PAM module relays. */
static int
verify(struct t *t, const unsigned char cdh[32], const char *rp, bool require_uv,
       struct fido2_verify_result *res)
{
	struct fido2_stored_cred c = {
		.cred_id = t->cred.cred_id,
		.cred_id_len = t->cred.cred_id_len,
		.cose_type = t->cred.cose_type,
		.pubkey = t->cred.pubkey,
		.pubkey_len = t->cred.pubkey_len,
		.sign_count = t->cred.count,
		.chain_verified = t->cred.trusted,
	};
	struct fido2_verify_req r = {
		.rp_id = rp,
		.cdh = cdh,
		.cdh_len = 32,
		.cred_id = t->ar->cred_id,
		.cred_id_len = t->ar->cred_id_len,
		.authdata = t->ar->authdata,
		.authdata_len = t->ar->authdata_len,
		.sig = t->ar->sig,
		.sig_len = t->ar->sig_len,
		.require_up = true,
		.require_uv = require_uv,
		.inherence_aaguids = &inherence,
	};
	int rc;

	memcpy(c.aaguid, t->cred.aaguid, 16);
	assert_int_equal(skf_uv_method_parse(skf_uv_method_name(t->ar->uv_method), &r.uv_method),
	                 SK_OK);
	rc = fido2_verify_assertion(&c, &r, res);
	if (rc == SK_OK)
		t->cred.count = res->sign_count;
	return rc;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- enrolment ---- */

/* R-MFA-1: a key with an attestation from a trusted root and an allowed model enrols; the
 * broker stores what the signed authenticator data says. */
static void
test_enrol_trusted(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	struct softfido_opts o;
	struct fido2_aaguid_list only_bio;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32], other[32];
	unsigned char *sig;

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_OK);
	assert_int_equal(t->ui.pin_calls, 1);
}

static void
test_enrol_uv_required_unavailable(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:plain", &o);
	assert_int_equal(enroll(t, SKF_UV_REQUIRED, false, cdh), SK_ERR_DENIED);
	assert_int_equal(t->er->fail, SKF_FAIL_UV_UNAVAILABLE);
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
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:a", &o);
	plug(t, 1, "softfido:b", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_ERR_BUSY);
	assert_int_equal(t->er->fail, SKF_FAIL_SEVERAL_DEVICES);
	skf_devlist_close(&t->l);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_ERR_NOTFOUND);
	assert_int_equal(t->er->fail, SKF_FAIL_NO_DEVICE);
}

/* The same key enrolled twice for one user is refused by the key (excludeList). */
static void
test_enrol_excluded(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];
	struct skf_cred_ref ex;
	struct skf_enroll_req req = {
		.rp_id = RP, .user_id = t->user_id, .user_id_len = sizeof(t->user_id),
		.cdh = cdh, .cdh_len = 32, .uv = SKF_UV_DISCOURAGED, .exclude = &ex,
		.n_exclude = 1, .timeout_ms = TIMEOUT_MS, .ui = ui_of(t),
	};

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32], uid[65];
	struct skf_enroll_req req = {
		.rp_id = RP, .user_id = uid, .user_id_len = sizeof(uid), .cdh = cdh,
		.cdh_len = 32, .timeout_ms = TIMEOUT_MS,
	};

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
	unsigned char cdh[32];

	opts_key(&o);
	o.algs[0] = -35;  /* ES384 only */
	o.list_algs = true;
	plug(t, 0, "softfido:p384", &o);
	assert_int_equal(enroll(t, SKF_UV_DISCOURAGED, false, cdh), SK_ERR_DENIED);
	assert_int_equal(t->er->fail, SKF_FAIL_UNSUPPORTED);
	assert_int_equal(softfido_touches(t->sf[0]), 0);
}

/* ---- authentication ---- */

/* R-MFA-1: touch only -> possession. No PIN is asked. */
static void
test_assert_up_only_possession(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
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
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_bio(&o);
	plug(t, 0, "softfido:bio", &o);
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
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_bio(&o);
	plug(t, 0, "softfido:bio", &o);
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
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_CANCELLED);
}

/* R-INPUT-1: another relying party finds no credential on the key; an assertion made for
 * one relying party is refused for another by the broker. */
static void
test_assert_wrong_relying_party(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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
	struct softfido_opts o;
	struct fido2_verify_result res;
	unsigned char cdh[32], fresh[32];

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_NOT_SET);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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
	struct softfido_opts o;
	unsigned char cdh[32];
	int64_t t0, took;

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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

/* A wrong PIN is refused by the key; the tries left are reported. */
static void
test_assert_wrong_pin(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	t->ui.pin = "000000";
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_INVALID);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	softfido_set_pin_retries(t->sf[0], 0);
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_BLOCKED);
	assert_int_equal(t->ui.pin_calls, 0);
}

/* Issue 7 item 11: like a card, a key's last PIN try is never spent at a login. With one
 * try left the PIN is not asked for at all; with two it is, and a wrong one leaves one. */
static void
test_r_login_1_fido2_last_pin_try_kept(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	softfido_set_pin_retries(t->sf[0], 1);
	t->ui.pin_calls = 0;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_LAST_TRY);
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
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_LAST_TRY);
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
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_pin(&o);
	plug(t, 0, "softfido:pin", &o);
	enroll_ok(t, SKF_UV_REQUIRED);
	t->ui.pin = "000000";
	for (int i = 0; i < 2; i++) {
		assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
		assert_int_equal(t->ar->fail, SKF_FAIL_PIN_INVALID);
	}
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_POWER_CYCLE);
	assert_int_equal(softfido_pin_retries(t->sf[0]), 5);
	t->ui.pin = PIN_GOOD;
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_PIN_POWER_CYCLE);
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
	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), SK_ERR_DENIED);
	assert_int_equal(t->ar->fail, SKF_FAIL_UV_LAST_TRY);
	assert_int_equal(softfido_builtin_uvs(t->sf[1]), builtin);
	assert_int_equal(softfido_uv_retries(t->sf[1]), 1);

	/* enrolment keeps it too */
	skf_devlist_close(&t->l);
	skf_devlist_init(&t->l);
	plug(t, 2, "softfido:bio-nopin-2", &o);
	softfido_set_uv_retries(t->sf[2], 1);
	assert_int_equal(enroll(t, SKF_UV_REQUIRED, false, cdh), SK_ERR_DENIED);
	assert_int_equal(t->er->fail, SKF_FAIL_UV_LAST_TRY);
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
	struct softfido_opts o;

	opts_key(&o);
	plug(t, 0, "softfido:key", &o);
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

/* An attestation request with a format name of no known kind or of absurd length. */
static void
test_attest_bad_format(void **state)
{
	struct t *t = *state;
	struct softfido_opts o;
	unsigned char cdh[32];

	opts_key(&o);
	plug(t, 0, "softfido:enrol", &o);
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
		T(test_attest_bad_format),
		cmocka_unit_test(test_enumerate_hid),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
