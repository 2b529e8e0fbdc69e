/* The login side of privileged access (issue 9, item 3; R-PRIV-7, R-MFA-4): what ACCT and
 * SESSION_OPEN do on a privileged service (one a [role] unlocks, grant.h).
 *
 * ACCT lets the login in only when (1) it presents this PAM transaction's auth ticket
 * (auth_ticket.h), unused by an account phase before, whose authentication proved at least two
 * factor classes and satisfies the effective profile of this line; and (2) the user holds an
 * active grant for a role that unlocks the service (grant_find_active). Either missing: DENIED
 * with SK_REASON_NO_FRESH_MFA or SK_REASON_NO_GRANT, audited "privileged_login" deny. Allowed:
 * audited "privileged_login" allow with the role, grant and deadline, the role's use recorded
 * (store_role_used) in the same transaction, and the reply carries SK_K_PRIV_ENDS,
 * SK_K_PRIV_ROLE and SK_K_PRIV_GROUPS (the groups the role named when the grant was requested;
 * the module adds them in pam_sm_setcred).
 *
 * SESSION_OPEN with the ticket that passed ACCT takes the ticket and registers the session in
 * priv_session.h with the grant's end as its deadline; the reply carries the deadline, the
 * warning lead (privileged_warn_minutes) and the effective profile's idle limit. A privileged
 * service's SESSION_OPEN without such a ticket is refused (DENIED): no privileged session is
 * opened unwatched. */
#ifndef BROKER_PRIV_LOGIN_H
#define BROKER_PRIV_LOGIN_H
#include "broker.h"
#include "request.h"
#include "store_grant.h"
#include "store_user.h"

struct priv_login {
	int privileged;                /* the service is privileged */
	uint64_t grant_id;
	char role[SK_NAME_MAX];
	int64_t ends_at;
	char groups[GRANT_LIST_MAX];   /* ACCT: the grant's unix groups for the session */
};

/* ACCT on a privileged service. SK_OK with *answered 1 when the reply is set (refused);
 * SK_OK with *answered 0 to go on (p says whether it was privileged and what let it in). */
int priv_login_acct(struct broker_conn *c, const struct sk_msg *req, const struct login_ctx *lc,
                    const struct sk_profile *eff, struct sk_msg *reply, struct priv_login *p,
                    int *answered);
/* The OK reply's privileged fields. */
int priv_login_acct_reply(const struct priv_login *p, struct sk_msg *reply);
/* SESSION_OPEN on a privileged service: SK_OK and p filled from the ticket, or SK_OK with
 * *answered 1 (refused, the reply set). */
int priv_login_session(struct broker_conn *c, const struct sk_msg *req,
                       const struct login_ctx *lc, struct sk_msg *reply, struct priv_login *p,
                       int *answered);
/* After the session is stored: registers it with its deadline; the reply's fields. */
int priv_login_session_opened(struct broker_conn *c, const struct priv_login *p,
                              const char *user, int64_t session_id,
                              const struct sk_profile *eff, struct sk_msg *reply);

#endif
