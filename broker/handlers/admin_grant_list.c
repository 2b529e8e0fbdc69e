/* sekimori grant list | role list | delegation list | review list (PRIV_LIST), and the
 * contractor mark (USER_CONTRACTOR; R-MFA-4, R-PRIV-4). */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_grant.h"
#include "attempt.h"
#include "audit_event.h"
#include "broker_json.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

#define PRIV_LIST_MAX 500   /* entries in one reply */

static void
add_text(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* "" for 0, else the time as broker_json_time writes it. */
static void
add_time(json_object *o, const char *key, int64_t t)
{
	json_object_object_add(o, key, t ? broker_json_time(t) : json_object_new_string(""));
}

json_object *
grant_json(const struct grant_rec *g)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(g->id));
	add_text(o, "role", g->role);
	add_text(o, "state", grant_state_name(g->state));
	add_text(o, "requester", g->requester);
	add_text(o, "reason", g->reason);
	add_text(o, "ticket", g->ticket);
	json_object_object_add(o, "minutes", json_object_new_int64(g->minutes));
	json_object_object_add(o, "breakglass", json_object_new_boolean(g->breakglass));
	add_time(o, "requested", g->created);
	add_text(o, "approver", g->approver1);
	add_time(o, "approved", g->approved1_at);
	add_text(o, "second_approver", g->approver2);
	add_time(o, "second_approved", g->approved2_at);
	add_text(o, "confirmer", g->confirmer);
	add_time(o, "confirmed", g->confirmed_at);
	add_time(o, "starts", g->starts);
	add_time(o, "ends", g->ends);
	add_time(o, "ended", g->ended_at);
	add_text(o, "ended_by", g->ended_by);
	add_text(o, "end_cause", g->end_cause);
	add_text(o, "services", g->services);
	add_text(o, "groups", g->groups);
	add_text(o, "accounts", g->accounts);
	return o;
}

struct list {
	json_object *arr;
	size_t n;
	int truncated;
};

static int
room(struct list *l)
{
	if (l->n >= PRIV_LIST_MAX) {
		l->truncated = 1;
		return 0;
	}
	l->n++;
	return 1;
}

static int
one_grant(void *arg, const struct grant_rec *g)
{
	struct list *l = arg;

	if (!room(l))
		return 1;
	json_object_array_add(l->arr, grant_json(g));
	return 0;
}

static int
one_delegation(void *arg, const struct delegation_rec *d)
{
	struct list *l = arg;
	json_object *o;

	if (!room(l))
		return 1;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(d->id));
	add_text(o, "role", d->role);
	add_text(o, "delegate", d->delegate);
	add_text(o, "nominator", d->nominator);
	add_text(o, "reason", d->reason);
	add_text(o, "state", delegation_state_name(d->state));
	add_time(o, "nominated", d->created);
	add_text(o, "decided_by", d->decided_by);
	add_time(o, "decided", d->decided_at);
	json_object_array_add(l->arr, o);
	return 0;
}

static int
one_review(void *arg, const struct review_rec *v)
{
	struct list *l = arg;
	json_object *o;

	if (!room(l))
		return 1;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(v->id));
	json_object_object_add(o, "grant", json_object_new_int64(v->grant_id));
	add_text(o, "role", v->role);
	add_text(o, "user", v->user);
	add_text(o, "reason", v->reason);
	add_time(o, "activated", v->created);
	json_object_object_add(o, "closed", json_object_new_boolean(v->closed));
	add_text(o, "closed_by", v->closed_by);
	add_time(o, "closed_at", v->closed_at);
	add_text(o, "comment", v->comment);
	json_object_array_add(l->arr, o);
	return 0;
}

static json_object *
name_array(const struct sk_name_list *n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n->n; i++)
		json_object_array_add(a, json_object_new_string(n->v[i]));
	return a;
}

struct delegates {
	const char *role;
	char names[SK_ROLE_ITEMS * 4][SK_USER_MAX];
	size_t n;
};

static int
collect_delegates(void *arg, const struct delegation_rec *d)
{
	struct delegates *x = arg;

	if (d->state == DELEGATION_APPROVED && strcmp(d->role, x->role) == 0 &&
	    x->n < sizeof(x->names) / sizeof(x->names[0]))
		snprintf(x->names[x->n++], sizeof(x->names[0]), "%s", d->delegate);
	return 0;
}

static int
holder_json(struct broker_conn *c, const char *role, const char *user, const char *how,
            json_object *arr)
{
	json_object *h = json_object_new_object();
	int64_t at = 0;
	int r = store_role_last_use(c->db, role, user, &at);

	add_text(h, "user", user);
	add_text(h, "via", how);
	add_time(h, "last_use", at);
	json_object_array_add(arr, h);
	return r;
}

/* R-PRIV-1: every role, what it unlocks, and its few holders with each one's last use. */
static int
roles_json(struct broker_conn *c, json_object *arr)
{
	static struct delegates x;   /* large; PRIV_LIST runs one at a time per role lookup */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int r = SK_OK;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < c->b->conf.n_roles && r == SK_OK; i++) {
		const struct sk_priv_role *role = &c->b->conf.roles[i];
		json_object *o = json_object_new_object(), *holders = json_object_new_array();

		add_text(o, "role", role->name);
		json_object_object_add(o, "services", name_array(&role->services));
		json_object_object_add(o, "groups", name_array(&role->groups));
		json_object_object_add(o, "accounts", name_array(&role->accounts));
		json_object_object_add(o, "max_minutes", json_object_new_int64(role->max_minutes));
		json_object_object_add(o, "approvers", json_object_new_int64(role->approvers));
		add_text(o, "approver_role", role->approver_role[0] ? role->approver_role : role->name);
		json_object_object_add(o, "two_person", json_object_new_boolean(role->two_person));
		json_object_object_add(o, "contractors", json_object_new_boolean(role->contractors));
		json_object_object_add(o, "breakglass", name_array(&role->breakglass));
		json_object_object_add(o, "breakglass_minutes",
		                       json_object_new_int64(role->breakglass_minutes));
		for (size_t k = 0; k < role->holders.n && r == SK_OK; k++)
			r = holder_json(c, role->name, role->holders.v[k], "config", holders);
		memset(&x, 0, sizeof(x));
		x.role = role->name;
		if (r == SK_OK)
			r = store_delegation_list(c->db, collect_delegates, &x);
		for (size_t k = 0; k < x.n && r == SK_OK; k++)
			r = holder_json(c, role->name, x.names[k], "delegation", holders);
		json_object_object_add(o, "holders", holders);
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&lock);
	return r;
}

int
admin_priv_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	static const char *const names[] = { "grants", "roles", "delegations", "reviews", "reviews" };
	struct list l = { json_object_new_array(), 0, 0 };
	uint64_t what = 0;
	json_object *o;
	int r;

	if (l.arr == NULL)
		return SK_ERR_NOMEM;
	if (sk_msg_get_uint_opt(req, SK_K_LIST_WHAT, SK_PRIV_LIST_GRANTS, &what) != SK_OK ||
	    what > SK_PRIV_LIST_REVIEWS_ALL) {
		json_object_put(l.arr);
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	}
	/* Lists show what is true now: due expiries first. Root in the recovery role and
	 * auditors read the same (the sweep's records name the broker's own peer). */
	if ((r = grant_sweep(c)) != SK_OK) {
		json_object_put(l.arr);
		return r;
	}
	switch (what) {
	case SK_PRIV_LIST_GRANTS:
		r = store_grant_list(c->db, 0, one_grant, &l);
		break;
	case SK_PRIV_LIST_ROLES:
		r = roles_json(c, l.arr);
		break;
	case SK_PRIV_LIST_DELEGATIONS:
		r = store_delegation_list(c->db, one_delegation, &l);
		break;
	default:
		r = store_review_list(c->db, what == SK_PRIV_LIST_REVIEWS, one_review, &l);
		break;
	}
	if (r != SK_OK) {
		json_object_put(l.arr);
		return r;
	}
	o = json_object_new_object();
	json_object_object_add(o, names[what], l.arr);
	json_object_object_add(o, "truncated", json_object_new_boolean(l.truncated));
	return admin_reply_json(reply, o);
}

struct contractor_arg {
	int yes;
};

static int
set_contractor(struct broker_conn *c, struct user_rec *u, void *arg)
{
	return store_user_set_contractor(c->db, u->name, ((struct contractor_arg *)arg)->yes);
}

/* A contractor may not change anyone's mark, their own least of all (R-PRIV-4). */
int
admin_user_contractor(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct contractor_arg a = { 0 };
	char user[SK_USER_MAX];
	int r, me_contractor = 0;

	if (sk_msg_get_bool(req, SK_K_CONTRACTOR, &a.yes) != SK_OK)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if ((r = store_user_contractor(c->db, grant_actor(c), &me_contractor)) != SK_OK)
		return r;
	if (me_contractor) {
		if (admin_target_user(req, user, sizeof(user)) != SK_OK)
			user[0] = '\0';
		return grant_refuse(c, reply, "admin.user_contractor", user[0] ? user : NULL,
		                    SK_REASON_CONTRACTOR, NULL);
	}
	return admin_change_user(c, req, reply, a.yes ? "admin.user_contractor_set" :
	                         "admin.user_contractor_cleared", set_contractor, &a);
}
