/* Broker-side FIDO2 assertion verification on hand-built assertions: keys made with OpenSSL
 * at test time, authenticator data assembled byte by byte, signatures over
 * authData | clientDataHash, checked through libfido2's fido_assert_verify.
 * R-MFA-1: the factor classes a FIDO2 assertion proves. R-INPUT-1: malformed and tampered
 * input refused; sign-counter clone detection. R-TEST-1: generated keys and ids only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <fido.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "fido2_verify.h"
#include "sk_err.h"
#include "sk_log.h"

#define RP "sekimori.test"
#define AAGUID_BIO "6f3e1c2a-9b5d-4e7f-8a01-23456789abcd"

struct key {
	int type;
	EVP_PKEY *pkey;
	unsigned char pub[259];
	size_t publen;
	unsigned char cred_id[32];
	unsigned char aaguid[FIDO2_AAGUID_LEN];
};

struct assertion {
	unsigned char cdh[FIDO2_CDH_LEN];
	unsigned char raw[128];     /* authenticator data */
	size_t rawlen;
	unsigned char cbor[160];    /* as a CBOR byte string */
	size_t cborlen;
	unsigned char sig[512];
	size_t siglen;
};

static void
key_new(struct key *k, int type)
{
	memset(k, 0, sizeof(*k));
	k->type = type;
	assert_int_equal(RAND_bytes(k->cred_id, sizeof(k->cred_id)), 1);
	assert_int_equal(fido2_aaguid_parse(AAGUID_BIO, k->aaguid), SK_OK);
	if (type == COSE_ES256) {
		BIGNUM *x = NULL, *y = NULL;

		assert_non_null(k->pkey = EVP_EC_gen("P-256"));
		assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
		assert_int_equal(BN_bn2binpad(x, k->pub, 32), 32);
		assert_int_equal(BN_bn2binpad(y, k->pub + 32, 32), 32);
		k->publen = 64;
		BN_free(x);
		BN_free(y);
	} else if (type == COSE_EDDSA) {
		size_t len = 32;

		assert_non_null(k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
		assert_int_equal(EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &len), 1);
		k->publen = len;
	} else {
		BIGNUM *n = NULL, *e = NULL;

		assert_non_null(k->pkey = EVP_RSA_gen(2048));
		assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &e), 1);
		assert_int_equal(BN_bn2binpad(n, k->pub, 256), 256);
		assert_int_equal(BN_bn2binpad(e, k->pub + 256, 3), 3);
		k->publen = 259;
		BN_free(n);
		BN_free(e);
	}
}

static void
key_free(struct key *k)
{
	EVP_PKEY_free(k->pkey);
}

static void
sign(const struct key *k, struct assertion *a)
{
	unsigned char msg[256];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = sizeof(a->sig);

	assert_true(a->rawlen + FIDO2_CDH_LEN <= sizeof(msg));
	memcpy(msg, a->raw, a->rawlen);
	memcpy(msg + a->rawlen, a->cdh, FIDO2_CDH_LEN);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, k->type == COSE_EDDSA ? NULL : EVP_sha256(),
	                                    NULL, k->pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, a->sig, &siglen, msg, a->rawlen + FIDO2_CDH_LEN), 1);
	a->siglen = siglen;
	EVP_MD_CTX_free(ctx);
}

static void
encode(struct assertion *a)
{
	assert_true(a->rawlen >= 24 && a->rawlen <= 255);
	a->cbor[0] = 0x58;
	a->cbor[1] = (unsigned char)a->rawlen;
	memcpy(a->cbor + 2, a->raw, a->rawlen);
	a->cborlen = a->rawlen + 2;
}

/* An assertion as a key would make it, for rp over a fresh challenge. */
static void
make(const struct key *k, struct assertion *a, const char *rp, uint8_t flags, uint32_t count)
{
	unsigned int len = 0;

	memset(a, 0, sizeof(*a));
	assert_int_equal(RAND_bytes(a->cdh, sizeof(a->cdh)), 1);
	assert_int_equal(EVP_Digest(rp, strlen(rp), a->raw, &len, EVP_sha256(), NULL), 1);
	a->raw[32] = flags;
	a->raw[33] = (unsigned char)(count >> 24);
	a->raw[34] = (unsigned char)(count >> 16);
	a->raw[35] = (unsigned char)(count >> 8);
	a->raw[36] = (unsigned char)count;
	a->rawlen = 37;
	encode(a);
	sign(k, a);
}

/* Whether stored() marks the credential's attestation chain as verified at enrolment. */
static bool stored_chain_verified = true;

static void
stored(const struct key *k, uint32_t count, struct fido2_stored_cred *c)
{
	memset(c, 0, sizeof(*c));
	c->cred_id = k->cred_id;
	c->cred_id_len = sizeof(k->cred_id);
	c->cose_type = k->type;
	c->pubkey = k->pub;
	c->pubkey_len = k->publen;
	memcpy(c->aaguid, k->aaguid, FIDO2_AAGUID_LEN);
	c->chain_verified = stored_chain_verified;
	c->sign_count = count;
}

static void
request(const struct key *k, const struct assertion *a, struct fido2_verify_req *r)
{
	memset(r, 0, sizeof(*r));
	r->rp_id = RP;
	r->cdh = a->cdh;
	r->cdh_len = sizeof(a->cdh);
	r->cred_id = k->cred_id;
	r->cred_id_len = sizeof(k->cred_id);
	r->authdata = a->cbor;
	r->authdata_len = a->cborlen;
	r->sig = a->sig;
	r->sig_len = a->siglen;
	r->require_up = true;
}

/* Verifies a fresh assertion with the given flags/method; returns the SK code. */
static int
run(int type, uint8_t flags, uint32_t stored_count, uint32_t count,
    enum skf_uv_method m, const struct fido2_aaguid_list *inh, bool require_uv,
    struct fido2_verify_result *res)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	int rc;

	key_new(&k, type);
	make(&k, &a, RP, flags, count);
	stored(&k, stored_count, &c);
	request(&k, &a, &r);
	r.uv_method = m;
	r.inherence_aaguids = inh;
	r.require_uv = require_uv;
	rc = fido2_verify_assertion(&c, &r, res);
	key_free(&k);
	return rc;
}

/* run() must verify (SK_OK, verdict ok) and prove exactly the classes given. */
static void
expect_classes(int type, uint8_t flags, uint32_t stored_count, uint32_t count,
               enum skf_uv_method m, const struct fido2_aaguid_list *inh, bool require_uv,
               struct fido2_verify_result *res, unsigned classes)
{
	assert_int_equal(run(type, flags, stored_count, count, m, inh, require_uv, res), SK_OK);
	assert_int_equal(res->verdict, FIDO2_VERDICT_OK);
	assert_int_equal(res->classes, classes);
}

static struct fido2_aaguid_list bio_list;

/* R-MFA-1: touch only proves possession. */
static void
test_up_only_is_possession(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	expect_classes(COSE_ES256, FIDO2_FLAG_UP, 4, 5, SKF_UVM_NONE, &bio_list, false,
	               &res, FIDO2_CLASS_POSSESSION);
	assert_int_equal(res.sign_count, 5);
	assert_true(res.up);
	assert_false(res.uv);
}

/* R-MFA-1: UV by the key's PIN adds knowledge. */
static void
test_uv_pin_is_possession_knowledge(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 0, 1, SKF_UVM_PIN,
	               &bio_list, true, &res, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_KNOWLEDGE);
}

/* R-MFA-1: built-in UV on an allow-listed biometric model adds inherence. */
static void
test_uv_builtin_allowlisted_is_inherence(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 7, 8, SKF_UVM_BUILTIN,
	               &bio_list, true, &res, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_INHERENCE);
}

/* R-MFA-1 (issue 7 item 8): an allow-listed AAGUID whose attestation never chained to a
 * root is only the key's own word: a sensor-less key claiming the model gets no inherence. */
static void
test_r_mfa_1_inherence_needs_verified_chain(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	stored_chain_verified = false;
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 7, 8, SKF_UVM_BUILTIN,
	                     &bio_list, true, &res), SK_OK);
	stored_chain_verified = true;
	assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
	/* The same assertion on a credential whose chain was verified proves inherence. */
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 7, 8, SKF_UVM_BUILTIN,
	               &bio_list, true, &res, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_INHERENCE);
}

/* R-MFA-1: built-in UV on a model not on the list counts as nothing extra. */
static void
test_uv_builtin_not_allowlisted_is_possession(void **state)
{
	struct fido2_aaguid_list other;
	struct fido2_verify_result res;

	(void)state;
	fido2_aaguid_list_init(&other);
	assert_int_equal(fido2_aaguid_list_add(&other, "00112233445566778899aabbccddeeff"), SK_OK);
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 0, 1, SKF_UVM_BUILTIN,
	               &other, true, &res, FIDO2_CLASS_POSSESSION);
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 0, 1, SKF_UVM_BUILTIN, NULL, true,
	               &res, FIDO2_CLASS_POSSESSION);
}

/* A claimed method without the signed UV flag proves nothing beyond possession. */
static void
test_claim_without_uv_flag(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	expect_classes(COSE_ES256, FIDO2_FLAG_UP, 0, 1, SKF_UVM_PIN, &bio_list, false,
	               &res, FIDO2_CLASS_POSSESSION);
	expect_classes(COSE_ES256, FIDO2_FLAG_UP, 0, 1, SKF_UVM_BUILTIN, &bio_list, false,
	               &res, FIDO2_CLASS_POSSESSION);
}

/* UV flag set but no method claimed: verified, but no class can be named for it. */
static void
test_uv_flag_without_method(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	expect_classes(COSE_ES256, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 0, 1, SKF_UVM_NONE,
	               &bio_list, true, &res, FIDO2_CLASS_POSSESSION);
}

static void
test_uv_missing_when_required(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, 0, 1, SKF_UVM_PIN, &bio_list, true, &res),
	                 SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_UV_MISSING);
	assert_int_equal(res.classes, 0);
}

static void
test_up_missing_when_required(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	assert_int_equal(run(COSE_ES256, 0, 0, 1, SKF_UVM_NONE, &bio_list, false, &res),
	                 SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_UP_MISSING);
}

static void
test_wrong_relying_party(void **state)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	struct fido2_verify_result res;

	(void)state;
	key_new(&k, COSE_ES256);
	make(&k, &a, "evil.example", FIDO2_FLAG_UP, 1);
	stored(&k, 0, &c);
	request(&k, &a, &r);
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_WRONG_RP);
	assert_string_equal(res.reason, "relying party mismatch");
	key_free(&k);
}

/* Tampering with the signature, with the flags (adding UV after signing) or using the
 * assertion for another challenge all break the signature. */
static void
test_tampered(void **state)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	struct fido2_verify_result res;

	(void)state;
	key_new(&k, COSE_ES256);
	make(&k, &a, RP, FIDO2_FLAG_UP, 1);
	stored(&k, 0, &c);
	request(&k, &a, &r);
	a.sig[a.siglen - 1] ^= 0x01;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	assert_string_equal(res.reason, "signature invalid");
	a.sig[a.siglen - 1] ^= 0x01;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_OK);

	a.cbor[2 + 32] |= FIDO2_FLAG_UV;
	r.uv_method = SKF_UVM_PIN;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	a.cbor[2 + 32] &= (unsigned char)~FIDO2_FLAG_UV;

	a.cdh[0] ^= 0x80;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	key_free(&k);
}

/* R-INPUT-1: a counter that does not increase is a clone, reported as such. */
static void
test_counter_not_increasing_is_clone(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, 10, 9, SKF_UVM_NONE, NULL, false, &res),
	                 SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
	assert_string_equal(res.reason, "clone suspected");
	assert_int_equal(res.sign_count, 9);
	assert_int_equal(res.classes, 0);
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, 10, 10, SKF_UVM_NONE, NULL, false, &res),
	                 SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, 10, 0, SKF_UVM_NONE, NULL, false, &res),
	                 SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, UINT32_MAX, UINT32_MAX, SKF_UVM_NONE,
	                     NULL, false, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_CLONE_SUSPECTED);
}

/* Keys that never count: stored 0 and new 0 is accepted. */
static void
test_counter_always_zero_accepted(void **state)
{
	struct fido2_verify_result res;

	(void)state;
	assert_int_equal(run(COSE_ES256, FIDO2_FLAG_UP, 0, 0, SKF_UVM_NONE, NULL, false, &res),
	                 SK_OK);
	assert_int_equal(res.sign_count, 0);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);
}

/* An unsigned counter must not flag anything: the signature is checked first. */
static void
test_clone_only_after_signature(void **state)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	struct fido2_verify_result res;

	(void)state;
	key_new(&k, COSE_ES256);
	make(&k, &a, RP, FIDO2_FLAG_UP, 3);
	stored(&k, 50, &c);
	request(&k, &a, &r);
	a.sig[a.siglen - 2] ^= 0x40;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	key_free(&k);
}

static void
test_eddsa_and_rs256(void **state)
{
	struct fido2_verify_result res;
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;

	(void)state;
	expect_classes(COSE_EDDSA, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 1, 2, SKF_UVM_PIN, NULL, true,
	               &res, FIDO2_CLASS_POSSESSION | FIDO2_CLASS_KNOWLEDGE);
	assert_int_equal(run(COSE_RS256, FIDO2_FLAG_UP, 1, 2, SKF_UVM_NONE, NULL, false, &res),
	                 SK_OK);
	assert_int_equal(res.classes, FIDO2_CLASS_POSSESSION);

	key_new(&k, COSE_EDDSA);
	make(&k, &a, RP, FIDO2_FLAG_UP, 1);
	stored(&k, 0, &c);
	request(&k, &a, &r);
	a.sig[5] ^= 0x10;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_CRYPTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	key_free(&k);
}

/* R-INPUT-1: structurally wrong input is refused before any cryptography. */
static void
test_malformed(void **state)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	struct fido2_verify_result res;
	unsigned char buf[200];
	unsigned char other_id[32];

	(void)state;
	key_new(&k, COSE_ES256);
	make(&k, &a, RP, FIDO2_FLAG_UP, 1);
	stored(&k, 0, &c);
	request(&k, &a, &r);

	/* short authenticator data */
	r.authdata_len = a.cborlen - 1;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_MALFORMED);
	/* trailing byte after the CBOR item */
	memcpy(buf, a.cbor, a.cborlen);
	buf[a.cborlen] = 0x00;
	r.authdata = buf;
	r.authdata_len = a.cborlen + 1;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	/* a text string instead of a byte string */
	memcpy(buf, a.cbor, a.cborlen);
	buf[0] = 0x78;
	r.authdata_len = a.cborlen;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	/* 37 bytes that claim attested credential data */
	memcpy(buf, a.cbor, a.cborlen);
	buf[2 + 32] |= FIDO2_FLAG_AT;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	/* extension flag with nothing after it */
	memcpy(buf, a.cbor, a.cborlen);
	buf[2 + 32] |= FIDO2_FLAG_ED;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	/* data after the fixed part without the extension flag */
	memcpy(buf, a.cbor, a.cborlen);
	buf[1] = 38;
	buf[a.cborlen] = 0xa0;
	r.authdata_len = a.cborlen + 1;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	r.authdata = a.cbor;
	r.authdata_len = a.cborlen;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_OK);

	/* lengths out of range */
	r.cdh_len = 31;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_ARG);
	r.cdh_len = 32;
	r.sig_len = FIDO2_SIG_MAX + 1;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	r.sig_len = a.siglen;
	r.authdata_len = FIDO2_AUTHDATA_MAX + 1;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	r.authdata_len = a.cborlen;
	/* stored key of the wrong size or an unknown type */
	c.pubkey_len = 63;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	c.pubkey_len = 64;
	c.cose_type = -35;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	c.cose_type = COSE_ES256;
	/* a point not on the curve */
	k.pub[10] ^= 0x55;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	k.pub[10] ^= 0x55;
	/* an assertion for another credential */
	assert_int_equal(RAND_bytes(other_id, sizeof(other_id)), 1);
	r.cred_id = other_id;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_DENIED);
	assert_int_equal(res.verdict, FIDO2_VERDICT_WRONG_CREDENTIAL);
	r.cred_id_len = 31;
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_DENIED);
	r.cred_id = k.cred_id;
	r.cred_id_len = sizeof(k.cred_id);
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_OK);
	key_free(&k);
}

/* Extension outputs nobody asked for are refused; a well-formed map is parsed. */
static void
test_unrequested_extension(void **state)
{
	struct key k;
	struct assertion a;
	struct fido2_stored_cred c;
	struct fido2_verify_req r;
	struct fido2_verify_result res;
	/* {"credProtect": 1} */
	static const unsigned char ext[] = { 0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't',
	                                     'e', 'c', 't', 0x01 };

	(void)state;
	key_new(&k, COSE_ES256);
	make(&k, &a, RP, FIDO2_FLAG_UP | FIDO2_FLAG_ED, 1);
	memcpy(a.raw + 37, ext, sizeof(ext));
	a.rawlen = 37 + sizeof(ext);
	encode(&a);
	sign(&k, &a);
	stored(&k, 0, &c);
	request(&k, &a, &r);
	assert_int_equal(fido2_verify_assertion(&c, &r, &res), SK_ERR_PROTO);
	assert_int_equal(res.verdict, FIDO2_VERDICT_MALFORMED);
	key_free(&k);
}

static void
test_aaguid_text(void **state)
{
	unsigned char id[FIDO2_AAGUID_LEN], id2[FIDO2_AAGUID_LEN];
	char s[FIDO2_AAGUID_STR];
	struct fido2_aaguid_list l;
	char many[40];

	(void)state;
	assert_int_equal(fido2_aaguid_parse(AAGUID_BIO, id), SK_OK);
	fido2_aaguid_format(id, s);
	assert_string_equal(s, AAGUID_BIO);
	assert_int_equal(fido2_aaguid_parse("6F3E1C2A9B5D4E7F8A0123456789ABCD", id2), SK_OK);
	assert_memory_equal(id, id2, sizeof(id));
	assert_int_equal(fido2_aaguid_parse("6f3e1c2a-9b5d-4e7f-8a01-23456789abc", id2),
	                 SK_ERR_PROTO);
	assert_int_equal(fido2_aaguid_parse("6f3e1c2a-9b5d-4e7f-8a0123-456789abcd", id2),
	                 SK_ERR_PROTO);
	assert_int_equal(fido2_aaguid_parse("6f3e1c2a-9b5d-4e7f-8a01-23456789abcg", id2),
	                 SK_ERR_PROTO);
	assert_int_equal(fido2_aaguid_parse("6f3e1c2a 9b5d 4e7f 8a01 23456789abcd", id2),
	                 SK_ERR_PROTO);
	assert_int_equal(fido2_aaguid_parse("", id2), SK_ERR_PROTO);
	assert_int_equal(fido2_aaguid_parse(NULL, id2), SK_ERR_PROTO);
	fido2_aaguid_list_init(&l);
	assert_false(fido2_aaguid_list_contains(&l, id));
	for (int i = 0; i < FIDO2_AAGUID_LIST_MAX; i++) {
		assert_true(snprintf(many, sizeof(many), "%032x", i) == 32);
		assert_int_equal(fido2_aaguid_list_add(&l, many), SK_OK);
	}
	assert_int_equal(fido2_aaguid_list_add(&l, AAGUID_BIO), SK_ERR_RANGE);
	assert_false(fido2_aaguid_list_contains(&l, id));
	assert_false(fido2_aaguid_list_contains(NULL, id));
}

static void
test_uv_method_names(void **state)
{
	enum skf_uv_method m;

	(void)state;
	assert_int_equal(skf_uv_method_parse("pin", &m), SK_OK);
	assert_int_equal(m, SKF_UVM_PIN);
	assert_int_equal(skf_uv_method_parse("builtin", &m), SK_OK);
	assert_int_equal(m, SKF_UVM_BUILTIN);
	assert_int_equal(skf_uv_method_parse("none", &m), SK_OK);
	assert_int_equal(m, SKF_UVM_NONE);
	assert_int_equal(skf_uv_method_parse("PIN", &m), SK_ERR_PROTO);
	assert_int_equal(skf_uv_method_parse("fingerprint", &m), SK_ERR_PROTO);
	assert_int_equal(skf_uv_method_parse(NULL, &m), SK_ERR_PROTO);
	assert_string_equal(skf_uv_method_name(SKF_UVM_BUILTIN), "builtin");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_only_is_possession),
		cmocka_unit_test(test_uv_pin_is_possession_knowledge),
		cmocka_unit_test(test_uv_builtin_allowlisted_is_inherence),
		cmocka_unit_test(test_r_mfa_1_inherence_needs_verified_chain),
		cmocka_unit_test(test_uv_builtin_not_allowlisted_is_possession),
		cmocka_unit_test(test_claim_without_uv_flag),
		cmocka_unit_test(test_uv_flag_without_method),
		cmocka_unit_test(test_uv_missing_when_required),
		cmocka_unit_test(test_up_missing_when_required),
		cmocka_unit_test(test_wrong_relying_party),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_counter_not_increasing_is_clone),
		cmocka_unit_test(test_counter_always_zero_accepted),
		cmocka_unit_test(test_clone_only_after_signature),
		cmocka_unit_test(test_eddsa_and_rs256),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unrequested_extension),
		cmocka_unit_test(test_aaguid_text),
		cmocka_unit_test(test_uv_method_names),
	};

	sk_log_to_stderr(1);
	fido_init(0);
	fido2_aaguid_list_init(&bio_list);
	if (fido2_aaguid_list_add(&bio_list, AAGUID_BIO) != SK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
