/* Internal interfaces between the files of skhr (not installed, not for callers). */
#ifndef HR_INT_H
#define HR_INT_H
#include <stddef.h>

#include "hr.h"

/* Errors as they are found: every one is counted, the first cap are kept. The header names
 * let an error name its column by index. */
struct hr_errsink {
	struct hr_error *v;
	size_t kept, cap;
	unsigned long total;
	char (*headers)[HR_COLUMN_MAX + 1];
	size_t nheaders;
};
/* col < 0: not one column. value may be NULL; it is shortened and its controls shown '?'. */
void hr_err_add(struct hr_errsink *s, unsigned long line, long col, enum hr_problem p,
                const char *value, size_t vlen, unsigned long n1, unsigned long n2);
/* As hr_err_add, with the column named directly. */
void hr_err_add_named(struct hr_errsink *s, unsigned long line, const char *column,
                      enum hr_problem p, const char *value, size_t vlen, unsigned long n1,
                      unsigned long n2);

/* One row as libcsv gave it, fields in a shared arena (valid during the callback only). */
struct hr_row {
	unsigned long line;          /* physical line where the row starts */
	size_t nfields;              /* fields kept (at most max_columns) */
	size_t total_fields;         /* fields in the row, also those beyond max_columns */
	const char **field;          /* NUL-terminated copies */
	const size_t *len;
	const unsigned char *too_long;   /* 1: over max_field_bytes, already reported, empty */
};
/* SK_OK to go on; a negative SK_ERR_* stops reading and is returned. */
typedef int (*hr_row_fn)(const struct hr_row *row, void *arg);

/* Reads fd from its current position to the end in chunks: decodes (enc is UTF-8 or CP932,
 * never AUTO), parses the CSV and calls fn per row. Fatal problems are added to errs and
 * give SK_ERR_PROTO. sha receives the SHA-256 of every byte read; *peak the largest
 * libcsv buffer. */
int hr_read_rows(int fd, enum hr_encoding enc, const struct hr_limits *lim, hr_row_fn fn,
                 void *arg, struct hr_errsink *errs, unsigned char sha[HR_SHA256_LEN],
                 size_t *peak);
/* Reads fd to the end: *enc becomes UTF-8 when it starts with a BOM or is valid UTF-8
 * throughout, CP932 otherwise. */
int hr_sniff_encoding(int fd, enum hr_encoding *enc);

/* Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF): the length of the
 * sequence at s, 0 when s[0..n) is a valid but incomplete start, -1 when invalid. */
int hr_utf8_seq(const unsigned char *s, size_t n);
/* The code point of a valid sequence at s of length len. */
unsigned hr_utf8_cp(const unsigned char *s, int len);

/* Full-width ASCII forms (U+FF01..U+FF5E) to ASCII and U+3000 to a space, spaces trimmed at
 * both ends; SK_ERR_RANGE when out is too small. s must be valid UTF-8. */
int hr_norm_ascii(const char *s, size_t n, char *out, size_t outsz);
/* s without leading and trailing ASCII spaces, tabs and U+3000: *start and *len. */
void hr_trim(const char *s, size_t n, size_t *start, size_t *len);
/* 1 when s[0..n) has a control character: C0 controls, DEL, C1 controls; with allow_ws,
 * tab, CR and LF are allowed (unmapped columns may hold multi-line remarks, mapped fields
 * may not). s must be valid UTF-8. */
int hr_has_control(const char *s, size_t n, int allow_ws);
/* 1 when s[0..n) is katakana with spaces, ー and ・ (full- or half-width). */
int hr_is_kana(const char *s, size_t n);
/* 1 when s is 1..HR_DEPT_MAX of [0-9A-Za-z-]. */
int hr_is_dept(const char *s);
/* Header text equal to want: trimmed, ASCII case-insensitive. */
int hr_header_eq(const char *s, size_t n, const char *want);

#endif
