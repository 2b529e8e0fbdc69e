/* sekimori user add | show | list | unlock | reset-password (the helpers every admin handler
 * shares are in admin_common.c) */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "admin_session_stop.h"
#include "sk_build.h"
#include "attempt.h"
#include "audit_durable.h"
#include "audit_event.h"
#include "grant.h"
#include "password.h"
#include "priv_session.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"
#include "store.h"
#include "broker_json.h"
#include "factor.h"
#include "store_user.h"
#include "admin_user_hr.h"

/* Temporary passwords are created here and returned once; only the hash is stored. */
static int
issue_temp_password(char *pw, size_t pwsz, char *hash, size_t hashsz)
{
	int r = password_generate_temp(pw, pwsz);

	if (r == SK_OK)
		r = password_hash(pw, hash, hashsz);
	return r;
}

int
admin_user_add(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct user_rec u;
	char profile[SK_NAME_MAX], pw[PASSWORD_TEMP_LEN + 1], staff[HR_STAFF_MAX];
	enum sk_reason why = SK_REASON_NONE;
	json_object *fields;
	int r, staff_given = 0, contractor = 0, g;

	memset(&u, 0, sizeof(u));
	if (admin_target_user(req, u.name, sizeof(u.name)) != SK_OK)
		return admin_refuse_user_name(reply);
	/* --contractor (R-MFA-4, R-PRIV-4): marked in the same transaction as the account. */
	if ((g = sk_msg_get_bool(req, SK_K_CONTRACTOR, &contractor)) != SK_OK && g != SK_ERR_NOTFOUND)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_MALFORMED_FIELD);
	if (admin_staff_arg(req, staff, &staff_given) != SK_OK)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_STAFF_NO_INVALID);
	if (sk_msg_get_text_opt(req, SK_K_PROFILE, profile, sizeof(profile)) != SK_OK ||
	    (profile[0] != '\0' && !sk_valid_name(profile)))
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_PROFILE_NAME);
	if (profile[0] == '\0')
		snprintf(profile, sizeof(profile), "%s", c->b->conf.default_profile);
	if (sk_conf_profile(&c->b->conf, profile) == NULL)
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_UNKNOWN_PROFILE);
	memcpy(u.profile, profile, sizeof(u.profile));
	u.created = u.pw_changed = broker_now();
	u.pw_temporary = 1;   /* R-CRED-1: changed at the first login */
	if ((r = issue_temp_password(pw, sizeof(pw), u.pw_hash, sizeof(u.pw_hash))) != SK_OK)
		goto out;
	if ((r = store_begin(c->db)) != SK_OK)
		goto out;
	r = store_user_insert(c->db, &u);
	if (r == SK_ERR_EXISTS) {
		store_rollback(c->db);
		r = reply_status(reply, SK_ST_EXISTS);
		goto out;
	}
	if (r == SK_OK && contractor)
		r = store_user_set_contractor(c->db, u.name, 1);
	/* --staff: linked in the same transaction, so HR events reach the account. */
	if (r == SK_OK && staff[0] != '\0' &&
	    (r = admin_staff_link(c, u.id, staff, &why)) == SK_ERR_EXISTS && why != SK_REASON_NONE) {
		store_rollback(c->db);
		r = admin_refuse(reply, SK_ST_EXISTS, why);
		goto out;
	}
	fields = audit_field(audit_field(NULL, "profile", u.profile), "contractor",
	                     contractor ? "yes" : "no");
	if (staff[0] != '\0')
		fields = audit_field(fields, "staff_no", staff);
	r = attempt_end(c, r, "admin.user_add", u.name, "ok", admin_actor(req, fields));
	if (r != SK_OK)
		goto out;
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_TEMP_PASSWORD, pw);
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(&u, sizeof(u));
	return r;
}

static json_object *
user_json(struct broker_conn *c, const struct user_rec *u)
{
	const struct sk_profile *p = sk_conf_profile(&c->b->conf, u->profile);
	struct tally_limits lim = { 0 };
	struct tally t = u->tally;
	json_object *o = json_object_new_object(), *pw, *lock, *last, *factors;

	if (o == NULL)
		return NULL;
	if (p != NULL) {
		lim.deny = p->deny;
		lim.fail_interval = p->fail_interval;
		lim.unlock_time = p->unlock_time;
		tally_normalize(&t, &lim, broker_now());
	}
	json_object_object_add(o, "user", json_object_new_string(u->name));
	json_object_object_add(o, "profile", json_object_new_string(u->profile));
	json_object_object_add(o, "created", broker_json_time(u->created));
	json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
	{
		int contractor = 0;

		/* R-MFA-4, R-PRIV-4: marked, or an HR employment of contractor; null when the
		 * store could not say. */
		json_object_object_add(o, "contractor",
		                       store_user_contractor(c->db, u->name, &contractor) == SK_OK ?
		                       json_object_new_boolean(contractor) : NULL);
	}
	pw = json_object_new_object();
	json_object_object_add(pw, "set", json_object_new_boolean(u->pw_hash[0] != '\0'));
	json_object_object_add(pw, "temporary", json_object_new_boolean(u->pw_temporary));
	json_object_object_add(pw, "changed", broker_json_time(u->pw_changed));
	if (p != NULL && p->pw_max_age_days > 0)
		json_object_object_add(pw, "expires",
		                       broker_json_time(u->pw_changed + (int64_t)p->pw_max_age_days * 86400));
	json_object_object_add(o, "password", pw);
	lock = json_object_new_object();
	json_object_object_add(lock, "locked", json_object_new_boolean(t.locked));
	json_object_object_add(lock, "until", t.locked && t.locked_until ?
	                       broker_json_time(t.locked_until) : NULL);
	json_object_object_add(lock, "admin_unlock_only",
	                       json_object_new_boolean(t.locked && t.locked_until == 0));
	json_object_object_add(lock, "failures", json_object_new_int64(t.fail_count));
	json_object_object_add(lock, "deny", json_object_new_int64(lim.deny));
	json_object_object_add(o, "lock", lock);
	last = json_object_new_object();
	json_object_object_add(last, "login", broker_json_time(u->last_login));
	json_object_object_add(last, "login_from", json_object_new_string(u->last_login_from));
	json_object_object_add(last, "logout", broker_json_time(u->last_logout));
	json_object_object_add(last, "failure", broker_json_time(u->last_fail));
	json_object_object_add(last, "failure_from", json_object_new_string(u->last_fail_from));
	json_object_object_add(last, "failures_since_login",
	                       json_object_new_int64(u->failures_since_login));
	json_object_object_add(o, "last", last);
	factors = json_object_new_object();
	for (size_t i = 0; i < factor_count; i++)
		if (factor_table[i]->list_json != NULL)
			json_object_object_add(factors, factor_name(factor_table[i]),
			                       factor_table[i]->list_json(c, u->id));
	json_object_object_add(o, "factors", factors);
	json_object_object_add(o, "hr", admin_user_hr_json(c, u->id));
	return o;
}

int
admin_user_show(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct user_rec u;
	int r = admin_find_user(c, req, reply, &u);

	if (r != SK_OK)
		return r == ADMIN_ANSWERED ? SK_OK : r;
	return admin_reply_json(reply, user_json(c, &u));
}

struct user_list {
	json_object *arr;
	int failed;
};

static int
list_one(void *arg, const struct user_summary *u)
{
	struct user_list *l = arg;
	json_object *o = json_object_new_object();

	if (o == NULL) {
		l->failed = 1;
		return 1;
	}
	json_object_object_add(o, "user", json_object_new_string(u->name));
	json_object_object_add(o, "profile", json_object_new_string(u->profile));
	json_object_object_add(o, "locked", json_object_new_boolean(u->locked));
	json_object_object_add(o, "temporary_password", json_object_new_boolean(u->pw_temporary));
	json_object_object_add(o, "last_login", broker_json_time(u->last_login));
	json_object_array_add(l->arr, o);
	return 0;
}

int
admin_user_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct user_list l = { json_object_new_array(), 0 };
	int r;

	(void)req;
	if (l.arr == NULL)
		return SK_ERR_NOMEM;
	if ((r = store_user_list(c->db, list_one, &l)) != SK_OK || l.failed) {
		json_object_put(l.arr);
		return r != SK_OK ? r : SK_ERR_NOMEM;
	}
	return admin_reply_json(reply, l.arr);
}

int
admin_with_user_lock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                     int (*fn)(struct broker_conn *, const struct sk_msg *, const char *,
                               struct sk_msg *))
{
	char name[SK_USER_MAX];
	int r;

	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return admin_refuse_user_name(reply);
	if ((r = store_user_lock(c->db, name)) == SK_OK) {
		r = fn(c, req, name, reply);
		store_user_unlock(c->db);
	}
	return r;
}

int
admin_change_user(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                  const char *event, int (*fn)(struct broker_conn *, struct user_rec *, void *),
                  void *arg)
{
	char name[SK_USER_MAX];
	struct user_rec u;
	int r;

	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return admin_refuse_user_name(reply);
	if ((r = store_user_lock(c->db, name)) != SK_OK)
		return r;
	if ((r = store_user_get(c->db, name, &u)) == SK_ERR_NOTFOUND) {
		r = reply_status(reply, SK_ST_NOT_FOUND);
		goto out;
	}
	if (r != SK_OK)
		goto out;
	r = store_begin(c->db);
	if (r == SK_OK)
		r = fn(c, &u, arg);
	r = attempt_end(c, r, event, name, "ok", admin_actor(req, NULL));
	if (r == SK_OK)
		r = reply_status(reply, SK_ST_OK);
out:
	store_user_unlock(c->db);
	explicit_bzero(&u, sizeof(u));
	return r;
}

static int
do_unlock(struct broker_conn *c, struct user_rec *u, void *arg)
{
	(void)arg;
	tally_clear(&u->tally);
	return store_user_save_auth(c->db, u);
}

int
admin_user_unlock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_change_user(c, req, reply, "admin.user_unlock", do_unlock, NULL);
}

/* Locked until an administrator unlocks, whatever the profile's unlock_time (R-INC-1). */
/* A locked or disabled holder keeps no grant (issue 9): every open grant of theirs ends in
 * the same transaction (grant_end_user, GRANT_END_USER_LOCKED), which also orders their live
 * privileged sessions ended; unlocking does not bring a grant back. */
static int
end_grants(struct broker_conn *c, const struct user_rec *u, int r)
{
	size_t n = 0;

	if (r == SK_OK)
		r = grant_end_user(c->db, u->name, GRANT_END_USER_LOCKED,
		                   c->has_admin ? c->admin.name : "", broker_now(), &n);
	if (r == SK_OK && n > 0)
		sk_log(LOG_NOTICE, "%s: %zu grant(s) ended with the lock", u->name, n);
	return r;
}

static int
do_lock(struct broker_conn *c, struct user_rec *u, void *arg)
{
	(void)arg;
	u->tally.locked = 1;
	u->tally.locked_until = 0;
	return end_grants(c, u, store_user_save_auth(c->db, u));
}

/* The stopping verbs end the user's live privileged sessions (issue 9, R-INC-1) and their
 * admin sessions (admin_session_stop.h) at once, after the change is stored. */
static int
end_privileged(struct broker_conn *c, const struct sk_msg *req, const struct sk_msg *reply,
               int r, const char *cause)
{
	char name[SK_USER_MAX];
	uint64_t st = SK_ST_ERROR;

	if (r == SK_OK && sk_msg_get_uint(reply, SK_K_STATUS, &st) == SK_OK && st == SK_ST_OK &&
	    admin_target_user(req, name, sizeof(name)) == SK_OK) {
		(void)priv_session_end_user(name, cause);
		(void)admin_sessions_end_user(c, name, cause);
	}
	return r;
}

int
admin_user_lock(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return end_privileged(c, req, reply,
	                      admin_change_user(c, req, reply, "admin.user_lock", do_lock, NULL),
	                      "user_locked");
}

static int
do_set_disabled(struct broker_conn *c, struct user_rec *u, void *arg)
{
	int disable = *(const int *)arg, r = store_user_set_disabled(c->db, u->id, disable);

	/* Enabled again: the dormancy clock starts now, else an account disabled for dormancy
	 * (dormant_suspend_days) would be disabled again at the broker's next check. */
	if (r == SK_OK && !disable)
		r = store_user_dormant_reset(c->db, u->id, broker_now());
	return disable ? end_grants(c, u, r) : r;
}

int
admin_user_disable(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	static const int yes = 1;

	return end_privileged(c, req, reply,
	                      admin_change_user(c, req, reply, "admin.user_disable",
	                                        do_set_disabled, (void *)&yes),
	                      "user_disabled");
}

int
admin_user_enable(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	static const int no = 0;

	return admin_change_user(c, req, reply, "admin.user_enable", do_set_disabled, (void *)&no);
}

static int
do_reset(struct broker_conn *c, struct user_rec *u, void *arg)
{
	char *pw = arg, hash[PASSWORD_HASH_MAX];
	int r = issue_temp_password(pw, PASSWORD_TEMP_LEN + 1, hash, sizeof(hash));

	if (r == SK_OK)
		r = store_user_set_password(c->db, u, hash, 1, broker_now(), 24);
	explicit_bzero(hash, sizeof(hash));
	return r;
}

int
admin_user_reset_password(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char pw[PASSWORD_TEMP_LEN + 1] = "";
	int r = admin_change_user(c, req, reply, "admin.user_reset_password", do_reset, pw);
	uint64_t st = SK_ST_ERROR;

	if (r == SK_OK && sk_msg_get_uint(reply, SK_K_STATUS, &st) == SK_OK && st == SK_ST_OK)
		r = sk_msg_put_text(reply, SK_K_TEMP_PASSWORD, pw);
	explicit_bzero(pw, sizeof(pw));
	return r;
}

int
admin_status(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	json_object *o = json_object_new_object(), *profiles = json_object_new_array();
	uint64_t syncs = 0, commits = 0;

	(void)req;
	json_object_object_add(o, "version", json_object_new_string(SK_VERSION));
	json_object_object_add(o, "protocol", json_object_new_int(SK_PROTO_VERSION));
	json_object_object_add(o, "clients", json_object_new_int((int)atomic_load(&c->b->clients)));
	/* Group commit: syncs made and write transactions committed since start; their ratio is
	 * the decisions per sync (bench/load reads these two names). */
	audit_durable_counts(&syncs, &commits);
	json_object_object_add(o, "durable_syncs", json_object_new_int64((int64_t)syncs));
	json_object_object_add(o, "durable_commits", json_object_new_int64((int64_t)commits));
	for (size_t i = 0; i < c->b->conf.n_profiles; i++) {
		const struct sk_profile *p = &c->b->conf.profiles[i];
		json_object *j = json_object_new_object();
		char cls[64], methods[96];

		sk_class_names(p->required_classes, cls, sizeof(cls));
		sk_method_names(p->methods, p->n_methods, methods, sizeof(methods));
		json_object_object_add(j, "name", json_object_new_string(p->name));
		json_object_object_add(j, "classes", json_object_new_string(cls));
		json_object_object_add(j, "min_classes", json_object_new_int((int)p->min_classes));
		json_object_object_add(j, "methods", json_object_new_string(methods));
		json_object_object_add(j, "deny", json_object_new_int((int)p->deny));
		json_object_object_add(j, "unlock_time", json_object_new_int((int)p->unlock_time));
		json_object_array_add(profiles, j);
	}
	json_object_object_add(o, "profiles", profiles);
	return admin_reply_json(reply, o);
}
