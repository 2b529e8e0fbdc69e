/* The account and password phases: forced change of temporary and expired passwords
 * (R-CRED-1, R-CRED-3, R-PRIV-5). */
#ifndef BROKER_ACCOUNT_H
#define BROKER_ACCOUNT_H
#include "broker.h"

/* The one check of the HR re-confirmation mark (issue 10, item 4; doc/hr-import.md): back from
 * leave, an account may not get in by any path until `sekimori user reconfirm`. Every path
 * that lets a person in asks it — PAM's account phase (account_check, so also sudo and every
 * privileged service) and session phase (session.c), the admin login (admin_login.c) and
 * every request on an admin session (admin_session_standing, admin_session_stop.c), RADIUS
 * (radius_login.c), the session agent's registration (session_agent.c) and the
 * self-service request (admin_removal.c) —
 * and audits the refusal under its own event with reason *reason ("reconfirm_required").
 * *why is SK_REASON_NONE when the account may enter, else SK_REASON_RECONFIRM_REQUIRED.
 * Returns SK_OK or the store's error (the caller then refuses: fail closed). */
int account_entry_check(struct broker_conn *c, int64_t user_id, enum sk_reason *why,
                        const char **reason);
/* account_entry_check for PAM's account and session phases: when the account may not enter,
 * the refusal is audited under event (result "deny", the line's service and the reason) and
 * answered with status and the reason; *answered says whether reply holds it. */
struct login_ctx;
int account_entry_gate(struct broker_conn *c, const char *event, const struct login_ctx *lc,
                       int64_t user_id, enum sk_status status, struct sk_msg *reply,
                       int *answered);
int account_check(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int account_chauthtok(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
