/* The TOTP factor as the broker uses it: sealing seeds and checking codes (R-CRED-2). Its
 * row is totp_factor (factor_table.c); the enrolment handlers (handlers/admin_totp.c) seal
 * and check with the functions below. */
#ifndef BROKER_TOTP_FACTOR_H
#define BROKER_TOTP_FACTOR_H
#include <stdint.h>

#include "factor.h"
#include "store_totp.h"

int totp_factor_seal(const struct broker *b, const char *user, const unsigned char *seed,
                     size_t seed_len, struct totp_rec *t);
/* Checks code against one factor. On success writes the matched step; on SK_ERR_DENIED
 * *replayed (may be NULL) says whether the code was one of a step already used. */
int totp_factor_check_one(const struct broker *b, const char *user, const struct totp_rec *t,
                          const char *code, unsigned window, int64_t now, int64_t *step,
                          int *replayed);
/* Checks code against the user's confirmed factors; on success the matched factor's id and
 * step (the caller stores the step in the same transaction as the decision). */
int totp_factor_check(const struct broker *b, struct sk_store_txn *db, int64_t user_id,
                      const char *user, const char *code, unsigned window, int64_t now,
                      int64_t *factor_id, int64_t *step, int *replayed);

#endif
