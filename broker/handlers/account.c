#include "account.h"

#include <string.h>

#include "attempt.h"
#include "audit_event.h"
#include "password.h"
#include "priv_login.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_hr.h"
#include "store_user.h"

int
account_entry_check(struct broker_conn *c, int64_t user_id, enum sk_reason *why,
                    const char **reason)
{
	struct user_hr hr;
	int r = store_user_hr_get(c->db, user_id, &hr);

	*why = SK_REASON_NONE;
	*reason = "";
	if (r != SK_OK)
		return r;   /* logged by the store */
	if (hr.reconfirm) {
		*why = SK_REASON_RECONFIRM_REQUIRED;
		*reason = "reconfirm_required";
	}
	return SK_OK;
}

int
account_entry_gate(struct broker_conn *c, const char *event, const struct login_ctx *lc,
                   int64_t user_id, enum sk_status status, struct sk_msg *reply, int *answered)
{
	enum sk_reason why;
	const char *reason;
	int r = account_entry_check(c, user_id, &why, &reason);

	*answered = 0;
	if (r != SK_OK || why == SK_REASON_NONE)
		return r;
	*answered = 1;
	if (broker_audit(c, event, lc->user, "deny", audit_field(audit_field(NULL, "service",
	                 lc->service), "reason", reason)) != SK_OK)
		return SK_ERR_AUDIT;
	r = reply_status(reply, status);
	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, why) : r;
}

int
account_check(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;
	struct sk_profile eff;
	struct user_rec u;
	struct priv_login priv;
	int64_t now = broker_now();
	int r, answered;

	if (request_login_ctx(c->b, req, &lc) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_get(c->db, lc.user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	if (u.disabled)
		return reply_status(reply, SK_ST_ACCT_DISABLED);
	/* Back from leave: no login until an administrator has re-confirmed the factors with
	 * the person (user reconfirm; issue 10, item 4). */
	if ((r = account_entry_gate(c, "account", &lc, u.id, SK_ST_ACCT_DISABLED, reply,
	                            &answered)) != SK_OK || answered)
		return r;
	request_effective_profile(c->b, lc.line, &u, &eff);
	/* A privileged service first: a password change that follows NEW_AUTHTOK is no way
	 * around the grant (priv_login.h). */
	if ((r = priv_login_acct(c, req, &lc, &eff, reply, &priv, &answered)) != SK_OK || answered)
		return r;
	if (eff.knowledge == SK_KNOWLEDGE_STACK) {
		r = reply_status(reply, SK_ST_OK);   /* the password lives elsewhere */
		return r == SK_OK ? priv_login_acct_reply(&priv, reply) : r;
	}
	if (u.pw_temporary) {
		r = reply_status(reply, SK_ST_NEW_AUTHTOK);
		return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_NONE) : r;
	}
	if (eff.pw_max_age_days > 0 && now - u.pw_changed > (int64_t)eff.pw_max_age_days * 86400) {
		r = reply_status(reply, SK_ST_NEW_AUTHTOK);
		return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_EXPIRED) : r;
	}
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK && eff.pw_max_age_days > 0)
		r = sk_msg_put_uint(reply, SK_K_PW_EXPIRES,
		                    (uint64_t)(u.pw_changed + (int64_t)eff.pw_max_age_days * 86400));
	return r == SK_OK ? priv_login_acct_reply(&priv, reply) : r;
}

struct reuse_check {
	const char *pw;
	int reused;
};

static int
check_reuse(void *arg, const char *hash)
{
	struct reuse_check *rc = arg;

	if (password_verify(rc->pw, hash) == SK_OK)
		rc->reused = 1;
	return rc->reused;
}

static enum sk_reason
quality_reason(enum password_quality q)
{
	switch (q) {
	case PASSWORD_TOO_SHORT: return SK_REASON_TOO_SHORT;
	case PASSWORD_TOO_FEW_CLASSES: return SK_REASON_TOO_FEW_CLASSES;
	case PASSWORD_CONTAINS_USER: return SK_REASON_CONTAINS_USER;
	case PASSWORD_TOO_LONG: return SK_REASON_TOO_LONG;
	case PASSWORD_BAD_CHARS: return SK_REASON_BAD_CHARS;
	default: return SK_REASON_NONE;
	}
}

static int
refuse(struct broker_conn *c, const char *user, struct sk_msg *reply, enum sk_status st,
       enum sk_reason reason, const char *why)
{
	int r = broker_audit(c, "password_change", user, "deny", audit_field(NULL, "reason", why));

	if (r == SK_OK)
		r = reply_status(reply, st);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REASON, reason);
	return r;
}

struct user_work {
	struct user_rec *u;
	const char *service;
	const char *hash;      /* the new password's hash, or NULL */
	int64_t now;
	unsigned keep;
};

static int
user_work(struct broker_conn *c, void *arg)
{
	struct user_work *w = arg;

	if (w->hash != NULL)
		return store_user_set_password(c->db, w->u, w->hash, 0, w->now, w->keep);
	return attempt_write_user(c, w->u, w->service);
}

static int
change_locked(struct broker_conn *c, const struct login_ctx *lc, const char *old_pw,
              const char *new_pw, struct sk_msg *reply)
{
	struct password_rules rules;
	struct reuse_check reuse = { .pw = new_pw };
	struct sk_profile eff;
	struct tally_limits lim;
	struct user_rec u;
	char hash[PASSWORD_HASH_MAX];
	enum password_quality q;
	int64_t now = broker_now();
	int r;

	if ((r = store_user_get(c->db, lc->user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	request_effective_profile(c->b, lc->line, &u, &eff);
	request_limits(&eff, &lim);
	tally_normalize(&u.tally, &lim, now);
	if (tally_is_locked(&u.tally))
		return reply_locked(reply, &u.tally);
	if (password_verify_user(old_pw, u.pw_hash, u.pw_temporary) != SK_OK) {
		/* A wrong current password is a guess like any other: it counts, with its audit
		 * record in the same transaction. */
		struct user_work w = { .u = &u, .service = lc->service };

		(void)attempt_note_failure(&u, &lim, now, lc->rhost, lc->tty);
		r = attempt_txn(c, user_work, &w, "password_change", lc->user, "deny",
		                audit_field(audit_field(NULL, "service", lc->service), "reason",
		                            "old_wrong"));
		if (r == SK_OK)
			r = reply_status(reply, SK_ST_DENIED);
		if (r == SK_OK)
			r = sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_OLD_WRONG);
		return r;
	}
	if (strcmp(old_pw, new_pw) == 0)
		return refuse(c, lc->user, reply, SK_ST_QUALITY, SK_REASON_SAME_AS_OLD, "same_as_old");
	rules.min_length = eff.pw_min_length;
	rules.min_classes = eff.pw_min_classes;
	rules.history = eff.pw_history;
	q = password_check_quality(lc->user, new_pw, &rules);
	if (q != PASSWORD_OK)
		return refuse(c, lc->user, reply, SK_ST_QUALITY, quality_reason(q), "quality");
	if (rules.history > 0 &&
	    (r = store_user_history(c->db, u.id, rules.history, check_reuse, &reuse)) != SK_OK)
		return r;
	if (reuse.reused)
		return refuse(c, lc->user, reply, SK_ST_QUALITY, SK_REASON_REUSED, "reused");
	if ((r = password_hash(new_pw, hash, sizeof(hash))) != SK_OK)
		return r;
	{
		struct user_work w = { .u = &u, .hash = hash, .now = now, .keep = rules.history };

		r = attempt_txn(c, user_work, &w, "password_change", lc->user, "ok",
		                audit_field(NULL, "service", lc->service));
	}
	explicit_bzero(hash, sizeof(hash));
	return r == SK_OK ? reply_status(reply, SK_ST_OK) : r;
}

int
account_chauthtok(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char old_pw[PASSWORD_MAX + 1], new_pw[PASSWORD_MAX + 1];
	struct login_ctx lc;
	int r;

	if (request_login_ctx(c->b, req, &lc) != SK_OK ||
	    sk_msg_get_text(req, SK_K_PASSWORD, old_pw, sizeof(old_pw)) != SK_OK ||
	    sk_msg_get_text(req, SK_K_NEW_PASSWORD, new_pw, sizeof(new_pw)) != SK_OK) {
		explicit_bzero(old_pw, sizeof(old_pw));
		explicit_bzero(new_pw, sizeof(new_pw));
		return reply_status(reply, SK_ST_BAD_REQUEST);
	}
	if ((r = store_user_lock(c->db, lc.user)) == SK_OK) {
		r = change_locked(c, &lc, old_pw, new_pw, reply);
		store_user_unlock(c->db);
	}
	explicit_bzero(old_pw, sizeof(old_pw));
	explicit_bzero(new_pw, sizeof(new_pw));
	return r;
}
