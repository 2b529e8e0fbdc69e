/* Secrets at rest (R-CRED-2): AES-256-GCM under a root-only key file. */
#ifndef SK_AEAD_H
#define SK_AEAD_H
#include <stddef.h>

#define SK_AEAD_KEY_LEN 32
#define SK_AEAD_NONCE_LEN 12
#define SK_AEAD_TAG_LEN 16
#define SK_AEAD_OVERHEAD (SK_AEAD_NONCE_LEN + SK_AEAD_TAG_LEN)

/* out = nonce | ciphertext | tag. The AAD binds the ciphertext to its owner (user, factor id)
 * so a sealed seed cannot be moved to another row. */
int sk_aead_seal(const unsigned char key[SK_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                 const void *pt, size_t ptlen, unsigned char *out, size_t outcap, size_t *outlen);
/* SK_ERR_CRYPTO when the tag does not verify; pt is zeroed on failure. */
int sk_aead_open(const unsigned char key[SK_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                 const unsigned char *in, size_t inlen, unsigned char *pt, size_t ptcap,
                 size_t *ptlen);

/* Loads exactly keylen bytes of key material from path. The file must be a regular file
 * owned by the effective uid (for root: or by the owner of its folder, which nobody else
 * may write to), mode 0600 or 0400, not a symlink; otherwise SK_ERR_DENIED.
 * With create != 0 a missing file is created (O_EXCL, 0600) with random bytes. */
int sk_keyfile_load(const char *path, unsigned char *key, size_t keylen, int create);

#endif
