/* sekimori totp enroll | remove. Enrolment is two requests: BEGIN creates an unconfirmed
 * factor and returns the otpauth URI once; CONFIRM checks a first code from the token, and
 * only then does the factor count (one TOTP token per user). */
#include <string.h>

#include "admin.h"
#include "attempt.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_totp.h"
#include "store_user.h"
#include "totp_factor.h"

/* The parameters asked for, or the reason the first bad one is refused. */
static int
read_params(const struct sk_msg *req, struct sk_totp_params *p, enum sk_reason *why)
{
	char algo[16];
	uint64_t digits, period;

	sk_totp_params_default(p);
	if (sk_msg_get_text_opt(req, SK_K_ALGORITHM, algo, sizeof(algo)) != SK_OK ||
	    (algo[0] != '\0' && sk_totp_algo_parse(algo, &p->algo) != SK_OK)) {
		*why = SK_REASON_INVALID_ALGORITHM;
		return SK_ERR_PROTO;
	}
	if (sk_msg_get_uint_opt(req, SK_K_DIGITS, p->digits, &digits) != SK_OK ||
	    (digits != 6 && digits != 8)) {
		*why = SK_REASON_INVALID_DIGITS;
		return SK_ERR_PROTO;
	}
	if (sk_msg_get_uint_opt(req, SK_K_PERIOD, p->period, &period) != SK_OK ||
	    period < 15 || period > 300) {
		*why = SK_REASON_INVALID_PERIOD;
		return SK_ERR_PROTO;
	}
	p->digits = (unsigned)digits;
	p->period = (unsigned)period;
	*why = SK_REASON_MALFORMED_FIELD;
	return sk_totp_params_check(p);
}

/* The seed: the imported one (SK_K_SECRET, 16..64 bytes: RFC 4226's 128-bit minimum), or a
 * new random one of the hash's output size. */
static int
read_or_make_seed(const struct sk_msg *req, enum sk_totp_algo algo, unsigned char *seed,
                  size_t cap, size_t *seed_len)
{
	int r = sk_msg_get_bytes(req, SK_K_SECRET, seed, cap, seed_len);

	if (r == SK_ERR_NOTFOUND) {
		*seed_len = cap;   /* sk_totp_random_seed: capacity in, length out */
		return sk_totp_random_seed(algo, seed, seed_len);
	}
	if (r != SK_OK) {
		sk_logerr("imported TOTP seed refused: not bytes or over %d bytes", SK_TOTP_SEED_MAX);
		return SK_ERR_PROTO;
	}
	if (*seed_len < 16) {
		sk_logerr("imported TOTP seed of %zu bytes refused (16..%d)", *seed_len,
		          SK_TOTP_SEED_MAX);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

static int
begin_locked(struct broker_conn *c, const struct sk_msg *req, const char *name,
             struct sk_msg *reply)
{
	unsigned char seed[SK_TOTP_SEED_MAX];
	size_t seed_len = 0;
	char uri[1024];
	struct totp_rec t;
	struct user_rec u;
	enum sk_reason why;
	int r;

	memset(&t, 0, sizeof(t));
	if (read_params(req, &t.params, &why) != SK_OK)
		return admin_refuse(reply, SK_ST_INVALID, why);
	r = read_or_make_seed(req, t.params.algo, seed, sizeof(seed), &seed_len);
	if (r == SK_ERR_PROTO) {
		r = admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_SECRET);
		goto out;
	}
	if (r != SK_OK)
		goto out;   /* no randomness: fail closed, an error reply */
	if ((r = store_user_get(c->db, name, &u)) == SK_ERR_NOTFOUND) {
		r = reply_status(reply, SK_ST_NOT_FOUND);
		goto out;
	}
	if (r != SK_OK)
		goto out;
	t.user_id = u.id;
	t.last_step = -1;
	t.created = broker_now();
	if ((r = totp_factor_seal(c->b, name, seed, seed_len, &t)) != SK_OK ||
	    (r = sk_totp_uri(c->b->conf.totp_issuer, name, seed, seed_len, &t.params, uri,
	                     sizeof(uri))) != SK_OK)
		goto out;
	r = store_begin(c->db);
	if (r == SK_OK)
		r = store_totp_delete_unconfirmed(c->db, u.id);
	if (r == SK_OK)
		r = store_totp_insert(c->db, &t);
	r = attempt_end(c, r, "admin.totp_enroll_begin", name, "ok", admin_actor(req,
	                audit_field(audit_field_int(NULL, "factor", t.id), "algorithm",
	                sk_totp_algo_name(t.params.algo))));
	if (r != SK_OK)
		goto out;
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_ENROLL_ID, (uint64_t)t.id);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_URI, uri);
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(uri, sizeof(uri));
	explicit_bzero(&t, sizeof(t));
	return r;
}

int
admin_totp_enroll_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_with_user_lock(c, req, reply, begin_locked);
}

static int
confirm_locked(struct broker_conn *c, const struct sk_msg *req, const char *name,
               struct sk_msg *reply)
{
	char code[SK_TOTP_CODE_MAX + 1];
	uint64_t id;
	int64_t step;
	struct totp_rec t;
	struct user_rec u;
	int r;

	if (sk_msg_get_uint(req, SK_K_ENROLL_ID, &id) != SK_OK || id > INT64_MAX)
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_INVALID_FACTOR_ID);
	if (sk_msg_get_text(req, SK_K_OTP, code, sizeof(code)) != SK_OK)
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	if ((r = store_user_get(c->db, name, &u)) == SK_OK)
		r = store_totp_get(c->db, u.id, (int64_t)id, &t);
	if (r == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	r = totp_factor_check_one(c->b, name, &t, code, 1, broker_now(), &step, NULL);
	explicit_bzero(code, sizeof(code));
	if (r != SK_OK && r != SK_ERR_DENIED && r != SK_ERR_PROTO)
		return r;
	if (r != SK_OK) {
		r = broker_audit(c, "admin.totp_enroll_confirm", name, "deny",
		                 admin_actor(req, audit_field(NULL, "reason", "bad_otp")));
		return r == SK_OK ? reply_status(reply, SK_ST_DENIED) : r;
	}
	r = store_begin(c->db);
	if (r == SK_OK)
		r = store_totp_confirm(c->db, u.id, t.id, step);
	r = attempt_end(c, r, "admin.totp_enroll_confirm", name, "ok",
	                admin_actor(req, audit_field_int(NULL, "factor", t.id)));
	if (r != SK_OK)
		return r;
	return reply_status(reply, SK_ST_OK);
}

int
admin_totp_enroll_confirm(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_with_user_lock(c, req, reply, confirm_locked);
}

static int
do_remove(struct broker_conn *c, struct user_rec *u, void *arg)
{
	(void)arg;
	return store_totp_delete_all(c->db, u->id);
}

int
admin_totp_remove(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_change_user(c, req, reply, "admin.totp_remove", do_remove, NULL);
}
