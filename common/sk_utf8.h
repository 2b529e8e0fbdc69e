/* Strict UTF-8 and name validation for untrusted text (R-INPUT-1). */
#ifndef SK_UTF8_H
#define SK_UTF8_H
#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates) without C0 controls
 * other than tab and newline, and without DEL. */
int sk_utf8_valid(const char *s, size_t n);
/* 1 for a user name Sekimori accepts: 1..SK_USER_MAX-1 bytes of [A-Za-z0-9._@-], not starting
 * with '-' or '.', so it is safe in logs, file names and command lines. */
int sk_valid_username(const char *s);
/* 1 for a profile, service or method name: [a-z0-9_-], 1..SK_NAME_MAX-1 bytes. */
int sk_valid_name(const char *s);

#endif
