/* PRIV_END_ALL: `sekimori user lock --all-privileged`, containment under attack (R-INC-1,
 * issue 9). Every live privileged session is ordered ended at once (priv_session.h: its
 * session agent kills every process of it), then every account that held one is locked until
 * an administrator unlocks and its open grants end, as `sekimori user lock` does, each in its own transaction with
 * its audit record ("admin.user_lock", reason "all_privileged"). The request itself is
 * audited as "admin.priv_end_all" with the number of sessions. */
#include "admin.h"
#include "admin_session_stop.h"

#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "audit_event.h"
#include "grant.h"
#include "priv_session.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

static int
lock_one(struct broker_conn *c, const struct sk_msg *req, const char *name)
{
	struct user_rec u;
	int r;

	if ((r = store_user_lock(c->db, name)) != SK_OK)
		return r;
	if ((r = store_user_get(c->db, name, &u)) == SK_OK && (r = store_begin(c->db)) == SK_OK) {
		size_t n = 0;

		u.tally.locked = 1;
		u.tally.locked_until = 0;
		r = store_user_save_auth(c->db, &u);
		/* No grant survives the containment: unlocking does not let them back in. */
		if (r == SK_OK)
			r = grant_end_user(c->db, name, GRANT_END_USER_LOCKED,
			                   c->has_admin ? c->admin.name : "", broker_now(), &n);
		r = attempt_end(c, r, "admin.user_lock", name, "ok",
		                admin_actor(req, audit_field(NULL, "reason", "all_privileged")));
	}
	store_user_unlock(c->db);
	explicit_bzero(&u, sizeof(u));
	/* Locked: no admin session of theirs goes on either (admin_session_stop.h). */
	if (r == SK_OK)
		(void)admin_sessions_end_user(c, name, "all_privileged");
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

int
admin_priv_end_all(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char (*users)[SK_USER_MAX] = calloc(PRIV_SESSIONS_MAX, SK_USER_MAX);
	size_t n_users = 0, ended;
	int r = SK_OK;

	if (users == NULL)
		return SK_ERR_NOMEM;
	ended = priv_session_end_all("all_privileged", users, PRIV_SESSIONS_MAX, &n_users);
	for (size_t i = 0; i < n_users; i++) {
		int one = lock_one(c, req, users[i]);

		if (one != SK_OK && r == SK_OK)
			r = one;   /* the others are locked still; the reply says it failed */
	}
	free(users);
	if (broker_audit(c, "admin.priv_end_all", NULL, r == SK_OK ? "ok" : "partial",
	                 admin_actor(req, audit_field_int(audit_field_int(NULL, "sessions",
	                             (int64_t)ended), "users", (int64_t)n_users))) != SK_OK)
		return SK_ERR_AUDIT;
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_PRIV_COUNT, ended) : r;
}
