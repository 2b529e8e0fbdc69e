/* sekimori grant request | approve | confirm | deny | revoke (issue 9, R-SOD-1, R-SOD-2,
 * R-PRIV-7, R-EXC-1; doc/privileged-access.md). A grant is requested by a holder of its role
 * for themselves, approved by one or two other people holding the approving role (fresh
 * MFA), confirmed by a second person for a two-person role, and active for at most the
 * role's max_minutes. The requester can never approve, confirm or deny their own grant: the
 * check is here, on the admin session's authenticated person, so no client, raw request or
 * root path gets around it (root without a session is refused by the dispatch table). */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_grant.h"
#include "attempt.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

static const char *
reason_name(enum sk_reason why)
{
	switch (why) {
	case SK_REASON_SELF_APPROVAL: return "self_approval";
	case SK_REASON_NOT_HOLDER: return "not_holder";
	case SK_REASON_NOT_APPROVER: return "not_approver";
	case SK_REASON_CONTRACTOR: return "contractor";
	case SK_REASON_UNKNOWN_ROLE: return "unknown_role";
	case SK_REASON_GRANT_STATE: return "wrong_state";
	case SK_REASON_ALREADY_APPROVED: return "already_approved";
	case SK_REASON_SAME_PERSON: return "same_person";
	case SK_REASON_OWN_REQUEST: return "own_request";
	case SK_REASON_REQUEST_DECIDED: return "request_decided";
	default: return "refused";
	}
}

const char *
grant_actor(const struct broker_conn *c)
{
	return c->has_admin ? c->admin.name : "";
}

int
grant_refuse(struct broker_conn *c, struct sk_msg *reply, const char *event, const char *user,
             enum sk_reason why, json_object *fields)
{
	fields = audit_field(fields, "reason", reason_name(why));
	if (broker_audit(c, event, user, "refused", fields) != SK_OK)
		return SK_ERR_AUDIT;
	return admin_refuse(reply, SK_ST_POLICY, why);
}

int
grant_invalid(struct sk_msg *reply, enum sk_reason why)
{
	return admin_refuse(reply, SK_ST_INVALID, why);
}

int
grant_text(const struct sk_msg *req, unsigned key, char *buf, size_t cap)
{
	size_t n;

	if (sk_msg_get_text(req, key, buf, cap) != SK_OK || (n = strlen(buf)) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return 0;
	return sk_utf8_valid(buf, n);
}

json_object *
grant_fields(const struct grant_rec *g, json_object *extra)
{
	extra = audit_field_int(extra, "grant", g->id);
	extra = audit_field(extra, "role", g->role);
	extra = audit_field(extra, "requester", g->requester);
	extra = audit_field(extra, "state", grant_state_name(g->state));
	if (g->breakglass)
		extra = audit_field(extra, "breakglass", "yes");
	return extra;
}

void
grant_notice_of(struct broker_conn *c, const char *event, const struct grant_rec *g)
{
	struct grant_notice n;

	memset(&n, 0, sizeof(n));
	snprintf(n.event, sizeof(n.event), "%s", event);
	n.id = g->id;
	snprintf(n.role, sizeof(n.role), "%s", g->role);
	snprintf(n.user, sizeof(n.user), "%s", g->requester);
	snprintf(n.actor, sizeof(n.actor), "%s", grant_actor(c));
	snprintf(n.reason, sizeof(n.reason), "%s", g->reason);
	grant_notify(c->b, &n);
}

struct due {
	int64_t now, pending_before;
	struct grant_rec g[32];
	size_t n;
};

static int
collect_due(void *arg, const struct grant_rec *g)
{
	struct due *d = arg;
	int stale = (g->state == GRANT_PENDING || g->state == GRANT_APPROVED) &&
	            g->created < d->pending_before;
	int over = g->state == GRANT_ACTIVE && g->ends <= d->now;

	if ((stale || over) && d->n < sizeof(d->g) / sizeof(d->g[0]))
		d->g[d->n++] = *g;
	return d->n >= sizeof(d->g) / sizeof(d->g[0]);
}

int
grant_sweep(struct broker_conn *c)
{
	static struct due d;   /* large: one sweep at a time, under the writer lock */
	int r;

	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	memset(&d, 0, sizeof(d));
	d.now = broker_now();
	d.pending_before = d.now - (int64_t)c->b->conf.grant.pending_minutes * 60;
	r = store_grant_list(c->db, 1, collect_due, &d);
	for (size_t i = 0; i < d.n && r == SK_OK; i++) {
		struct grant_rec *g = &d.g[i];
		enum grant_state from = g->state;

		g->state = GRANT_EXPIRED;
		g->ended_at = d.now;
		snprintf(g->end_cause, sizeof(g->end_cause), "%s",
		         from == GRANT_ACTIVE ? "ended" : "not decided in time");
		r = store_grant_update(c->db, g, from);
		if (r == SK_OK)
			r = broker_audit(c, "grant.expired", g->requester, "ok",
			                 audit_field(grant_fields(g, NULL), "cause", g->end_cause));
	}
	if (d.n == 0 && r == SK_OK) {
		store_rollback(c->db);
		return SK_OK;
	}
	return attempt_end(c, r, NULL, NULL, NULL, NULL);
}

static int
reply_grant(struct sk_msg *reply, const struct grant_rec *g)
{
	int r = reply_status(reply, SK_ST_OK);

	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_GRANT_ID, (uint64_t)g->id);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_GRANT_STATE, (uint64_t)g->state);
	if (r == SK_OK && g->state == GRANT_ACTIVE)
		r = sk_msg_put_uint(reply, SK_K_GRANT_ENDS, (uint64_t)g->ends);
	return r;
}

/* The request's fields: role, minutes, reason, ticket, break-glass. 1 read, 0 refused (the
 * reply says why), or an error. */
static int
read_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
             struct grant_rec *g, const struct sk_priv_role **role)
{
	uint64_t minutes = 0;
	int bg = 0, gr;

	memset(g, 0, sizeof(*g));
	if (sk_msg_get_text(req, SK_K_ROLE, g->role, sizeof(g->role)) != SK_OK ||
	    !sk_valid_name(g->role) || (*role = sk_conf_role(&c->b->conf, g->role)) == NULL)
		return grant_invalid(reply, SK_REASON_UNKNOWN_ROLE) == SK_OK ? 0 : SK_ERR_NOMEM;
	if ((gr = sk_msg_get_bool(req, SK_K_BREAKGLASS, &bg)) != SK_OK && gr != SK_ERR_NOTFOUND)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD) == SK_OK ? 0 : SK_ERR_NOMEM;
	g->breakglass = bg;
	if (!grant_text(req, SK_K_GRANT_REASON, g->reason, sizeof(g->reason)))
		return grant_invalid(reply, SK_REASON_REASON_REQUIRED) == SK_OK ? 0 : SK_ERR_NOMEM;
	if (sk_msg_get_uint(req, SK_K_MINUTES, &minutes) != SK_OK || minutes == 0)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD) == SK_OK ? 0 : SK_ERR_NOMEM;
	/* R-PRIV-7: never longer than the role allows. */
	if (minutes > (bg ? (*role)->breakglass_minutes : (*role)->max_minutes))
		return grant_invalid(reply, SK_REASON_MINUTES_OVER) == SK_OK ? 0 : SK_ERR_NOMEM;
	g->minutes = (int64_t)minutes;
	if (sk_msg_get_text_opt(req, SK_K_TICKET, g->ticket, sizeof(g->ticket)) != SK_OK ||
	    (g->ticket[0] != '\0' && !grant_text(req, SK_K_TICKET, g->ticket, sizeof(g->ticket))))
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD) == SK_OK ? 0 : SK_ERR_NOMEM;
	if (grant_join(&(*role)->services, g->services, sizeof(g->services)) != SK_OK ||
	    grant_join(&(*role)->groups, g->groups, sizeof(g->groups)) != SK_OK ||
	    grant_join(&(*role)->accounts, g->accounts, sizeof(g->accounts)) != SK_OK)
		return SK_ERR_RANGE;
	return 1;
}

int
admin_grant_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const struct sk_priv_role *role = NULL;
	const char *me = grant_actor(c);
	const char *event;
	struct grant_rec g;
	struct review_rec v;
	int r, ok, contractor = 0, holder = 0;

	if ((r = grant_sweep(c)) != SK_OK || (ok = read_request(c, req, reply, &g, &role)) != 1)
		return r != SK_OK ? r : ok;
	event = g.breakglass ? "breakglass.activate" : "grant.request";
	snprintf(g.requester, sizeof(g.requester), "%s", me);
	if ((r = store_user_contractor(c->db, me, &contractor)) != SK_OK)
		return r;
	/* R-MFA-4, R-PRIV-4: contractors never break glass, and hold only roles open to them. */
	if (contractor && (g.breakglass || !role->contractors))
		return grant_refuse(c, reply, event, me, SK_REASON_CONTRACTOR,
		                    audit_field(NULL, "role", g.role));
	if (g.breakglass)
		holder = sk_name_list_has(&role->breakglass, me);
	else if ((r = grant_is_holder(c->db, role, me, &holder)) != SK_OK)
		return r;
	if (!holder)
		return grant_refuse(c, reply, event, me, SK_REASON_NOT_HOLDER,
		                    audit_field(NULL, "role", g.role));
	g.created = broker_now();
	if (g.breakglass) {
		/* R-EXC-1: active at once, for a short time, and on the review list until the
		 * CISO role closes it. */
		g.state = GRANT_ACTIVE;
		g.starts = g.created;
		g.ends = g.created + g.minutes * 60;
	} else {
		g.state = GRANT_PENDING;
	}
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_grant_insert(c->db, &g);
	if (r == SK_OK && g.breakglass) {
		memset(&v, 0, sizeof(v));
		v.grant_id = g.id;
		snprintf(v.role, sizeof(v.role), "%s", g.role);
		snprintf(v.user, sizeof(v.user), "%s", g.requester);
		snprintf(v.reason, sizeof(v.reason), "%s", g.reason);
		v.created = g.created;
		r = store_review_insert(c->db, &v);
	}
	{
		json_object *f = grant_fields(&g, NULL);

		f = audit_field(f, "reason", g.reason);
		f = audit_field_int(f, "minutes", g.minutes);
		if (g.ticket[0] != '\0')
			f = audit_field(f, "ticket", g.ticket);
		if (g.breakglass) {
			f = audit_field_int(f, "ends", g.ends);
			f = audit_field_int(f, "review", v.id);
		}
		r = attempt_end(c, r, g.breakglass ? "breakglass.activated" : "grant.requested",
		                me, "ok", f);
	}
	if (r != SK_OK)
		return r;
	grant_notice_of(c, g.breakglass ? "breakglass.activated" : "grant.requested", &g);
	return reply_grant(reply, &g);
}

/* The grant named by SK_K_GRANT_ID: 1 loaded, 0 answered (not found, malformed), or an
 * error. */
static int
load_grant(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
           struct grant_rec *g)
{
	uint64_t id = 0;
	int r;

	if (sk_msg_get_uint(req, SK_K_GRANT_ID, &id) != SK_OK || id == 0 || id > INT64_MAX)
		return grant_invalid(reply, SK_REASON_INVALID_FACTOR_ID) == SK_OK ? 0 : SK_ERR_NOMEM;
	if ((r = store_grant_get(c->db, (int64_t)id, g)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND) == SK_OK ? 0 : SK_ERR_NOMEM;
	return r == SK_OK ? 1 : r;
}

static void
activate(struct grant_rec *g, int64_t now)
{
	g->state = GRANT_ACTIVE;
	g->starts = now;
	g->ends = now + g->minutes * 60;
}

/* Approval (step 0) by a holder of the approving role other than the requester and, for a
 * role with two approvers, other than the first one. */
static int
approve(struct broker_conn *c, struct sk_msg *reply, const struct sk_priv_role *role,
        struct grant_rec *g, int64_t now)
{
	const char *me = grant_actor(c);
	enum grant_state from = g->state;
	int r, yes = 0;

	if (from != GRANT_PENDING)
		return grant_refuse(c, reply, "grant.approve", g->requester, SK_REASON_GRANT_STATE,
		                    grant_fields(g, NULL));
	if ((r = grant_is_approver(c->db, &c->b->conf, role, me, &yes)) != SK_OK)
		return r;
	if (!yes)
		return grant_refuse(c, reply, "grant.approve", g->requester, SK_REASON_NOT_APPROVER,
		                    grant_fields(g, NULL));
	if (g->approver1[0] != '\0' && strcmp(g->approver1, me) == 0)
		return grant_refuse(c, reply, "grant.approve", g->requester,
		                    SK_REASON_ALREADY_APPROVED, grant_fields(g, NULL));
	if (g->approver1[0] == '\0') {
		snprintf(g->approver1, sizeof(g->approver1), "%s", me);
		g->approved1_at = now;
	} else {
		snprintf(g->approver2, sizeof(g->approver2), "%s", me);
		g->approved2_at = now;
	}
	if (role->approvers == 2 && g->approver2[0] == '\0')
		;   /* waits for the second approver */
	else if (role->two_person)
		g->state = GRANT_APPROVED;   /* waits for the second person (R-SOD-2) */
	else
		activate(g, now);
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_grant_update(c->db, g, from);
	if (r == SK_ERR_NOTFOUND) {   /* decided by someone else meanwhile */
		store_rollback(c->db);
		return grant_refuse(c, reply, "grant.approve", g->requester, SK_REASON_GRANT_STATE,
		                    grant_fields(g, NULL));
	}
	{
		json_object *f = audit_field(grant_fields(g, NULL), "approver", me);

		if (g->state == GRANT_ACTIVE)
			f = audit_field_int(f, "ends", g->ends);
		r = attempt_end(c, r, g->state == GRANT_ACTIVE ? "grant.activated" : "grant.approved",
		                g->requester, "ok", f);
	}
	return r == SK_OK ? reply_grant(reply, g) : r;
}

/* Confirmation (step 1) of a two-person grant by a second person: not the requester, not an
 * approver, and a holder of the role or of its approving role (R-SOD-2). */
static int
confirm(struct broker_conn *c, struct sk_msg *reply, const struct sk_priv_role *role,
        struct grant_rec *g, int64_t now)
{
	const char *me = grant_actor(c);
	int r, holder = 0, approver = 0;

	if (g->state != GRANT_APPROVED || !role->two_person)
		return grant_refuse(c, reply, "grant.confirm", g->requester, SK_REASON_GRANT_STATE,
		                    grant_fields(g, NULL));
	if (strcmp(g->approver1, me) == 0 || strcmp(g->approver2, me) == 0)
		return grant_refuse(c, reply, "grant.confirm", g->requester, SK_REASON_SAME_PERSON,
		                    grant_fields(g, NULL));
	if ((r = grant_is_holder(c->db, role, me, &holder)) != SK_OK ||
	    (!holder && (r = grant_is_approver(c->db, &c->b->conf, role, me, &approver)) != SK_OK))
		return r;
	if (!holder && !approver)
		return grant_refuse(c, reply, "grant.confirm", g->requester, SK_REASON_NOT_HOLDER,
		                    grant_fields(g, NULL));
	snprintf(g->confirmer, sizeof(g->confirmer), "%s", me);
	g->confirmed_at = now;
	activate(g, now);
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_grant_update(c->db, g, GRANT_APPROVED);
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return grant_refuse(c, reply, "grant.confirm", g->requester, SK_REASON_GRANT_STATE,
		                    grant_fields(g, NULL));
	}
	r = attempt_end(c, r, "grant.activated", g->requester, "ok",
	                audit_field_int(audit_field(audit_field(grant_fields(g, NULL), "confirmer",
	                                                        me), "approver", g->approver1),
	                                "ends", g->ends));
	return r == SK_OK ? reply_grant(reply, g) : r;
}

int
admin_grant_approve(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const struct sk_priv_role *role;
	struct grant_rec g;
	uint64_t step = 0;
	int r, ok;
	const char *event;

	if ((r = grant_sweep(c)) != SK_OK || (ok = load_grant(c, req, reply, &g)) != 1)
		return r != SK_OK ? r : ok;
	if (sk_msg_get_uint_opt(req, SK_K_GRANT_STEP, 0, &step) != SK_OK || step > 1)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	event = step == 1 ? "grant.confirm" : "grant.approve";
	/* R-SOD-1: first, before anything else about the grant is looked at. */
	if (strcmp(g.requester, grant_actor(c)) == 0)
		return grant_refuse(c, reply, event, g.requester, SK_REASON_SELF_APPROVAL,
		                    grant_fields(&g, NULL));
	if ((role = sk_conf_role(&c->b->conf, g.role)) == NULL)
		return grant_refuse(c, reply, event, g.requester, SK_REASON_UNKNOWN_ROLE,
		                    grant_fields(&g, NULL));
	return step == 1 ? confirm(c, reply, role, &g, broker_now())
	                 : approve(c, reply, role, &g, broker_now());
}

/* Deny: a request not yet active (pending, or approved and waiting for the second person),
 * or an active two-person grant, by someone who could approve or confirm it. */
int
admin_grant_deny(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const struct sk_priv_role *role;
	const char *me = grant_actor(c);
	char why[GRANT_TEXT_MAX];
	struct grant_rec g;
	enum grant_state was;
	int r, ok, yes = 0;

	if ((r = grant_sweep(c)) != SK_OK || (ok = load_grant(c, req, reply, &g)) != 1)
		return r != SK_OK ? r : ok;
	if (!grant_text(req, SK_K_GRANT_REASON, why, sizeof(why)))
		return grant_invalid(reply, SK_REASON_REASON_REQUIRED);
	if (strcmp(g.requester, me) == 0)
		return grant_refuse(c, reply, "grant.deny", g.requester, SK_REASON_SELF_APPROVAL,
		                    grant_fields(&g, NULL));
	if ((role = sk_conf_role(&c->b->conf, g.role)) == NULL)
		return grant_refuse(c, reply, "grant.deny", g.requester, SK_REASON_UNKNOWN_ROLE,
		                    grant_fields(&g, NULL));
	if (!(g.state == GRANT_PENDING || g.state == GRANT_APPROVED ||
	      (g.state == GRANT_ACTIVE && role->two_person)))
		return grant_refuse(c, reply, "grant.deny", g.requester, SK_REASON_GRANT_STATE,
		                    grant_fields(&g, NULL));
	if ((r = grant_is_approver(c->db, &c->b->conf, role, me, &yes)) != SK_OK ||
	    (!yes && role->two_person && (r = grant_is_holder(c->db, role, me, &yes)) != SK_OK))
		return r;
	if (!yes)
		return grant_refuse(c, reply, "grant.deny", g.requester, SK_REASON_NOT_APPROVER,
		                    grant_fields(&g, NULL));
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = grant_end(c->db, g.id, GRANT_END_DENIED, me, why, broker_now(), &was);
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return grant_refuse(c, reply, "grant.deny", g.requester, SK_REASON_GRANT_STATE,
		                    grant_fields(&g, NULL));
	}
	g.state = GRANT_DENIED;
	r = attempt_end(c, r, "grant.denied", g.requester, "ok",
	                audit_field(audit_field(audit_field(grant_fields(&g, NULL), "denied_by", me),
	                                        "was", grant_state_name(was)), "reason", why));
	return r == SK_OK ? reply_grant(reply, &g) : r;
}

/* Revoke: ends a grant at once, whatever state it is in. Anyone with an admin session, and
 * root in the recovery role: taking privileges away is always allowed. */
int
admin_grant_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const char *me = grant_actor(c);
	struct grant_rec g;
	enum grant_state was;
	int r, ok;

	if ((r = grant_sweep(c)) != SK_OK || (ok = load_grant(c, req, reply, &g)) != 1)
		return r != SK_OK ? r : ok;
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = grant_end(c->db, g.id, GRANT_END_REVOKED, me[0] ? me : "root", NULL, broker_now(), &was);
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return grant_refuse(c, reply, "grant.revoke", g.requester, SK_REASON_GRANT_STATE,
		                    grant_fields(&g, NULL));
	}
	g.state = GRANT_REVOKED;
	r = attempt_end(c, r, "grant.revoked", g.requester, "ok",
	                audit_field(audit_field(grant_fields(&g, NULL), "revoked_by",
	                                        me[0] ? me : "root"), "was", grant_state_name(was)));
	return r == SK_OK ? reply_grant(reply, &g) : r;
}
