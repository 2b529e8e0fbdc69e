#include "auth_decoy.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "factor.h"
#include "sk_err.h"
#include "sk_log.h"

void
auth_decoy_input(const struct sk_profile *p, int remote, struct plan_input *in)
{
	unsigned can[SK_METHOD_SLOTS] = { 0 };

	for (size_t i = 0; i < factor_count; i++) {
		const struct factor_ops *f = factor_table[i];

		can[f->method] = f->decoy_can_prove != NULL ? f->decoy_can_prove() :
		                 sk_method_classes(f->method);
	}
	factor_plan_offers(p, can, remote, in);
}

int
auth_decoy_bytes(const struct broker *b, const char *label, const char *user,
                 unsigned char *out, size_t len)
{
	static const char key_label[] = "sekimori decoy key v1";
	unsigned char msg[64 + 1 + SK_USER_MAX + 1], key[32], block[EVP_MAX_MD_SIZE];
	size_t ll = strnlen(label, 64), ul = strnlen(user, SK_USER_MAX), mlen, done = 0;
	unsigned int klen = 0, blen = 0;
	int r = SK_OK;

	if (len > 255 * 32) {
		sk_logerr("decoy of %zu bytes asked for", len);
		return SK_ERR_ARG;
	}
	/* A key of its own, so the seed key (which seals TOTP seeds) is used for one thing:
	 * key = HMAC-SHA-256(seed key, key_label); block i = HMAC-SHA-256(key, label | 0 |
	 * user | i). */
	memcpy(msg, label, ll);
	msg[ll] = '\0';
	memcpy(msg + ll + 1, user, ul);
	mlen = ll + 1 + ul;
	if (HMAC(EVP_sha256(), b->seed_key, (int)sizeof(b->seed_key),
	         (const unsigned char *)key_label, sizeof(key_label) - 1, key, &klen) == NULL ||
	    klen != sizeof(key))
		r = SK_ERR_CRYPTO;
	for (unsigned i = 1; r == SK_OK && done < len; i++) {
		size_t take;

		msg[mlen] = (unsigned char)i;
		if (HMAC(EVP_sha256(), key, (int)sizeof(key), msg, mlen + 1, block, &blen) == NULL ||
		    blen == 0) {
			r = SK_ERR_CRYPTO;
			break;
		}
		take = len - done < blen ? len - done : blen;
		memcpy(out + done, block, take);
		done += take;
	}
	if (r != SK_OK)
		sk_logerr("HMAC for a decoy failed");
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(block, sizeof(block));
	return r;
}
