/* ADMIN_LOGIN_BEGIN / ADMIN_LOGIN_FINISH, ADMIN_ATTACH, ADMIN_LOGOUT, ADMIN_WHOAMI.
 *
 * The login is the calling administrator's own: a non-root peer logs in as the account of
 * its uid (the kernel vouches for the uid, the factors for the person); a root peer (sudo)
 * names the account and proves its factors. Either way the account must be an
 * administrator's (its own profile is admin_profile), and the factors are checked by the
 * same core as any login, under admin_profile, with the same tally, lock and audit record
 * (service "sekimori-admin"). */
#include "admin_login.h"

#include <stdio.h>
#include <string.h>

#include "account.h"
#include "admin.h"
#include "audit_event.h"
#include "auth.h"
#include "request.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_origin.h"
#include "sk_utf8.h"
#include "store_user.h"

#define ADMIN_LOGIN_SERVICE "sekimori-admin"

int
admin_account_is_admin(struct broker_conn *c, const char *name)
{
	struct user_rec u;
	int r = store_user_get(c->db, name, &u), is;

	if (r == SK_ERR_NOTFOUND)
		return 0;
	if (r != SK_OK)
		return r;
	is = strcmp(u.profile, c->b->conf.admin_profile) == 0;
	explicit_bzero(&u, sizeof(u));
	return is;
}

int
admin_recovery_target_ok(struct broker_conn *c, const struct sk_msg *req)
{
	char name[SK_USER_MAX], profile[SK_NAME_MAX];

	if (sk_msg_type(req) == SK_REQ_USER_ADD) {
		/* Bootstrapping an administrator: only accounts that get the admin profile. */
		if (sk_msg_get_text_opt(req, SK_K_PROFILE, profile, sizeof(profile)) != SK_OK)
			return 0;
		if (profile[0] == '\0')   /* USER_ADD's own default */
			snprintf(profile, sizeof(profile), "%s", c->b->conf.default_profile);
		return strcmp(profile, c->b->conf.admin_profile) == 0;
	}
	if (sk_msg_type(req) == SK_REQ_FIDO2_ENROLL_FINISH)
		return c->enroll.user[0] != '\0' && admin_account_is_admin(c, c->enroll.user);
	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return 0;
	return admin_account_is_admin(c, name);
}

static json_object *
login_fields(const char *reason)
{
	return audit_field(audit_field(NULL, "service", ADMIN_LOGIN_SERVICE), "reason", reason);
}

/* A refusal before any factor is asked for, audited as admin.login. */
static int
refuse_login(struct broker_conn *c, const char *name, struct sk_msg *reply, enum sk_status st,
             enum sk_reason why, const char *reason)
{
	if (broker_audit(c, "admin.login", name[0] ? name : NULL, "deny", login_fields(reason)))
		return SK_ERR_AUDIT;
	return request_refuse(reply, st, why);
}

/* The account the login is for: the peer's own, or the one a root peer names. */
static int
login_name(struct broker_conn *c, const struct sk_msg *req, char *name, size_t cap,
           enum sk_reason *why)
{
	char asked[SK_USER_MAX];

	*why = SK_REASON_NONE;
	if (sk_msg_get_text_opt(req, SK_K_USER, asked, sizeof(asked)) != SK_OK ||
	    (asked[0] != '\0' && !sk_valid_username(asked))) {
		*why = SK_REASON_INVALID_USER_NAME;
		return SK_ERR_PROTO;
	}
	if (c->peer_is_root) {
		if (asked[0] == '\0') {
			*why = SK_REASON_ADMIN_NAME_REQUIRED;
			return SK_ERR_DENIED;
		}
		snprintf(name, cap, "%s", asked);
		return SK_OK;
	}
	/* Under one's own uid one is oneself: another name is not a choice. */
	snprintf(name, cap, "%s", c->peer_name);
	if (name[0] == '\0' || (asked[0] != '\0' && strcmp(asked, name) != 0)) {
		*why = SK_REASON_NOT_ADMINISTRATOR;
		return SK_ERR_DENIED;
	}
	return SK_OK;
}

/* The account may start an admin login: an administrator's, with a password that is neither
 * temporary nor expired (a temporary password was set by whoever reset it, so it proves
 * nothing about the person: it is changed through a PAM login first), and not waiting for its
 * factors to be re-confirmed after leave (account_entry_check). */
static int
account_ready(struct broker_conn *c, const char *name, const struct sk_profile *line,
              enum sk_reason *why, const char **reason)
{
	struct sk_profile eff;
	struct user_rec u;
	int r = store_user_get(c->db, name, &u);

	*why = SK_REASON_NONE;
	if (r == SK_ERR_NOTFOUND || (r == SK_OK && strcmp(u.profile, line->name) != 0)) {
		*why = SK_REASON_NOT_ADMINISTRATOR;
		*reason = "not_administrator";
		r = SK_OK;
	} else if (r == SK_OK) {
		request_effective_profile(c->b, line, &u, &eff);
		if (u.pw_temporary || (eff.pw_max_age_days > 0 && broker_now() - u.pw_changed >
		                       (int64_t)eff.pw_max_age_days * 86400)) {
			*why = SK_REASON_PASSWORD_CHANGE_FIRST;
			*reason = "password_change_required";
		} else {
			/* Back from leave: no admin session either until `user reconfirm`. */
			r = account_entry_check(c, u.id, why, reason);
		}
	}
	explicit_bzero(&u, sizeof(u));
	return r;
}

int
admin_login_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;
	enum sk_reason why;
	const char *reason = NULL;
	int r;

	memset(&lc, 0, sizeof(lc));
	if ((r = login_name(c, req, lc.user, sizeof(lc.user), &why)) != SK_OK)
		return refuse_login(c, lc.user, reply, r == SK_ERR_PROTO ? SK_ST_INVALID :
		                    SK_ST_DENIED, why, r == SK_ERR_PROTO ? "invalid_name" :
		                    why == SK_REASON_ADMIN_NAME_REQUIRED ? "no_name" : "not_self");
	lc.line = sk_conf_profile(&c->b->conf, c->b->conf.admin_profile);
	/* The CLI cannot vouch that a preceding PAM module checked a password: an admin
	 * profile that leaves the password to the stack cannot be used for an admin login. */
	if (lc.line == NULL || lc.line->knowledge == SK_KNOWLEDGE_STACK)
		return refuse_login(c, lc.user, reply, SK_ST_BAD_REQUEST, SK_REASON_NOT_CONFIGURED,
		                    "admin_profile_unusable");
	if ((r = account_ready(c, lc.user, lc.line, &why, &reason)) != SK_OK)
		return r;
	if (why != SK_REASON_NONE)
		return refuse_login(c, lc.user, reply, SK_ST_DENIED, why, reason);
	snprintf(lc.service, sizeof(lc.service), "%s", ADMIN_LOGIN_SERVICE);
	/* The CLI talks to the broker's Unix socket: the administrator is on this machine. */
	lc.frontend = SK_FRONTEND_LOCAL;
	r = auth_begin_ctx(c, &lc, reply);
	if (r == SK_OK && c->state == CONN_AUTH)
		c->txn.admin_login = 1;
	return r;
}

int
admin_login_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	unsigned char token[ADMIN_TOKEN_LEN];
	struct admin_session_view v;
	char name[SK_USER_MAX];
	int64_t now;
	int r;

	if (!c->txn.admin_login) {
		c->state = CONN_IDLE;
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_WRONG_STATE);
	}
	memcpy(name, c->txn.user, sizeof(name));
	r = auth_finish_txn(c, req, reply);
	memset(&c->txn, 0, sizeof(c->txn));
	if (r != SK_OK || sk_reply_status(reply) != SK_ST_OK)
		return r;   /* denied or locked: the auth record says why, the tally counted it */
	now = broker_now();
	r = admin_session_create(c->peer_uid, name, now,
	                         (int64_t)c->b->conf.admin_session_minutes * 60, token, &v);
	if (r != SK_OK)
		return r;
	c->has_admin = 1;
	c->admin = v;
	c->admin_lost = SK_REASON_NONE;
	r = broker_audit(c, "admin.login", name, "ok", audit_field_int(audit_field_int(
	                 audit_field(NULL, "service", ADMIN_LOGIN_SERVICE), "expires", v.expires),
	                 "bound_uid", (int64_t)v.uid));
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_ADMIN_TOKEN, token, sizeof(token));
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_ADMIN_EXPIRES, (uint64_t)v.expires);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_USER, name);
	explicit_bzero(token, sizeof(token));
	if (r != SK_OK) {
		/* Not recorded or not answered: the session must not outlive the failure. */
		(void)admin_session_end(v.id);
		c->has_admin = 0;
	}
	return r;
}

static int
session_fields(struct sk_msg *reply, const struct admin_session_view *v)
{
	int r = sk_msg_put_text(reply, SK_K_USER, v->name);

	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_ADMIN_EXPIRES, (uint64_t)v->expires);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_ADMIN_AUTH_AT, (uint64_t)v->auth_at);
	return r;
}

int
admin_attach(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	unsigned char token[ADMIN_TOKEN_LEN];
	struct admin_session_view v;
	size_t len = 0;
	int r;

	if (sk_msg_get_bytes(req, SK_K_ADMIN_TOKEN, token, sizeof(token), &len) != SK_OK ||
	    len != sizeof(token)) {
		explicit_bzero(token, sizeof(token));
		return request_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	}
	r = admin_session_find(token, c->peer_uid, broker_now(), &v);
	explicit_bzero(token, sizeof(token));
	if (r == SK_OK) {
		c->has_admin = 1;
		c->admin = v;
		c->admin_lost = SK_REASON_NONE;
		r = reply_status(reply, SK_ST_OK);
		return r == SK_OK ? session_fields(reply, &v) : r;
	}
	c->has_admin = 0;
	c->admin_lost = r == SK_ERR_TIMEOUT ? SK_REASON_ADMIN_SESSION_EXPIRED :
	                SK_REASON_ADMIN_SESSION_INVALID;
	/* A token that is not this uid's may be a stolen one: on the record. */
	if (broker_audit(c, "admin.attach", NULL, "deny", audit_field(NULL, "reason",
	                 r == SK_ERR_TIMEOUT ? "expired" : "unknown_or_other_uid")) != SK_OK)
		return SK_ERR_AUDIT;
	return request_refuse(reply, SK_ST_ADMIN_SESSION, c->admin_lost);
}

int
admin_logout(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	int r;

	(void)req;
	(void)admin_session_end(c->admin.id);
	r = broker_audit(c, "admin.logout", c->admin.name, "ok", NULL);
	c->has_admin = 0;
	c->admin_lost = SK_REASON_ADMIN_SESSION_INVALID;
	return r == SK_OK ? reply_status(reply, SK_ST_OK) : r;
}

int
admin_whoami(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	int r = reply_status(reply, SK_ST_OK);

	(void)req;
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_ROLES, c->roles);
	if (r == SK_OK && c->has_admin)
		r = session_fields(reply, &c->admin);
	if (r == SK_OK && !c->has_admin && c->admin_lost != SK_REASON_NONE)
		r = sk_msg_put_uint(reply, SK_K_REASON, c->admin_lost);
	return r;
}
