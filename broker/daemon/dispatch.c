/* The one table of every request the broker answers: the connection states in which it is
 * allowed, who may send it, and its handler. A request not in the table, in the wrong
 * state or from the wrong peer is refused before any handler runs. */
#include <stddef.h>

#include "account.h"
#include "admin.h"
#include "auth.h"
#include "broker.h"
#include "request.h"
#include "server_slots.h"
#include "session.h"
#include "sk_err.h"

enum peer_rule {
	PEER_ROOT,     /* the PAM module runs inside root processes (sshd, login, sudo) */
	PEER_ADMIN,    /* root or a member of admin_group */
};

static const struct dispatch_entry {
	unsigned type;
	const char *name;
	unsigned states;
	enum peer_rule peer;
	broker_handler handler;
} dispatch_table[] = {
	{ SK_REQ_AUTH_BEGIN, "auth_begin", CONN_IDLE, PEER_ROOT, auth_begin },
	{ SK_REQ_AUTH_FINISH, "auth_finish", CONN_AUTH, PEER_ROOT, auth_finish },
	{ SK_REQ_PREAUTH, "preauth", CONN_IDLE, PEER_ROOT, auth_preauth },
	{ SK_REQ_AUTHFAIL, "authfail", CONN_IDLE, PEER_ROOT, auth_authfail },
	{ SK_REQ_ACCT, "acct", CONN_IDLE, PEER_ROOT, account_check },
	{ SK_REQ_CHAUTHTOK, "chauthtok", CONN_IDLE, PEER_ROOT, account_chauthtok },
	{ SK_REQ_SESSION_OPEN, "session_open", CONN_IDLE, PEER_ROOT, session_open },
	{ SK_REQ_SESSION_CLOSE, "session_close", CONN_IDLE, PEER_ROOT, session_close },
	{ SK_REQ_STATUS, "status", CONN_IDLE, PEER_ADMIN, admin_status },
	{ SK_REQ_USER_ADD, "user_add", CONN_IDLE, PEER_ADMIN, admin_user_add },
	{ SK_REQ_USER_SHOW, "user_show", CONN_IDLE, PEER_ADMIN, admin_user_show },
	{ SK_REQ_USER_LIST, "user_list", CONN_IDLE, PEER_ADMIN, admin_user_list },
	{ SK_REQ_USER_UNLOCK, "user_unlock", CONN_IDLE, PEER_ADMIN, admin_user_unlock },
	{ SK_REQ_USER_LOCK, "user_lock", CONN_IDLE, PEER_ADMIN, admin_user_lock },
	{ SK_REQ_USER_DISABLE, "user_disable", CONN_IDLE, PEER_ADMIN, admin_user_disable },
	{ SK_REQ_USER_ENABLE, "user_enable", CONN_IDLE, PEER_ADMIN, admin_user_enable },
	{ SK_REQ_USER_RESET_PASSWORD, "user_reset_password", CONN_IDLE, PEER_ADMIN,
	  admin_user_reset_password },
	{ SK_REQ_TOTP_ENROLL_BEGIN, "totp_enroll_begin", CONN_IDLE, PEER_ADMIN,
	  admin_totp_enroll_begin },
	{ SK_REQ_TOTP_ENROLL_CONFIRM, "totp_enroll_confirm", CONN_IDLE, PEER_ADMIN,
	  admin_totp_enroll_confirm },
	{ SK_REQ_TOTP_REMOVE, "totp_remove", CONN_IDLE, PEER_ADMIN, admin_totp_remove },
	{ SK_REQ_FIDO2_ENROLL_BEGIN, "fido2_enroll_begin", CONN_IDLE, PEER_ADMIN,
	  admin_fido2_enroll_begin },
	{ SK_REQ_FIDO2_ENROLL_FINISH, "fido2_enroll_finish", CONN_ENROLL, PEER_ADMIN,
	  admin_fido2_enroll_finish },
	{ SK_REQ_FIDO2_LIST, "fido2_list", CONN_IDLE, PEER_ADMIN, admin_fido2_list },
	{ SK_REQ_FIDO2_REMOVE, "fido2_remove", CONN_IDLE, PEER_ADMIN, admin_fido2_remove },
	{ SK_REQ_CARD_ENROLL, "card_enroll", CONN_IDLE, PEER_ADMIN, admin_card_enroll },
	{ SK_REQ_CARD_LIST, "card_list", CONN_IDLE, PEER_ADMIN, admin_card_list },
	{ SK_REQ_CARD_REVOKE, "card_revoke", CONN_IDLE, PEER_ADMIN, admin_card_revoke },
	{ SK_REQ_CARD_DISPOSE, "card_dispose", CONN_IDLE, PEER_ADMIN, admin_card_dispose },
	{ SK_REQ_HR_STAGE, "hr_stage", CONN_IDLE, PEER_ADMIN, admin_hr_stage },
	{ SK_REQ_HR_COMMIT, "hr_commit", CONN_IDLE, PEER_ADMIN, admin_hr_commit },
	{ SK_REQ_HR_PENDING, "hr_pending", CONN_IDLE, PEER_ADMIN, admin_hr_pending },
	{ SK_REQ_SESSION_EVENT, "session_event", CONN_IDLE, PEER_ROOT, session_event },
	{ SK_REQ_SESSION_WATCH, "session_watch", CONN_IDLE, PEER_ROOT, session_watch_request },
};

static const struct dispatch_entry *
find_entry(unsigned type)
{
	for (size_t i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]); i++)
		if (dispatch_table[i].type == type)
			return &dispatch_table[i];
	return NULL;
}

static int
peer_allowed(const struct broker_conn *c, enum peer_rule rule)
{
	if (c->peer_is_root)
		return 1;
	return rule == PEER_ADMIN && c->peer_is_admin;
}

/* BAD_REQUEST with the reason, so that a client can say more than "malformed". */
static int
refuse(struct sk_msg *reply, enum sk_reason why)
{
	int r = reply_status(reply, SK_ST_BAD_REQUEST);

	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, why) : r;
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
	if (!peer_allowed(c, e->peer)) {
		server_note_refusal(c->b, c->peer_uid, "%s: uid %u may not send it", e->name,
		                    (unsigned)c->peer_uid);
		return reply_status(*reply, SK_ST_FORBIDDEN);
	}
	if (!(e->states & c->state)) {
		server_note_refusal(c->b, c->peer_uid, "%s from uid %u: not allowed in this state",
		                    e->name, (unsigned)c->peer_uid);
		c->state = CONN_IDLE;
		return refuse(*reply, SK_REASON_WRONG_STATE);
	}
	r = e->handler(c, req, *reply);
	if (r != SK_OK) {
		/* Fail closed: a store or audit failure is an error reply, which means deny.
		 * The handler (or the store/audit code under it) logged the cause already. */
		c->state = CONN_IDLE;
		sk_msg_free(*reply);
		if ((*reply = sk_msg_new(SK_MSG_REPLY)) == NULL)
			return SK_ERR_NOMEM;
		return reply_status(*reply, SK_ST_ERROR);
	}
	return SK_OK;
}
