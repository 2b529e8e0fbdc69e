/* sekimori totp enroll | remove. Enrolment is two requests: BEGIN creates an unconfirmed
 * factor and returns the otpauth URI once; CONFIRM checks a first code from the token, and
 * only then does the factor count (one TOTP token per user). */
#include <string.h>

#include "admin.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_totp.h"
#include "store_user.h"
#include "totp_factor.h"

static int
read_params(const struct sk_msg *req, struct sk_totp_params *p)
{
	char algo[16];
	uint64_t digits, period;

	sk_totp_params_default(p);
	if (sk_msg_get_text_opt(req, SK_K_ALGORITHM, algo, sizeof(algo)) != SK_OK ||
	    sk_msg_get_uint_opt(req, SK_K_DIGITS, p->digits, &digits) != SK_OK ||
	    sk_msg_get_uint_opt(req, SK_K_PERIOD, p->period, &period) != SK_OK ||
	    digits > 10 || period > 3600)
		return SK_ERR_PROTO;
	if (algo[0] != '\0' && sk_totp_algo_parse(algo, &p->algo) != SK_OK)
		return SK_ERR_PROTO;
	p->digits = (unsigned)digits;
	p->period = (unsigned)period;
	return sk_totp_params_check(p);
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
	int r;

	memset(&t, 0, sizeof(t));
	if (read_params(req, &t.params) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	r = sk_msg_get_bytes(req, SK_K_SECRET, seed, sizeof(seed), &seed_len);
	if (r == SK_ERR_NOTFOUND)
		r = sk_totp_random_seed(t.params.algo, seed, &seed_len);
	else if (r == SK_OK && seed_len < 16)
		r = SK_ERR_PROTO;   /* RFC 4226's minimum: 128 bits */
	if (r != SK_OK) {
		r = reply_status(reply, SK_ST_BAD_REQUEST);
		goto out;
	}
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
	if (r == SK_OK)
		r = broker_audit(c, "admin.totp_enroll_begin", name, "ok", admin_actor(req,
		                 audit_field(audit_field_int(NULL, "factor", t.id), "algorithm",
		                 sk_totp_algo_name(t.params.algo))));
	if (r == SK_OK)
		r = store_commit(c->db);
	if (r != SK_OK) {
		store_rollback(c->db);
		goto out;
	}
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

	if (sk_msg_get_uint(req, SK_K_ENROLL_ID, &id) != SK_OK || id > INT64_MAX ||
	    sk_msg_get_text(req, SK_K_OTP, code, sizeof(code)) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_get(c->db, name, &u)) == SK_OK)
		r = store_totp_get(c->db, u.id, (int64_t)id, &t);
	if (r == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	r = totp_factor_check_one(c->b, name, &t, code, 1, broker_now(), &step);
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
	if (r == SK_OK)
		r = broker_audit(c, "admin.totp_enroll_confirm", name, "ok",
		                 admin_actor(req, audit_field_int(NULL, "factor", t.id)));
	if (r == SK_OK)
		r = store_commit(c->db);
	if (r != SK_OK) {
		store_rollback(c->db);
		return r;
	}
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
