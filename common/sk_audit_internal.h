/* Helpers shared by the audit chain (sk_audit_chain.c) and its anchor (sk_audit_anchor.c);
 * not for other users. */
#ifndef SK_AUDIT_INTERNAL_H
#define SK_AUDIT_INTERNAL_H
#include <stddef.h>

#include "sk_audit_chain.h"

int sk_audit_is_lower_hex(const char *s, size_t n);
int sk_audit_is_digits(const char *s, size_t n);
/* hex = lowercase HMAC-SHA256(key, text). SK_ERR_CRYPTO when OpenSSL fails. */
int sk_audit_hmac_hex(const unsigned char *key, size_t keylen, const char *text, size_t len,
                      char hex[SK_AUDIT_MAC_HEX + 1]);

#endif
