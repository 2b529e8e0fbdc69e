/* RADIUS challenge mode: the two rounds of a login through FreeRADIUS (rlm_exec running
 * sekimori-radius). Round one (RADIUS_BEGIN) is AUTH_BEGIN's core; the transaction it
 * leaves on the connection moves, with the password, into the pending table under a
 * random State instead of waiting on the connection (the next round comes on another).
 * Round two (RADIUS_CONTINUE) takes it out (once) and runs AUTH_FINISH's core on the
 * password and the code, so the tally, the lock, the TOTP replay guard and the audit
 * record are those of every other login. Nothing is verified in round one: a wrong
 * password is refused after the code round, like a wrong code, so round one tells nothing
 * about the password. */
#include "radius_login.h"

#include <string.h>

#include "account.h"
#include "audit_event.h"
#include "auth.h"
#include "radius_pending.h"
#include "request.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_origin.h"
#include "sk_totp.h"
#include "sk_utf8.h"
#include "store_user.h"

/* Whether RADIUS can carry every step of the plan: a password first, then at most a
 * one-time code. *has_code says whether a second round is needed. */
static int
plan_fits(const struct auth_txn *t, int *has_code)
{
	*has_code = 0;
	if (t->n_steps == 0 || t->steps[0] != SK_METHOD_PASSWORD)
		return 0;
	for (size_t i = 1; i < t->n_steps; i++) {
		if (t->steps[i] != SK_METHOD_TOTP || *has_code)
			return 0;
		*has_code = 1;
	}
	return 1;
}

static json_object *
txn_fields(const struct auth_txn *t, const char *reason)
{
	json_object *x = audit_field(NULL, "service", t->service);

	x = audit_field(x, "rhost", t->rhost);
	x = audit_field(x, "origin", sk_frontend_name(t->frontend));
	if (t->nas[0] != '\0')
		x = audit_field(x, "nas", t->nas);
	x = audit_field(x, "profile", t->profile.name);
	return audit_field(x, "reason", reason);
}

/* A verdict passed on as it is (AUTH_BEGIN's refusal, AUTH_FINISH's answer): the status and
 * the fields RADIUS replies carry. */
static int
pass_verdict(const struct sk_msg *fin, struct sk_msg *reply)
{
	static const unsigned keys[] = { SK_K_CLASSES, SK_K_REMAINING, SK_K_LOCKED_UNTIL,
	                                 SK_K_REASON };
	uint64_t v;
	int r = sk_msg_get_uint(fin, SK_K_STATUS, &v);

	if (r == SK_OK)
		r = reply_status(reply, (enum sk_status)v);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && r == SK_OK; i++)
		if (sk_msg_get_uint(fin, keys[i], &v) == SK_OK)
			r = sk_msg_put_uint(reply, keys[i], v);
	return r;
}

/* AUTH_FINISH's core on c->txn with these secrets as the evidence. RADIUS has no account
 * phase: an account whose factors wait for re-confirmation after leave is refused here,
 * after its factors were checked, so that round one and a wrong password tell nobody that
 * the mark is set (account_entry_check; issue 10, item 4). */
static int
finish_with(struct broker_conn *c, const char *password, const char *code,
            struct sk_msg *reply)
{
	struct sk_msg *ev = sk_msg_new(SK_REQ_AUTH_FINISH), *fin = sk_msg_new(SK_MSG_REPLY);
	struct auth_txn t = c->txn;   /* the record's fields, after AUTH_FINISH's core */
	struct user_rec u;
	enum sk_reason why = SK_REASON_NONE;
	const char *reason = "";
	int r = ev == NULL || fin == NULL ? SK_ERR_NOMEM : SK_OK;

	if (r == SK_OK)
		r = sk_msg_put_text(ev, SK_K_PASSWORD, password);
	if (r == SK_OK && code != NULL)
		r = sk_msg_put_text(ev, SK_K_OTP, code);
	c->state = CONN_AUTH;
	if (r == SK_OK)
		r = auth_finish_txn(c, ev, fin);
	sk_msg_free(ev);   /* wipes the secrets */
	c->state = CONN_IDLE;
	if (r == SK_OK && sk_reply_status(fin) == SK_ST_OK) {
		if ((r = store_user_get(c->db, t.user, &u)) == SK_OK)
			r = account_entry_check(c, u.id, &why, &reason);
		explicit_bzero(&u, sizeof(u));
	}
	if (r == SK_OK && why != SK_REASON_NONE)
		r = broker_audit(c, "auth", t.user, "deny", txn_fields(&t, reason)) ? SK_ERR_AUDIT :
		    request_refuse(reply, SK_ST_DENIED, why);
	else if (r == SK_OK)
		r = pass_verdict(fin, reply);
	sk_msg_free(fin);
	explicit_bzero(&t, sizeof(t));
	return r;
}

/* Round one's transaction into the pending table; the reply is the challenge. */
static int
challenge(struct broker_conn *c, const char *password, struct sk_msg *reply)
{
	struct radius_pending p;
	unsigned char state[RADIUS_STATE_LEN];
	int r;

	memset(&p, 0, sizeof(p));
	p.txn = c->txn;
	memcpy(p.password, password, strlen(password) + 1);
	r = radius_pending_put(&p, broker_now(), c->b->conf.auth_timeout, state);
	explicit_bzero(&p, sizeof(p));
	if (r == SK_ERR_BUSY) {
		if (broker_audit(c, "auth", c->txn.user, "deny",
		                 txn_fields(&c->txn, "radius_pending_full")))
			return SK_ERR_AUDIT;
		return request_refuse(reply, SK_ST_DENIED, SK_REASON_RADIUS_PENDING_FULL);
	}
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_CHALLENGE);
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_RADIUS_STATE, state, sizeof(state));
	if (r == SK_OK && c->txn.profile.message[0] != '\0')
		r = sk_msg_put_text(reply, SK_K_BANNER, c->txn.profile.message);
	explicit_bzero(state, sizeof(state));
	return r;
}

int
radius_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char password[SK_PASSWORD_MAX + 1];
	struct login_ctx lc;
	struct sk_msg *plan;
	uint64_t status = SK_ST_ERROR;
	int r, has_code;

	if (request_login_ctx(c->b, req, &lc) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_NAS, lc.nas, sizeof(lc.nas)) != SK_OK ||
	    sk_msg_get_text(req, SK_K_PASSWORD, password, sizeof(password)) != SK_OK) {
		explicit_bzero(password, sizeof(password));
		sk_logerr("RADIUS_BEGIN: a field missing or malformed");
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	}
	if (lc.frontend != SK_FRONTEND_RADIUS) {
		/* Only RADIUS has rounds; every other front end logs in with AUTH_BEGIN. */
		explicit_bzero(password, sizeof(password));
		sk_logerr("RADIUS_BEGIN with front end %s", sk_frontend_name(lc.frontend));
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	}
	if ((plan = sk_msg_new(SK_MSG_REPLY)) == NULL) {
		explicit_bzero(password, sizeof(password));
		return SK_ERR_NOMEM;
	}
	r = auth_begin_ctx(c, &lc, plan);
	if (r == SK_OK)
		r = sk_msg_get_uint(plan, SK_K_STATUS, &status);
	if (r != SK_OK || status != SK_ST_OK) {
		if (r == SK_OK)
			r = pass_verdict(plan, reply);   /* DENIED, LOCKED, NO_FACTORS as they are */
	} else if (!plan_fits(&c->txn, &has_code)) {
		/* A key, a card or a preceding PAM module cannot answer through RADIUS. */
		r = broker_audit(c, "auth", lc.user, "deny", txn_fields(&c->txn, "radius_plan"));
		if (r == SK_OK)
			r = request_refuse(reply, SK_ST_DENIED, SK_REASON_RADIUS_PLAN);
	} else if (!has_code) {
		r = finish_with(c, password, NULL, reply);
	} else {
		r = challenge(c, password, reply);
	}
	sk_msg_free(plan);
	explicit_bzero(password, sizeof(password));
	explicit_bzero(&c->txn, sizeof(c->txn));
	c->state = CONN_IDLE;
	return r;
}

/* Round two's own fields. */
struct round_two {
	unsigned char state[RADIUS_STATE_LEN];
	char user[SK_USER_MAX];
	char service[SK_NAME_MAX];
	char rhost[SK_HOST_MAX];
	char nas[SK_HOST_MAX];
	char code[SK_TOTP_CODE_MAX + 1];
};

static int
read_round_two(const struct sk_msg *req, struct round_two *in)
{
	size_t len = 0;

	memset(in, 0, sizeof(*in));
	if (sk_msg_get_bytes(req, SK_K_RADIUS_STATE, in->state, sizeof(in->state), &len) != SK_OK ||
	    len != sizeof(in->state) ||
	    sk_msg_get_text(req, SK_K_USER, in->user, sizeof(in->user)) != SK_OK ||
	    !sk_valid_username(in->user) ||
	    sk_msg_get_text_opt(req, SK_K_SERVICE, in->service, sizeof(in->service)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_RHOST, in->rhost, sizeof(in->rhost)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_NAS, in->nas, sizeof(in->nas)) != SK_OK ||
	    sk_msg_get_text(req, SK_K_OTP, in->code, sizeof(in->code)) != SK_OK)
		return SK_ERR_PROTO;
	return SK_OK;
}

/* A State that leads to no login: audited under the name the request gave. */
static int
refuse_unknown(struct broker_conn *c, const struct round_two *in, struct sk_msg *reply)
{
	json_object *x = audit_field(NULL, "service", in->service);

	x = audit_field(x, "rhost", in->rhost);
	x = audit_field(x, "origin", sk_frontend_name(SK_FRONTEND_RADIUS));
	if (in->nas[0] != '\0')
		x = audit_field(x, "nas", in->nas);
	if (broker_audit(c, "auth", in->user, "deny", audit_field(x, "reason",
	                 "radius_state_unknown")))
		return SK_ERR_AUDIT;
	return request_refuse(reply, SK_ST_DENIED, SK_REASON_RADIUS_STATE_UNKNOWN);
}

int
radius_continue(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct round_two in;
	struct radius_pending p;
	int r;

	if (read_round_two(req, &in) != SK_OK) {
		explicit_bzero(&in, sizeof(in));
		sk_logerr("RADIUS_CONTINUE: a field missing or malformed");
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	}
	r = radius_pending_take(in.state, broker_now(), &p);
	if (r == SK_ERR_NOTFOUND) {
		r = refuse_unknown(c, &in, reply);
	} else if (r == SK_ERR_TIMEOUT) {
		r = broker_audit(c, "auth", p.txn.user, "deny", txn_fields(&p.txn,
		                 "radius_state_expired")) ? SK_ERR_AUDIT :
		    request_refuse(reply, SK_ST_DENIED, SK_REASON_RADIUS_STATE_EXPIRED);
	} else if (strcmp(in.user, p.txn.user) != 0 || strcmp(in.rhost, p.txn.rhost) != 0 ||
	           strcmp(in.nas, p.txn.nas) != 0) {
		/* Round two from another user, client or NAS than round one: not this login's. */
		r = broker_audit(c, "auth", p.txn.user, "deny", txn_fields(&p.txn,
		                 "radius_state_mismatch")) ? SK_ERR_AUDIT :
		    request_refuse(reply, SK_ST_DENIED, SK_REASON_RADIUS_STATE_MISMATCH);
	} else if (r == SK_OK) {
		c->txn = p.txn;
		r = finish_with(c, p.password, in.code, reply);
		explicit_bzero(&c->txn, sizeof(c->txn));
	}
	explicit_bzero(&p, sizeof(p));
	explicit_bzero(&in, sizeof(in));
	return r;
}
