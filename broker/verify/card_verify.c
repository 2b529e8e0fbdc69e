#include "card_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "sk_err.h"
#include "sk_log.h"

#define ECDSA_P256_DER_MAX 72
#define RSA_MIN_BITS 2048

struct card_trust {
	X509_STORE *store;
	int crl_check;
};

const char *
card_verify_strerror(int err)
{
	switch (err) {
	case CARD_VERIFY_BAD_SIGNATURE: return "bad signature";
	case CARD_VERIFY_UNTRUSTED: return "certificate not trusted";
	case CARD_VERIFY_EXPIRED: return "certificate expired";
	case CARD_VERIFY_NOT_YET_VALID: return "certificate not yet valid";
	case CARD_VERIFY_REVOKED: return "certificate revoked";
	case CARD_VERIFY_CRL_UNUSABLE: return "no valid CRL for the issuer";
	default: return sk_strerror(err);
	}
}

/* Exactly one DER certificate, nothing before or after it. */
static int
parse_cert(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x;

	*out = NULL;
	if (der == NULL || len == 0 || len > CARD_CERT_MAX) {
		sk_logerr("certificate missing or larger than %d bytes", CARD_CERT_MAX);
		return SK_ERR_PROTO;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		sk_logerr("not one DER certificate");
		return SK_ERR_PROTO;
	}
	*out = x;
	return SK_OK;
}

static int
count_anchors(X509_STORE *store)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	int i, n = 0;

	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_X509)
			n++;
	return n;
}

/* PEM (one or more CRLs) or, failing that, one DER CRL. Returns how many were added. */
static int
load_crls(X509_STORE *store, const char *path)
{
	X509_CRL *crl;
	BIO *bio = BIO_new_file(path, "rb");
	int n = 0;

	if (bio == NULL) {
		sk_logerr("cannot open CRL file %s", path);
		return -1;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_crl(store, crl) != 1) {
			X509_CRL_free(crl);
			BIO_free(bio);
			sk_logerr("cannot add a CRL from %s", path);
			return -1;
		}
		X509_CRL_free(crl);
		n++;
	}
	ERR_clear_error();   /* the loop ends on a PEM "no start line" */
	if (n == 0 && BIO_reset(bio) == 0) {
		crl = d2i_X509_CRL_bio(bio, NULL);
		if (crl != NULL && X509_STORE_add_crl(store, crl) == 1)
			n = 1;
		X509_CRL_free(crl);
	}
	BIO_free(bio);
	if (n == 0)
		sk_logerr("no CRL (PEM or DER) in %s", path);
	return n > 0 ? n : -1;
}

int
card_verify_trust_load(const char *ca_file, const char *crl_file, struct card_trust **out)
{
	struct card_trust *t;

	if (ca_file == NULL || out == NULL) {
		sk_logerr("no CA file");
		return SK_ERR_ARG;
	}
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		sk_logerr("out of memory");
		return SK_ERR_NOMEM;
	}
	t->store = X509_STORE_new();
	if (t->store == NULL) {
		sk_logerr("X509_STORE_new failed");
		free(t);
		return SK_ERR_NOMEM;
	}
	if (X509_STORE_load_file(t->store, ca_file) != 1 || count_anchors(t->store) == 0) {
		sk_logerr("no trust anchor loaded from %s", ca_file);
		card_verify_trust_free(t);
		return SK_ERR_CONFIG;
	}
	if (crl_file != NULL && *crl_file != '\0') {
		if (load_crls(t->store, crl_file) < 0) {
			card_verify_trust_free(t);
			return SK_ERR_CONFIG;
		}
		t->crl_check = 1;
	}
	*out = t;
	return SK_OK;
}

void
card_verify_trust_free(struct card_trust *trust)
{
	if (trust == NULL)
		return;
	X509_STORE_free(trust->store);
	free(trust);
}

static int
map_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CARD_VERIFY_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CARD_VERIFY_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return CARD_VERIFY_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
		return CARD_VERIFY_CRL_UNUSABLE;
	default:
		return CARD_VERIFY_UNTRUSTED;
	}
}

static int
chain_x(const struct card_trust *trust, X509 *x, time_t at)
{
	X509_STORE_CTX *ctx = NULL;
	int r, ok, err;

	if (trust == NULL) {
		sk_logerr("no trust anchors loaded");
		return SK_ERR_ARG;
	}
	/* A card key is for signatures; keyUsage, when present, must say so. */
	if ((X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) == 0) {
		sk_logerr("certificate keyUsage lacks digitalSignature");
		r = CARD_VERIFY_UNTRUSTED;
		goto out;
	}
	ctx = X509_STORE_CTX_new();
	/* No untrusted chain from the card: only the configured anchors may complete the chain. */
	if (ctx == NULL || X509_STORE_CTX_init(ctx, trust->store, x, NULL) != 1) {
		sk_logerr("X509_STORE_CTX setup failed");
		r = SK_ERR_CRYPTO;
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (trust->crl_check)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
	ok = X509_verify_cert(ctx);
	if (ok == 1) {
		r = SK_OK;
		goto out;
	}
	ERR_clear_error();
	err = X509_STORE_CTX_get_error(ctx);
	r = ok < 0 ? SK_ERR_CRYPTO : map_verify_error(err);
	sk_logerr("certificate refused: %s (depth %d)", X509_verify_cert_error_string(err),
		  X509_STORE_CTX_get_error_depth(ctx));
out:
	X509_STORE_CTX_free(ctx);
	return r;
}

/* RSA of at least 2048 bits, or EC on P-256; anything else is not accepted for login. */
static int
key_accepted(EVP_PKEY *pk)
{
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		return EVP_PKEY_get_bits(pk) >= RSA_MIN_BITS;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
		char group[64];
		size_t glen = 0;

		return EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1 &&
		       strcmp(group, "prime256v1") == 0;
	}
	return 0;
}

/* An RSA signature is exactly the modulus size; a DER ECDSA P-256 one at most 72 bytes. */
static int
sig_len_fits(EVP_PKEY *pk, size_t sig_len)
{
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		return sig_len == (size_t)EVP_PKEY_get_size(pk);
	return sig_len <= ECDSA_P256_DER_MAX;
}

static int
signature_x(X509 *x, const uint8_t *challenge, size_t challenge_len, const uint8_t *sig,
	    size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pk;
	int r;

	if (challenge == NULL || challenge_len == 0 || sig == NULL || sig_len == 0) {
		sk_logerr("challenge or signature missing");
		return SK_ERR_ARG;
	}
	pk = X509_get0_pubkey(x);
	if (pk == NULL || !key_accepted(pk)) {
		sk_logerr("key type or size not accepted");
		r = pk == NULL ? SK_ERR_PROTO : CARD_VERIFY_UNTRUSTED;
		goto out;
	}
	if (!sig_len_fits(pk, sig_len)) {
		sk_logerr("signature of %zu bytes does not fit the key", sig_len);
		r = CARD_VERIFY_BAD_SIGNATURE;
		goto out;
	}
	/* RSA: PKCS#1 v1.5 is the default padding. ECDSA: OpenSSL insists on strict DER. */
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) != 1) {
		sk_logerr("EVP_DigestVerifyInit failed");
		r = SK_ERR_CRYPTO;
		goto out;
	}
	if (EVP_DigestVerify(md, sig, sig_len, challenge, challenge_len) != 1) {
		ERR_clear_error();
		sk_logerr("signature over the challenge does not verify");
		r = CARD_VERIFY_BAD_SIGNATURE;
		goto out;
	}
	r = SK_OK;
out:
	EVP_MD_CTX_free(md);
	return r;
}

static void
hex(const unsigned char *in, size_t len, char *out, const char *digits)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0F];
	}
	out[2 * len] = '\0';
}

static int
binding_spki(X509 *x, char out[CARD_SPKI_HEX])
{
	unsigned char *der = NULL, md[32];
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	int ok = len > 0 && EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL) == 1;

	OPENSSL_free(der);
	if (!ok) {
		sk_logerr("SubjectPublicKeyInfo hash failed");
		return SK_ERR_CRYPTO;
	}
	hex(md, sizeof(md), out, "0123456789abcdef");
	return SK_OK;
}

static int
binding_issuer(X509 *x, char *out, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int r = SK_OK;

	if (bio == NULL || X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0,
					      XN_FLAG_RFC2253) < 0) {
		BIO_free(bio);
		sk_logerr("issuer name printing failed");
		return SK_ERR_CRYPTO;
	}
	n = BIO_get_mem_data(bio, &p);
	if (n <= 0 || (size_t)n >= cap || memchr(p, '\0', (size_t)n) != NULL) {
		sk_logerr("issuer name empty, too long or malformed");
		r = n <= 0 ? SK_ERR_PROTO : SK_ERR_RANGE;
	} else {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	return r;
}

static int
binding_serial(X509 *x, char *out, size_t cap)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	const unsigned char *b = ASN1_STRING_get0_data(sn);
	int len = ASN1_STRING_length(sn);
	size_t off = 0;

	if (len < 0 || (size_t)len > (cap - 2) / 2) {
		sk_logerr("serial number of %d bytes", len);
		return SK_ERR_RANGE;
	}
	if (ASN1_STRING_type(sn) == V_ASN1_NEG_INTEGER)
		out[off++] = '-';
	if (len == 0) {
		memcpy(out + off, "00", 3);
		return SK_OK;
	}
	hex(b, (size_t)len, out + off, "0123456789ABCDEF");
	return SK_OK;
}

static int
binding_x(X509 *x, struct card_binding *out)
{
	int r;

	if (out == NULL) {
		sk_logerr("no output");
		return SK_ERR_ARG;
	}
	memset(out, 0, sizeof(*out));
	r = binding_spki(x, out->spki_sha256);
	if (r == SK_OK)
		r = binding_issuer(x, out->issuer, sizeof(out->issuer));
	if (r == SK_OK)
		r = binding_serial(x, out->serial, sizeof(out->serial));
	if (r != SK_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
card_verify_chain(const struct card_trust *trust, const uint8_t *cert, size_t cert_len,
		  time_t at)
{
	X509 *x;
	int r = parse_cert(cert, cert_len, &x);

	if (r == SK_OK)
		r = chain_x(trust, x, at);
	X509_free(x);
	return r;
}

int
card_verify_signature(const uint8_t *cert, size_t cert_len, const uint8_t *challenge,
		      size_t challenge_len, const uint8_t *sig, size_t sig_len)
{
	X509 *x;
	int r = parse_cert(cert, cert_len, &x);

	if (r == SK_OK)
		r = signature_x(x, challenge, challenge_len, sig, sig_len);
	X509_free(x);
	return r;
}

int
card_verify_binding(const uint8_t *cert, size_t cert_len, struct card_binding *out)
{
	X509 *x;
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	r = parse_cert(cert, cert_len, &x);
	if (r == SK_OK)
		r = binding_x(x, out);
	X509_free(x);
	return r;
}

int
card_verify_login(const struct card_trust *trust, const uint8_t *cert, size_t cert_len,
		  const uint8_t *challenge, size_t challenge_len, const uint8_t *sig,
		  size_t sig_len, time_t at, struct card_binding *binding)
{
	X509 *x;
	int r = parse_cert(cert, cert_len, &x);

	if (r == SK_OK)
		r = chain_x(trust, x, at);
	if (r == SK_OK)
		r = signature_x(x, challenge, challenge_len, sig, sig_len);
	if (r == SK_OK && binding != NULL)
		r = binding_x(x, binding);
	X509_free(x);
	return r;
}
