/* See priv_login.h. */
#include "priv_login.h"

#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "audit_event.h"
#include "auth_ticket.h"
#include "grant.h"
#include "plan.h"
#include "priv_session.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_grant.h"

/* The ticket of the request: SK_OK, SK_ERR_NOTFOUND when absent, SK_ERR_PROTO malformed. */
static int
get_ticket(const struct sk_msg *req, unsigned char ticket[AUTH_TICKET_LEN])
{
	size_t len = 0;
	int r = sk_msg_get_bytes(req, SK_K_AUTH_TICKET, ticket, AUTH_TICKET_LEN, &len);

	if (r == SK_OK && len != AUTH_TICKET_LEN)
		r = SK_ERR_PROTO;
	return r;
}

static int
refuse(struct broker_conn *c, const struct login_ctx *lc, enum sk_reason why, const char *what,
       struct sk_msg *reply)
{
	int r = broker_audit(c, "privileged_login", lc->user, "deny",
	                     audit_field(audit_field(audit_field(NULL, "service", lc->service),
	                                 "rhost", lc->rhost), "reason", what));

	return r == SK_OK ? request_refuse(reply, SK_ST_DENIED, why) : r;
}

struct role_use {
	const char *role, *user;
	int64_t now;
};

static int
note_role_use(struct broker_conn *c, void *arg)
{
	const struct role_use *u = arg;

	return store_role_used(c->db, u->role, u->user, u->now);
}

int
priv_login_acct(struct broker_conn *c, const struct sk_msg *req, const struct login_ctx *lc,
                const struct sk_profile *eff, struct sk_msg *reply, struct priv_login *p,
                int *answered)
{
	unsigned char ticket[AUTH_TICKET_LEN];
	struct auth_ticket_view v;
	struct grant_active g;
	int64_t now = broker_now();
	int r, fresh;

	memset(p, 0, sizeof(*p));
	*answered = 0;
	if (!grant_service_is_privileged(&c->b->conf, lc->service))
		return SK_OK;
	p->privileged = 1;
	*answered = 1;
	if ((r = get_ticket(req, ticket)) == SK_ERR_PROTO)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	/* No ticket, a forged, foreign or expired one, or one an account phase used already:
	 * this transaction did not authenticate here and now. */
	fresh = r == SK_OK && auth_ticket_use_acct(ticket, lc->user, lc->service, now, &v) == SK_OK;
	if (fresh && (sk_class_count(v.classes) < 2 || !plan_satisfied(eff, v.classes)))
		fresh = 0;   /* the auth phase's factors do not make this line's MFA */
	if (!fresh) {
		explicit_bzero(ticket, sizeof(ticket));
		return refuse(c, lc, SK_REASON_NO_FRESH_MFA, "no_fresh_mfa", reply);
	}
	if ((r = grant_find_active(c->db, lc->user, lc->service, now, &g)) == SK_ERR_NOTFOUND) {
		explicit_bzero(ticket, sizeof(ticket));
		return refuse(c, lc, SK_REASON_NO_GRANT, "no_grant", reply);
	}
	if (r != SK_OK) {
		explicit_bzero(ticket, sizeof(ticket));
		return r;
	}
	auth_ticket_note_grant(ticket, g.id, g.role, g.ends_at);
	explicit_bzero(ticket, sizeof(ticket));
	p->grant_id = g.id;
	snprintf(p->role, sizeof(p->role), "%s", g.role);
	p->ends_at = g.ends_at;
	snprintf(p->groups, sizeof(p->groups), "%s", g.groups);
	{
		struct role_use u = { .role = g.role, .user = lc->user, .now = now };
		json_object *x = audit_field(audit_field(NULL, "service", lc->service), "role", g.role);

		x = audit_field_int(audit_field_int(x, "grant", (int64_t)g.id), "ends", g.ends_at);
		if ((r = attempt_txn(c, note_role_use, &u, "privileged_login", lc->user, "allow",
		                     audit_field(x, "rhost", lc->rhost))) != SK_OK)
			return r;
	}
	*answered = 0;
	return SK_OK;
}

int
priv_login_acct_reply(const struct priv_login *p, struct sk_msg *reply)
{
	int r;

	if (!p->privileged)
		return SK_OK;
	r = sk_msg_put_uint(reply, SK_K_PRIV_ENDS, (uint64_t)p->ends_at);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_PRIV_ROLE, p->role);
	return r == SK_OK ? sk_msg_put_text(reply, SK_K_PRIV_GROUPS, p->groups) : r;
}

int
priv_login_session(struct broker_conn *c, const struct sk_msg *req, const struct login_ctx *lc,
                   struct sk_msg *reply, struct priv_login *p, int *answered)
{
	unsigned char ticket[AUTH_TICKET_LEN];
	struct auth_ticket_view v;
	int64_t now = broker_now();
	int r;

	memset(p, 0, sizeof(*p));
	*answered = 0;
	if (!grant_service_is_privileged(&c->b->conf, lc->service))
		return SK_OK;
	*answered = 1;
	if ((r = get_ticket(req, ticket)) == SK_ERR_PROTO)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	r = r == SK_OK ? auth_ticket_take_session(ticket, lc->user, lc->service, now, &v) : r;
	explicit_bzero(ticket, sizeof(ticket));
	if (r != SK_OK || v.grant_id == 0) {
		r = broker_audit(c, "session_open", lc->user, "deny",
		                 audit_field(audit_field(NULL, "service", lc->service), "reason",
		                             "privileged_without_ticket"));
		return r == SK_OK ? request_refuse(reply, SK_ST_DENIED, SK_REASON_NO_FRESH_MFA) : r;
	}
	if (v.ends_at <= now) {
		r = broker_audit(c, "session_open", lc->user, "deny",
		                 audit_field(audit_field(NULL, "service", lc->service), "reason",
		                             "grant_expired"));
		return r == SK_OK ? request_refuse(reply, SK_ST_DENIED, SK_REASON_NO_GRANT) : r;
	}
	p->privileged = 1;
	p->grant_id = v.grant_id;
	snprintf(p->role, sizeof(p->role), "%s", v.role);
	p->ends_at = v.ends_at;
	*answered = 0;
	return SK_OK;
}

int
priv_login_session_opened(struct broker_conn *c, const struct priv_login *p, const char *user,
                          int64_t session_id, const struct sk_profile *eff,
                          struct sk_msg *reply)
{
	struct priv_session_info info = { .session_id = (uint64_t)session_id,
	                                  .grant_id = p->grant_id, .ends_at = p->ends_at };
	unsigned warn = c->b->conf.priv_warn_minutes * 60;
	int r;

	if (!p->privileged)
		return SK_OK;
	snprintf(info.user, sizeof(info.user), "%s", user);
	snprintf(info.role, sizeof(info.role), "%s", p->role);
	if ((r = priv_session_add(&info, warn)) != SK_OK)
		return r;   /* the module refuses the session (SK_ST_ERROR) */
	r = sk_msg_put_uint(reply, SK_K_PRIV_ENDS, (uint64_t)p->ends_at);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_PRIV_WARN, warn);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_PRIV_IDLE, eff->idle_timeout);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_PRIV_ROLE, p->role);
	/* The agent names it when it registers again after a broker restart (session_agent.c). */
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_GRANT_ID, p->grant_id);
	return r;
}
