/* FIDO2 credentials in the store (issue 3). */
#ifndef BROKER_STORE_FIDO2_H
#define BROKER_STORE_FIDO2_H
#include <stddef.h>
#include <stdint.h>

#include "sk_records.h"

struct sk_store_txn;

#define FIDO2_PER_USER_MAX 8

struct fido2_rec {
	int64_t id;
	int64_t user_id;
	unsigned char cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	int cose_type;
	unsigned char pubkey[FIDO2_PUBKEY_MAX];
	size_t pubkey_len;
	unsigned char aaguid[FIDO2_AAGUID_LEN];
	uint32_t sign_count;
	char fmt[FIDO2_FMT_MAX + 1];
	char subject[FIDO2_SUBJECT_MAX];
	int trusted;
	int clone_flagged;
	int64_t created;
	int64_t last_used;
};

/* All of a user's credentials, flagged ones included (usable_only = 0), or only those a
 * login may use. */
int store_fido2_list(struct sk_store_txn *t, int64_t user_id, int usable_only, struct fido2_rec *out,
                     size_t cap, size_t *n);
/* Stores f (its id is ignored) with the attestation statement as enrolled; *id gets the new
 * row. SK_ERR_EXISTS when the credential id is enrolled already. */
int store_fido2_insert(struct sk_store_txn *t, const struct fido2_rec *f,
                       const unsigned char *attstmt, size_t attstmt_len, int64_t *id);
int store_fido2_used(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now);
/* A counter that did not increase: the credential is no longer offered (clone suspected). */
int store_fido2_flag_clone(struct sk_store_txn *t, int64_t id);
/* SK_ERR_NOTFOUND when the user has no such credential. */
int store_fido2_delete(struct sk_store_txn *t, int64_t user_id, int64_t id);

#endif
