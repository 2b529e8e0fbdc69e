/* TOTP factors in the store. Seeds are kept sealed (sk_aead) with the user name as AAD. */
#ifndef BROKER_STORE_TOTP_H
#define BROKER_STORE_TOTP_H
#include <sqlite3.h>
#include <stdint.h>

#include "sk_aead.h"
#include "sk_totp.h"

#define TOTP_SEALED_MAX (SK_TOTP_SEED_MAX + SK_AEAD_OVERHEAD)
#define TOTP_PER_USER_MAX 4

struct totp_rec {
	int64_t id;
	int64_t user_id;
	struct sk_totp_params params;
	unsigned char sealed[TOTP_SEALED_MAX];
	size_t sealed_len;
	int64_t last_step;     /* the last accepted time step: no code at or before it again */
	int confirmed;
	int64_t created;
};

int store_totp_list(sqlite3 *db, int64_t user_id, int confirmed_only, struct totp_rec *out,
                    size_t cap, size_t *n);
int store_totp_get(sqlite3 *db, int64_t user_id, int64_t id, struct totp_rec *out);
int store_totp_insert(sqlite3 *db, struct totp_rec *t);
int store_totp_set_last_step(sqlite3 *db, int64_t id, int64_t step);
/* Marks id confirmed and removes the user's other TOTP factors (one token per user). */
int store_totp_confirm(sqlite3 *db, int64_t user_id, int64_t id, int64_t step);
int store_totp_delete_unconfirmed(sqlite3 *db, int64_t user_id);
int store_totp_delete_all(sqlite3 *db, int64_t user_id);

#endif
