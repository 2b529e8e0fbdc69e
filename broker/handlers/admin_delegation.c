/* sekimori delegation nominate | approve | deny | revoke (R-PRIV-3) and sekimori review close
 * (R-EXC-1; doc/privileged-access.md). A holder of a role nominates a delegate; the
 * delegation takes effect only when a holder of the CISO role ([grant] ciso_role) approves
 * it, who is neither the nominator nor the delegate; the roles [grant] delegation_notify
 * names are notified (audit record and notification command). A break-glass grant's review
 * is closed by a holder of the CISO role other than the one who broke the glass, with a
 * comment. */
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

static json_object *
delegation_fields(const struct delegation_rec *d, json_object *extra)
{
	extra = audit_field_int(extra, "delegation", d->id);
	extra = audit_field(extra, "role", d->role);
	extra = audit_field(extra, "delegate", d->delegate);
	extra = audit_field(extra, "nominator", d->nominator);
	return audit_field(extra, "state", delegation_state_name(d->state));
}

/* The roles delegation_notify names and their configured holders, space-separated. */
static void
notify_lists(const struct sk_conf *conf, char *roles, size_t rcap, char *users, size_t ucap)
{
	size_t ul = 0;

	(void)grant_join(&conf->grant.delegation_notify, roles, rcap);
	users[0] = '\0';
	for (size_t i = 0; i < conf->grant.delegation_notify.n; i++) {
		const struct sk_priv_role *r = sk_conf_role(conf, conf->grant.delegation_notify.v[i]);

		for (size_t k = 0; r != NULL && k < r->holders.n; k++) {
			int n = snprintf(users + ul, ucap - ul, "%s%s", ul ? " " : "", r->holders.v[k]);

			if (n < 0 || (size_t)n >= ucap - ul)
				return;
			ul += (size_t)n;
		}
	}
}

/* The audit record's "notified" field and the notification command, for a delegation event. */
static void
notify_delegation(struct broker_conn *c, const char *event, const struct delegation_rec *d)
{
	struct grant_notice n;

	memset(&n, 0, sizeof(n));
	snprintf(n.event, sizeof(n.event), "%s", event);
	n.id = d->id;
	snprintf(n.role, sizeof(n.role), "%s", d->role);
	snprintf(n.user, sizeof(n.user), "%s", d->delegate);
	snprintf(n.actor, sizeof(n.actor), "%s", grant_actor(c));
	snprintf(n.reason, sizeof(n.reason), "%s", d->reason);
	notify_lists(&c->b->conf, n.notify_roles, sizeof(n.notify_roles), n.notify_users,
	             sizeof(n.notify_users));
	grant_notify(c->b, &n);
}

static json_object *
notified_field(const struct sk_conf *conf, json_object *extra)
{
	char roles[GRANT_LIST_MAX], users[GRANT_LIST_MAX * 2];

	notify_lists(conf, roles, sizeof(roles), users, sizeof(users));
	return audit_field(audit_field(extra, "notified_roles", roles), "notified_users", users);
}

int
admin_delegation_nominate(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const struct sk_priv_role *role;
	const char *me = grant_actor(c);
	struct delegation_rec d;
	struct user_rec u;
	int r, holder = 0, contractor = 0;

	memset(&d, 0, sizeof(d));
	if (sk_msg_get_text(req, SK_K_ROLE, d.role, sizeof(d.role)) != SK_OK ||
	    !sk_valid_name(d.role) || (role = sk_conf_role(&c->b->conf, d.role)) == NULL)
		return grant_invalid(reply, SK_REASON_UNKNOWN_ROLE);
	if (admin_target_user(req, d.delegate, sizeof(d.delegate)) != SK_OK)
		return grant_invalid(reply, SK_REASON_INVALID_USER_NAME);
	if (!grant_text(req, SK_K_GRANT_REASON, d.reason, sizeof(d.reason)))
		return grant_invalid(reply, SK_REASON_REASON_REQUIRED);
	snprintf(d.nominator, sizeof(d.nominator), "%s", me);
	if (strcmp(d.delegate, me) == 0)
		return grant_refuse(c, reply, "delegation.nominate", d.delegate,
		                    SK_REASON_SELF_APPROVAL, delegation_fields(&d, NULL));
	if ((r = grant_is_holder(c->db, role, me, &holder)) != SK_OK)
		return r;
	if (!holder)
		return grant_refuse(c, reply, "delegation.nominate", d.delegate, SK_REASON_NOT_HOLDER,
		                    delegation_fields(&d, NULL));
	if ((r = store_user_get(c->db, d.delegate, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	explicit_bzero(&u, sizeof(u));
	if (r != SK_OK || (r = store_user_contractor(c->db, d.delegate, &contractor)) != SK_OK)
		return r;
	if (contractor && !role->contractors)
		return grant_refuse(c, reply, "delegation.nominate", d.delegate, SK_REASON_CONTRACTOR,
		                    delegation_fields(&d, NULL));
	d.state = DELEGATION_NOMINATED;
	d.created = broker_now();
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_delegation_insert(c->db, &d);
	r = attempt_end(c, r, "delegation.nominated", d.delegate, "ok",
	                notified_field(&c->b->conf, audit_field(delegation_fields(&d, NULL),
	                                                         "reason", d.reason)));
	if (r != SK_OK)
		return r;
	notify_delegation(c, "delegation.nominated", &d);
	r = reply_status(reply, SK_ST_OK);
	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_GRANT_ID, (uint64_t)d.id) : r;
}

static int
read_id(const struct sk_msg *req, int64_t *id)
{
	uint64_t v = 0;

	if (sk_msg_get_uint(req, SK_K_GRANT_ID, &v) != SK_OK || v == 0 || v > INT64_MAX)
		return 0;
	*id = (int64_t)v;
	return 1;
}

int
admin_delegation_decide(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	static const char *const asked[] = { "delegation.approve", "delegation.deny",
	                                     "delegation.revoke" };
	static const char *const done[] = { "delegation.approved", "delegation.denied",
	                                    "delegation.revoked" };
	const struct sk_priv_role *role;
	const char *me = grant_actor(c);
	struct delegation_rec d;
	enum delegation_state from, to;
	uint64_t step = 0;
	int64_t id = 0;
	int r, ciso = 0, holder = 0;

	if (!read_id(req, &id))
		return grant_invalid(reply, SK_REASON_INVALID_FACTOR_ID);
	if (sk_msg_get_uint_opt(req, SK_K_GRANT_STEP, 0, &step) != SK_OK || step > 2)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if ((r = store_delegation_get(c->db, id, &d)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	/* Neither the nominator nor the delegate decides their own delegation (R-SOD-1). */
	if (step < 2 && (strcmp(d.nominator, me) == 0 || strcmp(d.delegate, me) == 0))
		return grant_refuse(c, reply, asked[step], d.delegate, SK_REASON_SELF_APPROVAL,
		                    delegation_fields(&d, NULL));
	if ((r = grant_is_ciso(c->db, &c->b->conf, me, &ciso)) != SK_OK)
		return r;
	/* Revoking takes a privilege away: the CISO role, or a configured holder of the role
	 * (not a delegate of it). */
	role = sk_conf_role(&c->b->conf, d.role);
	holder = step == 2 && role != NULL && sk_name_list_has(&role->holders, me) &&
	         strcmp(d.delegate, me) != 0;
	if (!ciso && !holder)
		return grant_refuse(c, reply, asked[step], d.delegate, SK_REASON_NOT_APPROVER,
		                    delegation_fields(&d, NULL));
	from = step == 2 ? DELEGATION_APPROVED : DELEGATION_NOMINATED;
	to = step == 0 ? DELEGATION_APPROVED : step == 1 ? DELEGATION_DENIED : DELEGATION_REVOKED;
	if (d.state != from)
		return grant_refuse(c, reply, asked[step], d.delegate, SK_REASON_GRANT_STATE,
		                    delegation_fields(&d, NULL));
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_delegation_decide(c->db, id, from, to, me, broker_now());
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return grant_refuse(c, reply, asked[step], d.delegate, SK_REASON_GRANT_STATE,
		                    delegation_fields(&d, NULL));
	}
	d.state = to;
	r = attempt_end(c, r, done[step], d.delegate, "ok",
	                notified_field(&c->b->conf, audit_field(delegation_fields(&d, NULL),
	                                                         "decided_by", me)));
	if (r != SK_OK)
		return r;
	notify_delegation(c, done[step], &d);
	return reply_status(reply, SK_ST_OK);
}

int
admin_review_close(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	const char *me = grant_actor(c);
	char comment[GRANT_TEXT_MAX];
	struct review_rec v;
	json_object *f;
	int64_t id = 0;
	int r, ciso = 0;

	if (!read_id(req, &id))
		return grant_invalid(reply, SK_REASON_INVALID_FACTOR_ID);
	if (!grant_text(req, SK_K_COMMENT, comment, sizeof(comment)))
		return grant_invalid(reply, SK_REASON_REASON_REQUIRED);
	if ((r = store_review_get(c->db, id, &v)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	f = audit_field(audit_field_int(audit_field_int(NULL, "review", v.id), "grant", v.grant_id),
	                "role", v.role);
	if (strcmp(v.user, me) == 0)
		return grant_refuse(c, reply, "review.close", v.user, SK_REASON_SELF_APPROVAL, f);
	if ((r = grant_is_ciso(c->db, &c->b->conf, me, &ciso)) != SK_OK) {
		json_object_put(f);
		return r;
	}
	if (!ciso)
		return grant_refuse(c, reply, "review.close", v.user, SK_REASON_NOT_APPROVER, f);
	if (v.closed)
		return grant_refuse(c, reply, "review.close", v.user, SK_REASON_GRANT_STATE, f);
	if ((r = store_begin(c->db)) != SK_OK) {
		json_object_put(f);
		return r;
	}
	r = store_review_close(c->db, id, me, broker_now(), comment);
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return grant_refuse(c, reply, "review.close", v.user, SK_REASON_GRANT_STATE, f);
	}
	r = attempt_end(c, r, "review.closed", v.user, "ok",
	                audit_field(audit_field(f, "closed_by", me), "comment", comment));
	return r == SK_OK ? reply_status(reply, SK_ST_OK) : r;
}
