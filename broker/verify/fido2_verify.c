#include "fido2_verify.h"

#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sk_err.h"
#include "sk_log.h"

#define AUTHDATA_FIXED_LEN 37  /* rpIdHash 32 | flags 1 | signCount 4 */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
fido2_aaguid_parse(const char *s, unsigned char out[FIDO2_AAGUID_LEN])
{
	size_t len, n = 0;
	bool dashed;

	if (s == NULL) {
		sk_logerr("missing AAGUID");
		return SK_ERR_PROTO;
	}
	len = strnlen(s, FIDO2_AAGUID_STR + 1);
	dashed = len == FIDO2_AAGUID_STR - 1;
	if (!dashed && len != 2 * FIDO2_AAGUID_LEN) {
		sk_logerr("AAGUID of wrong length");
		return SK_ERR_PROTO;
	}
	for (size_t i = 0; i < len;) {
		int hi, lo;

		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-') {
				sk_logerr("AAGUID dash misplaced");
				return SK_ERR_PROTO;
			}
			i++;
			continue;
		}
		if (i + 1 >= len || n >= FIDO2_AAGUID_LEN ||
		    (hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0) {
			sk_logerr("AAGUID is not hexadecimal");
			return SK_ERR_PROTO;
		}
		out[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	if (n != FIDO2_AAGUID_LEN) {
		sk_logerr("AAGUID of wrong length");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

void
fido2_aaguid_format(const unsigned char id[FIDO2_AAGUID_LEN], char out[FIDO2_AAGUID_STR])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < FIDO2_AAGUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id[i] >> 4];
		out[o++] = hex[id[i] & 0x0f];
	}
	out[o] = '\0';
}

void
fido2_aaguid_list_init(struct fido2_aaguid_list *l)
{
	memset(l, 0, sizeof(*l));
}

int
fido2_aaguid_list_add(struct fido2_aaguid_list *l, const char *s)
{
	int r;

	if (l->n >= FIDO2_AAGUID_LIST_MAX) {
		sk_logerr("AAGUID list full");
		return SK_ERR_RANGE;
	}
	if ((r = fido2_aaguid_parse(s, l->id[l->n])) != SK_OK)
		return r;
	l->n++;
	return SK_OK;
}

bool
fido2_aaguid_list_contains(const struct fido2_aaguid_list *l,
                           const unsigned char id[FIDO2_AAGUID_LEN])
{
	if (l == NULL)
		return false;
	for (size_t i = 0; i < l->n && i < FIDO2_AAGUID_LIST_MAX; i++)
		if (memcmp(l->id[i], id, FIDO2_AAGUID_LEN) == 0)
			return true;
	return false;
}

const char *
fido2_verdict_name(enum fido2_verdict v)
{
	switch (v) {
	case FIDO2_VERDICT_OK: return "ok";
	case FIDO2_VERDICT_MALFORMED: return "malformed assertion";
	case FIDO2_VERDICT_WRONG_CREDENTIAL: return "assertion for another credential";
	case FIDO2_VERDICT_WRONG_RP: return "relying party mismatch";
	case FIDO2_VERDICT_BAD_SIGNATURE: return "signature invalid";
	case FIDO2_VERDICT_CLONE_SUSPECTED: return "clone suspected";
	case FIDO2_VERDICT_UP_MISSING: return "user presence missing";
	case FIDO2_VERDICT_UV_MISSING: return "user verification missing";
	}
	return "unknown verdict";
}

/* Exactly one well-formed CBOR item of the given kind spans data[0..len). */
static bool
cbor_exactly_one_map(const unsigned char *data, size_t len)
{
	struct cbor_load_result lr;
	cbor_item_t *item;
	bool ok;

	if (len == 0 || (data[0] & 0xe0) != 0xa0)
		return false;
	if ((item = cbor_load(data, len, &lr)) == NULL)
		return false;
	ok = lr.error.code == CBOR_ERR_NONE && lr.read == len && cbor_isa_map(item) &&
	     cbor_map_is_definite(item);
	cbor_decref(&item);
	return ok;
}

int
fido2_authdata_parse(const unsigned char *cbor, size_t len, bool attested,
                     struct fido2_authdata *out)
{
	struct cbor_load_result lr;
	cbor_item_t *item = NULL;
	const unsigned char *raw;
	size_t rawlen;
	int r = SK_ERR_PROTO;

	memset(out, 0, sizeof(*out));
	if (cbor == NULL || len == 0 || len > FIDO2_AUTHDATA_MAX) {
		sk_logerr("authenticator data missing or too long");
		return SK_ERR_PROTO;
	}
	/* A byte string (major type 2) and nothing else: refuse anything nested up front. */
	if ((cbor[0] & 0xe0) != 0x40) {
		sk_logerr("authenticator data is not a CBOR byte string");
		return SK_ERR_PROTO;
	}
	if ((item = cbor_load(cbor, len, &lr)) == NULL || lr.error.code != CBOR_ERR_NONE ||
	    lr.read != len || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
		sk_logerr("authenticator data is not exactly one definite byte string");
		goto out;
	}
	raw = cbor_bytestring_handle(item);
	rawlen = cbor_bytestring_length(item);
	if (raw == NULL || rawlen < AUTHDATA_FIXED_LEN) {
		sk_logerr("authenticator data too short");
		goto out;
	}
	memcpy(out->rp_id_hash, raw, FIDO2_RP_HASH_LEN);
	out->flags = raw[32];
	out->sign_count = (uint32_t)raw[33] << 24 | (uint32_t)raw[34] << 16 |
	                  (uint32_t)raw[35] << 8 | (uint32_t)raw[36];
	if (attested != ((out->flags & FIDO2_FLAG_AT) != 0)) {
		sk_logerr("attested credential data %s", attested ? "missing" : "unexpected");
		goto out;
	}
	if (!attested) {
		size_t rest = rawlen - AUTHDATA_FIXED_LEN;

		if ((out->flags & FIDO2_FLAG_ED) == 0 ? rest != 0 :
		    !cbor_exactly_one_map(raw + AUTHDATA_FIXED_LEN, rest)) {
			sk_logerr("trailing or malformed data after authenticator data");
			goto out;
		}
	}
	r = SK_OK;
out:
	if (item != NULL)
		cbor_decref(&item);
	return r;
}

bool
fido2_rp_id_matches(const char *rp_id, const unsigned char hash[FIDO2_RP_HASH_LEN])
{
	unsigned char want[FIDO2_RP_HASH_LEN];
	unsigned int wlen = 0;
	size_t len = strnlen(rp_id, FIDO2_RP_ID_MAX + 1);

	if (len == 0 || len > FIDO2_RP_ID_MAX ||
	    EVP_Digest(rp_id, len, want, &wlen, EVP_sha256(), NULL) != 1 ||
	    wlen != sizeof(want))
		return false;
	return CRYPTO_memcmp(want, hash, sizeof(want)) == 0;
}

/* A libfido2 public key object for the stored credential; free with pk_free. */
struct pk {
	int type;
	es256_pk_t *es256;
	eddsa_pk_t *eddsa;
	rs256_pk_t *rs256;
};

static void
pk_free(struct pk *k)
{
	es256_pk_free(&k->es256);
	eddsa_pk_free(&k->eddsa);
	rs256_pk_free(&k->rs256);
}

static const void *
pk_ptr(const struct pk *k)
{
	switch (k->type) {
	case COSE_ES256: return k->es256;
	case COSE_EDDSA: return k->eddsa;
	case COSE_RS256: return k->rs256;
	default: return NULL;
	}
}

static int
pk_load(struct pk *k, int type, const unsigned char *ptr, size_t len)
{
	int fr = FIDO_ERR_INVALID_ARGUMENT;

	memset(k, 0, sizeof(*k));
	k->type = type;
	if (ptr == NULL || len == 0 || len > FIDO2_PUBKEY_MAX) {
		sk_logerr("stored public key missing or too long");
		return SK_ERR_PROTO;
	}
	switch (type) {
	case COSE_ES256:
		if (len != 64 && len != 65)
			break;
		if ((k->es256 = es256_pk_new()) == NULL)
			goto nomem;
		fr = es256_pk_from_ptr(k->es256, ptr, len);
		break;
	case COSE_EDDSA:
		if (len != 32)
			break;
		if ((k->eddsa = eddsa_pk_new()) == NULL)
			goto nomem;
		fr = eddsa_pk_from_ptr(k->eddsa, ptr, len);
		break;
	case COSE_RS256:
		if (len != 259)
			break;
		if ((k->rs256 = rs256_pk_new()) == NULL)
			goto nomem;
		fr = rs256_pk_from_ptr(k->rs256, ptr, len);
		break;
	default:
		sk_logerr("unsupported COSE key type %d", type);
		return SK_ERR_PROTO;
	}
	if (fr != FIDO_OK) {
		sk_logerr("stored public key of type %d is invalid", type);
		pk_free(k);
		return SK_ERR_PROTO;
	}
	return SK_OK;
nomem:
	sk_logerr("out of memory for a public key");
	return SK_ERR_NOMEM;
}

static int
verdict(struct fido2_verify_result *res, enum fido2_verdict v, int code)
{
	res->verdict = v;
	res->reason = fido2_verdict_name(v);
	res->classes = 0;
	return code;
}

static int
check_inputs(const struct fido2_stored_cred *cred, const struct fido2_verify_req *req)
{
	size_t rplen;

	if (cred == NULL || req == NULL || req->rp_id == NULL || req->cdh == NULL ||
	    req->authdata == NULL || req->sig == NULL || req->cred_id == NULL ||
	    cred->cred_id == NULL) {
		sk_logerr("incomplete verification request");
		return SK_ERR_ARG;
	}
	rplen = strnlen(req->rp_id, FIDO2_RP_ID_MAX + 1);
	if (rplen == 0 || rplen > FIDO2_RP_ID_MAX || req->cdh_len != FIDO2_CDH_LEN) {
		sk_logerr("relying party id or challenge of wrong length");
		return SK_ERR_ARG;
	}
	if (req->sig_len == 0 || req->sig_len > FIDO2_SIG_MAX ||
	    req->cred_id_len == 0 || req->cred_id_len > FIDO2_CRED_ID_MAX ||
	    cred->cred_id_len == 0 || cred->cred_id_len > FIDO2_CRED_ID_MAX) {
		sk_logerr("signature or credential id of wrong length");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

/* libfido2's own check: signature over authdata | cdh with the stored key, rp id hash. */
static int
signature_check(const struct fido2_stored_cred *cred, const struct fido2_verify_req *req,
                struct fido2_verify_result *res)
{
	fido_assert_t *a = NULL;
	struct pk k;
	int r, fr;

	if ((r = pk_load(&k, cred->cose_type, cred->pubkey, cred->pubkey_len)) != SK_OK)
		return verdict(res, FIDO2_VERDICT_MALFORMED, r);
	if ((a = fido_assert_new()) == NULL) {
		sk_logerr("fido_assert_new failed");
		r = SK_ERR_NOMEM;
		goto out;
	}
	if (fido_assert_set_rp(a, req->rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, req->cdh, req->cdh_len) != FIDO_OK ||
	    fido_assert_set_count(a, 1) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_assert_set_uv(a, FIDO_OPT_OMIT) != FIDO_OK) {
		sk_logerr("cannot set up the assertion");
		r = SK_ERR_INTERNAL;
		goto out;
	}
	if (fido_assert_set_authdata(a, 0, req->authdata, req->authdata_len) != FIDO_OK ||
	    fido_assert_set_sig(a, 0, req->sig, req->sig_len) != FIDO_OK) {
		sk_logerr("libfido2 refused the authenticator data or signature");
		r = verdict(res, FIDO2_VERDICT_MALFORMED, SK_ERR_PROTO);
		goto out;
	}
	fr = fido_assert_verify(a, 0, cred->cose_type, pk_ptr(&k));
	if (fr == FIDO_ERR_INVALID_SIG) {
		sk_logerr("assertion signature invalid");
		r = verdict(res, FIDO2_VERDICT_BAD_SIGNATURE, SK_ERR_CRYPTO);
	} else if (fr == FIDO_ERR_INVALID_PARAM) {
		/* rp id and flags were checked before: extensions nobody asked for */
		sk_logerr("assertion carries unexpected extensions");
		r = verdict(res, FIDO2_VERDICT_MALFORMED, SK_ERR_PROTO);
	} else if (fr != FIDO_OK) {
		sk_logerr("fido_assert_verify failed: %s", fido_strerr(fr));
		r = verdict(res, FIDO2_VERDICT_MALFORMED, SK_ERR_CRYPTO);
	} else {
		r = SK_OK;
	}
out:
	fido_assert_free(&a);
	pk_free(&k);
	return r;
}

int
fido2_verify_assertion(const struct fido2_stored_cred *cred,
                       const struct fido2_verify_req *req, struct fido2_verify_result *res)
{
	struct fido2_authdata ad;
	int r;

	memset(res, 0, sizeof(*res));
	verdict(res, FIDO2_VERDICT_MALFORMED, SK_ERR_PROTO);
	if ((r = check_inputs(cred, req)) != SK_OK)
		return r;
	if (req->cred_id_len != cred->cred_id_len ||
	    CRYPTO_memcmp(req->cred_id, cred->cred_id, cred->cred_id_len) != 0) {
		sk_logerr("assertion names another credential");
		return verdict(res, FIDO2_VERDICT_WRONG_CREDENTIAL, SK_ERR_DENIED);
	}
	if ((r = fido2_authdata_parse(req->authdata, req->authdata_len, false, &ad)) != SK_OK)
		return verdict(res, FIDO2_VERDICT_MALFORMED, r);
	if ((ad.flags & FIDO2_FLAG_ED) != 0) {
		/* Sekimori asks for no extensions; outputs nobody asked for are not trusted. */
		sk_logerr("assertion carries extension outputs nobody asked for");
		return verdict(res, FIDO2_VERDICT_MALFORMED, SK_ERR_PROTO);
	}
	if (!fido2_rp_id_matches(req->rp_id, ad.rp_id_hash)) {
		sk_logerr("assertion made for another relying party");
		return verdict(res, FIDO2_VERDICT_WRONG_RP, SK_ERR_DENIED);
	}
	if ((r = signature_check(cred, req, res)) != SK_OK)
		return r;
	/* From here on the flags and the counter are the key's signed word. */
	res->up = (ad.flags & FIDO2_FLAG_UP) != 0;
	res->uv = (ad.flags & FIDO2_FLAG_UV) != 0;
	res->sign_count = ad.sign_count;
	if (!(cred->sign_count == 0 && ad.sign_count == 0) && ad.sign_count <= cred->sign_count) {
		sk_logerr("signature counter did not increase (stored %u, got %u): clone suspected",
		          (unsigned)cred->sign_count, (unsigned)ad.sign_count);
		return verdict(res, FIDO2_VERDICT_CLONE_SUSPECTED, SK_ERR_DENIED);
	}
	if (req->require_up && !res->up) {
		sk_logerr("user presence required but not asserted");
		return verdict(res, FIDO2_VERDICT_UP_MISSING, SK_ERR_DENIED);
	}
	if (req->require_uv && !res->uv) {
		sk_logerr("user verification required but not asserted");
		return verdict(res, FIDO2_VERDICT_UV_MISSING, SK_ERR_DENIED);
	}
	verdict(res, FIDO2_VERDICT_OK, SK_OK);
	if (res->up)
		res->classes |= FIDO2_CLASS_POSSESSION;
	if (res->uv && req->uv_method == SKF_UVM_PIN)
		res->classes |= FIDO2_CLASS_KNOWLEDGE;
	else if (res->uv && req->uv_method == SKF_UVM_BUILTIN && cred->chain_verified &&
	         fido2_aaguid_list_contains(req->inherence_aaguids, cred->aaguid))
		res->classes |= FIDO2_CLASS_INHERENCE;
	return SK_OK;
}
