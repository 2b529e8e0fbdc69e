/* IC card bindings in the store (issue 4): one certificate, one person, ever (R-CARD-1). */
#ifndef BROKER_STORE_CARD_H
#define BROKER_STORE_CARD_H
#include <sqlite3.h>
#include <stdint.h>

#include "card_verify.h"

#define CARDS_PER_USER_MAX 16

struct card_rec {
	int64_t id;
	int64_t user_id;
	unsigned kind;                   /* enum sk_card_kind */
	struct card_binding binding;
	int64_t not_after;
	int revoked;
	char revoke_reason[32];
	int64_t replaced_by;
	int64_t collected;               /* when the old card was handed back (R-CARD-4) */
	int64_t destroyed;
	char disposal_note[256];
	int64_t created;
};

int store_card_list(sqlite3 *db, int64_t user_id, int active_only, struct card_rec *out,
                    size_t cap, size_t *n);
/* By binding key, whoever it belongs to; SK_ERR_NOTFOUND when unknown. */
int store_card_by_spki(sqlite3 *db, const char *spki_sha256, struct card_rec *out);
/* SK_ERR_EXISTS when the certificate is already bound (to anyone). */
int store_card_insert(sqlite3 *db, struct card_rec *c, const unsigned char *cert, size_t len);
int store_card_revoke(sqlite3 *db, int64_t id, const char *reason, int64_t replaced_by,
                      int64_t now);
int store_card_dispose(sqlite3 *db, int64_t id, int collected, int destroyed, const char *note,
                       int64_t now);

#endif
