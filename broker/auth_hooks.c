/* PREAUTH and AUTHFAIL: for stacks where pam_unix or pam_sss checks the password before
 * pam_sekimori, these let those failures count against the same limit (R-LOGIN-1). */
#include <stdio.h>
#include <string.h>

#include "audit_event.h"
#include "auth.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

int
auth_preauth(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;
	struct sk_profile eff;
	struct tally_limits lim;
	struct user_rec u;
	int r;

	if (request_login_ctx(c->b, req, &lc) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	r = store_user_get(c->db, lc.user, &u);
	if (r == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_OK);   /* the final module decides, uniformly */
	if (r != SK_OK)
		return r;
	request_effective_profile(c->b, lc.line, &u, &eff);
	request_limits(&eff, &lim);
	tally_normalize(&u.tally, &lim, broker_now());
	if (!tally_is_locked(&u.tally))
		return reply_status(reply, SK_ST_OK);
	r = broker_audit(c, "auth", lc.user, "locked", audit_field(audit_field(NULL, "service",
	                 lc.service), "reason", "locked_preauth"));
	return r == SK_OK ? reply_locked(reply, &u.tally) : r;
}

int
auth_authfail(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;
	struct sk_profile eff;
	struct tally_limits lim;
	struct user_rec u;
	pthread_mutex_t *lock;
	int64_t now = broker_now();
	int r;

	if (request_login_ctx(c->b, req, &lc) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	lock = broker_user_lock(c->b, lc.user);
	pthread_mutex_lock(lock);
	r = store_user_get(c->db, lc.user, &u);
	if (r == SK_ERR_NOTFOUND) {
		r = broker_audit(c, "auth", lc.user, "deny", audit_field(audit_field(NULL, "service",
		                 lc.service), "reason", "unknown_user_stack"));
		if (r == SK_OK)
			r = reply_status(reply, SK_ST_DENIED);
		goto out;
	}
	if (r != SK_OK)
		goto out;
	request_effective_profile(c->b, lc.line, &u, &eff);
	request_limits(&eff, &lim);
	tally_normalize(&u.tally, &lim, now);
	(void)tally_record_failure(&u.tally, &lim, now);
	u.failures_since_login++;
	u.last_fail = now;
	snprintf(u.last_fail_from, sizeof(u.last_fail_from), "%s", lc.rhost[0] ? lc.rhost : lc.tty);
	r = store_begin(c->db);
	if (r == SK_OK)
		r = store_user_save_auth(c->db, &u);
	if (r == SK_OK)
		r = broker_audit(c, "auth", lc.user, tally_is_locked(&u.tally) ? "locked" : "deny",
		                 audit_field(audit_field(audit_field(NULL, "service", lc.service),
		                 "rhost", lc.rhost), "reason", "stack_password_failed"));
	if (r == SK_OK)
		r = store_commit(c->db);
	if (r != SK_OK) {
		store_rollback(c->db);
		goto out;
	}
	if (tally_is_locked(&u.tally))
		r = reply_locked(reply, &u.tally);
	else if ((r = reply_status(reply, SK_ST_DENIED)) == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REMAINING, tally_remaining(&u.tally, &lim));
out:
	pthread_mutex_unlock(lock);
	return r;
}
