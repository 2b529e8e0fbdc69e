/* What the FIDO2 device tests share (test_fido2_enrol.c, test_fido2_device.c): skfido2
 * drives the REAL libfido2, which talks CTAP2 to softfido through its io/transport
 * functions; the broker side (fido2_attest, fido2_verify) checks what comes back. Included
 * once per program: helpers static inline, state static. R-TEST-1: every key, certificate
 * and id is generated here. */
#ifndef FDEV_H
#define FDEV_H
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

static inline int
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

static inline void
cue_cb(void *arg, enum skf_cue cue)
{
	struct ui *u = arg;

	if (cue == SKF_CUE_TOUCH)
		u->touch_cues++;
	else
		u->bio_cues++;
}

static inline void
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

static inline void
opts_pin(struct softfido_opts *o)
{
	opts_key(o);
	o->client_pin = true;
	o->pin = PIN_GOOD;
}

static inline void
opts_bio(struct softfido_opts *o)
{
	opts_pin(o);
	memcpy(o->aaguid, aaguid_bio, 16);
	o->builtin_uv = true;
	o->bio_enroll = true;
	o->bio_match = true;
}

static inline int
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

static inline int
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

static inline int
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

static inline int
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
static inline struct softfido *
plug(struct t *t, size_t slot, const char *path, const struct softfido_opts *o)
{
	assert_true(slot < 3);
	assert_non_null(t->sf[slot] = softfido_new(path, o));
	assert_int_equal(skf_devlist_add_custom(&t->l, path, softfido_io(), softfido_transport()),
	                 SK_OK);
	return t->sf[slot];
}

static inline void
challenge(unsigned char cdh[32])
{
	assert_int_equal(RAND_bytes(cdh, 32), 1);
}

static inline struct skf_ui
ui_of(struct t *t)
{
	struct skf_ui u = { .pin = pin_cb, .cue = cue_cb, .arg = &t->ui };

	return u;
}

static inline int
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
static inline int
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
static inline void
enroll_ok(struct t *t, enum skf_uv uv)
{
	unsigned char cdh[32];

	assert_int_equal(enroll(t, uv, false, cdh), SK_OK);
	assert_int_equal(attest(t, cdh, RP, roots, &enrol_allowed, uv == SKF_UV_REQUIRED), SK_OK);
	assert_true(t->at->trusted);
}

static inline int
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

/* Plugs a new key into slot under path, made by opts (opts_key, opts_pin, opts_bio). */
static inline void
plug_new(struct t *t, size_t slot, const char *path, void (*opts)(struct softfido_opts *o))
{
	struct softfido_opts o;

	opts(&o);
	plug(t, slot, path, &o);
}

/* One non-resident enrolment with requirement uv, which must end in r with the reason
 * fail. */
static inline void
expect_enroll(struct t *t, enum skf_uv uv, int r, enum skf_fail fail)
{
	unsigned char cdh[32];

	assert_int_equal(enroll(t, uv, false, cdh), r);
	assert_int_equal(t->er->fail, fail);
}

/* A key with a PIN in slot 0, enrolled with user verification required: where the PIN
 * tests start. */
static inline void
pin_key_enrolled(struct t *t)
{
	plug_new(t, 0, "softfido:pin", opts_pin);
	enroll_ok(t, SKF_UV_REQUIRED);
}

/* One assertion for RP with user verification required, which must end in r with the
 * reason fail. */
static inline void
expect_assert_uv(struct t *t, int r, enum skf_fail fail)
{
	unsigned char cdh[32];

	assert_int_equal(assert_run(t, RP, SKF_UV_REQUIRED, TIMEOUT_MS, cdh), r);
	assert_int_equal(t->ar->fail, fail);
}

/* What the broker does with an assertion the PAM module relays. */
static inline int
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

static inline int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
