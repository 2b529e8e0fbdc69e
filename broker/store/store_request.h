/* Access certifications and self-service removal requests in the store (issue 10, items 6-7;
 * schema step "access review"). A certification records who certified the access listing
 * (sekimori review access certify), when, with what comment, and what the listing held (its
 * counts and SHA-256). A removal request records a user's own request to have a factor or a
 * role removed, open until an administrator other than the requester confirms or refuses it. */
#ifndef BROKER_STORE_REQUEST_H
#define BROKER_STORE_REQUEST_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"
#include "store_grant.h"

struct sk_store_txn;

struct certification_rec {
	int64_t id;
	char certified_by[SK_USER_MAX];
	int64_t at;
	char comment[GRANT_TEXT_MAX];
	int64_t holders, grants;       /* entries of the listing certified */
	char digest[65];               /* SHA-256 (hex) of the listing's JSON as certified */
};

int store_certification_insert(struct sk_store_txn *t, struct certification_rec *v);
/* Newest first; fn returns non-zero to stop. */
int store_certification_list(struct sk_store_txn *t,
                             int (*fn)(void *, const struct certification_rec *), void *arg);

enum removal_state {
	REMOVAL_OPEN = 0,
	REMOVAL_CONFIRMED = 1,   /* confirmed and carried out */
	REMOVAL_REFUSED = 2,
};
const char *removal_state_name(enum removal_state s);
const char *removal_kind_name(enum sk_removal_kind k);

struct removal_rec {
	int64_t id;
	char requester[SK_USER_MAX];   /* the account, which is also who asked */
	enum sk_removal_kind kind;
	char target[SK_NAME_MAX];      /* credential or card id, role name, "" for TOTP */
	char reason[GRANT_TEXT_MAX];
	enum removal_state state;
	int64_t created;
	char decided_by[SK_USER_MAX];
	int64_t decided_at;
	char comment[GRANT_TEXT_MAX];
};

int store_removal_insert(struct sk_store_txn *t, struct removal_rec *v);
int store_removal_get(struct sk_store_txn *t, int64_t id, struct removal_rec *out);
/* *yes = 1 when an open request of requester for (kind, target) exists. */
int store_removal_open_exists(struct sk_store_txn *t, const char *requester,
                              enum sk_removal_kind kind, const char *target, int *yes);
/* Sets state, decided_by, decided_at and comment of an open request: SK_ERR_NOTFOUND when it
 * is not open (decided by someone else first). */
int store_removal_decide(struct sk_store_txn *t, int64_t id, enum removal_state to,
                         const char *by, int64_t at, const char *comment);
/* Open ones first, then by id; all, or open only. */
int store_removal_list(struct sk_store_txn *t, int open_only,
                       int (*fn)(void *, const struct removal_rec *), void *arg);

#endif
