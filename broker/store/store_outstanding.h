/* What a person still has to hand back (issue 10, item 4; R-LIFE-5): revoked IC cards not
 * yet recorded collected or destroyed (the cards table, sekimori card dispose), and FIDO2
 * security keys a retirement removed (fido2_outstanding, schema step "HR return and
 * retirement"), open until an administrator records them collected, destroyed or lost
 * (sekimori fido2 dispose). Rows are never deleted: they are the record. */
#ifndef BROKER_STORE_OUTSTANDING_H
#define BROKER_STORE_OUTSTANDING_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"
#include "store_fido2.h"

struct sk_store_txn;

#define OUTSTANDING_TEXT_MAX 256

struct outstanding_rec {
	int is_key;                       /* 1: a security key, 0: a card */
	int64_t id;                       /* fido2_outstanding.id, or cards.id */
	char user[SK_USER_MAX];
	int64_t cred_id;                  /* key: the removed credential's id; card: 0 */
	char ident[OUTSTANDING_TEXT_MAX]; /* key: AAGUID (hex); card: certificate SHA-256 */
	char subject[FIDO2_SUBJECT_MAX];  /* key: the credential's subject; card: "" */
	int64_t since;                    /* key: when recorded; card: when revoked */
	char reason[32];                  /* key: "retired"; card: the revoke reason */
};

/* Records one removed security key of user as outstanding. */
int store_fido2_out_add(struct sk_store_txn *t, const char *user, int64_t cred_id,
                        const char *aaguid, const char *subject, int64_t now);
/* Closes the open key record id (user "" : any user's; else only if it is user's) with
 * disposition (collected | destroyed | lost). SK_ERR_NOTFOUND when no such open record. */
int store_fido2_out_dispose(struct sk_store_txn *t, int64_t id, const char *user,
                            const char *disposition, const char *note, const char *by,
                            int64_t now);
/* Every open item (user "" : everyone's), keys then cards, each by id; fn returns non-zero
 * to stop. */
int store_outstanding_list(struct sk_store_txn *t, const char *user,
                           int (*fn)(void *, const struct outstanding_rec *), void *arg);

#endif
