/* Synthetic HR files for the tests and the benchmark (R-TEST-1): names and readings are
 * built from syllable tables and staff numbers are sequence numbers; nothing here is a
 * real person, number or address. Files are written as UTF-8 or converted to CP932 with
 * iconv while they are written, one row at a time. */
#ifndef HR_GEN_H
#define HR_GEN_H
#include <stddef.h>
#include <stdio.h>
#include <iconv.h>

/* The header of generated files: the default Japanese headers plus an unmapped 備考. */
#define HR_GEN_HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分,備考"

/* Row i (0-based) as UTF-8 without line end; returns its length or -1. Every row is valid.
 * Some rows carry vendor characters (①, ㈱, 髙, 﨑), era dates, full-width digits and
 * quoted remarks with commas and quotes; *newlines receives the line breaks inside the
 * row's quoted remarks (only when with_newlines is set). */
int hr_gen_row(unsigned long i, int with_newlines, char *buf, size_t n, int *newlines);

struct hr_gen_writer {
	FILE *f;
	iconv_t cd;        /* (iconv_t)-1 for UTF-8 */
	size_t written;    /* bytes written to the file */
};
/* cp932: convert while writing; bom: start with a UTF-8 byte order mark (UTF-8 only).
 * path receives a new file under $TMPDIR (or /tmp). 0 on success. */
int hr_gen_open(struct hr_gen_writer *w, char *path, size_t pathsz, int cp932, int bom);
int hr_gen_put(struct hr_gen_writer *w, const char *utf8, size_t n);
int hr_gen_puts(struct hr_gen_writer *w, const char *utf8);
int hr_gen_close(struct hr_gen_writer *w);

/* A record callback for tests: counts records and keeps the first HR_GEN_KEEP. */
#include "hr.h"
#define HR_GEN_KEEP 8
struct hr_gen_collect {
	unsigned long n;
	struct hr_record first[HR_GEN_KEEP];
	struct hr_record last;
};
int hr_gen_collect_fn(const struct hr_record *rec, void *arg);

/* Writes utf8 to a new file (converted to CP932 when cp932, BOM first when bom), imports it
 * with enc and lim (NULL: defaults), collecting records into c, and removes the file. */
int hr_gen_import_text(const char *utf8, size_t n, int cp932, int bom, enum hr_encoding enc,
                       const struct hr_limits *lim, struct hr_gen_collect *c,
                       struct hr_result *res);

#endif
