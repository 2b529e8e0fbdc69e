/* IC card bindings in the store (issue 4): one card, one person, ever (R-CARD-1).
 *
 * A binding names the certificate enrolled (cards.spki_sha256, UNIQUE for ever), the card it
 * sits on (cards.card_uid: the PIV CHUID's GUID or FASC-N; "" for JPKI, whose card holds one
 * authentication key) and every key found on that card at enrolment (card_keys): another key
 * of the same card (PIV 9E next to 9A) can never be bound to somebody else. */
#ifndef BROKER_STORE_CARD_H
#define BROKER_STORE_CARD_H
#include <stddef.h>
#include <stdint.h>

#include "sk_records.h"

struct sk_store_txn;

#define CARDS_PER_USER_MAX 16
#define CARD_UID_MAX 64                 /* "piv-fascn:" + 50 hex digits + NUL fits */
#define CARD_KEYS_PER_CARD 4            /* PIV 9A, 9C, 9D, 9E; JPKI 1 */

struct card_rec {
	int64_t id;
	int64_t user_id;
	unsigned kind;                   /* enum sk_card_kind */
	struct card_binding binding;
	int64_t not_after;
	char card_uid[CARD_UID_MAX];     /* the card's identity, "" when it has none */
	int revoked;
	int64_t revoked_at;              /* when it was revoked (0: active, or before this was kept) */
	char revoke_reason[32];
	int64_t replaced_by;
	int64_t collected;               /* when the old card was handed back (R-CARD-4) */
	int64_t destroyed;
	char disposal_note[256];
	int64_t created;
};

int store_card_list(struct sk_store_txn *t, int64_t user_id, int active_only, struct card_rec *out,
                    size_t cap, size_t *n);
/* By binding key, whoever it belongs to; SK_ERR_NOTFOUND when unknown. */
int store_card_by_spki(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out);
/* Who holds a card, or a key of a card, other than user_id: *other is that user's id, or 0 when
 * nobody else does (a key is looked up among enrolled certificates and every key seen on an
 * enrolled card; a card identity "" matches nothing). */
int store_card_other_owner(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
                           const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other);
/* Records every key seen on the card of binding card_id; a key recorded already keeps its
 * first binding. */
int store_card_add_keys(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
                        const char (*spki)[CARD_SPKI_HEX], size_t n_spki);
/* The name of user id (for records made from a card alone, e.g. revoke --cert). */
int store_card_user_name(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap);
/* SK_ERR_EXISTS when the certificate is already bound (to anyone). */
int store_card_insert(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert, size_t len);
int store_card_revoke(struct sk_store_txn *t, int64_t id, const char *reason, int64_t replaced_by,
                      int64_t now);
int store_card_dispose(struct sk_store_txn *t, int64_t id, int collected, int destroyed, const char *note,
                       int64_t now);

#endif
