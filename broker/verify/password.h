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
/* A generated bulk-enrolment temporary password only (password_generate_temp): yescrypt with
 * light parameters ($y$j35$, doc/bulk-enrol.md); password_verify checks it like any other. */
int password_hash_enrolment(const char *pw, char *out, size_t outsz);
/* SK_OK when pw matches hash, SK_ERR_DENIED when not (compared in constant time). */
int password_verify(const char *pw, const char *hash);
enum password_quality password_check_quality(const char *user, const char *pw,
                                             const struct password_rules *rules);
/* A random temporary password of PASSWORD_TEMP_LEN characters from an alphabet without
 * look-alikes (no 0/O, 1/l/I), with at least one lower, upper, digit and symbol. */
int password_generate_temp(char *out, size_t outsz);

#endif
