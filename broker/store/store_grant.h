/* Privileged access in the store (issue 9, doc/privileged-access.md; schema version 3):
 * grants (requested, approved by other people, active for a bounded time, ended), delegations
 * of a role (nominated, approved by the CISO role), break-glass reviews (open until the CISO
 * role closes them with a comment), each role's last use, and the users.contractor flag. */
#ifndef BROKER_STORE_GRANT_H
#define BROKER_STORE_GRANT_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"

struct sk_store_txn;

#define GRANT_TEXT_MAX 256        /* reason, comment, cause: bytes + NUL */
#define GRANT_TICKET_MAX 65
#define GRANT_LIST_MAX 512        /* space-separated services, groups or accounts + NUL */

enum grant_state {
	GRANT_PENDING = 0,    /* waiting for its approver(s) */
	GRANT_APPROVED = 1,   /* approved; a two-person role waits for the second person */
	GRANT_ACTIVE = 2,     /* in force from starts to ends */
	GRANT_DENIED = 3,
	GRANT_REVOKED = 4,    /* ended early (revoke, HR, an ended two-person grant) */
	GRANT_EXPIRED = 5,    /* ran to its end, or a request nobody decided in time */
};
const char *grant_state_name(enum grant_state s);

struct grant_rec {
	int64_t id;
	char role[SK_NAME_MAX];
	char requester[SK_USER_MAX];
	char reason[GRANT_TEXT_MAX];
	char ticket[GRANT_TICKET_MAX];
	int64_t minutes;
	enum grant_state state;
	int breakglass;
	int64_t created;
	char approver1[SK_USER_MAX];
	int64_t approved1_at;
	char approver2[SK_USER_MAX];
	int64_t approved2_at;
	char confirmer[SK_USER_MAX];   /* two-person: the second person */
	int64_t confirmed_at;
	int64_t starts, ends;          /* while active: in force for starts <= t < ends */
	int64_t ended_at;              /* denied, revoked or expired at */
	char ended_by[SK_USER_MAX];    /* who denied or revoked ("" for the broker itself) */
	char end_cause[GRANT_TEXT_MAX];
	/* What the role unlocked when the grant was requested (what its approvers approved),
	 * space-separated. */
	char services[GRANT_LIST_MAX];
	char groups[GRANT_LIST_MAX];
	char accounts[GRANT_LIST_MAX];
};

/* Inserts g (state, times and texts as given); g->id gets the new id. */
int store_grant_insert(struct sk_store_txn *t, struct grant_rec *g);
/* SK_ERR_NOTFOUND when there is no such grant. */
int store_grant_get(struct sk_store_txn *t, int64_t id, struct grant_rec *out);
/* Writes every field of g but its id, role, requester, request texts and created, only when
 * the stored state is still `from` (SK_ERR_NOTFOUND otherwise: someone else decided first). */
int store_grant_update(struct sk_store_txn *t, const struct grant_rec *g, enum grant_state from);
/* Calls fn for each grant, newest first; all, or only those in a not-ended state when
 * open_only. fn returns non-zero to stop. */
int store_grant_list(struct sk_store_txn *t, int open_only,
                     int (*fn)(void *, const struct grant_rec *), void *arg);
/* The active grant of user in force at now whose services list has service: the one that
 * ends last. SK_ERR_NOTFOUND when none. */
int store_grant_active_for(struct sk_store_txn *t, const char *user, const char *service,
                           int64_t now, struct grant_rec *out);
/* Pending and approved requests created before pending_before, and active grants whose end
 * is at or before now, become expired (ended_at = now); *n says how many. */
int store_grant_expire(struct sk_store_txn *t, int64_t now, int64_t pending_before, size_t *n);

/* Delegations (R-PRIV-3). */
enum delegation_state {
	DELEGATION_NOMINATED = 0,
	DELEGATION_APPROVED = 1,    /* effective: the delegate holds the role */
	DELEGATION_DENIED = 2,
	DELEGATION_REVOKED = 3,
};
const char *delegation_state_name(enum delegation_state s);

struct delegation_rec {
	int64_t id;
	char role[SK_NAME_MAX];
	char delegate[SK_USER_MAX];
	char nominator[SK_USER_MAX];
	char reason[GRANT_TEXT_MAX];
	enum delegation_state state;
	int64_t created;
	char decided_by[SK_USER_MAX];
	int64_t decided_at;
};

int store_delegation_insert(struct sk_store_txn *t, struct delegation_rec *d);
int store_delegation_get(struct sk_store_txn *t, int64_t id, struct delegation_rec *out);
/* Sets state, decided_by and decided_at when the stored state is still `from`. */
int store_delegation_decide(struct sk_store_txn *t, int64_t id, enum delegation_state from,
                            enum delegation_state to, const char *by, int64_t at);
int store_delegation_list(struct sk_store_txn *t,
                          int (*fn)(void *, const struct delegation_rec *), void *arg);
/* *yes = 1 when user holds role through an approved delegation. */
int store_delegation_holds(struct sk_store_txn *t, const char *role, const char *user, int *yes);

/* Break-glass reviews (R-EXC-1): one per break-glass grant, open until closed. */
struct review_rec {
	int64_t id;
	int64_t grant_id;
	char role[SK_NAME_MAX];
	char user[SK_USER_MAX];
	char reason[GRANT_TEXT_MAX];
	int64_t created;
	int closed;
	char closed_by[SK_USER_MAX];
	int64_t closed_at;
	char comment[GRANT_TEXT_MAX];
};

int store_review_insert(struct sk_store_txn *t, struct review_rec *v);
int store_review_get(struct sk_store_txn *t, int64_t id, struct review_rec *out);
/* Closes an open review: SK_ERR_NOTFOUND when it is closed already or does not exist. */
int store_review_close(struct sk_store_txn *t, int64_t id, const char *by, int64_t at,
                       const char *comment);
/* Calls fn for each review, open ones first, then by id; all, or open only. */
int store_review_list(struct sk_store_txn *t, int open_only,
                      int (*fn)(void *, const struct review_rec *), void *arg);

/* A role's last use (a login that a grant of it allowed), per holder. */
int store_role_used(struct sk_store_txn *t, const char *role, const char *user, int64_t at);
/* *at = 0 when never. */
int store_role_last_use(struct sk_store_txn *t, const char *role, const char *user, int64_t *at);

/* Contractors (R-MFA-4, R-PRIV-4): the users.contractor flag, or an HR employment of
 * "contractor". *yes = 0 for an unknown user. */
int store_user_contractor(struct sk_store_txn *t, const char *user, int *yes);
/* Sets the flag (HR's employment is not changed): SK_ERR_NOTFOUND for an unknown user. */
int store_user_set_contractor(struct sk_store_txn *t, const char *user, int yes);

#endif
