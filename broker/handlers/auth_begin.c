/* AUTH_BEGIN: tell the module what to collect, or that the account is locked. */
#include <string.h>

#include "audit_event.h"
#include "auth.h"
#include "auth_decoy.h"
#include "auth_card.h"
#include "auth_fido2.h"
#include "plan.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store_totp.h"
#include "store_user.h"

static json_object *
login_fields(const struct login_ctx *lc, const char *reason)
{
	json_object *x = audit_field(NULL, "service", lc->service);

	x = audit_field(x, "rhost", lc->rhost);
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

/* The user's own factors. For an unknown name (u == NULL, user_id -1) the same lookups run
 * and find nothing, so the time they take does not tell the two apart. */
static int
user_factors(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
             struct plan_input *in)
{
	struct totp_rec totp[TOTP_PER_USER_MAX];
	size_t n_totp = 0;
	unsigned fido2;
	int r = store_totp_list(c->db, user_id, 1, totp, TOTP_PER_USER_MAX, &n_totp);

	explicit_bzero(totp, sizeof(totp));
	if (r != SK_OK)
		return r;
	fido2 = auth_fido2_usable(c, user_id);
	in->has_password = u != NULL && u->pw_hash[0] != '\0';
	in->has_totp = n_totp > 0;
	in->has_fido2 = (fido2 & AUTH_FIDO2_USABLE) != 0;
	in->fido2_inherence = (fido2 & AUTH_FIDO2_INHERENCE) != 0;
	in->card_classes = auth_card_classes(c, user_id);
	return SK_OK;
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
	unsigned classes;
	int r;

	memset(t, 0, sizeof(*t));
	memcpy(t->user, lc.user, sizeof(t->user));
	memcpy(t->service, lc.service, sizeof(t->service));
	memcpy(t->rhost, lc.rhost, sizeof(t->rhost));
	memcpy(t->tty, lc.tty, sizeof(t->tty));
	t->begun = broker_now();

	r = store_user_get(c->db, lc.user, &u);
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;
	t->user_known = r == SK_OK;
	request_effective_profile(c->b, lc.line, t->user_known ? &u : NULL, &t->profile);
	in.profile = &t->profile;
	in.remote = lc.rhost[0] != '\0';
	if (in.remote && !lc.line->allow_remote) {
		/* The line's own rule: every name is refused alike. */
		if (broker_audit(c, "auth", lc.user, "deny", login_fields(&lc, "remote_not_allowed")))
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
	if ((r = user_factors(c, t->user_known ? u.id : -1, t->user_known ? &u : NULL, &in)) !=
	    SK_OK)
		return r;
	/* An unknown name, a user without the factors and a user whose own profile forbids
	 * remote logins get the same decoy plan and are denied at AUTH_FINISH after the same
	 * work: names cannot be probed (auth_decoy.h). */
	if (!t->user_known)
		t->decoy_reason = "unknown_user";
	else if (in.remote && !t->profile.allow_remote)
		t->decoy_reason = "remote_not_allowed";
	else if (plan_build(&in, t->steps, PLAN_MAX, &t->n_steps, &classes) != SK_OK)
		t->decoy_reason = "no_factors";
	if (t->decoy_reason != NULL) {
		t->decoy = 1;
		/* The line's profile alone, as for an unknown name: the user's own profile (its
		 * message, a stricter UV) would tell that the name exists. */
		request_effective_profile(c->b, lc.line, NULL, &t->profile);
		auth_decoy_input(c->b, in.remote, &in);
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
	for (size_t i = 0; i < t->n_steps && r == SK_OK; i++) {
		if (t->steps[i] == SK_METHOD_FIDO2)
			r = t->decoy ? auth_fido2_begin_decoy(c, reply) : auth_fido2_begin(c, u.id, reply);
		else if (t->steps[i] == SK_METHOD_CARD)
			r = auth_card_begin(c, u.id, reply);   /* decoys too: it knows t->decoy */
	}
	return r;
}
