/* IC cards in a login (issue 4): the nonce the card signs, and the verification of the
 * certificate, the signature, the binding to this user and the suspend list (R-CARD-1,
 * R-CARD-3). A revoked card is refused at once on every workstation: the binding and its
 * revocation live in the broker's one store. */
#ifndef BROKER_AUTH_CARD_H
#define BROKER_AUTH_CARD_H
#include <stdint.h>

#include "broker.h"

#define CARD_KEY_HASH_LEN 32     /* SHA-256 of a SubjectPublicKeyInfo (SK_K_CARD_KEYS) */

struct card_outcome {
	int ok;
	unsigned classes;
	const char *reason;
	int64_t card_row;
};

/* Loads [card] trust anchors and CRL. */
int auth_card_init(struct broker *b);
void auth_card_free(struct broker *b);
/* The classes the user's active card proves (0: none, or cards not configured). */
unsigned auth_card_classes(struct broker_conn *c, int64_t user_id);
/* SK_CLASS_* for a card kind. */
unsigned auth_card_kind_classes(unsigned kind);
/* AUTH_BEGIN's card part: challenge, kind, and the SPKI SHA-256 of the user's active cards
 * (SK_K_CARD_KEYS). An unknown user (c->txn.user_known == 0; user_id unused) gets one
 * stable decoy hash, as a user with one card gets one real hash. */
int auth_card_begin(struct broker_conn *c, int64_t user_id, struct sk_msg *reply);
/* The user's active cards, oldest first, in a block of CARDS_PER_USER_MAX the caller frees
 * (NULL and *n = 0 on failure). */
struct card_rec;
int auth_card_list_active(struct broker_conn *c, int64_t user_id, struct card_rec **recs,
                          size_t *n);
void auth_card_verify(struct broker_conn *c, int64_t user_id, const struct sk_msg *req,
                      int64_t now, struct card_outcome *o);

#endif
