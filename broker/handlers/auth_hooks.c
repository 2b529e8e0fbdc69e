/* PREAUTH and AUTHFAIL: for stacks where pam_unix or pam_sss checks the password before
 * pam_sekimori (R-LOGIN-1). PREAUTH holds one of the deny places for the attempt before the
 * preceding module runs, so that however many guesses run in parallel, at most deny of
 * them reach that module; the reply carries the attempt's token. AUTHFAIL (the preceding
 * module said no, or the login ended before its second step finished) turns the attempt
 * into a counted failure; a successful AUTH_FINISH releases it; one left alone counts as a
 * failure when TALLY_PENDING_TTL has passed. */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "attempt.h"
#include "audit_event.h"
#include "auth.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

static json_object *
hook_fields(const struct login_ctx *lc, const char *reason)
{
	json_object *x = audit_field(NULL, "service", lc->service);

	x = audit_field(x, "rhost", lc->rhost);
	x = audit_field(x, "origin", sk_frontend_name(lc->frontend));
	return audit_field(x, "reason", reason);
}

static int
preauth_known(struct broker_conn *c, const struct login_ctx *lc, struct user_rec *u,
              const struct sk_msg *req, struct sk_msg *reply)
{
	unsigned char token[TALLY_TOKEN_LEN];
	struct sk_profile eff;
	struct tally_limits lim;
	int r;

	(void)req;   /* PREAUTH carries nothing beyond the login context */
	request_effective_profile(c->b, lc->line, u, &eff);
	request_limits(&eff, &lim);
	tally_normalize(&u->tally, &lim, broker_now());
	if (tally_is_locked(&u->tally)) {
		r = attempt_save(c, u, lc->service, "locked", hook_fields(lc, "locked_preauth"));
		return r == SK_OK ? reply_locked(reply, &u->tally) : r;
	}
	r = attempt_hold(c, u, &lim, broker_now(), lc->service, token);
	if (r == SK_ERR_BUSY) {
		/* Every place is taken by failures or by attempts still in flight. */
		r = attempt_save(c, u, lc->service, "deny", hook_fields(lc, "attempts_in_progress"));
		if (r == SK_OK)
			r = reply_status(reply, SK_ST_DENIED);
		if (r == SK_OK)
			r = sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_ATTEMPTS_PENDING);
		return r;
	}
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_ATTEMPT_TOKEN, token, sizeof(token));
	return r;
}

/* PREAUTH for a name with no account: the final module decides, uniformly; the token looks
 * like any other. */
static int
preauth_unknown(struct broker_conn *c, const struct login_ctx *lc, const struct sk_msg *req,
                struct sk_msg *reply)
{
	unsigned char token[TALLY_TOKEN_LEN];
	int r;

	(void)c;
	(void)lc;
	(void)req;
	r = RAND_bytes(token, sizeof(token)) == 1 ? reply_status(reply, SK_ST_OK) : SK_ERR_CRYPTO;
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_ATTEMPT_TOKEN, token, sizeof(token));
	return r;
}

/* PREAUTH and AUTHFAIL: the login context, then one handler or the other under the user's
 * lock, so that the tally is read and written by one request at a time. */
static int
with_user_locked(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                 int (*known)(struct broker_conn *, const struct login_ctx *, struct user_rec *,
                              const struct sk_msg *, struct sk_msg *),
                 int (*unknown)(struct broker_conn *, const struct login_ctx *,
                                const struct sk_msg *, struct sk_msg *))
{
	struct login_ctx lc;
	struct user_rec u;
	int r;

	if (request_login_ctx(c->b, req, &lc) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_lock(c->db, lc.user)) != SK_OK)
		return r;
	r = store_user_get(c->db, lc.user, &u);
	if (r == SK_OK)
		r = known(c, &lc, &u, req, reply);
	else if (r == SK_ERR_NOTFOUND)
		r = unknown(c, &lc, req, reply);
	store_user_unlock(c->db);
	explicit_bzero(&u, sizeof(u));
	return r;
}

int
auth_preauth(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return with_user_locked(c, req, reply, preauth_known, preauth_unknown);
}

static int
authfail_known(struct broker_conn *c, const struct login_ctx *lc, struct user_rec *u,
               const struct sk_msg *req, struct sk_msg *reply)
{
	unsigned char token[TALLY_TOKEN_LEN];
	struct sk_profile eff;
	struct tally_limits lim;
	int64_t now = broker_now();
	int has_token, abandoned = 0, held = 0, r;

	if ((has_token = attempt_token_get(req, token)) < 0 ||
	    sk_msg_get_bool(req, SK_K_ABANDONED, &abandoned) == SK_ERR_PROTO)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	request_effective_profile(c->b, lc->line, u, &eff);
	request_limits(&eff, &lim);
	tally_normalize(&u->tally, &lim, now);
	if (has_token)
		held = tally_release(&u->tally, token);
	if (abandoned && !held) {
		/* Already counted (its time ran out) or already decided: nothing to add. */
		r = attempt_save(c, u, lc->service, NULL, NULL);
		return r == SK_OK ? reply_status(reply, SK_ST_DENIED) : r;
	}
	/* A failure without a held attempt (a stack without the preauth line, or one whose
	 * attempt already expired) still counts: never fewer than the guesses made. */
	(void)attempt_note_failure(u, &lim, now, lc->rhost, lc->tty);
	r = attempt_save(c, u, lc->service, tally_is_locked(&u->tally) ? "locked" : "deny",
	                 hook_fields(lc, abandoned ? "stack_second_step_abandoned" :
	                                             "stack_password_failed"));
	if (r != SK_OK)
		return r;
	if (tally_is_locked(&u->tally))
		return reply_locked(reply, &u->tally);
	if ((r = reply_status(reply, SK_ST_DENIED)) == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REMAINING, tally_remaining(&u->tally, &lim));
	return r;
}

/* AUTHFAIL for a name with no account: recorded, denied. */
static int
authfail_unknown(struct broker_conn *c, const struct login_ctx *lc, const struct sk_msg *req,
                 struct sk_msg *reply)
{
	int r;

	(void)req;
	r = broker_audit(c, "auth", lc->user, "deny", hook_fields(lc, "unknown_user_stack"));
	return r == SK_OK ? reply_status(reply, SK_ST_DENIED) : r;
}

int
auth_authfail(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return with_user_locked(c, req, reply, authfail_known, authfail_unknown);
}
