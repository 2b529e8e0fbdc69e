#include "totp_factor.h"

#include <stdio.h>
#include <string.h>

#include "broker_json.h"
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
                      const char *code, unsigned window, int64_t now, int64_t *step,
                      int *replayed)
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
	r = sk_totp_verify_replay(seed, seed_len, &t->params, (time_t)now, window, t->last_step,
	                          code, step, replayed);
	explicit_bzero(seed, sizeof(seed));
	return r;
}

int
totp_factor_check(const struct broker *b, struct sk_store_txn *db, int64_t user_id,
                  const char *user, const char *code, unsigned window, int64_t now,
                  int64_t *factor_id, int64_t *step, int *replayed)
{
	struct totp_rec recs[TOTP_PER_USER_MAX];
	size_t n = 0;
	int r, one_replayed;

	if ((r = store_totp_list(db, user_id, 1, recs, TOTP_PER_USER_MAX, &n)) != SK_OK)
		return r;
	r = SK_ERR_DENIED;
	*replayed = 0;
	for (size_t i = 0; i < n && r != SK_OK; i++) {
		one_replayed = 0;
		r = totp_factor_check_one(b, user, &recs[i], code, window, now, step, &one_replayed);
		*replayed |= one_replayed;
		if (r == SK_OK)
			*factor_id = recs[i].id;
		else if (r != SK_ERR_DENIED && r != SK_ERR_PROTO)
			break;
	}
	explicit_bzero(recs, sizeof(recs));
	return r == SK_ERR_PROTO ? SK_ERR_DENIED : r;
}

/* The code the module sent: absent, or within SK_TOTP_CODE_MAX. */
static int
read_code(const struct sk_msg *req, char code[SK_TOTP_CODE_MAX + 1])
{
	if (sk_msg_get_text_opt(req, SK_K_OTP, code, SK_TOTP_CODE_MAX + 1) != SK_OK) {
		sk_logerr("one-time code malformed or too long");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

static int
totp_check_evidence(const struct sk_msg *req)
{
	char code[SK_TOTP_CODE_MAX + 1];
	int r = read_code(req, code);

	explicit_bzero(code, sizeof(code));
	return r;
}

/* Possession once a confirmed token is enrolled. For an unknown name (user_id -1) the same
 * lookup runs and finds nothing. */
static int
totp_can_prove(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
               unsigned *classes)
{
	struct totp_rec recs[TOTP_PER_USER_MAX];
	size_t n = 0;
	int r = store_totp_list(c->db, user_id, 1, recs, TOTP_PER_USER_MAX, &n);

	(void)u;
	explicit_bzero(recs, sizeof(recs));
	*classes = r == SK_OK && n > 0 ? SK_CLASS_POSSESSION : 0;
	return r;
}

static void
totp_verify(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
            const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
            struct factor_result *res)
{
	char code[SK_TOTP_CODE_MAX + 1] = "";
	int replayed = 0;

	(void)challenge;
	memset(res, 0, sizeof(*res));
	res->reason = "bad_otp";
	if (read_code(req, code) == SK_OK &&
	    totp_factor_check(c->b, c->db, u->id, u->name, code, c->txn.profile.totp_window, now,
	                      &res->row, &res->counter, &replayed) == SK_OK) {
		res->ok = 1;
		res->classes = SK_CLASS_POSSESSION;
		res->reason = "ok";
	} else if (replayed) {
		/* The same answer to the client; only the audit record tells a replay from a
		 * wrong code, so that the log review can count replays (R-LOG-2, R-LOG-5). */
		res->reason = "otp_replayed";
	}
	explicit_bzero(code, sizeof(code));
}

/* The replay guard: the step of a code that opened a login is never accepted again. Only a
 * login that succeeded uses its code up. */
static int
totp_commit(struct broker_conn *c, const struct factor_result *res, int login_ok, int64_t now)
{
	(void)now;
	if (!login_ok || !res->ok || res->row <= 0)
		return SK_OK;
	return store_totp_set_last_step(c->db, res->row, res->counter);
}

/* The user's tokens, confirmed or not, without their seeds. */
static json_object *
totp_list_json(struct broker_conn *c, int64_t user_id)
{
	struct totp_rec totp[TOTP_PER_USER_MAX];
	json_object *arr = json_object_new_array();
	size_t n = 0;

	if (store_totp_list(c->db, user_id, 0, totp, TOTP_PER_USER_MAX, &n) == SK_OK) {
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_new_object();
			json_object_object_add(f, "id", json_object_new_int64(totp[i].id));
			json_object_object_add(f, "algorithm",
			                       json_object_new_string(sk_totp_algo_name(totp[i].params.algo)));
			json_object_object_add(f, "digits", json_object_new_int((int)totp[i].params.digits));
			json_object_object_add(f, "period", json_object_new_int((int)totp[i].params.period));
			json_object_object_add(f, "confirmed", json_object_new_boolean(totp[i].confirmed));
			json_object_object_add(f, "created", broker_json_time(totp[i].created));
			json_object_array_add(arr, f);
		}
	}
	explicit_bzero(totp, sizeof(totp));
	return arr;
}

const struct factor_ops totp_factor = {
	.method = SK_METHOD_TOTP,
	.can_prove = totp_can_prove,
	.check_evidence = totp_check_evidence,
	.verify = totp_verify,
	.commit = totp_commit,
	.list_json = totp_list_json,
};
