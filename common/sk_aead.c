/* AES-256-GCM sealing of secrets at rest (R-CRED-2): TOTP seeds and similar never reach the
 * store in the clear, and the AAD ties each sealed blob to the row it belongs to. */
#include "sk_aead.h"

#include "sk_err.h"
#include "sk_log.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

/* EVP takes int lengths; anything near that is not a secret we store anyway. */
#define AEAD_LEN_MAX ((size_t)INT_MAX - SK_AEAD_OVERHEAD)

static int
aead_overlap(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return alen > 0 && blen > 0 && pa < pb + blen && pb < pa + alen;
}

static int
aead_check_common(const unsigned char *key, const void *aad, size_t aadlen)
{
	if (key == NULL) {
		sk_logerr("no key");
		return SK_ERR_ARG;
	}
	if (aad == NULL && aadlen > 0) {
		sk_logerr("AAD length without AAD");
		return SK_ERR_ARG;
	}
	if (aadlen > AEAD_LEN_MAX) {
		sk_logerr("AAD too long");
		return SK_ERR_RANGE;
	}
	return SK_OK;
}

/* An AES-256-GCM context under key and nonce, sealing (enc = 1) or opening (enc = 0), with
 * the AAD already taken in: the set-up both directions share. On failure *out is NULL. */
static int
aead_begin(int enc, const unsigned char *key, const unsigned char *nonce, const void *aad,
           size_t aadlen, EVP_CIPHER_CTX **out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;

	*out = NULL;
	if (ctx == NULL) {
		sk_logerr("EVP_CIPHER_CTX_new failed");
		return SK_ERR_NOMEM;
	}
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1
	    || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SK_AEAD_NONCE_LEN, NULL) != 1
	    || EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1) {
		sk_logerr("cipher setup failed");
		EVP_CIPHER_CTX_free(ctx);
		return SK_ERR_CRYPTO;
	}
	if (aadlen > 0 && EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aadlen) != 1) {
		sk_logerr("AAD failed");
		EVP_CIPHER_CTX_free(ctx);
		return SK_ERR_CRYPTO;
	}
	*out = ctx;
	return SK_OK;
}

int
sk_aead_seal(const unsigned char key[SK_AEAD_KEY_LEN], const void *aad, size_t aadlen,
             const void *pt, size_t ptlen, unsigned char *out, size_t outcap, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *nonce, *ct, *tag;
	unsigned char fin[SK_AEAD_TAG_LEN]; /* GCM's final step writes no bytes */
	int len = 0, rc;

	if ((rc = aead_check_common(key, aad, aadlen)) != SK_OK)
		return rc;
	if ((pt == NULL && ptlen > 0) || out == NULL || outlen == NULL) {
		sk_logerr("no plaintext or output");
		return SK_ERR_ARG;
	}
	if (ptlen > AEAD_LEN_MAX || outcap < ptlen + SK_AEAD_OVERHEAD) {
		sk_logerr("output buffer too small");
		return SK_ERR_RANGE;
	}
	/* The ciphertext lands 12 bytes after the start of out: in-place sealing would
	 * overwrite plaintext not yet read. */
	if (aead_overlap(pt, ptlen, out, ptlen + SK_AEAD_OVERHEAD)) {
		sk_logerr("plaintext and output overlap");
		return SK_ERR_ARG;
	}
	nonce = out;
	ct = out + SK_AEAD_NONCE_LEN;
	tag = ct + ptlen;

	/* A random 96-bit nonce per seal: keys are long-lived and seals are rare, far below
	 * the 2^32 messages per key where random GCM nonces start to risk a collision. */
	if (RAND_bytes(nonce, SK_AEAD_NONCE_LEN) != 1) {
		sk_logerr("RAND_bytes failed");
		return SK_ERR_CRYPTO;
	}
	if ((rc = aead_begin(1, key, nonce, aad, aadlen, &ctx)) != SK_OK)
		goto out;
	rc = SK_ERR_CRYPTO;
	if (ptlen > 0 && (EVP_EncryptUpdate(ctx, ct, &len, pt, (int)ptlen) != 1 || (size_t)len != ptlen)) {
		sk_logerr("encryption failed");
		goto out;
	}
	if (EVP_EncryptFinal_ex(ctx, fin, &len) != 1 || len != 0) {
		sk_logerr("encryption final failed");
		goto out;
	}
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SK_AEAD_TAG_LEN, tag) != 1) {
		sk_logerr("getting the tag failed");
		goto out;
	}
	*outlen = ptlen + SK_AEAD_OVERHEAD;
	rc = SK_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (rc != SK_OK)
		explicit_bzero(out, ptlen + SK_AEAD_OVERHEAD);
	return rc;
}

int
sk_aead_open(const unsigned char key[SK_AEAD_KEY_LEN], const void *aad, size_t aadlen,
             const unsigned char *in, size_t inlen, unsigned char *pt, size_t ptcap,
             size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const unsigned char *nonce, *ct;
	unsigned char tag[SK_AEAD_TAG_LEN], fin[SK_AEAD_TAG_LEN];
	size_t ctlen;
	int len = 0, rc;

	if ((rc = aead_check_common(key, aad, aadlen)) != SK_OK)
		return rc;
	if (in == NULL || (pt == NULL && ptcap > 0) || ptlen == NULL) {
		sk_logerr("no input or output");
		return SK_ERR_ARG;
	}
	if (inlen < SK_AEAD_OVERHEAD || inlen > (size_t)INT_MAX) {
		sk_logerr("sealed blob of %zu bytes is malformed", inlen);
		rc = SK_ERR_PROTO;
		goto fail;
	}
	ctlen = inlen - SK_AEAD_OVERHEAD;
	if (ptcap < ctlen) {
		sk_logerr("plaintext buffer too small");
		rc = SK_ERR_RANGE;
		goto fail;
	}
	if (aead_overlap(in, inlen, pt, ctlen)) {
		sk_logerr("input and plaintext overlap");
		rc = SK_ERR_ARG;
		goto fail;
	}
	nonce = in;
	ct = in + SK_AEAD_NONCE_LEN;
	/* EVP's SET_TAG takes a non-const pointer; copy rather than cast const away. */
	memcpy(tag, ct + ctlen, SK_AEAD_TAG_LEN);

	if ((rc = aead_begin(0, key, nonce, aad, aadlen, &ctx)) != SK_OK)
		goto fail;
	rc = SK_ERR_CRYPTO;
	if (ctlen > 0 && (EVP_DecryptUpdate(ctx, pt, &len, ct, (int)ctlen) != 1 || (size_t)len != ctlen)) {
		sk_logerr("decryption failed");
		goto fail;
	}
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SK_AEAD_TAG_LEN, tag) != 1) {
		sk_logerr("setting the tag failed");
		goto fail;
	}
	/* Only here is the tag checked: until then pt holds unauthenticated bytes. */
	if (EVP_DecryptFinal_ex(ctx, fin, &len) != 1 || len != 0) {
		sk_logerr("tag does not verify (wrong key, wrong AAD or tampered)");
		goto fail;
	}
	EVP_CIPHER_CTX_free(ctx);
	*ptlen = ctlen;
	return SK_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	if (pt != NULL && ptcap > 0)
		explicit_bzero(pt, ptcap);
	*ptlen = 0;
	return rc;
}
