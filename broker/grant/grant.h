/* Privileged grants as the rest of the broker sees them (issue 9, doc/privileged-access.md):
 * whether a PAM service is privileged, the active grant that lets a user into one, and the ONE
 * place where a grant ends before its time. The requests that make and decide grants are in
 * handlers/admin_grant*.c; the state is the store's grant family (store_grant.h).
 *
 * A grant keeps what its role unlocked when it was requested (services, groups, accounts),
 * which is what its approvers saw and approved; a later change of the role's configuration
 * does not widen or narrow a grant already made. */
#ifndef BROKER_GRANT_H
#define BROKER_GRANT_H
#include <stdint.h>

#include "sk_conf.h"
#include "store.h"

struct grant_active {
	uint64_t id;
	char role[SK_NAME_MAX];
	int64_t starts_at;             /* epoch s */
	int64_t ends_at;               /* epoch s: the session's hard deadline */
	char groups[GRANT_LIST_MAX];   /* the role's session groups, space-separated */
	char accounts[GRANT_LIST_MAX]; /* the privileged accounts it unlocks, space-separated */
	int breakglass;
};

/* The active grant of `user` whose role unlocks PAM service `service` at `now` (the one that
 * ends last when there are several): SK_OK and *out filled, SK_ERR_NOTFOUND when there is
 * none. A read: no transaction needed. (A login it allows may record the role's use with
 * store_role_used, in the login's own transaction.) */
int grant_find_active(struct sk_store_txn *txn, const char *user, const char *service,
                      int64_t now, struct grant_active *out);

/* At broker start: one log line (LOG_WARNING) for each role account that keeps a default
 * administrator name, with the reason the site gave (sk_conf refused the file without one). */
void grant_log_conf(const struct sk_conf *conf);

/* Whether any role unlocks `service` (a "privileged service"): 1 or 0. */
int grant_service_is_privileged(const struct sk_conf *conf, const char *service);

/* Why a grant ends early. */
enum grant_end_cause {
	GRANT_END_REVOKED = 0,      /* sekimori grant revoke */
	GRANT_END_DENIED = 1,       /* sekimori grant deny of a grant not yet active */
	GRANT_END_HR = 2,           /* leave, secondment, retirement of the holder */
	GRANT_END_USER_LOCKED = 3,  /* the holder's account was locked or disabled */
	GRANT_END_HR_TRANSFER = 4,  /* an HR transfer out of a department the role is tied to */
	GRANT_END_REMOVAL = 5,      /* a confirmed removal request of the holder (request confirm) */
};
const char *grant_end_cause_name(enum grant_end_cause cause);

/* Ends grant id now, inside the caller's write transaction: a pending, approved or active
 * grant becomes denied (GRANT_END_DENIED) or revoked (every other cause), with ended_at = now,
 * ended_by = by ("" for the broker itself) and end_cause = note, or the cause's name when
 * note is NULL or "". *was gets the state it had (may be NULL). SK_ERR_NOTFOUND when there is
 * no such grant or it has ended already. Auditing is the caller's. Every early end goes
 * through here (revoke, deny, HR), so that what must follow it (ending the holder's live
 * privileged sessions) is added in one place. */
int grant_end(struct sk_store_txn *txn, int64_t id, enum grant_end_cause cause, const char *by,
              const char *note, int64_t now, enum grant_state *was);

/* Ends every open grant of user (GRANT_END_HR, GRANT_END_USER_LOCKED) inside the caller's
 * transaction; *n says how many. */
int grant_end_user(struct sk_store_txn *txn, const char *user, enum grant_end_cause cause,
                   const char *by, int64_t now, size_t *n);



/* --- Who may do what (grant_policy.c): the rules every handler applies to the
 * authenticated person, never to a name the client sends. --- */

/* *yes = 1 when user holds role r: listed in its holders, or an approved delegate; and, for a
 * role tied to departments, the user's HR department (store_user_hr_get) is one of them or
 * the user has no HR department recorded. */
int grant_is_holder(struct sk_store_txn *txn, const struct sk_priv_role *r, const char *user,
                    int *yes);
/* The department half of grant_is_holder: *yes = 0 only when r has departments and user's
 * recorded HR department is another one. */
int grant_dept_allows(struct sk_store_txn *txn, const struct sk_priv_role *r, const char *user,
                      int *yes);
/* *yes = 1 when user may approve grants of r: a holder of r's approver_role, or of r itself
 * when it names none. */
int grant_is_approver(struct sk_store_txn *txn, const struct sk_conf *conf,
                      const struct sk_priv_role *r, const char *user, int *yes);
/* *yes = 1 when user holds the CISO role ([grant] ciso_role). */
int grant_is_ciso(struct sk_store_txn *txn, const struct sk_conf *conf, const char *user,
                  int *yes);
/* *yes = 1 when user is a privileged ID (R-PRIV-4): its profile is admin_profile, or some
 * role lists it as a holder, break-glass user or account, or it is an approved delegate. */
int grant_user_is_privileged(struct sk_store_txn *txn, const struct sk_conf *conf,
                             const char *user, int *yes);
/* The names of l joined by single spaces into out (truncation: SK_ERR_RANGE). */
int grant_join(const struct sk_name_list *l, char *out, size_t cap);
#endif
