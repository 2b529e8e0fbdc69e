/* Streaming reader for HR CSV files: fixed-size chunks are read, hashed, decoded to UTF-8
 * (strictly validated, or converted from CP932 by iconv) and fed to libcsv, which calls
 * back once per row. Memory stays constant: one input chunk, one output buffer, one row
 * arena and libcsv's field buffer, which the row limit bounds.
 *
 * Line numbers: libcsv does not count lines, so the decoded text is fed one physical line at
 * a time (each piece ends at CR or LF). A row starts on the line of the first piece that is
 * not blank while no row is open; libcsv skips blank pieces outside a row the same way. */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hr_int.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

#define HR_CHUNK HR_READ_CHUNK
#define HR_CARRY_MAX 8                  /* an incomplete sequence is at most 3 bytes */
#define HR_OUTBUF (3 * HR_CHUNK + 64)   /* a half-width kana byte becomes 3 bytes */

struct reader {
	struct csv_parser csv;
	const struct hr_limits *lim;
	hr_row_fn fn;
	void *arg;
	struct hr_errsink *errs;
	unsigned long line;        /* physical line of the next byte fed, 1-based */
	int prev_cr;               /* the last byte fed was a CR (CRLF counts once) */
	int row_open;
	unsigned long row_line;
	size_t row_bytes;
	char *arena;
	size_t arena_cap, arena_used;
	const char **field;
	size_t *len;
	unsigned char *too_long;
	size_t nfields, total_fields;
	int rc;                    /* set by a callback or a fatal problem: stop feeding */
	size_t peak;
};

static void
fatal(struct reader *r, unsigned long line, long col, enum hr_problem p, const char *value,
      unsigned long n1)
{
	hr_err_add(r->errs, line, col, p, value, value ? strlen(value) : 0, n1, 0);
	r->rc = SK_ERR_PROTO;
}

static void
on_field(void *data, size_t n, void *p)
{
	struct reader *r = p;
	size_t idx;

	if (r->rc)
		return;
	idx = r->total_fields++;
	if (idx >= r->lim->max_columns)
		return;                 /* counted; the row is refused by the validator */
	r->nfields = idx + 1;
	r->too_long[idx] = 0;
	if (n > r->lim->max_field_bytes) {
		hr_err_add(r->errs, r->row_line, (long)idx, HR_P_FIELD_TOO_LONG, data, n,
		           (unsigned long)r->lim->max_field_bytes, 0);
		r->too_long[idx] = 1;
		n = 0;
	}
	if (n + 1 > r->arena_cap - r->arena_used) {
		fatal(r, r->row_line, -1, HR_P_ROW_TOO_LONG, NULL,
		      (unsigned long)r->lim->max_row_bytes);
		return;
	}
	memcpy(r->arena + r->arena_used, data, n);
	r->arena[r->arena_used + n] = '\0';
	r->field[idx] = r->arena + r->arena_used;
	r->len[idx] = n;
	r->arena_used += n + 1;
}

static void
on_row(int c, void *p)
{
	struct reader *r = p;
	struct hr_row row;
	int rc;

	(void)c;
	r->row_open = 0;
	if (r->rc == 0) {
		row.line = r->row_line;
		row.nfields = r->nfields;
		row.total_fields = r->total_fields;
		row.field = r->field;
		row.len = r->len;
		row.too_long = r->too_long;
		rc = r->fn(&row, r->arg);
		if (rc != SK_OK)
			r->rc = rc;
	}
	r->nfields = 0;
	r->total_fields = 0;
	r->arena_used = 0;
}

/* Feeds decoded UTF-8 to libcsv one physical line at a time (see the top of the file). */
static void
feed(struct reader *r, const char *buf, size_t n)
{
	size_t i = 0;

	while (i < n && r->rc == 0) {
		size_t j = i, seg;
		int blank = 1, term;
		char tc = 0;

		while (j < n && buf[j] != '\r' && buf[j] != '\n') {
			if (buf[j] != ' ' && buf[j] != '\t')
				blank = 0;
			j++;
		}
		term = j < n;
		if (term)
			tc = buf[j];
		seg = (term ? j + 1 : j) - i;
		if (!r->row_open && !blank) {
			r->row_open = 1;
			r->row_line = r->line;
			r->row_bytes = 0;
		}
		if (csv_parse(&r->csv, buf + i, seg, on_field, on_row, r) != seg) {
			if (csv_error(&r->csv) == CSV_EPARSE) {
				fatal(r, r->line, (long)r->total_fields, HR_P_CSV_SYNTAX, NULL, 0);
			} else {
				sk_logerr("libcsv: %s", csv_strerror(csv_error(&r->csv)));
				r->rc = SK_ERR_NOMEM;
			}
		}
		if (r->row_open && r->rc == 0) {
			r->row_bytes += seg;
			if (r->row_bytes > r->lim->max_row_bytes)
				fatal(r, r->row_line, -1, HR_P_ROW_TOO_LONG, NULL,
				      (unsigned long)r->lim->max_row_bytes);
		}
		if (csv_get_buffer_size(&r->csv) > r->peak)
			r->peak = csv_get_buffer_size(&r->csv);
		if (term) {
			if (!(tc == '\n' && r->prev_cr && seg == 1))
				r->line++;
			r->prev_cr = tc == '\r';
		} else if (seg > 0) {
			r->prev_cr = 0;
		}
		i += seg;
	}
}

static void
bad_bytes(struct reader *r, const unsigned char *s, size_t n)
{
	char hex[4 * 5 + 1];
	size_t o = 0;

	hex[0] = '\0';
	for (size_t i = 0; i < n && i < 4; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s0x%02X", i ? " " : "", s[i]);
	fatal(r, r->line, r->row_open ? (long)r->total_fields : -1, HR_P_ENCODING, hex, 0);
}

/* Reads up to n bytes, fewer only at the end of the file (logged when the read fails). */
static ssize_t
read_full(int fd, unsigned char *buf, size_t n)
{
	ssize_t got = sk_read_full(fd, buf, n);

	if (got < 0)
		sk_logerr("read: %s", strerror(errno));
	return got;
}

/* Validates and feeds the complete sequences of buf; returns the bytes used (the rest is an
 * incomplete sequence to carry into the next chunk). */
static size_t
decode_utf8(struct reader *r, const unsigned char *buf, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int l;
		if (buf[i] < 0x80) {
			i++;
			continue;
		}
		l = hr_utf8_seq(buf + i, n - i);
		if (l == 0)
			break;
		if (l < 0) {
			feed(r, (const char *)buf, i);
			if (r->rc == 0)
				bad_bytes(r, buf + i, n - i);
			return i;
		}
		i += (size_t)l;
	}
	feed(r, (const char *)buf, i);
	return i;
}

static size_t
decode_cp932(struct reader *r, iconv_t cd, unsigned char *buf, size_t n, char *out)
{
	char *ip = (char *)buf;
	size_t il = n;

	while (il > 0 && r->rc == 0) {
		char *op = out;
		size_t ol = HR_OUTBUF;
		size_t k = iconv(cd, &ip, &il, &op, &ol);
		int e = errno;

		feed(r, out, (size_t)(op - out));
		if (r->rc != 0 || k != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL)
			break;          /* a lead byte at the end of the chunk: carried */
		if (e == EILSEQ) {
			bad_bytes(r, (unsigned char *)ip, il);
		} else {
			sk_logerr("iconv: %s", strerror(e));
			r->rc = SK_ERR_INTERNAL;
		}
	}
	return (size_t)(ip - (char *)buf);
}

static const unsigned char utf8_bom[3] = { 0xef, 0xbb, 0xbf };

int
hr_read_rows(int fd, enum hr_encoding enc, const struct hr_limits *lim, hr_row_fn fn,
             void *arg, struct hr_errsink *errs, unsigned char sha[HR_SHA256_LEN],
             size_t *peak)
{
	struct reader r;
	unsigned char *in = NULL;
	char *out = NULL;
	iconv_t cd = (iconv_t)-1;
	EVP_MD_CTX *md = NULL;
	size_t carry = 0;
	int first = 1, csv_ok = 0;

	memset(&r, 0, sizeof(r));
	r.lim = lim;
	r.fn = fn;
	r.arg = arg;
	r.errs = errs;
	r.line = 1;
	r.arena_cap = lim->max_row_bytes + lim->max_columns;
	in = malloc(HR_CHUNK + HR_CARRY_MAX);
	r.arena = malloc(r.arena_cap);
	r.field = calloc(lim->max_columns, sizeof(*r.field));
	r.len = calloc(lim->max_columns, sizeof(*r.len));
	r.too_long = calloc(lim->max_columns, 1);
	md = EVP_MD_CTX_new();
	if (enc == HR_ENC_CP932)
		out = malloc(HR_OUTBUF);
	if (!in || !r.arena || !r.field || !r.len || !r.too_long || !md ||
	    (enc == HR_ENC_CP932 && !out)) {
		sk_logerr("out of memory");
		r.rc = SK_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		sk_logerr("EVP_DigestInit_ex failed");
		r.rc = SK_ERR_CRYPTO;
		goto out;
	}
	if (enc == HR_ENC_CP932) {
		cd = iconv_open("UTF-8", "CP932");
		if (cd == (iconv_t)-1) {
			sk_logerr("iconv_open CP932: %s", strerror(errno));
			r.rc = SK_ERR_INTERNAL;
			goto out;
		}
	}
	if (csv_init(&r.csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		sk_logerr("csv_init failed");
		r.rc = SK_ERR_NOMEM;
		goto out;
	}
	csv_ok = 1;

	while (r.rc == 0) {
		ssize_t got = read_full(fd, in + carry, HR_CHUNK);
		size_t n, start = 0, used;

		if (got < 0) {
			fatal(&r, 0, -1, HR_P_IO, NULL, 0);
			r.rc = SK_ERR_IO;
			break;
		}
		if (got > 0 && EVP_DigestUpdate(md, in + carry, (size_t)got) != 1) {
			sk_logerr("EVP_DigestUpdate failed");
			r.rc = SK_ERR_CRYPTO;
			break;
		}
		if (got == 0) {
			if (carry > 0)   /* the file ends inside a multibyte character */
				bad_bytes(&r, in, carry);
			break;
		}
		n = carry + (size_t)got;
		if (first) {
			first = 0;
			if (n >= 3 && memcmp(in, utf8_bom, 3) == 0) {
				if (enc == HR_ENC_CP932) {
					fatal(&r, 1, -1, HR_P_BOM_NOT_CP932, NULL, 0);
					break;
				}
				start = 3;
			}
		}
		if (enc == HR_ENC_CP932)
			used = decode_cp932(&r, cd, in + start, n - start, out);
		else
			used = decode_utf8(&r, in + start, n - start);
		if (r.rc != 0)
			break;
		carry = n - start - used;
		if (carry > HR_CARRY_MAX) {
			sk_logerr("decoder left %zu bytes", carry);
			r.rc = SK_ERR_INTERNAL;
			break;
		}
		memmove(in, in + start + used, carry);
	}
	if (r.rc == 0 && csv_fini(&r.csv, on_field, on_row, &r) != 0 && r.rc == 0)
		fatal(&r, r.row_line, (long)r.total_fields, HR_P_CSV_SYNTAX, NULL, 0);
	if (r.rc == 0 && r.row_open)     /* csv_fini reported an unterminated quote quietly */
		fatal(&r, r.row_line, (long)r.total_fields, HR_P_CSV_SYNTAX, NULL, 0);
	if (r.rc == SK_OK || r.rc == SK_ERR_PROTO) {
		unsigned int mdlen = 0;
		/* Hash the rest so a refused file still gets its identity in the result. */
		while (r.rc == SK_ERR_PROTO) {
			ssize_t got = read_full(fd, in, HR_CHUNK);
			if (got <= 0 || EVP_DigestUpdate(md, in, (size_t)got) != 1)
				break;
		}
		if (EVP_DigestFinal_ex(md, sha, &mdlen) != 1 || mdlen != HR_SHA256_LEN) {
			sk_logerr("EVP_DigestFinal_ex failed");
			r.rc = SK_ERR_CRYPTO;
		}
	}
out:
	if (csv_ok) {
		if (r.peak < csv_get_buffer_size(&r.csv))
			r.peak = csv_get_buffer_size(&r.csv);
		csv_free(&r.csv);
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	EVP_MD_CTX_free(md);
	free(in);
	free(out);
	free(r.arena);
	free(r.field);
	free(r.len);
	free(r.too_long);
	*peak = r.peak;
	return r.rc;
}

int
hr_sniff_encoding(int fd, enum hr_encoding *enc)
{
	unsigned char *in = malloc(HR_CHUNK + HR_CARRY_MAX);
	size_t carry = 0;
	int first = 1;

	if (!in) {
		sk_logerr("out of memory");
		return SK_ERR_NOMEM;
	}
	*enc = HR_ENC_UTF8;
	for (;;) {
		ssize_t got = read_full(fd, in + carry, HR_CHUNK);
		size_t n, i = 0;

		if (got < 0) {
			free(in);
			return SK_ERR_IO;
		}
		if (got == 0) {
			if (carry > 0)
				*enc = HR_ENC_CP932;
			break;
		}
		n = carry + (size_t)got;
		if (first) {
			first = 0;
			if (n >= 3 && memcmp(in, utf8_bom, 3) == 0)
				break;          /* a BOM decides */
		}
		while (i < n) {
			int l = in[i] < 0x80 ? 1 : hr_utf8_seq(in + i, n - i);
			if (l == 0)
				break;
			if (l < 0) {
				*enc = HR_ENC_CP932;
				free(in);
				return SK_OK;
			}
			i += (size_t)l;
		}
		carry = n - i;
		memmove(in, in + i, carry);
	}
	free(in);
	return SK_OK;
}
