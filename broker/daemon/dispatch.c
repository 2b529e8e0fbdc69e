/* The one table of every request the broker answers: the connection states in which it is
 * allowed, the roles that may send it, and its handler. A request not in the table, in the
 * wrong state or from a connection without the role is refused before any handler runs. */
#include <stddef.h>

#include "account.h"
#include "admin.h"
#include "admin_login.h"
#include "admin_outstanding.h"
#include "admin_report.h"
#include "admin_session_stop.h"
#include "admin_terminal.h"
#include "admin_user_hr.h"
#include "audit_event.h"
#include "auth.h"
#include "broker.h"
#include "radius_login.h"
#include "request.h"
#include "server_slots.h"
#include "session.h"
#include "sk_err.h"
#include "store.h"

/* Roles, not uids (doc/architecture.md "Roles"): which roles may send a request. */
#define R_MODULE SK_ROLE_MODULE
#define R_ADMIN SK_ROLE_ADMIN
#define R_AUDIT (SK_ROLE_AUDITOR | SK_ROLE_ADMIN)
#define R_RECOVERY SK_ROLE_RECOVERY
#define R_LOGIN SK_ROLE_ADMIN_LOGIN
#define R_SELF SK_ROLE_SELF

/* Entry flags. */
enum {
	/* The recovery role may send it only for an administrator's account
	 * (admin_recovery_target_ok): bootstrapping an administrator, or giving one who lost
	 * their factors a new one. */
	F_ADMIN_TARGET = 1 << 0,
	/* The admin session's MFA must be within fresh_mfa_minutes (approvals, issue 9). */
	F_FRESH_MFA = 1 << 1,
	/* It changes a user or their credentials: a contractor's admin session may not send it
	 * for a privileged ID (R-PRIV-4, admin_contractor_allowed). */
	F_USER_CHANGE = 1 << 2,
};

static const struct dispatch_entry {
	unsigned type;
	const char *name;
	unsigned states;
	unsigned roles;
	unsigned flags;
	broker_handler handler;
} dispatch_table[] = {
	{ SK_REQ_AUTH_BEGIN, "auth_begin", CONN_IDLE, R_MODULE, 0, auth_begin },
	{ SK_REQ_AUTH_FINISH, "auth_finish", CONN_AUTH, R_MODULE, 0, auth_finish },
	{ SK_REQ_PREAUTH, "preauth", CONN_IDLE, R_MODULE, 0, auth_preauth },
	{ SK_REQ_AUTHFAIL, "authfail", CONN_IDLE, R_MODULE, 0, auth_authfail },
	{ SK_REQ_ACCT, "acct", CONN_IDLE, R_MODULE, 0, account_check },
	{ SK_REQ_CHAUTHTOK, "chauthtok", CONN_IDLE, R_MODULE, 0, account_chauthtok },
	{ SK_REQ_SESSION_OPEN, "session_open", CONN_IDLE, R_MODULE, 0, session_open },
	{ SK_REQ_SESSION_CLOSE, "session_close", CONN_IDLE, R_MODULE, 0, session_close },
	{ SK_REQ_SESSION_EVENT, "session_event", CONN_IDLE, R_MODULE, 0, session_event },
	{ SK_REQ_SESSION_WATCH, "session_watch", CONN_IDLE, R_MODULE, 0, session_watch_request },
	/* RADIUS challenge mode: sekimori-radius, run as root by FreeRADIUS' rlm_exec. */
	{ SK_REQ_RADIUS_BEGIN, "radius_begin", CONN_IDLE, R_MODULE, 0, radius_begin },
	{ SK_REQ_RADIUS_CONTINUE, "radius_continue", CONN_IDLE, R_MODULE, 0, radius_continue },
	/* Reads: the auditor role (auditor_group, admin sessions) and root. */
	{ SK_REQ_STATUS, "status", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_status },
	{ SK_REQ_USER_SHOW, "user_show", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_user_show },
	{ SK_REQ_USER_LIST, "user_list", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_user_list },
	{ SK_REQ_FIDO2_LIST, "fido2_list", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_fido2_list },
	{ SK_REQ_CARD_LIST, "card_list", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_card_list },
	/* Stopping and reopening any account: admin sessions and the recovery role. */
	{ SK_REQ_USER_UNLOCK, "user_unlock", CONN_IDLE, R_ADMIN | R_RECOVERY, F_USER_CHANGE,
	  admin_user_unlock },
	{ SK_REQ_USER_LOCK, "user_lock", CONN_IDLE, R_ADMIN | R_RECOVERY, F_USER_CHANGE,
	  admin_user_lock },
	{ SK_REQ_USER_DISABLE, "user_disable", CONN_IDLE, R_ADMIN | R_RECOVERY, F_USER_CHANGE,
	  admin_user_disable },
	{ SK_REQ_USER_ENABLE, "user_enable", CONN_IDLE, R_ADMIN | R_RECOVERY, F_USER_CHANGE,
	  admin_user_enable },
	/* The HR link of an account: admin sessions only. */
	{ SK_REQ_USER_SET_STAFF, "user_set_staff", CONN_IDLE, R_ADMIN, F_USER_CHANGE,
	  admin_user_set_staff },
	/* An HR return's factors re-confirmed with the person present (issue 10, item 4). */
	{ SK_REQ_USER_RECONFIRM, "user_reconfirm", CONN_IDLE, R_ADMIN, F_USER_CHANGE | F_FRESH_MFA,
	  admin_user_reconfirm },
	/* Making and restoring credentials: admin sessions; the recovery role for an
	 * administrator's account only. */
	{ SK_REQ_USER_ADD, "user_add", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_user_add },
	{ SK_REQ_USER_RESET_PASSWORD, "user_reset_password", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_user_reset_password },
	{ SK_REQ_TOTP_ENROLL_BEGIN, "totp_enroll_begin", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_totp_enroll_begin },
	{ SK_REQ_TOTP_ENROLL_CONFIRM, "totp_enroll_confirm", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_totp_enroll_confirm },
	{ SK_REQ_FIDO2_ENROLL_BEGIN, "fido2_enroll_begin", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_fido2_enroll_begin },
	{ SK_REQ_FIDO2_ENROLL_FINISH, "fido2_enroll_finish", CONN_ENROLL, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_fido2_enroll_finish },
	{ SK_REQ_CARD_ENROLL, "card_enroll", CONN_IDLE, R_ADMIN | R_RECOVERY,
	  F_ADMIN_TARGET | F_USER_CHANGE, admin_card_enroll },
	/* Removing factors: admin sessions only. */
	{ SK_REQ_TOTP_REMOVE, "totp_remove", CONN_IDLE, R_ADMIN, F_USER_CHANGE, admin_totp_remove },
	{ SK_REQ_FIDO2_REMOVE, "fido2_remove", CONN_IDLE, R_ADMIN, F_USER_CHANGE,
	  admin_fido2_remove },
	{ SK_REQ_CARD_REVOKE, "card_revoke", CONN_IDLE, R_ADMIN, F_USER_CHANGE, admin_card_revoke },
	{ SK_REQ_CARD_DISPOSE, "card_dispose", CONN_IDLE, R_ADMIN, F_USER_CHANGE,
	  admin_card_dispose },
	/* Security keys a retirement left outstanding, handed back (R-LIFE-5). */
	{ SK_REQ_FIDO2_DISPOSE, "fido2_dispose", CONN_IDLE, R_ADMIN, 0,
	  admin_fido2_dispose },
	/* The admin session itself. */
	{ SK_REQ_ADMIN_LOGIN_BEGIN, "admin_login_begin", CONN_IDLE, R_LOGIN, 0, admin_login_begin },
	{ SK_REQ_ADMIN_LOGIN_FINISH, "admin_login_finish", CONN_AUTH, R_LOGIN, 0,
	  admin_login_finish },
	{ SK_REQ_ADMIN_ATTACH, "admin_attach", CONN_IDLE, R_LOGIN, 0, admin_attach },
	{ SK_REQ_ADMIN_LOGOUT, "admin_logout", CONN_IDLE, R_ADMIN, 0, admin_logout },
	{ SK_REQ_ADMIN_WHOAMI, "admin_whoami", CONN_IDLE, R_LOGIN | R_AUDIT, 0, admin_whoami },
	/* HR import: staging and applying are changes (admin sessions); the pending list is a read. */
	{ SK_REQ_HR_STAGE, "hr_stage", CONN_IDLE, R_ADMIN, 0, admin_hr_stage },
	{ SK_REQ_HR_COMMIT, "hr_commit", CONN_IDLE, R_ADMIN, 0, admin_hr_commit },
	{ SK_REQ_HR_PENDING, "hr_pending", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_hr_pending },
	{ SK_REQ_REPORT_OUTSTANDING, "report_outstanding", CONN_IDLE, R_AUDIT | R_RECOVERY, 0,
	  admin_report_outstanding },
	/* Bulk enrolment: a change made in an admin session, like HR_STAGE and HR_COMMIT. */
	{ SK_REQ_USER_IMPORT_STAGE, "user_import_stage", CONN_IDLE, R_ADMIN, 0,
	  admin_user_import_stage },
	{ SK_REQ_USER_IMPORT_COMMIT, "user_import_commit", CONN_IDLE, R_ADMIN, 0,
	  admin_user_import_commit },
	/* Containment (R-INC-1): stopping, like user lock, so admin sessions and the recovery
	 * role (root on the console when no administrator can log in). */
	{ SK_REQ_PRIV_END_ALL, "priv_end_all", CONN_IDLE, R_ADMIN | R_RECOVERY, 0,
	  admin_priv_end_all },
	/* Privileged access (issue 9): requests and decisions as the admin session's person,
	 * approvals with fresh MFA; no recovery path (root without a session) to any of them
	 * but revoke, which only takes privileges away. */
	{ SK_REQ_GRANT_REQUEST, "grant_request", CONN_IDLE, R_ADMIN, 0, admin_grant_request },
	{ SK_REQ_GRANT_APPROVE, "grant_approve", CONN_IDLE, R_ADMIN, F_FRESH_MFA,
	  admin_grant_approve },
	{ SK_REQ_GRANT_DENY, "grant_deny", CONN_IDLE, R_ADMIN, 0, admin_grant_deny },
	{ SK_REQ_GRANT_REVOKE, "grant_revoke", CONN_IDLE, R_ADMIN | R_RECOVERY, 0,
	  admin_grant_revoke },
	{ SK_REQ_PRIV_LIST, "priv_list", CONN_IDLE, R_AUDIT | R_RECOVERY, 0, admin_priv_list },
	{ SK_REQ_USER_CONTRACTOR, "user_contractor", CONN_IDLE, R_ADMIN, F_USER_CHANGE,
	  admin_user_contractor },
	{ SK_REQ_DELEGATION_NOMINATE, "delegation_nominate", CONN_IDLE, R_ADMIN, 0,
	  admin_delegation_nominate },
	{ SK_REQ_DELEGATION_DECIDE, "delegation_decide", CONN_IDLE, R_ADMIN, F_FRESH_MFA,
	  admin_delegation_decide },
	{ SK_REQ_REVIEW_CLOSE, "review_close", CONN_IDLE, R_ADMIN, F_FRESH_MFA, admin_review_close },
	/* Access review (issue 10): the listings are reads; a certification is the admin
	 * session's person's own act. */
	{ SK_REQ_ACCESS_REVIEW, "access_review", CONN_IDLE, R_AUDIT | R_RECOVERY, 0,
	  admin_access_review },
	{ SK_REQ_ACCESS_CERTIFY, "access_certify", CONN_IDLE, R_ADMIN, 0, admin_access_certify },
	/* Self-service removal (issue 10): any named non-root peer asks for its own account;
	 * an administrator other than the requester decides. */
	{ SK_REQ_REMOVAL_REQUEST, "removal_request", CONN_IDLE, R_SELF, 0, removal_request },
	{ SK_REQ_REMOVAL_DECIDE, "removal_decide", CONN_IDLE, R_ADMIN, 0, removal_decide },
	/* Reconciliation reports: reads. */
	{ SK_REQ_REPORT_ORPHANS, "report_orphans", CONN_IDLE, R_AUDIT | R_RECOVERY, 0,
	  admin_report_orphans },
	{ SK_REQ_REPORT_DORMANT, "report_dormant", CONN_IDLE, R_AUDIT | R_RECOVERY, 0,
	  admin_report_dormant },
	/* Remote terminals (issue 12, item 4): revoking one only takes access away, so the
	 * recovery role may, like user lock; the list is a read. */
	{ SK_REQ_TERMINAL_REVOKE, "terminal_revoke", CONN_IDLE, R_ADMIN | R_RECOVERY, 0,
	  admin_terminal_revoke },
	{ SK_REQ_TERMINAL_LIST, "terminal_list", CONN_IDLE, R_AUDIT | R_RECOVERY, 0,
	  admin_terminal_list },
};

static const struct dispatch_entry *
find_entry(unsigned type)
{
	for (size_t i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]); i++)
		if (dispatch_table[i].type == type)
			return &dispatch_table[i];
	return NULL;
}

/* The connection's roles for this request. An attached admin session is checked again
 * (still there, same uid, not expired, its account neither disabled, locked nor waiting for
 * re-confirmation: admin_session_standing) every time, so a logout, an expiry or a stopped
 * account takes effect on open connections too. */
static unsigned
conn_roles(struct broker_conn *c)
{
	const struct sk_conf *conf = &c->b->conf;
	unsigned roles = 0;

	/* A remote terminal (server_tls.c) sends what pam_sekimori sends, nothing more, and
	 * only while its certificate is not revoked: a revocation takes effect on connections
	 * already open at their next request. */
	if (c->is_terminal) {
		int revoked = 1;

		if (store_terminal_revoked(c->db, c->terminal_fp, c->terminal_serial, &revoked) !=
		    SK_OK || revoked)
			return 0;
		return SK_ROLE_MODULE;
	}
	if (c->peer_is_root)
		roles |= SK_ROLE_MODULE | SK_ROLE_ADMIN_LOGIN;
	if (c->peer_is_admin)
		roles |= SK_ROLE_ADMIN_LOGIN;
	if (c->peer_is_auditor)
		roles |= SK_ROLE_AUDITOR;
	if (c->has_admin) {
		struct admin_session_view v;
		int64_t now = broker_now();
		int r = admin_session_check(c->admin.id, c->peer_uid, now, &v);
		enum sk_reason held = SK_REASON_NONE;

		if (r == SK_OK && admin_session_standing(c, &v, &held) != SK_OK) {
			c->has_admin = 0;
			c->admin_lost = held;
		} else if (r == SK_OK) {
			c->admin = v;
			roles |= SK_ROLE_ADMIN | SK_ROLE_AUDITOR;
			if (now - v.auth_at <= (int64_t)conf->fresh_mfa_minutes * 60)
				roles |= SK_ROLE_ADMIN_FRESH;
		} else {
			c->has_admin = 0;
			c->admin_lost = r == SK_ERR_TIMEOUT ? SK_REASON_ADMIN_SESSION_EXPIRED :
			                SK_REASON_ADMIN_SESSION_INVALID;
		}
	}
	/* Any peer with a login name may ask for its own account (REMOVAL_REQUEST, which
	 * refuses root itself, with a reason). */
	if (c->peer_name[0] != '\0')
		roles |= SK_ROLE_SELF;
	/* Root without an admin session keeps what a recovery needs, and reads. */
	if (c->peer_is_root && !(roles & SK_ROLE_ADMIN))
		roles |= SK_ROLE_RECOVERY | SK_ROLE_AUDITOR;
	return roles;
}

/* Why a request the connection's roles do not cover is refused: SK_ST_ADMIN_SESSION (the
 * connection stays open, the client can log in) for a peer that could hold an admin session,
 * FORBIDDEN (the last frame) for everyone else. */
static int
refuse_role(struct broker_conn *c, const struct dispatch_entry *e, unsigned roles,
            struct sk_msg *reply)
{
	enum sk_reason why;
	int r;

	if (!(e->roles & SK_ROLE_ADMIN) || !(roles & SK_ROLE_ADMIN_LOGIN)) {
		server_note_refusal(c->b, c->peer_uid, "%s: uid %u may not send it", e->name,
		                    (unsigned)c->peer_uid);
		r = reply_status(reply, SK_ST_FORBIDDEN);
		if (r == SK_OK && (e->roles & SK_ROLE_ADMIN) && (roles & SK_ROLE_AUDITOR))
			r = sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_READ_ONLY);
		return r;
	}
	if (c->admin_lost != SK_REASON_NONE)
		why = c->admin_lost;
	else if (roles & SK_ROLE_RECOVERY)
		why = SK_REASON_RECOVERY_ONLY;
	else
		why = SK_REASON_ADMIN_SESSION_REQUIRED;
	server_note_refusal(c->b, c->peer_uid, "%s from uid %u: needs an admin session", e->name,
	                    (unsigned)c->peer_uid);
	if (broker_audit(c, "admin.refused", NULL, "deny",
	                 audit_field_int(audit_field(NULL, "request", e->name), "reason", why)))
		return SK_ERR_AUDIT;
	return request_refuse(reply, SK_ST_ADMIN_SESSION, why);
}

/* The roles cover the request; the entry's flags may still say no. 1 go on, 0 refused (the
 * reply says why), or an SK_ERR_*. */
static int
flags_allow(struct broker_conn *c, const struct dispatch_entry *e, unsigned roles,
            const struct sk_msg *req, struct sk_msg *reply)
{
	enum sk_reason why;
	int ok;

	if ((e->flags & F_FRESH_MFA) && !(roles & SK_ROLE_ADMIN_FRESH)) {
		ok = request_refuse(reply, SK_ST_ADMIN_SESSION, SK_REASON_FRESH_MFA_REQUIRED);
		return ok != SK_OK ? ok : 0;
	}
	if ((e->flags & F_USER_CHANGE) && (roles & SK_ROLE_ADMIN) &&
	    (ok = admin_contractor_allowed(c, req, e->name, reply)) != 1)
		return ok;
	if (!(e->flags & F_ADMIN_TARGET) || (roles & SK_ROLE_ADMIN))
		return 1;
	/* Only the recovery role is left: an administrator's account, or nothing. A root
	 * whose session just ended hears that rather than "recovery only". */
	if ((ok = admin_recovery_target_ok(c, req)) != 0)
		return ok;
	why = c->admin_lost != SK_REASON_NONE ? c->admin_lost : SK_REASON_RECOVERY_ONLY;
	if (broker_audit(c, "admin.refused", NULL, "deny", audit_field_int(audit_field(NULL,
	                 "request", e->name), "reason", why)))
		return SK_ERR_AUDIT;
	return request_refuse(reply, SK_ST_ADMIN_SESSION, why);
}

/* BAD_REQUEST with the reason, so that a client can say more than "malformed". */
static int
refuse(struct sk_msg *reply, enum sk_reason why)
{
	int r = reply_status(reply, SK_ST_BAD_REQUEST);

	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, why) : r;
}

/* Replaces whatever the handler wrote with SK_ST_ERROR, the reply every client denies on. */
static int
reply_error(struct broker_conn *c, struct sk_msg **reply)
{
	c->state = CONN_IDLE;
	sk_msg_free(*reply);
	if ((*reply = sk_msg_new(SK_MSG_REPLY)) == NULL)
		return SK_ERR_NOMEM;
	return reply_status(*reply, SK_ST_ERROR);
}

int
broker_dispatch(struct broker_conn *c, const struct sk_msg *req, struct sk_msg **reply)
{
	const struct dispatch_entry *e = find_entry(sk_msg_type(req));
	int r;

	if ((*reply = sk_msg_new(SK_MSG_REPLY)) == NULL)
		return SK_ERR_NOMEM;
	if (e == NULL) {
		server_note_refusal(c->b, c->peer_uid, "unknown request type %u from uid %u",
		                    sk_msg_type(req), (unsigned)c->peer_uid);
		c->state = CONN_IDLE;
		return refuse(*reply, SK_REASON_UNKNOWN_REQUEST);
	}
	c->roles = conn_roles(c);
	if (!(c->roles & e->roles)) {
		r = refuse_role(c, e, c->roles, *reply);
		goto refused;
	}
	if (!(e->states & c->state)) {
		server_note_refusal(c->b, c->peer_uid, "%s from uid %u: not allowed in this state",
		                    e->name, (unsigned)c->peer_uid);
		c->state = CONN_IDLE;
		return refuse(*reply, SK_REASON_WRONG_STATE);
	}
	if ((r = flags_allow(c, e, c->roles, req, *reply)) != 1)
		goto refused;
	r = e->handler(c, req, *reply);
	/* Fail closed: a store or audit failure is an error reply, which means deny. The
	 * handler (or the store/audit code under it) logged the cause already. */
	return r != SK_OK ? reply_error(c, reply) : SK_OK;
refused:
	/* A refusal that could not be recorded fails closed, as a handler error does. */
	return r < 0 ? reply_error(c, reply) : SK_OK;
}
