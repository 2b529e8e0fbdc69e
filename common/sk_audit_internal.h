/* Helpers shared by the audit chain (sk_audit_chain.c), its verification (sk_audit_verify.c)
 * and its anchor (sk_audit_anchor.c); not for other users. */
#ifndef SK_AUDIT_INTERNAL_H
#define SK_AUDIT_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "sk_audit_chain.h"

int sk_audit_is_lower_hex(const char *s, size_t n);
int sk_audit_is_digits(const char *s, size_t n);
/* hex = lowercase HMAC-SHA256(key, text). SK_ERR_CRYPTO when OpenSSL fails. */
int sk_audit_hmac_hex(const unsigned char *key, size_t keylen, const char *text, size_t len,
                      char hex[SK_AUDIT_MAC_HEX + 1]);

/* The prev of the first record, and the mac of an empty chain. */
extern const char sk_audit_zero_mac[SK_AUDIT_MAC_HEX + 1];

/* What a not-committed marker names: records first..last. */
struct sk_audit_marker {
	int present;
	uint64_t first, last;
	int rotated;   /* the record is audit.rotated: a file may begin with it */
};

/* sk_audit_line_open, also saying what marker the record is (m may be NULL). */
int sk_audit_line_open_marked(const unsigned char *key, size_t keylen, const char *line,
                              size_t len, uint64_t *seq, char prev[SK_AUDIT_MAC_HEX + 1],
                              char mac[SK_AUDIT_MAC_HEX + 1], struct sk_audit_marker *m,
                              const char **why);

#endif
