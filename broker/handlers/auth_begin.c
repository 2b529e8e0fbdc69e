/* AUTH_BEGIN: tell the module what to collect, or that the account is locked. */
#include <string.h>

#include "audit_event.h"
#include "auth.h"
#include "auth_decoy.h"
#include "factor.h"
#include "origin.h"
#include "plan.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store_user.h"

static json_object *
login_fields(const struct login_ctx *lc, const char *reason)
{
	json_object *x = audit_field(NULL, "service", lc->service);

	x = audit_field(x, "rhost", lc->rhost);
	x = audit_field(x, "origin", sk_frontend_name(lc->frontend));
	if (lc->nas[0] != '\0')
		x = audit_field(x, "nas", lc->nas);   /* RADIUS challenge mode */
	x = audit_field(x, "tty", lc->tty);
	x = audit_field(x, "profile", lc->line->name);
	return audit_field(x, "reason", reason);
}

static int
steps_reply(struct sk_msg *reply, const struct auth_txn *t)
{
	uint64_t steps[PLAN_MAX];
	int r;

	for (size_t i = 0; i < t->n_steps; i++)
		steps[i] = t->steps[i];
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_uint_array(reply, SK_K_STEPS, steps, t->n_steps);
	if (r == SK_OK && t->profile.message[0] != '\0')
		r = sk_msg_put_text(reply, SK_K_BANNER, t->profile.message);
	return r;
}

int
auth_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;

	if (request_login_ctx(c->b, req, &lc) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	return auth_begin_ctx(c, &lc, reply);
}

int
auth_begin_ctx(struct broker_conn *c, const struct login_ctx *ctx, struct sk_msg *reply)
{
	struct auth_txn *t = &c->txn;
	struct login_ctx lc = *ctx;
	struct user_rec u;
	struct plan_input in = { 0 };
	const char *refused;
	unsigned classes;
	int remote, r;

	memset(t, 0, sizeof(*t));
	memcpy(t->user, lc.user, sizeof(t->user));
	memcpy(t->service, lc.service, sizeof(t->service));
	memcpy(t->rhost, lc.rhost, sizeof(t->rhost));
	memcpy(t->tty, lc.tty, sizeof(t->tty));
	memcpy(t->nas, lc.nas, sizeof(t->nas));
	t->frontend = lc.frontend;
	t->begun = broker_now();

	r = store_user_get(c->db, lc.user, &u);
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;
	t->user_known = r == SK_OK;
	request_effective_profile(c->b, lc.line, t->user_known ? &u : NULL, &t->profile);
	origin_require(&t->profile, lc.frontend);   /* classes.KIND of this origin */
	in.profile = &t->profile;
	remote = sk_frontend_is_remote(lc.frontend);
	if ((refused = origin_refusal(lc.line, lc.frontend, lc.rhost)) != NULL) {
		/* The line's own rule on origins (R-MFA-3): every name is refused alike. */
		if (broker_audit(c, "auth", lc.user, "deny", login_fields(&lc, refused)))
			return SK_ERR_AUDIT;
		return reply_status(reply, SK_ST_DENIED);
	}
	if (t->user_known) {
		struct tally_limits lim;

		request_limits(&t->profile, &lim);
		tally_normalize(&u.tally, &lim, t->begun);
		if (tally_is_locked(&u.tally)) {
			/* A locked account asks for nothing, so it reveals nothing about passwords. */
			if (broker_audit(c, "auth", lc.user, "locked", login_fields(&lc, "locked")))
				return SK_ERR_AUDIT;
			return reply_locked(reply, &u.tally);
		}
	}
	/* The user's own factors. For an unknown name the same lookups run and find nothing, so
	 * the time they take does not tell the two apart. */
	if ((r = factor_plan_input(c, t->user_known ? u.id : -1, t->user_known ? &u : NULL,
	                           remote, &in)) != SK_OK)
		return r;
	/* An unknown name, a user without the factors and a user whose own profile does not let
	 * this origin in get the same decoy plan and are denied at AUTH_FINISH after the same
	 * work: names cannot be probed (auth_decoy.h). */
	if (!t->user_known)
		t->decoy_reason = "unknown_user";
	else if ((refused = origin_refusal(&t->profile, lc.frontend, lc.rhost)) != NULL)
		t->decoy_reason = refused;   /* the user's own profile: hidden like a wrong name */
	else if (plan_build(&in, t->steps, PLAN_MAX, &t->n_steps, &classes) != SK_OK)
		t->decoy_reason = "no_factors";
	if (t->decoy_reason != NULL) {
		t->decoy = 1;
		/* The line's profile alone, as for an unknown name: the user's own profile (its
		 * message, a stricter UV) would tell that the name exists. */
		request_effective_profile(c->b, lc.line, NULL, &t->profile);
		origin_require(&t->profile, lc.frontend);
		auth_decoy_input(&t->profile, remote, &in);
		if (plan_build(&in, t->steps, PLAN_MAX, &t->n_steps, &classes) != SK_OK) {
			/* Nothing this broker offers satisfies the profile: every name hears so. */
			if (broker_audit(c, "auth", lc.user, "deny", login_fields(&lc, t->decoy_reason)))
				return SK_ERR_AUDIT;
			return reply_status(reply, SK_ST_NO_FACTORS);
		}
	}
	c->state = CONN_AUTH;
	if ((r = steps_reply(reply, t)) != SK_OK)
		return r;
	/* Each step's own fields (challenges, credential lists); a decoy plan's factors know
	 * t->decoy and answer in the same shape. */
	for (size_t i = 0; i < t->n_steps && r == SK_OK; i++) {
		const struct factor_ops *f = factor_find(t->steps[i]);

		if (f != NULL && f->begin != NULL)
			r = f->begin(c, t->user_known ? u.id : -1, t->challenge[i], reply);
	}
	return r;
}
