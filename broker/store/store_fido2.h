/* FIDO2 credentials in the store (issue 3). */
#ifndef BROKER_STORE_FIDO2_H
#define BROKER_STORE_FIDO2_H
#include <sqlite3.h>
#include <stdint.h>

#include "fido2_attest.h"
#include "fido2_verify.h"

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
int store_fido2_list(sqlite3 *db, int64_t user_id, int usable_only, struct fido2_rec *out,
                     size_t cap, size_t *n);
int store_fido2_insert(sqlite3 *db, int64_t user_id, const struct fido2_attest_result *a,
                       const char *fmt, const unsigned char *attstmt, size_t attstmt_len,
                       int64_t now, int64_t *id);
int store_fido2_used(sqlite3 *db, int64_t id, uint32_t sign_count, int64_t now);
/* A counter that did not increase: the credential is no longer offered (clone suspected). */
int store_fido2_flag_clone(sqlite3 *db, int64_t id);
/* SK_ERR_NOTFOUND when the user has no such credential. */
int store_fido2_delete(sqlite3 *db, int64_t user_id, int64_t id);

#endif
