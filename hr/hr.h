/* skhr: the HR file reader and validator (issue 10, first layer). Pure and store-free: it
 * reads a personnel-system CSV export (CP932 or UTF-8), maps its columns by header name,
 * validates every row and hands out records only when the whole file is valid. Applying the
 * records (store, effective dates, events) is the next layer and is not here.
 * doc/hr-import.md describes the format and the rules exactly as implemented here. */
#ifndef HR_H
#define HR_H
#include <stddef.h>

enum hr_encoding {
	HR_ENC_AUTO = 0,   /* BOM -> UTF-8; whole file valid UTF-8 -> UTF-8; else CP932 */
	HR_ENC_UTF8,
	HR_ENC_CP932,
};
/* "utf-8" (or "utf8"), "cp932" (or "shift_jis", "sjis") or "auto"; SK_ERR_ARG otherwise. */
int hr_encoding_parse(const char *s, enum hr_encoding *out);
const char *hr_encoding_name(enum hr_encoding enc);

/* The fields Sekimori takes from a row. */
enum hr_field {
	HR_F_STAFF_NO = 0, /* 職員番号 */
	HR_F_NAME,         /* 氏名 */
	HR_F_KANA,         /* 氏名カナ */
	HR_F_DEPT,         /* 所属コード */
	HR_F_JOB,          /* 職名 */
	HR_F_EMPLOYMENT,   /* 雇用区分 */
	HR_F_DATE,         /* 発令日 */
	HR_F_EVENT,        /* 異動区分 */
	HR_F_COUNT
};

/* Header texts that select a column for each field: up to HR_HEADER_ALTS alternatives,
 * unused ones NULL. Compared after trimming spaces (ASCII and U+3000); ASCII letters
 * compare case-insensitively. */
#define HR_HEADER_ALTS 4
struct hr_mapping {
	const char *header[HR_F_COUNT][HR_HEADER_ALTS];
};
extern const struct hr_mapping hr_mapping_default;
/* The English name of a field ("staff number"), for messages about a missing column. */
const char *hr_field_name(enum hr_field f);

/* Bounded input (R-INPUT-1). A zero member takes the default. */
struct hr_limits {
	size_t max_field_bytes;   /* any field, mapped or not; default 1024 */
	size_t max_row_bytes;     /* one row as read, quotes and newlines included; default 16384 */
	size_t max_columns;       /* default 64 */
	size_t max_errors_kept;   /* errors stored in the result (all are counted); default 1000 */
};
#define HR_DEFAULT_MAX_FIELD 1024
#define HR_DEFAULT_MAX_ROW 16384
#define HR_DEFAULT_MAX_COLUMNS 64
#define HR_DEFAULT_MAX_ERRORS 1000
#define HR_LIMIT_MAX_COLUMNS 1024      /* hard ceilings for the configurable limits */
#define HR_LIMIT_MAX_ROW (1024 * 1024)

/* The file is read in chunks of this many bytes (tests place characters across it). */
#define HR_READ_CHUNK 65536

/* Progress of a reading pass (for a terminal's progress line): pass 1 validates, pass 2
 * hands out the records; rows are the data rows read so far in this pass, bytes_read how far
 * into the file the reader is (whole 64 KiB chunks), bytes_total the file's size. Called
 * every HR_PROGRESS_ROWS data rows and once at the end of each pass that ends without a
 * fatal error. */
#define HR_PROGRESS_ROWS 1024
typedef void (*hr_progress_fn)(int pass, unsigned long rows, unsigned long long bytes_read,
                               unsigned long long bytes_total, void *arg);

struct hr_options {
	enum hr_encoding encoding;
	const struct hr_mapping *mapping;   /* NULL: hr_mapping_default */
	struct hr_limits limits;
	hr_progress_fn progress;            /* NULL: none */
	void *progress_arg;
};

enum hr_employment {
	HR_EMP_NONE = 0,        /* column absent or empty */
	HR_EMP_REGULAR,         /* 正規職員 */
	HR_EMP_FISCAL_YEAR,     /* 会計年度任用職員 */
	HR_EMP_CONTRACTOR,      /* 委託, 業務委託 */
	HR_EMP_SECONDEE,        /* 出向 */
};
enum hr_event {
	HR_EV_NONE = 0,
	HR_EV_HIRE,             /* 採用 */
	HR_EV_TRANSFER,         /* 異動 */
	HR_EV_SECONDMENT,       /* 出向 */
	HR_EV_LEAVE,            /* 休職 */
	HR_EV_RETURN,           /* 復職 */
	HR_EV_RETIREMENT,       /* 退職 */
};
/* Canonical English keywords ("hire", "fiscal-year"), as used in the event identity. */
const char *hr_event_keyword(enum hr_event ev);
const char *hr_employment_keyword(enum hr_employment emp);

struct hr_date {
	int year, month, day;
};

#define HR_STAFF_NO_MAX 16   /* ASCII digits after normalisation */
#define HR_TEXT_MAX 256      /* bytes of UTF-8 for name, kana, job */
#define HR_DEPT_MAX 32
#define HR_SHA256_LEN 32

/* One valid row. Text is UTF-8, trimmed, without control characters; absent optional
 * fields are "". */
struct hr_record {
	unsigned long line;                  /* physical line where the row starts, 1-based */
	char staff_no[HR_STAFF_NO_MAX + 1];
	char name[HR_TEXT_MAX + 1];
	char kana[HR_TEXT_MAX + 1];
	char dept[HR_DEPT_MAX + 1];
	char job[HR_TEXT_MAX + 1];
	enum hr_employment employment;
	enum hr_event event;
	struct hr_date effective;
	/* SHA-256 of staff number, event keyword and effective date (doc/hr-import.md): the
	 * same change in another file has the same identity, for idempotent re-import. */
	unsigned char event_id[HR_SHA256_LEN];
	char event_id_hex[2 * HR_SHA256_LEN + 1];
};

/* What is wrong. Fatal problems stop reading (the rest of the file cannot be trusted);
 * the others are collected for every row. */
enum hr_problem {
	HR_P_IO = 1,             /* fatal: the file could not be read */
	HR_P_ENCODING,           /* fatal: bytes invalid in the file's encoding (value: hex) */
	HR_P_BOM_NOT_CP932,      /* fatal: UTF-8 byte order mark in a file declared CP932 */
	HR_P_CSV_SYNTAX,         /* fatal: malformed quoting */
	HR_P_ROW_TOO_LONG,       /* fatal: n1 = limit (often an unterminated quote) */
	HR_P_FILE_CHANGED,       /* fatal: content changed between the reading passes */
	HR_P_EMPTY_FILE,         /* fatal: no header row */
	HR_P_HEADER_MISSING,     /* fatal: a required column is missing (column: its header) */
	HR_P_HEADER_DUPLICATE,   /* fatal: two columns map to the same field */
	HR_P_TOO_MANY_COLUMNS,   /* n1 = limit; fatal in the header */
	HR_P_FIELD_COUNT,        /* n1 = fields in the row, n2 = columns in the header */
	HR_P_FIELD_TOO_LONG,     /* n1 = limit in bytes */
	HR_P_CONTROL_CHAR,       /* a control character in a field */
	HR_P_REQUIRED,           /* empty, but required for this event */
	HR_P_STAFF_NO,           /* not 1..16 digits */
	HR_P_KANA,               /* not katakana */
	HR_P_DEPT,               /* not 1..32 of [0-9A-Za-z-] */
	HR_P_EMPLOYMENT,         /* unknown employment type */
	HR_P_EVENT,              /* unknown event */
	HR_P_DATE,               /* not a date in an accepted form, or no such day */
	HR_P_DATE_ERA,           /* an era date outside its era (平成31年5月1日) */
	HR_P_DATE_RANGE,         /* a date before 1900 or after 2199 */
};

#define HR_COLUMN_MAX 64     /* bytes of a header name kept in an error */
#define HR_VALUE_MAX 64      /* bytes of the offending value kept in an error */
struct hr_error {
	unsigned long line;                 /* physical line, 1-based; 0 for the whole file */
	char column[HR_COLUMN_MAX + 1];     /* the column's header text; "" when not one column */
	enum hr_problem problem;
	char value[HR_VALUE_MAX + 1];       /* the offending value, shortened, controls as '?' */
	unsigned long n1, n2;               /* numbers for the message, see enum hr_problem */
};

struct hr_result {
	enum hr_encoding encoding;          /* the encoding the file was read in */
	unsigned char sha256[HR_SHA256_LEN];/* of the file's bytes as stored, BOM included */
	char sha256_hex[2 * HR_SHA256_LEN + 1];
	unsigned long rows;                 /* data rows (header and blank lines not counted) */
	unsigned long records;              /* records handed to the callback */
	unsigned long errors_total;         /* every error found */
	size_t errors_kept;                 /* the first max_errors_kept of them, in file order */
	struct hr_error *errors;
	size_t peak_buffer_bytes;           /* largest CSV field buffer used (memory bound) */
};
void hr_result_free(struct hr_result *res);

/* Called once per record, in file order, and only when the whole file is valid. A non-zero
 * return stops the import and is returned by hr_import_*. */
typedef int (*hr_record_fn)(const struct hr_record *rec, void *arg);

/* Reads the file in constant memory: a first pass validates every row and collects every
 * error; only if there is none, a second pass hands the records to fn (fn may be NULL to
 * validate only). The second pass checks that the content hash did not change; a caller
 * that applies records must do so in one transaction and commit only on SK_OK.
 * fd must be a regular file (it is read from the start, twice or three times).
 * Returns SK_OK, SK_ERR_PROTO (invalid: res->errors), SK_ERR_IO, SK_ERR_NOMEM, SK_ERR_ARG,
 * or fn's non-zero value. res is always filled and must be freed with hr_result_free. */
int hr_import_fd(int fd, const struct hr_options *opt, hr_record_fn fn, void *arg,
                 struct hr_result *res);
int hr_import_file(const char *path, const struct hr_options *opt, hr_record_fn fn, void *arg,
                   struct hr_result *res);

/* Messages for people: English (the gettext msgid) or Japanese (po/ja.po, looked up in the
 * ja_JP.UTF-8 locale whatever the process locale is; English if that locale or the
 * catalogue is missing). The catalogue must be bound first (sk_i18n_init). */
enum hr_lang { HR_LANG_EN = 0, HR_LANG_JA };
/* "line 12, column "氏名": ..." into buf; returns the length snprintf gave, or -1. */
int hr_error_format(const struct hr_error *e, enum hr_lang lang, char *buf, size_t n);

/* Field parsers, exposed for the apply layer and for tests. Each returns 0 or the problem. */
int hr_parse_date(const char *s, struct hr_date *out);
int hr_parse_staff_no(const char *s, size_t n, char out[HR_STAFF_NO_MAX + 1]);
int hr_parse_event(const char *s, enum hr_event *out);
int hr_parse_employment(const char *s, enum hr_employment *out);

/* The event identity of doc/hr-import.md (SHA-256 of tag, staff number, event keyword and
 * date), for the broker, which recomputes it from the staged fields rather than trusting
 * the client's. SK_OK or SK_ERR_CRYPTO. */
int hr_event_identity(const char *staff_no, enum hr_event ev, const struct hr_date *d,
                      unsigned char out[HR_SHA256_LEN], char hex[2 * HR_SHA256_LEN + 1]);

#endif
