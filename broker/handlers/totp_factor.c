#include "totp_factor.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

static int
aad_for(const char *user, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "sekimori-totp-v1:%s", user);

	return (n < 0 || (size_t)n >= outsz) ? SK_ERR_RANGE : SK_OK;
}

int
totp_factor_seal(const struct broker *b, const char *user, const unsigned char *seed,
                 size_t seed_len, struct totp_rec *t)
{
	char aad[128];
	int r;

	if ((r = aad_for(user, aad, sizeof(aad))) != SK_OK)
		return r;
	return sk_aead_seal(b->seed_key, aad, strlen(aad), seed, seed_len, t->sealed,
	                    sizeof(t->sealed), &t->sealed_len);
}

int
totp_factor_check_one(const struct broker *b, const char *user, const struct totp_rec *t,
                      const char *code, unsigned window, int64_t now, int64_t *step)
{
	unsigned char seed[SK_TOTP_SEED_MAX];
	size_t seed_len = 0;
	char aad[128];
	int r;

	if ((r = aad_for(user, aad, sizeof(aad))) != SK_OK)
		return r;
	r = sk_aead_open(b->seed_key, aad, strlen(aad), t->sealed, t->sealed_len, seed,
	                 sizeof(seed), &seed_len);
	if (r != SK_OK) {
		sk_logerr("sealed seed of factor %lld does not open", (long long)t->id);
		return r;
	}
	r = sk_totp_verify(seed, seed_len, &t->params, (time_t)now, window, t->last_step, code,
	                   step);
	explicit_bzero(seed, sizeof(seed));
	return r;
}

int
totp_factor_check(const struct broker *b, struct sk_store_txn *db, int64_t user_id,
                  const char *user, const char *code, unsigned window, int64_t now,
                  int64_t *factor_id, int64_t *step)
{
	struct totp_rec recs[TOTP_PER_USER_MAX];
	size_t n = 0;
	int r;

	if ((r = store_totp_list(db, user_id, 1, recs, TOTP_PER_USER_MAX, &n)) != SK_OK)
		return r;
	r = SK_ERR_DENIED;
	for (size_t i = 0; i < n && r != SK_OK; i++) {
		r = totp_factor_check_one(b, user, &recs[i], code, window, now, step);
		if (r == SK_OK)
			*factor_id = recs[i].id;
		else if (r != SK_ERR_DENIED && r != SK_ERR_PROTO)
			break;
	}
	explicit_bzero(recs, sizeof(recs));
	return r == SK_ERR_PROTO ? SK_ERR_DENIED : r;
}
