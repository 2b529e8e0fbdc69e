/* Validation and the all-or-nothing import: pass 1 validates every row and collects every
 * error; only a file without errors gets pass 2, which builds the records and hands them
 * out one at a time. Both passes stream, so memory does not grow with the file. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_int.h"
#include "sk_err.h"
#include "sk_log.h"

/* Bumped if the identity's input ever changes, so old and new identities never collide. */
#define HR_EVENT_ID_TAG "sekimori-hr-event-v1"

struct vctx {
	const struct hr_mapping *map;
	const struct hr_limits *lim;
	struct hr_errsink *errs;
	int have_header;
	long col[HR_F_COUNT];        /* column of each field, -1 when the header lacks it */
	size_t ncols;
	unsigned long rows;
	hr_record_fn fn;             /* NULL in the validating pass */
	void *arg;
	unsigned long records;
	EVP_MD_CTX *md;              /* reused for every event identity (pass 2) */
	EVP_MD *sha256;              /* fetched once: an implicit fetch per row costs more */
	hr_progress_fn progress;     /* hr_options.progress */
	void *progress_arg;
	int fd, pass;
	unsigned long long size;
};

static void
report_progress(const struct vctx *v)
{
	off_t at = lseek(v->fd, 0, SEEK_CUR);

	v->progress(v->pass, v->rows, at > 0 ? (unsigned long long)at : 0, v->size,
	            v->progress_arg);
}

/* Copies the trimmed header text, cut at a character boundary, for error messages. */
static void
keep_header(char *dst, const char *s, size_t n)
{
	size_t a, len, o = 0;

	hr_trim(s, n, &a, &len);
	while (o < len) {
		int l = hr_utf8_seq((const unsigned char *)s + a + o, len - o);
		if (l <= 0 || o + (size_t)l > HR_COLUMN_MAX)
			break;
		o += (size_t)l;
	}
	memcpy(dst, s + a, o);
	dst[o] = '\0';
}

static int
on_header(struct vctx *v, const struct hr_row *row)
{
	static const enum hr_field required[] = { HR_F_STAFF_NO, HR_F_EVENT, HR_F_DATE };
	unsigned long before = v->errs->total;

	v->have_header = 1;
	if (row->total_fields > v->lim->max_columns) {
		hr_err_add(v->errs, row->line, -1, HR_P_TOO_MANY_COLUMNS, NULL, 0,
		           (unsigned long)v->lim->max_columns, 0);
		return SK_ERR_PROTO;
	}
	v->ncols = row->nfields;
	v->errs->nheaders = row->nfields;
	for (size_t i = 0; i < row->nfields; i++)
		keep_header(v->errs->headers[i], row->field[i], row->len[i]);
	for (int f = 0; f < HR_F_COUNT; f++)
		v->col[f] = -1;
	for (size_t i = 0; i < row->nfields; i++) {
		for (int f = 0; f < HR_F_COUNT; f++) {
			for (int a = 0; a < HR_HEADER_ALTS && v->map->header[f][a]; a++) {
				if (!hr_header_eq(row->field[i], row->len[i], v->map->header[f][a]))
					continue;
				if (v->col[f] >= 0)
					hr_err_add(v->errs, row->line, (long)i, HR_P_HEADER_DUPLICATE,
					           NULL, 0, 0, 0);
				else
					v->col[f] = (long)i;
			}
		}
	}
	for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
		if (v->col[required[k]] < 0)
			hr_err_add_named(v->errs, row->line, v->map->header[required[k]][0],
			                 HR_P_HEADER_MISSING, NULL, 0, 0, 0);
	/* Without a usable header no row can be read; one error, not one per row. */
	return v->errs->total == before ? SK_OK : SK_ERR_PROTO;
}

struct value {
	const char *s;      /* trimmed, not NUL-terminated */
	size_t n;
	int bad;            /* already reported: no further checks */
	int mapped;
};

static void
value_of(struct vctx *v, const struct hr_row *row, enum hr_field f, struct value *out)
{
	size_t a;
	long c = v->col[f];

	memset(out, 0, sizeof(*out));
	out->s = "";
	if (c < 0)
		return;
	out->mapped = 1;
	if (row->too_long[c]) {
		out->bad = 1;
		return;
	}
	if (hr_has_control(row->field[c], row->len[c], 0)) {
		hr_err_add(v->errs, row->line, c, HR_P_CONTROL_CHAR, row->field[c], row->len[c], 0, 0);
		out->bad = 1;
		return;
	}
	hr_trim(row->field[c], row->len[c], &a, &out->n);
	out->s = row->field[c] + a;
}

/* A NUL-terminated copy for the parsers; longer values than HR_TEXT_MAX are cut, which
 * only makes them fail to parse (no keyword or date is that long). */
static void
cstr(const struct value *val, char out[HR_TEXT_MAX + 1])
{
	size_t n = val->n < HR_TEXT_MAX ? val->n : HR_TEXT_MAX;

	memcpy(out, val->s, n);
	out[n] = '\0';
}

static void
problem(struct vctx *v, const struct hr_row *row, enum hr_field f, const struct value *val,
        int p, unsigned long n1)
{
	if (v->col[f] >= 0)
		hr_err_add(v->errs, row->line, v->col[f], (enum hr_problem)p, val->s, val->n, n1, 0);
	else   /* a field the header lacks but this event needs: name the expected header */
		hr_err_add_named(v->errs, row->line, v->map->header[f][0], (enum hr_problem)p,
		                 NULL, 0, n1, 0);
}

/* Copies a free-text value (name, kana, job) bounded by HR_TEXT_MAX. */
static void
text_field(struct vctx *v, const struct hr_row *row, enum hr_field f, const struct value *val,
           char out[HR_TEXT_MAX + 1])
{
	if (val->bad)
		return;
	if (val->n > HR_TEXT_MAX) {
		problem(v, row, f, val, HR_P_FIELD_TOO_LONG, HR_TEXT_MAX);
		return;
	}
	memcpy(out, val->s, val->n);
	out[val->n] = '\0';
}

/* Lower-case hex without printf: this runs once per row. */
static void
to_hex(const unsigned char in[HR_SHA256_LEN], char out[2 * HR_SHA256_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < HR_SHA256_LEN; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * HR_SHA256_LEN] = '\0';
}

int
hr_event_identity(const char *staff_no, enum hr_event ev, const struct hr_date *d,
                  unsigned char out[HR_SHA256_LEN], char hex[2 * HR_SHA256_LEN + 1])
{
	char in[128];
	unsigned int len = 0;
	int n = snprintf(in, sizeof(in), "%s\n%s\n%s\n%04d-%02d-%02d", HR_EVENT_ID_TAG, staff_no,
	                 hr_event_keyword(ev), d->year, d->month, d->day);

	if (n < 0 || (size_t)n >= sizeof(in) ||
	    EVP_Digest(in, (size_t)n, out, &len, EVP_sha256(), NULL) != 1 || len != HR_SHA256_LEN) {
		sk_logerr("event identity: hashing failed");
		return SK_ERR_CRYPTO;
	}
	to_hex(out, hex);
	return SK_OK;
}

static int
event_identity(struct vctx *v, struct hr_record *rec)
{
	char in[128];
	int n = snprintf(in, sizeof(in), "%s\n%s\n%s\n%04d-%02d-%02d", HR_EVENT_ID_TAG,
	                 rec->staff_no, hr_event_keyword(rec->event), rec->effective.year,
	                 rec->effective.month, rec->effective.day);
	unsigned int len = 0;

	if (n < 0 || (size_t)n >= sizeof(in) ||
	    EVP_DigestInit_ex(v->md, v->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(v->md, in, (size_t)n) != 1 ||
	    EVP_DigestFinal_ex(v->md, rec->event_id, &len) != 1 ||
	    len != HR_SHA256_LEN) {
		sk_logerr("event identity: hashing failed");
		return SK_ERR_CRYPTO;
	}
	to_hex(rec->event_id, rec->event_id_hex);
	return SK_OK;
}

static int
on_data(struct vctx *v, const struct hr_row *row)
{
	struct value val[HR_F_COUNT];
	struct hr_record rec;
	unsigned long before = v->errs->total;
	char tmp[HR_TEXT_MAX + 1];
	int p;

	v->rows++;
	if (v->progress != NULL && v->rows % HR_PROGRESS_ROWS == 0)
		report_progress(v);
	if (row->total_fields > v->lim->max_columns) {
		hr_err_add(v->errs, row->line, -1, HR_P_TOO_MANY_COLUMNS, NULL, 0,
		           (unsigned long)v->lim->max_columns, 0);
		return SK_OK;
	}
	/* A short or long row has its columns shifted: checking its fields would only mislead. */
	if (row->total_fields != v->ncols) {
		hr_err_add(v->errs, row->line, -1, HR_P_FIELD_COUNT, NULL, 0,
		           (unsigned long)row->total_fields, (unsigned long)v->ncols);
		return SK_OK;
	}
	memset(&rec, 0, sizeof(rec));
	rec.line = row->line;
	for (int f = 0; f < HR_F_COUNT; f++)
		value_of(v, row, (enum hr_field)f, &val[f]);
	/* Columns Sekimori does not map are not used, but binary junk in them still means the
	 * file is not what it claims to be. */
	for (size_t i = 0; i < row->nfields; i++) {
		int mapped = 0;
		for (int f = 0; f < HR_F_COUNT; f++)
			mapped |= v->col[f] == (long)i;
		if (!mapped && !row->too_long[i] && hr_has_control(row->field[i], row->len[i], 1))
			hr_err_add(v->errs, row->line, (long)i, HR_P_CONTROL_CHAR, row->field[i],
			           row->len[i], 0, 0);
	}

	/* Required for every event: staff number, event, effective date. */
	if (!val[HR_F_EVENT].bad) {
		cstr(&val[HR_F_EVENT], tmp);
		if (val[HR_F_EVENT].n == 0)
			problem(v, row, HR_F_EVENT, &val[HR_F_EVENT], HR_P_REQUIRED, 0);
		else if ((p = hr_parse_event(tmp, &rec.event)) != 0)
			problem(v, row, HR_F_EVENT, &val[HR_F_EVENT], p, 0);
	}
	if (!val[HR_F_STAFF_NO].bad) {
		if (val[HR_F_STAFF_NO].n == 0)
			problem(v, row, HR_F_STAFF_NO, &val[HR_F_STAFF_NO], HR_P_REQUIRED, 0);
		else if ((p = hr_parse_staff_no(val[HR_F_STAFF_NO].s, val[HR_F_STAFF_NO].n,
		                                rec.staff_no)) != 0)
			problem(v, row, HR_F_STAFF_NO, &val[HR_F_STAFF_NO], p, HR_STAFF_NO_MAX);
	}
	if (!val[HR_F_DATE].bad) {
		cstr(&val[HR_F_DATE], tmp);
		if (val[HR_F_DATE].n == 0)
			problem(v, row, HR_F_DATE, &val[HR_F_DATE], HR_P_REQUIRED, 0);
		else if ((p = hr_parse_date(tmp, &rec.effective)) != 0)
			problem(v, row, HR_F_DATE, &val[HR_F_DATE], p, 0);
	}

	text_field(v, row, HR_F_NAME, &val[HR_F_NAME], rec.name);
	text_field(v, row, HR_F_JOB, &val[HR_F_JOB], rec.job);
	if (!val[HR_F_KANA].bad && val[HR_F_KANA].n > 0) {
		if (!hr_is_kana(val[HR_F_KANA].s, val[HR_F_KANA].n))
			problem(v, row, HR_F_KANA, &val[HR_F_KANA], HR_P_KANA, 0);
		else
			text_field(v, row, HR_F_KANA, &val[HR_F_KANA], rec.kana);
	}
	if (!val[HR_F_DEPT].bad && val[HR_F_DEPT].n > 0) {
		if (hr_norm_ascii(val[HR_F_DEPT].s, val[HR_F_DEPT].n, rec.dept, sizeof(rec.dept)) !=
		    SK_OK || !hr_is_dept(rec.dept))
			problem(v, row, HR_F_DEPT, &val[HR_F_DEPT], HR_P_DEPT, HR_DEPT_MAX);
	}
	if (!val[HR_F_EMPLOYMENT].bad && val[HR_F_EMPLOYMENT].n > 0) {
		cstr(&val[HR_F_EMPLOYMENT], tmp);
		if ((p = hr_parse_employment(tmp, &rec.employment)) != 0)
			problem(v, row, HR_F_EMPLOYMENT, &val[HR_F_EMPLOYMENT], p, 0);
	}

	/* What an event needs to be applied: a hire creates an account (name, department,
	 * employment type); a transfer moves it to a department. */
	if (rec.event == HR_EV_HIRE || rec.event == HR_EV_TRANSFER) {
		static const enum hr_field hire[] = { HR_F_NAME, HR_F_DEPT, HR_F_EMPLOYMENT };
		size_t need = rec.event == HR_EV_HIRE ? 3 : 0;
		if (rec.event == HR_EV_TRANSFER && !val[HR_F_DEPT].bad && val[HR_F_DEPT].n == 0)
			problem(v, row, HR_F_DEPT, &val[HR_F_DEPT], HR_P_REQUIRED, 0);
		for (size_t k = 0; k < need; k++)
			if (!val[hire[k]].bad && val[hire[k]].n == 0)
				problem(v, row, hire[k], &val[hire[k]], HR_P_REQUIRED, 0);
	}

	if (v->errs->total != before || v->fn == NULL)
		return SK_OK;
	p = event_identity(v, &rec);
	if (p != SK_OK)
		return p;
	v->records++;
	return v->fn(&rec, v->arg);
}

static int
on_row(const struct hr_row *row, void *arg)
{
	struct vctx *v = arg;

	return v->have_header ? on_data(v, row) : on_header(v, row);
}

static int
one_pass(int fd, enum hr_encoding enc, struct vctx *v, unsigned char sha[HR_SHA256_LEN],
         size_t *peak)
{
	size_t pk = 0;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		sk_logerr("lseek failed");
		return SK_ERR_IO;
	}
	v->have_header = 0;
	v->rows = 0;
	v->records = 0;
	v->errs->nheaders = 0;
	v->fd = fd;
	v->pass = v->fn != NULL ? 2 : 1;
	rc = hr_read_rows(fd, enc, v->lim, on_row, v, v->errs, sha, &pk);
	if (pk > *peak)
		*peak = pk;
	if (rc == SK_OK && v->progress != NULL)
		report_progress(v);
	if (rc == SK_OK && !v->have_header) {
		hr_err_add(v->errs, 0, -1, HR_P_EMPTY_FILE, NULL, 0, 0, 0);
		rc = SK_ERR_PROTO;
	}
	if (rc == SK_OK && v->errs->total > 0)
		rc = SK_ERR_PROTO;
	return rc;
}

static void
resolve_limits(const struct hr_options *opt, struct hr_limits *lim)
{
	*lim = opt ? opt->limits : (struct hr_limits){ 0 };
	if (lim->max_field_bytes == 0)
		lim->max_field_bytes = HR_DEFAULT_MAX_FIELD;
	if (lim->max_row_bytes == 0)
		lim->max_row_bytes = HR_DEFAULT_MAX_ROW;
	if (lim->max_columns == 0)
		lim->max_columns = HR_DEFAULT_MAX_COLUMNS;
	if (lim->max_errors_kept == 0)
		lim->max_errors_kept = HR_DEFAULT_MAX_ERRORS;
	if (lim->max_row_bytes > HR_LIMIT_MAX_ROW)
		lim->max_row_bytes = HR_LIMIT_MAX_ROW;
	if (lim->max_columns > HR_LIMIT_MAX_COLUMNS)
		lim->max_columns = HR_LIMIT_MAX_COLUMNS;
	if (lim->max_field_bytes > lim->max_row_bytes)
		lim->max_field_bytes = lim->max_row_bytes;
}

int
hr_import_fd(int fd, const struct hr_options *opt, hr_record_fn fn, void *arg,
             struct hr_result *res)
{
	struct hr_limits lim;
	struct hr_errsink errs;
	struct vctx v;
	struct stat st;
	unsigned char sha2[HR_SHA256_LEN];
	enum hr_encoding enc = opt ? opt->encoding : HR_ENC_AUTO;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&errs, 0, sizeof(errs));
	resolve_limits(opt, &lim);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sk_logerr("not a regular file (it is read more than once)");
		return SK_ERR_ARG;
	}
	errs.cap = lim.max_errors_kept;
	errs.v = calloc(errs.cap, sizeof(*errs.v));
	errs.headers = calloc(lim.max_columns, sizeof(*errs.headers));
	if (!errs.v || !errs.headers) {
		sk_logerr("out of memory");
		free(errs.v);
		free(errs.headers);
		return SK_ERR_NOMEM;
	}
	memset(&v, 0, sizeof(v));
	v.map = opt && opt->mapping ? opt->mapping : &hr_mapping_default;
	v.lim = &lim;
	v.errs = &errs;
	v.progress = opt ? opt->progress : NULL;
	v.progress_arg = opt ? opt->progress_arg : NULL;
	v.size = (unsigned long long)st.st_size;

	rc = SK_OK;
	if (enc == HR_ENC_AUTO) {
		rc = lseek(fd, 0, SEEK_SET) == 0 ? hr_sniff_encoding(fd, &enc) : SK_ERR_IO;
		if (rc != SK_OK)
			sk_logerr("could not read the file to detect its encoding");
	}
	res->encoding = enc;
	if (rc == SK_OK)
		rc = one_pass(fd, enc, &v, res->sha256, &res->peak_buffer_bytes);
	res->rows = v.rows;
	if (rc == SK_OK && fn) {
		v.fn = fn;
		v.arg = arg;
		v.md = EVP_MD_CTX_new();
		v.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!v.md || !v.sha256) {
			sk_logerr("SHA-256 unavailable");
			rc = SK_ERR_CRYPTO;
		} else {
			rc = one_pass(fd, enc, &v, sha2, &res->peak_buffer_bytes);
		}
		EVP_MD_CTX_free(v.md);
		EVP_MD_free(v.sha256);
		v.md = NULL;
		v.sha256 = NULL;
		res->records = v.records;
		/* The caller's transaction must not commit records of a file that changed. */
		if ((rc == SK_OK || rc == SK_ERR_PROTO) &&
		    memcmp(sha2, res->sha256, HR_SHA256_LEN) != 0) {
			hr_err_add(&errs, 0, -1, HR_P_FILE_CHANGED, NULL, 0, 0, 0);
			rc = SK_ERR_PROTO;
		}
	}
	to_hex(res->sha256, res->sha256_hex);
	res->errors_total = errs.total;
	res->errors_kept = errs.kept;
	res->errors = errs.v;
	free(errs.headers);
	return rc;
}

int
hr_import_file(const char *path, const struct hr_options *opt, hr_record_fn fn, void *arg,
               struct hr_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc;

	if (fd < 0) {
		memset(res, 0, sizeof(*res));
		sk_logerr("cannot open the HR file");
		return SK_ERR_IO;
	}
	rc = hr_import_fd(fd, opt, fn, arg, res);
	close(fd);
	return rc;
}

void
hr_result_free(struct hr_result *res)
{
	free(res->errors);
	res->errors = NULL;
	res->errors_kept = 0;
}
