/* AUTH_FINISH: the decision. Under the user's lock: check the tally, hold the attempt in
 * the store ("deny first": a guess the store cannot count is not checked), verify every
 * step, then write the tally, the replay guard and the audit record in one store
 * transaction (R-MFA-1, R-LOGIN-1). A failed audit or commit turns any decision into deny. */
#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "audit_event.h"
#include "auth.h"
#include "factor.h"
#include "plan.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

/* What AUTH_FINISH carries besides each factor's evidence (which the factors read). */
struct evidence {
	int has_token;     /* the stack attempt PREAUTH holds for this login */
	unsigned char token[TALLY_TOKEN_LEN];
};

struct verdict {
	unsigned classes;
	int ok;
	const char *reason;
	struct factor_result step[PLAN_MAX];
	size_t n_steps;
	int lockout;       /* this failure reached the attempt limit and locked the account */
};

/* Every factor's fields, and the stack token, well formed or absent: a malformed request is
 * refused before any lock or count. */
static int
read_evidence(const struct sk_msg *req, struct evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	for (size_t i = 0; i < factor_count; i++)
		if (factor_table[i]->check_evidence != NULL &&
		    factor_table[i]->check_evidence(req) != SK_OK)
			return SK_ERR_PROTO;   /* logged by the factor */
	if ((ev->has_token = attempt_token_get(req, ev->token)) < 0)
		return SK_ERR_PROTO;
	return SK_OK;
}

static void
verify_steps(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
             int64_t now, struct verdict *v)
{
	const struct auth_txn *t = &c->txn;

	v->ok = 1;
	v->n_steps = t->n_steps;
	for (size_t i = 0; i < t->n_steps; i++) {
		const struct factor_ops *f = factor_find(t->steps[i]);
		struct factor_result *res = &v->step[i];

		if (f == NULL) {
			memset(res, 0, sizeof(*res));
			res->reason = "unsupported_step";
		} else {
			f->verify(c, u, req, t->challenge[i], now, res);
		}
		if (res->ok) {
			v->classes |= res->classes;
		} else if (v->ok) {
			/* The first failure is the reason; every step is still checked. */
			v->ok = 0;
			v->reason = res->reason;
		}
	}
	if (v->ok && !plan_satisfied(&t->profile, v->classes)) {
		v->ok = 0;
		v->reason = "classes_not_satisfied";
	}
	if (v->ok)
		v->reason = "ok";
}

static json_object *
decision_fields(const struct auth_txn *t, const struct verdict *v)
{
	char classes[64], methods[64];
	json_object *x;

	sk_class_names(v->classes, classes, sizeof(classes));
	sk_method_names(t->steps, t->n_steps, methods, sizeof(methods));
	x = audit_field(NULL, "service", t->service);
	x = audit_field(x, "rhost", t->rhost);
	x = audit_field(x, "origin", sk_frontend_name(t->frontend));
	if (t->nas[0] != '\0')
		x = audit_field(x, "nas", t->nas);    /* RADIUS challenge mode */
	x = audit_field(x, "tty", t->tty);
	x = audit_field(x, "profile", t->profile.name);
	x = audit_field(x, "methods", methods);
	x = audit_field(x, "classes", classes);
	/* The record of the failure that locked the account says so: a lockout is an event of
	 * its own in the log review (R-LOG-2), not only the refusals that follow it. */
	if (v->lockout)
		json_object_object_add(x, "lockout", json_object_new_boolean(1));
	return audit_field(x, "reason", v->reason);
}

struct outcome_work {
	struct user_rec *u;
	const struct verdict *v;
};

static int
outcome_work(struct broker_conn *c, void *arg)
{
	const struct outcome_work *w = arg;
	int64_t now = broker_now();
	int r = attempt_write_user(c, w->u, c->txn.service);

	/* Each step's factor state (TOTP replay guard, FIDO2 counter) with the decision. */
	for (size_t i = 0; i < w->v->n_steps && r == SK_OK; i++) {
		const struct factor_ops *f = factor_find(c->txn.steps[i]);

		if (f != NULL && f->commit != NULL)
			r = f->commit(c, &w->v->step[i], w->v->ok, now);
	}
	return r;
}

/* Writes the outcome. Returns SK_OK when it is durable, else the decision must be deny. */
static int
commit_outcome(struct broker_conn *c, struct user_rec *u, const struct verdict *v,
               const char *result)
{
	struct outcome_work w = { u, v };
	int r = attempt_txn(c, outcome_work, &w, "auth", u->name, result,
	                    decision_fields(&c->txn, v));

	if (r != SK_OK) {
		sk_logerr("outcome for %s not stored: %s; denying", u->name, sk_strerror(r));
		if (v->ok)
			(void)broker_audit(c, "auth", u->name, "deny",
			                   audit_field(NULL, "reason", "store_or_audit_failed"));
	}
	return r;
}

static void
apply_outcome(struct user_rec *u, struct verdict *v, const struct auth_txn *t,
              const struct tally_limits *lim, int64_t now)
{
	if (v->ok) {
		tally_clear(&u->tally);
		u->prev_login = u->last_login;
		memcpy(u->prev_login_from, u->last_login_from, sizeof(u->prev_login_from));
		u->prev_failures = u->failures_since_login;
		u->last_login = now;
		snprintf(u->last_login_from, sizeof(u->last_login_from), "%s",
		         t->rhost[0] ? t->rhost : t->tty);
		u->failures_since_login = 0;
		return;
	}
	v->lockout = attempt_note_failure(u, lim, now, t->rhost, t->tty);
}

/* Deny first: the attempt is in the store before anything is checked, so a store that
 * cannot be written costs the guess its check, never its count; a crash during the check
 * leaves the attempt to expire into a failure. A stack login's attempt was stored by
 * PREAUTH already. Returns SK_OK to go on to verification; otherwise the reply is set (or
 * an error returned) and nothing is verified. */
static int
hold_attempt(struct broker_conn *c, struct user_rec *u, const struct evidence *ev,
             const struct tally_limits *lim, int64_t now, struct sk_msg *reply, int *stop)
{
	unsigned char token[TALLY_TOKEN_LEN];
	const struct auth_txn *t = &c->txn;
	int r;

	*stop = 1;
	if (ev->has_token && tally_release(&u->tally, ev->token)) {
		*stop = 0;
		return SK_OK;
	}
	r = attempt_hold(c, u, lim, now, t->service, token);
	if (r == SK_OK) {
		(void)tally_release(&u->tally, token);   /* the outcome's write removes it */
		*stop = 0;
		return SK_OK;
	}
	if (r == SK_ERR_BUSY) {
		struct verdict v = { .reason = "attempts_in_progress" };

		if ((r = commit_outcome(c, u, &v, "deny")) != SK_OK)
			return r;
		r = reply_status(reply, SK_ST_DENIED);
		return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_ATTEMPTS_PENDING) : r;
	}
	(void)broker_audit(c, "auth", u->name, "deny", audit_field(audit_field(audit_field(NULL,
	                   "service", t->service), "origin", sk_frontend_name(t->frontend)),
	                   "reason", "store_unavailable"));
	return r;
}

static int
finish_known(struct broker_conn *c, struct user_rec *u, const struct evidence *ev,
             const struct sk_msg *req, struct sk_msg *reply)
{
	struct auth_txn *t = &c->txn;
	struct verdict v = { .reason = "" };
	struct tally_limits lim;
	int64_t now = broker_now();
	int r;

	request_limits(&t->profile, &lim);
	tally_normalize(&u->tally, &lim, now);
	if (tally_is_locked(&u->tally)) {
		/* Locked meanwhile (a parallel attempt): no verification at all. */
		v.reason = "locked";
		if (ev->has_token)
			(void)tally_release(&u->tally, ev->token);
		if ((r = commit_outcome(c, u, &v, "locked")) != SK_OK)
			return r;
		return reply_locked(reply, &u->tally);
	}
	if (u->disabled) {
		v.reason = "disabled";
	} else {
		int stop;

		if ((r = hold_attempt(c, u, ev, &lim, now, reply, &stop)) != SK_OK || stop)
			return r;
		verify_steps(c, u, req, now, &v);
	}
	apply_outcome(u, &v, t, &lim, now);
	if ((r = commit_outcome(c, u, &v, v.ok ? "allow" : "deny")) != SK_OK)
		return r;
	if (v.ok) {
		r = reply_status(reply, SK_ST_OK);
		if (r == SK_OK)
			r = sk_msg_put_uint(reply, SK_K_CLASSES, v.classes);
		return r;
	}
	if (tally_is_locked(&u->tally))
		return reply_locked(reply, &u->tally);
	r = reply_status(reply, SK_ST_DENIED);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REMAINING, tally_remaining(&u->tally, &lim));
	return r;
}

int
auth_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	if (c->txn.admin_login) {
		/* An admin login is ended by ADMIN_LOGIN_FINISH only, so that its success always
		 * makes (and audits) the admin session and never passes for a module login. */
		c->state = CONN_IDLE;
		memset(&c->txn, 0, sizeof(c->txn));
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_WRONG_STATE);
	}
	return auth_finish_txn(c, req, reply);
}

int
auth_finish_txn(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct auth_txn *t = &c->txn;
	struct evidence ev;
	struct user_rec u;
	int r;

	c->state = CONN_IDLE;
	if (read_evidence(req, &ev) != SK_OK) {
		explicit_bzero(&ev, sizeof(ev));
		return reply_status(reply, SK_ST_BAD_REQUEST);
	}
	if ((r = store_user_lock(c->db, t->user)) != SK_OK) {
		explicit_bzero(&ev, sizeof(ev));
		return r;
	}
	r = store_user_get(c->db, t->user, &u);
	if (r == SK_OK && t->decoy)
		r = SK_ERR_NOTFOUND;   /* a decoy plan (auth_decoy.h): denied as an unknown name */
	if (r == SK_OK) {
		r = finish_known(c, &u, &ev, req, reply);
	} else if (r == SK_ERR_NOTFOUND) {
		json_object *x = audit_field(NULL, "service", t->service);

		/* The work a real user's check would cost, so the time tells nothing. */
		for (size_t i = 0; i < factor_count; i++)
			if (factor_table[i]->decoy_verify != NULL)
				factor_table[i]->decoy_verify(req);
		x = audit_field(x, "rhost", t->rhost);
		x = audit_field(x, "origin", sk_frontend_name(t->frontend));   /* R-MFA-3 */
		if (t->nas[0] != '\0')
			x = audit_field(x, "nas", t->nas);
		r = broker_audit(c, "auth", t->user, "deny", audit_field(x, "reason",
		                 t->decoy ? t->decoy_reason : "unknown_user"));
		if (r == SK_OK)
			r = reply_status(reply, SK_ST_DENIED);
	}
	store_user_unlock(c->db);
	explicit_bzero(&ev, sizeof(ev));
	explicit_bzero(&u, sizeof(u));
	return r;
}
