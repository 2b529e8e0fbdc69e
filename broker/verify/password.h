/* The broker's own password store: yescrypt hashes (libxcrypt), quality rules (R-CRED-3),
 * temporary passwords (R-CRED-1). */
#ifndef BROKER_PASSWORD_H
#define BROKER_PASSWORD_H
#include <stddef.h>

#include "sk_proto.h"
#include "sk_records.h"   /* PASSWORD_HASH_MAX */

#define PASSWORD_MAX SK_PASSWORD_MAX  /* longer input is refused, never truncated */
#define PASSWORD_TEMP_LEN 16

struct password_rules {
	unsigned min_length;   /* characters (UTF-8 code points) */
	unsigned min_classes;  /* of lower, upper, digit, other */
	unsigned history;      /* refuse any of the last N passwords (checked by the caller) */
};

enum password_quality {
	PASSWORD_OK = 0,
	PASSWORD_TOO_SHORT,
	PASSWORD_TOO_FEW_CLASSES,
	PASSWORD_CONTAINS_USER,   /* contains the user name, either direction, case-insensitive */
	PASSWORD_TOO_LONG,
	PASSWORD_BAD_CHARS,       /* control characters or invalid UTF-8 */
};

int password_hash(const char *pw, char *out, size_t outsz);
/* SK_OK when pw matches hash, SK_ERR_DENIED when not (compared in constant time). yescrypt
 * only: a "$sktmp1$" hash is SK_ERR_PROTO here. */
int password_verify(const char *pw, const char *hash);
/* A user's password against the stored hash: as password_verify, and a "$sktmp1$" hash
 * (password_issue_bulk_temp) is accepted only when temporary (users.pw_temporary) is set;
 * such a check also runs one yescrypt verify, so that it takes as long as any other. */
int password_verify_user(const char *pw, const char *hash, int temporary);
/* A broker-generated bulk temporary password of PASSWORD_BULK_TEMP_LEN characters (same
 * alphabet and rules as password_generate_temp, at least 132 bits) and its fast hash
 * "$sktmp1$SALT$SHA256" (doc/architecture.md): HR hires and `user import` only. The account
 * must be marked temporary (changed at the first login). */
#define PASSWORD_BULK_TEMP_LEN 22
int password_issue_bulk_temp(char *pw, size_t pwsz, char *hash, size_t hashsz);
int password_is_bulk_temp_hash(const char *hash);
enum password_quality password_check_quality(const char *user, const char *pw,
                                             const struct password_rules *rules);
/* A random temporary password of PASSWORD_TEMP_LEN characters from an alphabet without
 * look-alikes (no 0/O, 1/l/I), with at least one lower, upper, digit and symbol. */
int password_generate_temp(char *out, size_t outsz);

#endif
