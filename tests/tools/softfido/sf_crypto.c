/* softfido: keys, signatures, the clientPIN primitives, and the test PKI (a test
 * attestation CA and the authenticator's attestation certificate). All generated here. */
#include "sf_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "sk_err.h"
#include "sk_log.h"

#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

int
sf_random(void *p, size_t len)
{
	if (len > INT32_MAX || RAND_bytes(p, (int)len) != 1) {
		sk_logerr("RAND_bytes failed");
		return SK_ERR_CRYPTO;
	}
	return SK_OK;
}

EVP_PKEY *
sf_ec_gen(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (k == NULL)
		sk_logerr("EC key generation failed");
	return k;
}

int
sf_ec_xy(EVP_PKEY *key, unsigned char x[32], unsigned char y[32])
{
	BIGNUM *bx = NULL, *by = NULL;
	int r = SK_ERR_CRYPTO;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1 ||
	    BN_bn2binpad(bx, x, 32) != 32 || BN_bn2binpad(by, y, 32) != 32)
		sk_logerr("cannot read the EC public point");
	else
		r = SK_OK;
	BN_free(bx);
	BN_free(by);
	return r;
}

int
sf_sha256(const void *p, size_t len, unsigned char out[32])
{
	unsigned int olen = 0;

	if (EVP_Digest(p, len, out, &olen, EVP_sha256(), NULL) != 1 || olen != 32) {
		sk_logerr("SHA-256 failed");
		return SK_ERR_CRYPTO;
	}
	return SK_OK;
}

EVP_PKEY *
sf_key_gen(int alg)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case COSE_ES256:
		return sf_ec_gen();
	case COSE_EDDSA:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case COSE_RS256:
		k = EVP_RSA_gen(2048);
		break;
	default:
		break;
	}
	if (k == NULL)
		sk_logerr("key generation for COSE algorithm %d failed", alg);
	return k;
}

bool
sf_alg_supported(const struct softfido *sf, int alg)
{
	bool any = false;

	for (size_t i = 0; i < 3; i++) {
		if (sf->o.algs[i] == 0)
			continue;
		any = true;
		if (sf->o.algs[i] == alg)
			return true;
	}
	return !any && alg == COSE_ES256;
}

int
sf_sign(EVP_PKEY *key, int alg, const unsigned char *a, size_t alen, const unsigned char *b,
        size_t blen, unsigned char *sig, size_t *siglen)
{
	unsigned char msg[SF_MAXMSG];
	EVP_MD_CTX *ctx = NULL;
	int r = SK_ERR_CRYPTO;

	if (alen + blen > sizeof(msg)) {
		sk_logerr("message to sign too long");
		return SK_ERR_RANGE;
	}
	memcpy(msg, a, alen);
	memcpy(msg + alen, b, blen);
	/* EdDSA signs the message itself, in one go */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, alg == COSE_EDDSA ? NULL : EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, siglen, msg, alen + blen) != 1)
		sk_logerr("signing failed");
	else
		r = SK_OK;
	EVP_MD_CTX_free(ctx);
	return r;
}

/* PIN protocol 1: SHA-256 of the x coordinate of the ECDH point. */
int
sf_ecdh_shared(EVP_PKEY *mine, const unsigned char x[32], const unsigned char y[32],
               unsigned char shared[32])
{
	unsigned char pt[65], z[32];
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *fctx = NULL, *dctx = NULL;
	EVP_PKEY *peer = NULL;
	size_t zlen = sizeof(z);
	int r = SK_ERR_CRYPTO;

	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if ((fctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(fctx) != 1 ||
	    EVP_PKEY_fromdata(fctx, &peer, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		sk_logerr("platform key agreement key invalid");
		goto out;
	}
	if ((dctx = EVP_PKEY_CTX_new(mine, NULL)) == NULL || EVP_PKEY_derive_init(dctx) != 1 ||
	    EVP_PKEY_derive_set_peer(dctx, peer) != 1 ||
	    EVP_PKEY_derive(dctx, z, &zlen) != 1 || zlen != sizeof(z)) {
		sk_logerr("ECDH failed");
		goto out;
	}
	r = sf_sha256(z, sizeof(z), shared);
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(fctx);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(peer);
	return r;
}

/* AES-256-CBC, IV 0, no padding (len a multiple of 16): PIN protocol 1. */
int
sf_aes256cbc(const unsigned char key[32], int enc, const unsigned char *in, size_t len,
             unsigned char *out)
{
	static const unsigned char iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, r = SK_ERR_CRYPTO;

	if (ctx == NULL || len == 0 || len % 16 != 0 || len > INT32_MAX ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1 || (size_t)(n1 + n2) != len)
		sk_logerr("AES-256-CBC failed");
	else
		r = SK_OK;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static int
name_add(X509_NAME *n, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value,
	                                  -1, -1, 0) == 1;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static int
set_serial_and_validity(X509 *cert)
{
	uint64_t serial;

	return sf_random(&serial, sizeof(serial)) == SK_OK &&
	       ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial >> 1) == 1 &&
	       X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL &&
	       X509_gmtime_adj(X509_getm_notAfter(cert), 7L * 86400) != NULL;
}

int
softfido_make_ca(const char *cn, X509 **cert, EVP_PKEY **key)
{
	X509_NAME *n = NULL;
	X509 *c = NULL;
	EVP_PKEY *k = NULL;

	*cert = NULL;
	*key = NULL;
	if ((k = sf_ec_gen()) == NULL || (c = X509_new()) == NULL || (n = X509_NAME_new()) == NULL ||
	    X509_set_version(c, X509_VERSION_3) != 1 || !set_serial_and_validity(c) ||
	    !name_add(n, "C", "JP") || !name_add(n, "O", "Sekimori Test") ||
	    !name_add(n, "CN", cn) || X509_set_subject_name(c, n) != 1 ||
	    X509_set_issuer_name(c, n) != 1 || X509_set_pubkey(c, k) != 1 ||
	    !add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(c, c, NID_subject_key_identifier, "hash") ||
	    X509_sign(c, k, EVP_sha256()) <= 0) {
		sk_logerr("cannot make the test attestation CA");
		X509_NAME_free(n);
		X509_free(c);
		EVP_PKEY_free(k);
		return SK_ERR_CRYPTO;
	}
	X509_NAME_free(n);
	*cert = c;
	*key = k;
	return SK_OK;
}

int
softfido_write_pem(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL) {
		sk_logerr("cannot create %s", path);
		return SK_ERR_IO;
	}
	ok = PEM_write_X509(f, cert) == 1;
	if (fclose(f) != 0 || !ok) {
		sk_logerr("cannot write %s", path);
		return SK_ERR_IO;
	}
	return SK_OK;
}

/* id-fido-gen-ce-aaguid: an OCTET STRING holding the 16-byte AAGUID, not critical. */
static int
add_aaguid_ext(X509 *cert, const unsigned char aaguid[16])
{
	ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *outer = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_FIDO_AAGUID, 1);
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	int dlen = -1, ok = 0;

	if (inner != NULL && outer != NULL && obj != NULL &&
	    ASN1_OCTET_STRING_set(inner, aaguid, 16) == 1 &&
	    (dlen = i2d_ASN1_OCTET_STRING(inner, &der)) > 0 &&
	    ASN1_OCTET_STRING_set(outer, der, dlen) == 1 &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, outer)) != NULL)
		ok = X509_add_ext(cert, ext, -1) == 1;
	OPENSSL_free(der);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OCTET_STRING_free(outer);
	return ok;
}

/* The attestation key and its certificate, as a vendor would have put into the key. */
int
sf_make_att_cert(struct softfido *sf)
{
	X509_NAME *n = NULL;
	X509 *c = NULL;
	unsigned char *der = NULL;
	int dlen;

	if (sf->o.ca_cert == NULL || sf->o.ca_key == NULL) {
		sk_logerr("packed attestation needs a CA");
		return SK_ERR_ARG;
	}
	if ((sf->att_key = sf_ec_gen()) == NULL || (c = X509_new()) == NULL ||
	    (n = X509_NAME_new()) == NULL || X509_set_version(c, X509_VERSION_3) != 1 ||
	    !set_serial_and_validity(c) || !name_add(n, "C", "JP") ||
	    !name_add(n, "O", "Sekimori Test Authenticators") ||
	    !name_add(n, "OU", "Authenticator Attestation") || !name_add(n, "CN", "softfido") ||
	    X509_set_subject_name(c, n) != 1 ||
	    X509_set_issuer_name(c, X509_get_subject_name(sf->o.ca_cert)) != 1 ||
	    X509_set_pubkey(c, sf->att_key) != 1 ||
	    !add_ext(c, sf->o.ca_cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    (sf->o.cert_aaguid_ext &&
	     !add_aaguid_ext(c, sf->o.cert_aaguid != NULL ? sf->o.cert_aaguid : sf->o.aaguid)) ||
	    X509_sign(c, sf->o.ca_key, EVP_sha256()) <= 0 || (dlen = i2d_X509(c, &der)) <= 0) {
		sk_logerr("cannot make the attestation certificate");
		X509_NAME_free(n);
		X509_free(c);
		return SK_ERR_CRYPTO;
	}
	X509_NAME_free(n);
	X509_free(c);
	sf->att_der = der;
	sf->att_der_len = (size_t)dlen;
	return SK_OK;
}
