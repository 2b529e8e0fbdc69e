/* What an HR transfer takes away (issue 10, item 4; doc/hr-import.md "Transfers"): the
 * privileged access tied to the department the user leaves. A role is tied to departments by
 * its `departments =` key in sekimori.conf. When a transfer moves a user from department OLD to
 * NEW, for every role that lists OLD and not NEW:
 *   - the user's open grants of it (pending, approved, active) end (grant_end, cause
 *     hr_transfer), which ends the live privileged sessions of an active one;
 *   - the user's nominated or approved delegations of it become revoked;
 *   - a configured holder (holders =) no longer holds it: grant_is_holder checks the HR
 *     department, which the transfer has just written.
 * The account itself is kept. Every revocation is one audit record "hr.transfer_revoked"
 * carrying the HR file's hash and the event's identity. */
#include "hr_transfer.h"

#include <stdio.h>
#include <string.h>

#include "audit_event.h"
#include "grant.h"
#include "sk_err.h"
#include "sk_log.h"

#define TRANSFER_IDS_MAX 256   /* grants or delegations of one user collected per role */

struct ids {
	const char *user, *role;
	int64_t v[TRANSFER_IDS_MAX];
	size_t n;
	int overflow;
};

static int
collect_grant(void *arg, const struct grant_rec *g)
{
	struct ids *x = arg;

	if (strcmp(g->requester, x->user) != 0 || strcmp(g->role, x->role) != 0)
		return 0;
	if (x->n == TRANSFER_IDS_MAX) {
		x->overflow = 1;
		return 1;
	}
	x->v[x->n++] = g->id;
	return 0;
}

static int
collect_delegation(void *arg, const struct delegation_rec *d)
{
	struct ids *x = arg;

	if (strcmp(d->delegate, x->user) != 0 || strcmp(d->role, x->role) != 0 ||
	    (d->state != DELEGATION_NOMINATED && d->state != DELEGATION_APPROVED))
		return 0;
	if (x->n == TRANSFER_IDS_MAX) {
		x->overflow = 1;
		return 1;
	}
	x->v[x->n++] = d->id;
	return 0;
}

static int
audit_revoked(struct broker_conn *c, const struct hr_event_rec *e, const char *user,
              const char *kind, const char *role, int64_t id, const char *old_dept)
{
	json_object *f = audit_field(NULL, "hr_file", e->file_sha256);

	f = audit_field(f, "hr_event", e->event_id);
	f = audit_field(f, "staff_no", e->staff_no);
	f = audit_field(f, "effective", e->effective);
	f = audit_field_int(f, "line", e->line);
	f = audit_field(f, "kind", kind);
	f = audit_field(f, "role", role);
	if (id > 0)
		f = audit_field_int(f, "id", id);
	f = audit_field(f, "old_dept", old_dept);
	f = audit_field(f, "dept", e->dept);
	return broker_audit(c, "hr.transfer_revoked", user, "ok", f);
}

static int
revoke_role(struct broker_conn *c, const struct hr_event_rec *e, const char *user,
            const struct sk_priv_role *role, const char *old_dept, int64_t now, size_t *n)
{
	struct ids x;
	int r;

	memset(&x, 0, sizeof(x));
	x.user = user;
	x.role = role->name;
	if ((r = store_grant_list(c->db, 1, collect_grant, &x)) != SK_OK)
		return r;
	for (size_t i = 0; i < x.n; i++) {
		r = grant_end(c->db, x.v[i], GRANT_END_HR_TRANSFER, "", NULL, now, NULL);
		if (r == SK_ERR_NOTFOUND)
			continue;
		if (r != SK_OK ||
		    (r = audit_revoked(c, e, user, "grant", role->name, x.v[i], old_dept)) != SK_OK)
			return r;
		(*n)++;
	}
	if (x.overflow) {
		sk_logerr("HR transfer of %s: more than %d open grants of role %s", user,
		          TRANSFER_IDS_MAX, role->name);
		return SK_ERR_RANGE;
	}
	memset(&x, 0, sizeof(x));
	x.user = user;
	x.role = role->name;
	if ((r = store_delegation_list(c->db, collect_delegation, &x)) != SK_OK)
		return r;
	for (size_t i = 0; i < x.n; i++) {
		struct delegation_rec d;

		if ((r = store_delegation_get(c->db, x.v[i], &d)) != SK_OK)
			return r;
		r = store_delegation_decide(c->db, d.id, d.state, DELEGATION_REVOKED, "", now);
		if (r == SK_ERR_NOTFOUND)
			continue;
		if (r != SK_OK ||
		    (r = audit_revoked(c, e, user, "delegation", role->name, d.id, old_dept)) != SK_OK)
			return r;
		(*n)++;
	}
	if (x.overflow) {
		sk_logerr("HR transfer of %s: more than %d delegations of role %s", user,
		          TRANSFER_IDS_MAX, role->name);
		return SK_ERR_RANGE;
	}
	/* A configured holder's holding lapses with the department (grant_is_holder); said
	 * here so that the audit trail shows it at the effective time. */
	if (sk_name_list_has(&role->holders, user)) {
		if ((r = audit_revoked(c, e, user, "holder", role->name, 0, old_dept)) != SK_OK)
			return r;
		(*n)++;
	}
	return SK_OK;
}

int
hr_transfer_revoke(struct broker_conn *c, const struct hr_event_rec *e, const char *user,
                   const char *old_dept, int64_t now, size_t *n)
{
	const struct sk_conf *conf = &c->b->conf;
	int r;

	*n = 0;
	if (old_dept[0] == '\0' || strcmp(old_dept, e->dept) == 0)
		return SK_OK;
	for (size_t i = 0; i < conf->n_roles; i++) {
		const struct sk_priv_role *role = &conf->roles[i];

		if (!sk_name_list_has(&role->departments, old_dept) ||
		    sk_name_list_has(&role->departments, e->dept))
			continue;
		if ((r = revoke_role(c, e, user, role, old_dept, now, n)) != SK_OK)
			return r;
	}
	return SK_OK;
}
