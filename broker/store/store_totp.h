/* TOTP factors in the store. Seeds are kept sealed (sk_aead) with the user name as AAD. */
#ifndef BROKER_STORE_TOTP_H
#define BROKER_STORE_TOTP_H
#include <stddef.h>
#include <stdint.h>

#include "sk_aead.h"
#include "sk_totp.h"

struct sk_store_txn;

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

int store_totp_list(struct sk_store_txn *t, int64_t user_id, int confirmed_only, struct totp_rec *out,
                    size_t cap, size_t *n);
int store_totp_get(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out);
int store_totp_insert(struct sk_store_txn *t, struct totp_rec *rec);
int store_totp_set_last_step(struct sk_store_txn *t, int64_t id, int64_t step);
/* Marks id confirmed and removes the user's other TOTP factors (one token per user). */
int store_totp_confirm(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step);
int store_totp_delete_unconfirmed(struct sk_store_txn *t, int64_t user_id);
int store_totp_delete_all(struct sk_store_txn *t, int64_t user_id);

#endif
