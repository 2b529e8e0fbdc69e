/* IC cards in a login (issue 4): the nonce the card signs, and the verification of the
 * certificate, the signature, the binding to this user and the suspend list (R-CARD-1,
 * R-CARD-3). A revoked card is refused at once on every workstation: the binding and its
 * revocation live in the broker's one store. The factor's row is card_factor
 * (factor_table.c); the enrolment handlers (handlers/admin_card.c) use what is below. */
#ifndef BROKER_CARD_FACTOR_H
#define BROKER_CARD_FACTOR_H
#include <stdint.h>

#include "factor.h"

#define CARD_KEY_HASH_LEN 32     /* SHA-256 of a SubjectPublicKeyInfo (SK_K_CARD_KEYS) */

/* [card] trust anchors and CRL as loaded at start, or NULL: cards are not configured. */
struct card_trust;
const struct card_trust *card_factor_trust(void);
/* SK_CLASS_* for a card kind. */
unsigned card_factor_kind_classes(unsigned kind);
/* The user's active cards, oldest first, in a block of CARDS_PER_USER_MAX the caller frees
 * (NULL and *n = 0 on failure). */
struct card_rec;
int card_factor_list_active(struct broker_conn *c, int64_t user_id, struct card_rec **recs,
                            size_t *n);

extern const struct factor_ops card_factor;

#endif
