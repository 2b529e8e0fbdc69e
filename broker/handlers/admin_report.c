/* sekimori report orphans | dormant (issue 10, R-LIFE-3; doc/hr-import.md "Reconciliation"):
 * the reads that find IDs which slipped through the HR flow, and the broker's own suspension
 * of dormant accounts (a profile's dormant_suspend_days), audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_report.h"
#include "admin_session_stop.h"
#include "audit_event.h"
#include "broker_json.h"
#include "request.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

/* Entries per list in one answer: the reply's JSON stays below SK_TEXT_MAX with the longest
 * names; the totals count every one. */
#define REPORT_ORPHANS_MAX 100
#define REPORT_DORMANT_MAX 150
#define REPORT_DAYS_MAX 36500
#define DORMANT_BATCH 64        /* accounts suspended per transaction */

struct user_list {
	json_object *arr;
	size_t n, cap;
};

static json_object *
report_user_json(const struct report_user *u)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "user", json_object_new_string(u->name));
	json_object_object_add(o, "profile", json_object_new_string(u->profile));
	json_object_object_add(o, "staff_no", u->staff_no[0] ? json_object_new_string(u->staff_no)
	                       : NULL);
	json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
	json_object_object_add(o, "created", broker_json_time(u->created));
	json_object_object_add(o, "last_login", broker_json_time(u->last_login));
	json_object_object_add(o, "inactive_since", broker_json_time(u->active_from));
	return o;
}

static int
add_user(void *arg, const struct report_user *u)
{
	struct user_list *l = arg;

	if (l->n++ < l->cap)
		json_object_array_add(l->arr, report_user_json(u));
	return 0;
}

static int
add_staff(void *arg, const struct hr_event_rec *e)
{
	struct user_list *l = arg;
	json_object *o;

	if (l->n++ >= l->cap)
		return 0;
	o = json_object_new_object();
	json_object_object_add(o, "staff_no", json_object_new_string(e->staff_no));
	json_object_object_add(o, "last_event", json_object_new_string(e->event));
	json_object_object_add(o, "effective", json_object_new_string(e->effective));
	json_object_object_add(o, "file", json_object_new_string(e->file_sha256));
	json_object_object_add(o, "line", json_object_new_int64(e->line));
	json_object_array_add(l->arr, o);
	return 0;
}

int
admin_report_orphans(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct user_list users = { json_object_new_array(), 0, REPORT_ORPHANS_MAX };
	struct user_list staff = { json_object_new_array(), 0, REPORT_ORPHANS_MAX };
	json_object *o;
	int r;

	(void)req;
	if (users.arr == NULL || staff.arr == NULL) {
		r = SK_ERR_NOMEM;
		goto fail;
	}
	if ((r = store_report_unlinked_users(c->db, add_user, &users)) != SK_OK ||
	    (r = store_report_unlinked_staff(c->db, add_staff, &staff)) != SK_OK)
		goto fail;
	o = json_object_new_object();
	json_object_object_add(o, "accounts_without_hr", users.arr);
	json_object_object_add(o, "accounts_without_hr_total", json_object_new_int64((int64_t)users.n));
	json_object_object_add(o, "hr_without_account", staff.arr);
	json_object_object_add(o, "hr_without_account_total", json_object_new_int64((int64_t)staff.n));
	json_object_object_add(o, "truncated", json_object_new_boolean(users.n > users.cap ||
	                                                               staff.n > staff.cap));
	return admin_reply_json(reply, o);
fail:
	json_object_put(users.arr);
	json_object_put(staff.arr);
	return r;
}

int
admin_report_dormant(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct user_list l = { NULL, 0, REPORT_DORMANT_MAX };
	uint64_t days = 0;
	int64_t before;
	json_object *o;
	int r;

	if (sk_msg_get_uint(req, SK_K_DAYS, &days) != SK_OK || days == 0 || days > REPORT_DAYS_MAX)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_DAYS);
	before = broker_now() - (int64_t)days * 86400;
	if ((l.arr = json_object_new_array()) == NULL)
		return SK_ERR_NOMEM;
	if ((r = store_report_dormant(c->db, before, NULL, 0, add_user, &l)) != SK_OK) {
		json_object_put(l.arr);
		return r;
	}
	o = json_object_new_object();
	json_object_object_add(o, "days", json_object_new_int64((int64_t)days));
	json_object_object_add(o, "inactive_before", broker_json_time(before));
	json_object_object_add(o, "dormant", l.arr);
	json_object_object_add(o, "total", json_object_new_int64((int64_t)l.n));
	json_object_object_add(o, "truncated", json_object_new_boolean(l.n > l.cap));
	return admin_reply_json(reply, o);
}

/* The accounts one sweep transaction suspends. */
struct dormant_batch {
	struct report_user users[DORMANT_BATCH];
	size_t n;
};

static int
collect(void *arg, const struct report_user *u)
{
	struct dormant_batch *b = arg;

	b->users[b->n++] = *u;
	return b->n == DORMANT_BATCH;
}

/* One transaction: up to DORMANT_BATCH enabled accounts of profile p that are dormant,
 * disabled and audited ("user.dormant_suspend"); their live sessions ended after the commit. */
static int
suspend_batch(struct broker_conn *c, const struct sk_profile *p, int64_t now,
              struct dormant_batch *b)
{
	int64_t before = now - (int64_t)p->dormant_suspend_days * 86400;
	int r;

	b->n = 0;
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_report_dormant(c->db, before, p->name, 1, collect, b);
	for (size_t i = 0; i < b->n && r == SK_OK; i++) {
		const struct report_user *u = &b->users[i];
		json_object *f = audit_field(NULL, "profile", u->profile);

		f = audit_field_int(f, "dormant_suspend_days", (int64_t)p->dormant_suspend_days);
		f = audit_field_int(f, "last_login", u->last_login);
		f = audit_field_int(f, "inactive_since", u->active_from);
		r = store_user_set_disabled(c->db, u->id, 1);
		if (r == SK_OK)
			r = broker_audit(c, "user.dormant_suspend", u->name, "ok", f);
		else
			json_object_put(f);
	}
	r = r == SK_OK ? store_commit(c->db) : r;
	if (r != SK_OK) {
		store_rollback(c->db);
		return r;
	}
	for (size_t i = 0; i < b->n; i++) {
		(void)session_watch_order_user(b->users[i].name, SK_CARD_REMOVAL_END, "dormant");
		(void)admin_sessions_end_user(c, b->users[i].name, "dormant");
	}
	return SK_OK;
}

int
dormant_suspend_due(struct broker *b, size_t *suspended)
{
	struct broker_conn c;
	struct dormant_batch *batch;
	int r;

	*suspended = 0;
	for (size_t i = 0; i < b->conf.n_profiles; i++)
		if (b->conf.profiles[i].dormant_suspend_days > 0)
			break;
		else if (i + 1 == b->conf.n_profiles)
			return SK_OK;   /* no profile asks for it: no store work at all */
	if ((batch = calloc(1, sizeof(*batch))) == NULL)
		return SK_ERR_NOMEM;
	if ((r = broker_system_conn(b, &c)) != SK_OK) {
		free(batch);
		return r;
	}
	for (size_t i = 0; i < b->conf.n_profiles && r == SK_OK; i++) {
		const struct sk_profile *p = &b->conf.profiles[i];

		if (p->dormant_suspend_days == 0)
			continue;
		do {
			r = suspend_batch(&c, p, broker_now(), batch);
			if (r == SK_OK)
				*suspended += batch->n;
		} while (r == SK_OK && batch->n == DORMANT_BATCH);
	}
	if (r != SK_OK)
		sk_logerr("dormant accounts: suspending failed; retried at the next check");
	store_release(c.db);
	explicit_bzero(batch, sizeof(*batch));
	free(batch);
	return r;
}
