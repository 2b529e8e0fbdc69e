/* An admin session goes with its account (issue 10, item 4; R-LIFE-1, R-INC-1). Admin
 * sessions live in the broker's memory (admin_session.h), apart from the live login sessions
 * the session agents watch, so each way an account is stopped ends them too, at that moment:
 * an HR leave, secondment or retirement (hr_apply.c), `sekimori user disable` and `user lock`
 * (admin_user.c), `user lock --all-privileged` (priv_admin.c) and a dormancy suspension
 * (admin_report.c). Whatever else stops an account is caught by the one check every request
 * on an admin session passes (admin_session_standing, called from daemon/dispatch.c). */
#ifndef BROKER_ADMIN_SESSION_STOP_H
#define BROKER_ADMIN_SESSION_STOP_H
#include <stddef.h>

#include "admin_session.h"
#include "broker.h"

/* Ends every live admin session of name at once, each audited as admin.session_end (result
 * "end", reason cause, the session's id). Called once the change is stored. Returns how
 * many were ended; an audit failure is logged (the session is ended all the same). */
size_t admin_sessions_end_user(struct broker_conn *c, const char *name, const char *cause);

/* The one check of the person behind an admin session, on every request (conn_roles): the
 * account disabled (HR leave, secondment, retirement, an administrator, dormancy: reason
 * "account_disabled"), locked while the lock holds ("account_locked"), or waiting for
 * re-confirmation after leave (account_entry_check: "reconfirm_required"). SK_OK when the
 * session may go on; otherwise it is ended, audited (admin.session_end, result "deny", the
 * reason) and *why says what the client hears (SK_REASON_ADMIN_SESSION_INVALID, or
 * SK_REASON_RECONFIRM_REQUIRED). A store error ends nothing but stops this request (fail
 * closed). */
int admin_session_standing(struct broker_conn *c, const struct admin_session_view *v,
                           enum sk_reason *why);

#endif
