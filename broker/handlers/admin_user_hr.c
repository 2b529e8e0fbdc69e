/* A user's link to the HR system (issue 10): `sekimori user add --staff N`, `sekimori user
 * set-staff USER N|--clear` and the "hr" part of `user show`. HR events find their account
 * by the staff number (users.hr_staff_no), so an account an administrator made reaches HR
 * only once it is linked. A staff number belongs to at most one account. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_user_hr.h"
#include "attempt.h"
#include "audit_event.h"
#include "hr.h"
#include "hr_apply.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

int
admin_staff_arg(const struct sk_msg *req, char out[HR_STAFF_MAX], int *given)
{
	char raw[4 * HR_STAFF_NO_MAX + 1];   /* full-width digits are 3 bytes each */
	int r = sk_msg_get_text(req, SK_K_STAFF_NO, raw, sizeof(raw));

	out[0] = '\0';
	*given = 0;
	if (r == SK_ERR_NOTFOUND)
		return SK_OK;
	if (r != SK_OK)
		return SK_ERR_PROTO;
	*given = 1;
	if (raw[0] == '\0')
		return SK_OK;   /* unlink */
	/* The import's own rule: 1-16 digits, full-width ones read as ASCII, zeros kept. */
	return hr_parse_staff_no(raw, strlen(raw), out) == 0 ? SK_OK : SK_ERR_PROTO;
}

int
admin_staff_link(struct broker_conn *c, int64_t user_id, const char *staff_no,
                 enum sk_reason *why)
{
	struct user_hr h, other;
	int r;

	*why = SK_REASON_NONE;
	if ((r = store_user_hr_get(c->db, user_id, &h)) != SK_OK)
		return r;
	if (staff_no[0] != '\0') {
		r = store_user_hr_by_staff(c->db, staff_no, &other);
		if (r == SK_OK && other.user_id != user_id) {
			*why = SK_REASON_STAFF_NO_TAKEN;
			return SK_ERR_EXISTS;
		}
		if (r != SK_OK && r != SK_ERR_NOTFOUND)
			return r;
	}
	snprintf(h.staff_no, sizeof(h.staff_no), "%s", staff_no);
	return store_user_hr_set(c->db, &h);
}

int
admin_user_set_staff(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char name[SK_USER_MAX], staff[HR_STAFF_MAX];
	struct user_rec u;
	struct user_hr before;
	enum sk_reason why;
	json_object *fields;
	int given = 0, r;

	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_USER_NAME);
	if (admin_staff_arg(req, staff, &given) != SK_OK || !given)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_STAFF_NO_INVALID);
	if ((r = store_user_lock(c->db, name)) != SK_OK)
		return r;
	if ((r = store_user_get(c->db, name, &u)) == SK_ERR_NOTFOUND) {
		r = reply_status(reply, SK_ST_NOT_FOUND);
		goto out;
	}
	if (r != SK_OK || (r = store_begin(c->db)) != SK_OK)
		goto out;
	r = store_user_hr_get(c->db, u.id, &before);
	if (r == SK_OK)
		r = admin_staff_link(c, u.id, staff, &why);
	if (r == SK_ERR_EXISTS && why != SK_REASON_NONE) {
		store_rollback(c->db);
		r = admin_refuse(reply, SK_ST_EXISTS, why);
		goto out;
	}
	fields = audit_field(audit_field(NULL, "staff_no", staff), "previous_staff_no",
	                     r == SK_OK ? before.staff_no : "");
	r = attempt_end(c, r, "admin.user_set_staff", name, "ok", admin_actor(req, fields));
	if (r == SK_OK)
		r = reply_status(reply, SK_ST_OK);
out:
	store_user_unlock(c->db);
	explicit_bzero(&u, sizeof(u));
	return r;
}

/* `sekimori user reconfirm USER` (issue 10, item 4): an administrator, with the person present
 * and with fresh MFA (dispatch.c), confirms the factors an HR return brought back. The audit
 * record ("admin.user_reconfirm") and the reply list them. */
int
admin_user_reconfirm(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char name[SK_USER_MAX];
	struct user_rec u;
	struct user_hr h;
	json_object *confirmed = NULL, *fields = NULL;
	int r;

	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_USER_NAME);
	if ((r = store_user_lock(c->db, name)) != SK_OK)
		return r;
	if ((r = store_user_get(c->db, name, &u)) == SK_ERR_NOTFOUND) {
		r = reply_status(reply, SK_ST_NOT_FOUND);
		goto out;
	}
	if (r != SK_OK || (r = store_begin(c->db)) != SK_OK)
		goto out;
	r = store_user_hr_get(c->db, u.id, &h);
	if (r == SK_OK && !h.reconfirm) {
		store_rollback(c->db);
		r = admin_refuse(reply, SK_ST_INVALID, SK_REASON_NOTHING_TO_RECONFIRM);
		goto out;
	}
	if (r == SK_OK)
		r = hr_factors_json(c, u.id, broker_now(), &confirmed);
	h.reconfirm = 0;
	if (r == SK_OK)
		r = store_user_hr_set(c->db, &h);
	if (r == SK_OK && (fields = json_object_new_object()) != NULL)
		json_object_object_add(fields, "confirmed", json_object_get(confirmed));
	r = attempt_end(c, r, "admin.user_reconfirm", name, "ok", admin_actor(req, fields));
	if (r == SK_OK) {
		r = admin_reply_json(reply, confirmed);
		confirmed = NULL;
	}
out:
	json_object_put(confirmed);
	store_user_unlock(c->db);
	explicit_bzero(&u, sizeof(u));
	return r;
}

json_object *
admin_user_hr_json(struct broker_conn *c, int64_t user_id)
{
	struct user_hr h;
	json_object *o;

	if (store_user_hr_get(c->db, user_id, &h) != SK_OK)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "staff_no", h.staff_no[0] ? json_object_new_string(h.staff_no)
	                       : NULL);
	json_object_object_add(o, "employment", json_object_new_string(h.employment));
	json_object_object_add(o, "dept", json_object_new_string(h.dept));
	json_object_object_add(o, "suspended", json_object_new_boolean(h.suspended));
	json_object_object_add(o, "reconfirm", json_object_new_boolean(h.reconfirm));
	return o;
}
