#include "fido2_attest.h"

#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"

const char *const FIDO2_ATTEST_MALFORMED = N_("attestation malformed");
const char *const FIDO2_ATTEST_WRONG_RP = N_("relying party mismatch");
const char *const FIDO2_ATTEST_NO_UP = N_("user presence missing");
const char *const FIDO2_ATTEST_NO_UV = N_("user verification missing");
const char *const FIDO2_ATTEST_BAD_SIG = N_("attestation signature invalid");
const char *const FIDO2_ATTEST_FMT_UNSUPPORTED = N_("attestation format not supported");
const char *const FIDO2_ATTEST_NONE_REFUSED = N_("attestation missing (format none)");
const char *const FIDO2_ATTEST_SELF_REFUSED = N_("self attestation not accepted");
const char *const FIDO2_ATTEST_UNTRUSTED = N_("attestation certificate not trusted");
const char *const FIDO2_ATTEST_CERT_INVALID = N_("attestation certificate invalid");
const char *const FIDO2_ATTEST_CERT_AAGUID = N_("attestation certificate is for another model");
const char *const FIDO2_ATTEST_AAGUID_DENIED = N_("AAGUID not allowed");

/* FIDO: id-fido-gen-ce-aaguid, the model an attestation certificate speaks for. */
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

int
fido2_attest_load_roots(const char *pem_path, X509_STORE **out)
{
	X509_STORE *st;

	*out = NULL;
	if (pem_path == NULL || (st = X509_STORE_new()) == NULL) {
		sk_logerr("no trust store path or out of memory");
		return SK_ERR_CONFIG;
	}
	if (X509_STORE_load_file(st, pem_path) != 1) {
		sk_logerr("cannot load attestation roots from %s", pem_path);
		X509_STORE_free(st);
		return SK_ERR_CONFIG;
	}
	if (sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) <= 0) {
		sk_logerr("%s holds no certificate", pem_path);
		X509_STORE_free(st);
		return SK_ERR_CONFIG;
	}
	*out = st;
	return SK_OK;
}

static int
refuse(struct fido2_attest_result *res, const char *reason, int code)
{
	res->reason = reason;
	return code;
}

static bool
cose_supported(int t)
{
	return t == COSE_ES256 || t == COSE_EDDSA || t == COSE_RS256;
}

static int
check_inputs(const struct fido2_attest_req *req)
{
	size_t rplen, fmtlen;

	if (req == NULL || req->rp_id == NULL || req->cdh == NULL || req->fmt == NULL ||
	    req->authdata == NULL) {
		sk_logerr("incomplete attestation request");
		return SK_ERR_ARG;
	}
	rplen = strnlen(req->rp_id, FIDO2_RP_ID_MAX + 1);
	if (rplen == 0 || rplen > FIDO2_RP_ID_MAX || req->cdh_len != FIDO2_CDH_LEN) {
		sk_logerr("relying party id or challenge of wrong length");
		return SK_ERR_ARG;
	}
	fmtlen = strnlen(req->fmt, FIDO2_FMT_MAX + 1);
	if (fmtlen == 0 || fmtlen > FIDO2_FMT_MAX) {
		sk_logerr("attestation format name empty or too long");
		return SK_ERR_PROTO;
	}
	if ((req->attstmt != NULL && (req->attstmt_len == 0 ||
	                              req->attstmt_len > FIDO2_ATTSTMT_MAX)) ||
	    (req->x5c != NULL && (req->x5c_len == 0 || req->x5c_len > FIDO2_X5C_MAX)) ||
	    (req->sig != NULL && (req->sig_len == 0 || req->sig_len > FIDO2_SIG_MAX))) {
		sk_logerr("attestation statement, certificate or signature of wrong length");
		return SK_ERR_PROTO;
	}
	if (!cose_supported(req->cose_type)) {
		sk_logerr("unsupported COSE type %d", req->cose_type);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

/* The certificates after the first in attStmt.x5c: untrusted intermediates for the chain. */
static int
x5c_intermediates(const unsigned char *attstmt, size_t len, STACK_OF(X509) **out)
{
	struct cbor_load_result lr;
	cbor_item_t *item = NULL;
	struct cbor_pair *pairs;
	int r = SK_ERR_PROTO;

	*out = NULL;
	if (attstmt == NULL)
		return SK_OK;
	if ((attstmt[0] & 0xe0) != 0xa0 || (item = cbor_load(attstmt, len, &lr)) == NULL ||
	    lr.error.code != CBOR_ERR_NONE || lr.read != len || !cbor_isa_map(item) ||
	    !cbor_map_is_definite(item)) {
		sk_logerr("attestation statement is not one definite CBOR map");
		goto out;
	}
	if ((*out = sk_X509_new_null()) == NULL) {
		sk_logerr("sk_X509_new_null failed");
		r = SK_ERR_NOMEM;
		goto out;
	}
	pairs = cbor_map_handle(item);
	for (size_t i = 0; i < cbor_map_size(item); i++) {
		cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
		cbor_item_t **certs;

		if (!cbor_isa_string(k) || !cbor_string_is_definite(k) ||
		    cbor_string_length(k) != 3 || memcmp(cbor_string_handle(k), "x5c", 3) != 0)
			continue;
		if (!cbor_isa_array(v) || !cbor_array_is_definite(v) || cbor_array_size(v) == 0 ||
		    cbor_array_size(v) > 1 + FIDO2_X5C_CHAIN_MAX) {
			sk_logerr("x5c is not an array of 1..%d certificates", 1 + FIDO2_X5C_CHAIN_MAX);
			goto out;
		}
		certs = cbor_array_handle(v);
		for (size_t j = 1; j < cbor_array_size(v); j++) {
			const unsigned char *p;
			size_t clen;
			X509 *x;

			if (!cbor_isa_bytestring(certs[j]) || !cbor_bytestring_is_definite(certs[j]) ||
			    (clen = cbor_bytestring_length(certs[j])) == 0 || clen > FIDO2_X5C_MAX) {
				sk_logerr("x5c entry %zu is not a certificate of sane size", j);
				goto out;
			}
			p = cbor_bytestring_handle(certs[j]);
			if ((x = d2i_X509(NULL, &p, (long)clen)) == NULL ||
			    p != cbor_bytestring_handle(certs[j]) + clen) {
				X509_free(x);
				sk_logerr("x5c entry %zu is not one DER certificate", j);
				goto out;
			}
			if (!sk_X509_push(*out, x)) {
				X509_free(x);
				sk_logerr("sk_X509_push failed");
				r = SK_ERR_NOMEM;
				goto out;
			}
		}
	}
	r = SK_OK;
out:
	if (item != NULL)
		cbor_decref(&item);
	if (r != SK_OK) {
		sk_X509_pop_free(*out, X509_free);
		*out = NULL;
	}
	return r;
}

/* The attestation certificate may name the model it was issued for; it must be ours. */
static const char *
check_cert_aaguid(X509 *cert, const unsigned char aaguid[FIDO2_AAGUID_LEN])
{
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_FIDO_AAGUID, 1);
	ASN1_OCTET_STRING *inner = NULL;
	const ASN1_OCTET_STRING *data;
	const unsigned char *p;
	X509_EXTENSION *ext;
	const char *why = NULL;
	int idx;

	if (obj == NULL) {
		sk_logerr("OBJ_txt2obj failed");
		return FIDO2_ATTEST_CERT_INVALID;
	}
	if ((idx = X509_get_ext_by_OBJ(cert, obj, -1)) < 0)
		goto out;
	if (X509_get_ext_by_OBJ(cert, obj, idx) >= 0 || (ext = X509_get_ext(cert, idx)) == NULL ||
	    X509_EXTENSION_get_critical(ext) || (data = X509_EXTENSION_get_data(ext)) == NULL) {
		sk_logerr("AAGUID extension repeated, critical or empty");
		why = FIDO2_ATTEST_CERT_INVALID;
		goto out;
	}
	p = ASN1_STRING_get0_data(data);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(data))) == NULL ||
	    p != ASN1_STRING_get0_data(data) + ASN1_STRING_length(data)) {
		sk_logerr("AAGUID extension is not one OCTET STRING");
		why = FIDO2_ATTEST_CERT_INVALID;
		goto out;
	}
	if (ASN1_STRING_length(inner) != FIDO2_AAGUID_LEN ||
	    memcmp(ASN1_STRING_get0_data(inner), aaguid, FIDO2_AAGUID_LEN) != 0) {
		sk_logerr("attestation certificate names another AAGUID");
		why = FIDO2_ATTEST_CERT_AAGUID;
	}
out:
	ASN1_OCTET_STRING_free(inner);
	ASN1_OBJECT_free(obj);
	return why;
}

/* Chains the attestation certificate to the trust store and checks what a FIDO attestation
 * certificate must be. NULL when good, else the refusal reason. */
static const char *
check_cert(const struct fido2_attest_policy *policy, const unsigned char *der, size_t len,
           STACK_OF(X509) *chain, const unsigned char aaguid[FIDO2_AAGUID_LEN],
           struct fido2_attest_result *res)
{
	const unsigned char *p = der;
	X509_STORE_CTX *ctx = NULL;
	X509 *cert;
	const char *why = NULL;

	if (len == 0 || len > FIDO2_X5C_MAX || (cert = d2i_X509(NULL, &p, (long)len)) == NULL) {
		sk_logerr("attestation certificate is not DER");
		return FIDO2_ATTEST_CERT_INVALID;
	}
	if (p != der + len) {
		sk_logerr("trailing bytes after the attestation certificate");
		why = FIDO2_ATTEST_CERT_INVALID;
		goto out;
	}
	if (X509_NAME_oneline(X509_get_subject_name(cert), res->subject,
	                      (int)sizeof(res->subject)) == NULL)
		res->subject[0] = '\0';
	if (X509_get_version(cert) != X509_VERSION_3 || X509_check_ca(cert) != 0) {
		sk_logerr("attestation certificate is not an X.509v3 end-entity certificate");
		why = FIDO2_ATTEST_CERT_INVALID;
		goto out;
	}
	if ((why = check_cert_aaguid(cert, aaguid)) != NULL)
		goto out;
	if (policy->roots == NULL)
		goto out;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, policy->roots, cert, chain) != 1) {
		sk_logerr("cannot set up certificate verification");
		why = FIDO2_ATTEST_UNTRUSTED;
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		sk_logerr("attestation certificate does not chain to a trusted root: %s",
		          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		why = FIDO2_ATTEST_UNTRUSTED;
		goto out;
	}
	res->trusted = true;
out:
	X509_STORE_CTX_free(ctx);
	X509_free(cert);
	return why;
}

static int
build_cred(const struct fido2_attest_policy *policy, const struct fido2_attest_req *req,
           fido_cred_t **out)
{
	fido_cred_t *c;
	int fr;

	*out = NULL;
	if ((c = fido_cred_new()) == NULL) {
		sk_logerr("fido_cred_new failed");
		return SK_ERR_NOMEM;
	}
	if ((fr = fido_cred_set_type(c, req->cose_type)) != FIDO_OK ||
	    (fr = fido_cred_set_fmt(c, req->fmt)) != FIDO_OK ||
	    (fr = fido_cred_set_rp(c, req->rp_id, NULL)) != FIDO_OK ||
	    (fr = fido_cred_set_clientdata_hash(c, req->cdh, req->cdh_len)) != FIDO_OK ||
	    (fr = fido_cred_set_uv(c, policy->require_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT)) !=
	        FIDO_OK ||
	    (fr = fido_cred_set_authdata(c, req->authdata, req->authdata_len)) != FIDO_OK) {
		sk_logerr("libfido2 refused the enrolment data: %s", fido_strerr(fr));
		fido_cred_free(&c);
		return SK_ERR_PROTO;
	}
	if (req->attstmt != NULL) {
		fr = fido_cred_set_attstmt(c, req->attstmt, req->attstmt_len);
	} else {
		if (req->x5c != NULL)
			fr = fido_cred_set_x509(c, req->x5c, req->x5c_len);
		if (fr == FIDO_OK && req->sig != NULL)
			fr = fido_cred_set_sig(c, req->sig, req->sig_len);
	}
	if (fr != FIDO_OK) {
		sk_logerr("libfido2 refused the attestation statement: %s", fido_strerr(fr));
		fido_cred_free(&c);
		return SK_ERR_PROTO;
	}
	*out = c;
	return SK_OK;
}

static int
take_cred(const fido_cred_t *c, struct fido2_attest_result *res)
{
	size_t idlen = fido_cred_id_len(c), pklen = fido_cred_pubkey_len(c);

	if (idlen == 0 || idlen > sizeof(res->cred_id) || fido_cred_id_ptr(c) == NULL ||
	    pklen == 0 || pklen > sizeof(res->pubkey) || fido_cred_pubkey_ptr(c) == NULL ||
	    fido_cred_aaguid_len(c) != FIDO2_AAGUID_LEN || fido_cred_aaguid_ptr(c) == NULL) {
		sk_logerr("credential id, public key or AAGUID missing or of wrong length");
		return SK_ERR_PROTO;
	}
	memcpy(res->cred_id, fido_cred_id_ptr(c), idlen);
	res->cred_id_len = idlen;
	memcpy(res->pubkey, fido_cred_pubkey_ptr(c), pklen);
	res->pubkey_len = pklen;
	memcpy(res->aaguid, fido_cred_aaguid_ptr(c), FIDO2_AAGUID_LEN);
	res->cose_type = fido_cred_type(c);
	res->sign_count = fido_cred_sigcount(c);
	res->flags = fido_cred_flags(c);
	return SK_OK;
}

/* Checks the attestation signature (or its absence) as the format and policy demand. */
static int
check_statement(const struct fido2_attest_policy *policy, const struct fido2_attest_req *req,
                const fido_cred_t *c, struct fido2_attest_result *res)
{
	STACK_OF(X509) *chain = NULL;
	const char *why;
	int fr, r;

	if (strcmp(req->fmt, "none") == 0) {
		if (policy->roots != NULL) {
			sk_logerr("attestation format none refused: a trust store is configured");
			return refuse(res, FIDO2_ATTEST_NONE_REFUSED, SK_ERR_DENIED);
		}
		res->self_attested = true;
		return SK_OK;
	}
	if (strcmp(req->fmt, "packed") != 0 && strcmp(req->fmt, "fido-u2f") != 0) {
		sk_logerr("attestation format %s not supported", req->fmt);
		return refuse(res, FIDO2_ATTEST_FMT_UNSUPPORTED, SK_ERR_DENIED);
	}
	if (fido_cred_x5c_len(c) == 0) {
		if (policy->roots != NULL) {
			sk_logerr("self attestation refused: a trust store is configured");
			return refuse(res, FIDO2_ATTEST_SELF_REFUSED, SK_ERR_DENIED);
		}
		res->self_attested = true;
		fr = fido_cred_verify_self(c);
	} else {
		fr = fido_cred_verify(c);
	}
	if (fr == FIDO_ERR_INVALID_SIG) {
		sk_logerr("attestation signature invalid");
		return refuse(res, FIDO2_ATTEST_BAD_SIG, SK_ERR_CRYPTO);
	}
	if (fr != FIDO_OK) {
		sk_logerr("attestation not verifiable: %s", fido_strerr(fr));
		return refuse(res, FIDO2_ATTEST_MALFORMED, SK_ERR_PROTO);
	}
	if (res->self_attested)
		return SK_OK;
	if ((r = x5c_intermediates(req->attstmt, req->attstmt_len, &chain)) != SK_OK)
		return refuse(res, FIDO2_ATTEST_MALFORMED, r);
	why = check_cert(policy, fido_cred_x5c_ptr(c), fido_cred_x5c_len(c), chain,
	                 fido_cred_aaguid_ptr(c), res);
	sk_X509_pop_free(chain, X509_free);
	if (why != NULL)
		return refuse(res, why, SK_ERR_DENIED);
	return SK_OK;
}

int
fido2_attest_verify(const struct fido2_attest_policy *policy,
                    const struct fido2_attest_req *req, struct fido2_attest_result *res)
{
	struct fido2_authdata ad;
	fido_cred_t *c = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	res->reason = FIDO2_ATTEST_MALFORMED;
	if (policy == NULL) {
		sk_logerr("no attestation policy");
		return SK_ERR_ARG;
	}
	if ((r = check_inputs(req)) != SK_OK)
		return r;
	if ((r = fido2_authdata_parse(req->authdata, req->authdata_len, true, &ad)) != SK_OK)
		return r;
	/* Checked here as well as by libfido2, to give the precise reason. */
	if (!fido2_rp_id_matches(req->rp_id, ad.rp_id_hash)) {
		sk_logerr("credential made for another relying party");
		return refuse(res, FIDO2_ATTEST_WRONG_RP, SK_ERR_DENIED);
	}
	if ((ad.flags & FIDO2_FLAG_UP) == 0) {
		sk_logerr("enrolment without user presence");
		return refuse(res, FIDO2_ATTEST_NO_UP, SK_ERR_DENIED);
	}
	if (policy->require_uv && (ad.flags & FIDO2_FLAG_UV) == 0) {
		sk_logerr("enrolment without user verification");
		return refuse(res, FIDO2_ATTEST_NO_UV, SK_ERR_DENIED);
	}
	if ((r = build_cred(policy, req, &c)) != SK_OK)
		return r;
	if ((r = check_statement(policy, req, c, res)) != SK_OK)
		goto out;
	if ((r = take_cred(c, res)) != SK_OK) {
		res->reason = FIDO2_ATTEST_MALFORMED;
		goto out;
	}
	if (policy->allowed != NULL && !fido2_aaguid_list_contains(policy->allowed, res->aaguid)) {
		char s[FIDO2_AAGUID_STR];

		fido2_aaguid_format(res->aaguid, s);
		sk_logerr("AAGUID %s not on the allow-list", s);
		r = refuse(res, FIDO2_ATTEST_AAGUID_DENIED, SK_ERR_DENIED);
		res->trusted = false;
		goto out;
	}
	res->reason = NULL;
	r = SK_OK;
out:
	fido_cred_free(&c);
	return r;
}
