/* The audit record chain (R-LOG-1, R-LOG-3, R-LOG-4): sealing records and verification (the
 * anchor file itself is in sk_audit_anchor.c). The record format is described in
 * sk_audit_chain.h.
 *
 * The MAC covers the exact bytes written, never a re-serialisation, so verification does
 * not depend on how json-c prints numbers or orders keys. Every record names its
 * predecessor's MAC and its own seq, so a deleted, reordered or inserted line breaks the
 * chain; the anchor, kept apart from the log, catches cutting records off the end, which
 * the chain alone cannot show. */
#include "sk_audit_chain.h"
#include "sk_audit_internal.h"
#include "sk_err.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* A line ends in ,"mac":"<64 hex>"} ; the MACed text is the line without that suffix
 * plus the closing brace the suffix replaced. */
#define MAC_PREFIX ",\"mac\":\""
#define MAC_PREFIX_LEN (sizeof(MAC_PREFIX) - 1)
#define MAC_SUFFIX_LEN (MAC_PREFIX_LEN + SK_AUDIT_MAC_HEX + 2)

/* "2026-11-24T02:13:32.123456Z" */
#define TS_LEN 27

/* How long verify waits for appends in flight on a running broker to be anchored. */
#define SETTLE_ROUNDS 50
static const struct timespec settle_wait = { 0, 10 * 1000 * 1000 };

/* Records are flat event objects; anything nested deeper than this is not ours. */
#define RECORD_DEPTH_MAX 16

static const char zero_mac[SK_AUDIT_MAC_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static const char *const reserved_keys[] = { "seq", "ts", "clock_synced", "prev", "mac" };

int
sk_audit_is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
sk_audit_is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return 1;
}

static unsigned
two_digits(const char *s)
{
	return (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
}

int
sk_audit_hmac_hex(const unsigned char *key, size_t keylen, const char *text, size_t len,
            char hex[SK_AUDIT_MAC_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned int i;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, len, md,
	         &mdlen) == NULL || mdlen * 2 != SK_AUDIT_MAC_HEX) {
		sk_logerr("HMAC-SHA256 failed");
		return SK_ERR_CRYPTO;
	}
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[SK_AUDIT_MAC_HEX] = '\0';
	return SK_OK;
}

static int
format_ts(char out[TS_LEN + 1])
{
	struct timespec now;
	struct tm tm;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		sk_logerr("clock_gettime failed: %s", strerror(errno));
		return SK_ERR_INTERNAL;
	}
	if (gmtime_r(&now.tv_sec, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999) {
		sk_logerr("clock out of the range RFC 3339 can express");
		return SK_ERR_RANGE;
	}
	n = snprintf(out, TS_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	             now.tv_nsec / 1000);
	if (n != TS_LEN) {
		sk_logerr("timestamp formatting failed");
		return SK_ERR_INTERNAL;
	}
	return SK_OK;
}

/* Exactly the form format_ts writes: an auditor must be able to rely on every ts. */
static int
ts_valid(const char *s, size_t n)
{
	if (n != TS_LEN)
		return 0;
	if (!sk_audit_is_digits(s, 4) || s[4] != '-' || !sk_audit_is_digits(s + 5, 2) || s[7] != '-' ||
	    !sk_audit_is_digits(s + 8, 2) || s[10] != 'T' || !sk_audit_is_digits(s + 11, 2) || s[13] != ':' ||
	    !sk_audit_is_digits(s + 14, 2) || s[16] != ':' || !sk_audit_is_digits(s + 17, 2) || s[19] != '.' ||
	    !sk_audit_is_digits(s + 20, 6) || s[26] != 'Z')
		return 0;
	/* Seconds up to 60 allow a leap second. */
	return two_digits(s + 5) >= 1 && two_digits(s + 5) <= 12 && two_digits(s + 8) >= 1 &&
	       two_digits(s + 8) <= 31 && two_digits(s + 11) <= 23 && two_digits(s + 14) <= 59 &&
	       two_digits(s + 17) <= 60;
}

/* Strict parse of a record's MACed text (R-INPUT-1): one JSON object, nothing after it,
 * valid UTF-8, and the chain fields with their exact types. On failure *why names the
 * fault for the report; the caller decides whether that is an error or a finding. */
/* What a not-committed marker names: records first..last. */
struct marker {
	int present;
	uint64_t first, last;
	int rotated;   /* the record is audit.rotated: a file may begin with it */
};

/* A marker's range must lie wholly before the marker itself. */
static int
parse_marker(json_object *obj, uint64_t seq, struct marker *m)
{
	json_object *v;
	int64_t first, last;

	if (!json_object_object_get_ex(obj, "event", &v) || !json_object_is_type(v, json_type_string))
		return SK_OK;
	if (strcmp(json_object_get_string(v), SK_AUDIT_ROTATED) == 0) {
		if (m != NULL)
			m->rotated = 1;
		return SK_OK;
	}
	if (strcmp(json_object_get_string(v), SK_AUDIT_NOT_COMMITTED) != 0)
		return SK_OK;
	if (!json_object_object_get_ex(obj, "first", &v) || !json_object_is_type(v, json_type_int) ||
	    (first = json_object_get_int64(v)) < 1 ||
	    !json_object_object_get_ex(obj, "last", &v) || !json_object_is_type(v, json_type_int) ||
	    (last = json_object_get_int64(v)) < first || (uint64_t)last >= seq)
		return SK_ERR_PROTO;
	if (m != NULL) {
		m->present = 1;
		m->first = (uint64_t)first;
		m->last = (uint64_t)last;
	}
	return SK_OK;
}

static int
parse_record(const char *text, size_t len, uint64_t *seq, char prev[SK_AUDIT_MAC_HEX + 1],
             struct marker *m, const char **why)
{
	json_tokener *tok;
	json_object *obj, *v;
	const char *s = NULL;
	int64_t n;
	int rc = SK_ERR_PROTO;

	tok = json_tokener_new_ex(RECORD_DEPTH_MAX);
	if (tok == NULL) {
		sk_logerr("json_tokener_new_ex failed");
		return SK_ERR_NOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		*why = "not one strict JSON object";
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		*why = "not a JSON object";
		goto out;
	}
	if (json_object_object_get_ex(obj, "mac", NULL)) {
		*why = "second mac field";
		goto out;
	}
	if (!json_object_object_get_ex(obj, "seq", &v) || !json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) <= 0) {
		*why = "seq missing or not a positive integer";
		goto out;
	}
	*seq = (uint64_t)n;
	if (!json_object_object_get_ex(obj, "ts", &v) || !json_object_is_type(v, json_type_string) ||
	    !ts_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v))) {
		*why = "ts missing or not UTC RFC 3339 with microseconds";
		goto out;
	}
	if (!json_object_object_get_ex(obj, "clock_synced", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		*why = "clock_synced missing or not a boolean";
		goto out;
	}
	if (!json_object_object_get_ex(obj, "prev", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != SK_AUDIT_MAC_HEX ||
	    !sk_audit_is_lower_hex((s = json_object_get_string(v)), SK_AUDIT_MAC_HEX)) {
		*why = "prev missing or not 64 lowercase hex digits";
		goto out;
	}
	memcpy(prev, s, SK_AUDIT_MAC_HEX);
	prev[SK_AUDIT_MAC_HEX] = '\0';
	if (parse_marker(obj, *seq, m) != SK_OK) {
		*why = "not_committed marker without a range before it";
		goto out;
	}
	rc = SK_OK;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

/* Adds val under key, taking ownership of val even when the add fails. */
static int
add_field(json_object *rec, const char *key, json_object *val, int may_be_null)
{
	if (val == NULL && !may_be_null) {
		sk_logerr("cannot allocate a JSON value");
		return SK_ERR_NOMEM;
	}
	if (json_object_object_add(rec, key, val) != 0) {
		json_object_put(val);
		sk_logerr("cannot add a field to the record");
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

static int
build_record(uint64_t seq, const char *prev_mac, json_object *event, json_object **out)
{
	char ts[TS_LEN + 1];
	json_object *rec;
	int rc;

	rc = format_ts(ts);
	if (rc != SK_OK)
		return rc;
	rec = json_object_new_object();
	if (rec == NULL) {
		sk_logerr("cannot allocate the record");
		return SK_ERR_NOMEM;
	}
	rc = add_field(rec, "seq", json_object_new_int64((int64_t)seq), 0);
	if (rc == SK_OK)
		rc = add_field(rec, "ts", json_object_new_string(ts), 0);
	if (rc == SK_OK)
		rc = add_field(rec, "clock_synced", json_object_new_boolean(sk_clock_synced()), 0);
	if (rc == SK_OK) {
		/* Deep copies: the event is the caller's and is only read, even its refcounts. */
		json_object_object_foreach(event, k, v) {
			json_object *copy = NULL;

			if (v != NULL && json_object_deep_copy(v, &copy, NULL) != 0) {
				sk_logerr("cannot copy an event field");
				rc = SK_ERR_NOMEM;
				break;
			}
			rc = add_field(rec, k, copy, 1);
			if (rc != SK_OK)
				break;
		}
	}
	if (rc == SK_OK)
		rc = add_field(rec, "prev", json_object_new_string(prev_mac), 0);
	if (rc != SK_OK) {
		json_object_put(rec);
		return rc;
	}
	*out = rec;
	return SK_OK;
}

int
sk_audit_seal_line(const unsigned char *key, size_t keylen, uint64_t seq,
                   const char prev_mac[SK_AUDIT_MAC_HEX + 1], json_object *event, char *out,
                   size_t outsz, char mac_out[SK_AUDIT_MAC_HEX + 1])
{
	json_object *rec = NULL;
	const char *text, *why = "";
	char mac[SK_AUDIT_MAC_HEX + 1];
	char check_prev[SK_AUDIT_MAC_HEX + 1];
	uint64_t check_seq = 0;
	size_t textlen = 0, i;
	int rc, n;

	if (key == NULL || keylen != SK_AUDIT_KEY_LEN || prev_mac == NULL || event == NULL ||
	    out == NULL || mac_out == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	/* json-c holds integers as int64; the verifier reads them back the same way. */
	if (seq == 0 || seq > (uint64_t)INT64_MAX) {
		sk_logerr("seq %" PRIu64 " out of range", seq);
		return SK_ERR_RANGE;
	}
	if (strnlen(prev_mac, SK_AUDIT_MAC_HEX + 1) != SK_AUDIT_MAC_HEX ||
	    !sk_audit_is_lower_hex(prev_mac, SK_AUDIT_MAC_HEX)) {
		sk_logerr("prev mac is not 64 lowercase hex digits");
		return SK_ERR_ARG;
	}
	if (!json_object_is_type(event, json_type_object)) {
		sk_logerr("event is not a JSON object");
		return SK_ERR_ARG;
	}
	/* The chain fields are ours alone: an event cannot forge or shadow them. */
	for (i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++) {
		if (json_object_object_get_ex(event, reserved_keys[i], NULL)) {
			sk_logerr("event holds the reserved field %s", reserved_keys[i]);
			return SK_ERR_ARG;
		}
	}
	rc = build_record(seq, prev_mac, event, &rec);
	if (rc != SK_OK)
		return rc;
	text = json_object_to_json_string_length(
		rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &textlen);
	if (text == NULL || textlen < 2 || text[textlen - 1] != '}') {
		sk_logerr("cannot serialise the record");
		rc = SK_ERR_NOMEM;
		goto out;
	}
	/* The line plus its newline must fit the verifier's hard line limit. */
	if (textlen - 1 + MAC_SUFFIX_LEN > SK_AUDIT_LINE_MAX - 1 ||
	    textlen - 1 + MAC_SUFFIX_LEN >= outsz) {
		sk_logerr("record too long (%zu bytes)", textlen - 1 + MAC_SUFFIX_LEN);
		rc = SK_ERR_RANGE;
		goto out;
	}
	/* Seal only what the verifier will accept, e.g. no invalid UTF-8 from an event. */
	if (memchr(text, '\n', textlen) != NULL || memchr(text, '\0', textlen) != NULL ||
	    parse_record(text, textlen, &check_seq, check_prev, NULL, &why) != SK_OK ||
	    check_seq != seq) {
		sk_logerr("record would not verify: %s", why);
		rc = SK_ERR_PROTO;
		goto out;
	}
	rc = sk_audit_hmac_hex(key, keylen, text, textlen, mac);
	if (rc != SK_OK)
		goto out;
	memcpy(out, text, textlen - 1);
	n = snprintf(out + textlen - 1, outsz - (textlen - 1), MAC_PREFIX "%s\"}", mac);
	if (n < 0 || (size_t)n != MAC_SUFFIX_LEN) {
		sk_logerr("cannot format the mac");
		rc = SK_ERR_INTERNAL;
		goto out;
	}
	memcpy(mac_out, mac, SK_AUDIT_MAC_HEX + 1);
out:
	json_object_put(rec);
	return rc;
}

static void fault(struct sk_audit_report *r, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fault(struct sk_audit_report *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->line = line;
	va_start(ap, fmt);
	/* The longest message fits; were one cut, a shorter report is still correct. */
	(void)vsnprintf(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
}

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_TORN, LINE_IOERR };

/* One line into buf without its newline. A line (with newline) longer than bufsz is a
 * fault and is not read further: the log is untrusted input of any size. */
static enum line_status
read_line(FILE *f, char *buf, size_t bufsz, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '\n') {
			buf[n] = '\0';
			*len = n;
			return LINE_OK;
		}
		if (n + 1 >= bufsz)
			return LINE_TOO_LONG;
		buf[n++] = (char)c;
	}
	if (ferror(f))
		return LINE_IOERR;
	/* A last line without newline is a torn write, never a whole record. */
	return n == 0 ? LINE_EOF : LINE_TORN;
}

static int
line_open(const unsigned char *key, size_t keylen, const char *line, size_t len, uint64_t *seq,
          char prev[SK_AUDIT_MAC_HEX + 1], char mac[SK_AUDIT_MAC_HEX + 1], struct marker *m,
          const char **why)
{
	char text[SK_AUDIT_LINE_MAX];
	const char *suffix;
	size_t textlen;

	*why = "";
	if (memchr(line, '\0', len) != NULL) {
		*why = "NUL byte";
		return SK_ERR_PROTO;
	}
	if (len < MAC_SUFFIX_LEN + 2) {
		*why = "too short";
		return SK_ERR_PROTO;
	}
	suffix = line + len - MAC_SUFFIX_LEN;
	if (memcmp(suffix, MAC_PREFIX, MAC_PREFIX_LEN) != 0 ||
	    !sk_audit_is_lower_hex(suffix + MAC_PREFIX_LEN, SK_AUDIT_MAC_HEX) ||
	    memcmp(suffix + MAC_PREFIX_LEN + SK_AUDIT_MAC_HEX, "\"}", 2) != 0) {
		*why = "no mac at the end";
		return SK_ERR_PROTO;
	}
	textlen = len - MAC_SUFFIX_LEN + 1;
	if (textlen > sizeof(text)) {
		sk_logerr("line longer than the line buffer");
		return SK_ERR_INTERNAL;
	}
	memcpy(text, line, textlen - 1);
	text[textlen - 1] = '}';
	if (sk_audit_hmac_hex(key, keylen, text, textlen, mac) != SK_OK)
		return SK_ERR_INTERNAL;   /* SK_ERR_CRYPTO means "the MAC does not match" here */
	if (CRYPTO_memcmp(mac, suffix + MAC_PREFIX_LEN, SK_AUDIT_MAC_HEX) != 0)
		return SK_ERR_CRYPTO;
	return parse_record(text, textlen, seq, prev, m, why);
}

int
sk_audit_line_open(const unsigned char *key, size_t keylen, const char *line, size_t len,
                   uint64_t *seq, char prev[SK_AUDIT_MAC_HEX + 1],
                   char mac[SK_AUDIT_MAC_HEX + 1], const char **why)
{
	return line_open(key, keylen, line, len, seq, prev, mac, NULL, why);
}

/* Checks one record against the chain so far. SK_OK: sound, mac filled. 1: a fault,
 * written to the report. Negative: an error (not a finding about the log). */
static int
check_record(const unsigned char *key, size_t keylen, const char *line, size_t len,
             uint64_t lineno, uint64_t expect_seq, const char *prev_mac,
             struct sk_audit_report *r, char mac[SK_AUDIT_MAC_HEX + 1])
{
	char want[SK_AUDIT_MAC_HEX + 1];
	char prev[SK_AUDIT_MAC_HEX + 1];
	struct marker m = { 0, 0, 0, 0 };
	const char *why = "";
	uint64_t seq = 0;
	int rc = line_open(key, keylen, line, len, &seq, prev, want, &m, &why);

	if (rc == SK_ERR_CRYPTO) {
		fault(r, lineno, "record modified");
		return 1;
	}
	if (rc == SK_ERR_PROTO) {
		fault(r, lineno, "malformed line (%s)", why);
		return 1;
	}
	if (rc != SK_OK)
		return rc;
	/* A file begun by a rotation joins the file before it there: its first record is
	 * audit.rotated, and what it continues is checked against that file (by the caller). */
	if (r->records == 0 && seq > 1 && m.rotated) {
		r->first_seq = seq;
		memcpy(r->first_prev, prev, sizeof(r->first_prev));
	} else if (seq != expect_seq) {
		fault(r, lineno, "record missing or reordered (seq %" PRIu64 " after %" PRIu64 ")",
		      seq, expect_seq - 1);
		return 1;
	} else if (CRYPTO_memcmp(prev, prev_mac, SK_AUDIT_MAC_HEX) != 0) {
		fault(r, lineno, "chain broken (prev does not match)");
		return 1;
	}
	memcpy(mac, want, SK_AUDIT_MAC_HEX + 1);
	r->last_seq = seq;
	memcpy(r->last_mac, want, sizeof(r->last_mac));
	/* Markers are written once per start for the records beyond the store's last commit;
	 * the ranges of two markers never overlap. */
	if (m.present)
		r->not_committed += m.last - m.first + 1;
	return SK_OK;
}

/* Where a verification stands: the chain read so far and the anchor it is held to. */
struct verify_state {
	FILE *f;
	off_t offset;                 /* just past the last whole line */
	uint64_t lineno;
	int torn;                     /* the log ends in a partial line, for now */
	char last_mac[SK_AUDIT_MAC_HEX + 1];
	struct sk_audit_anchor anchor;
	int anchor_present;
	int have_anchor_mac;          /* the mac of record anchor.seq has been read */
	char anchor_seq_mac[SK_AUDIT_MAC_HEX + 1];
	const struct sk_audit_anchor *remote;   /* an anchor copied from syslog, or NULL */
	int have_remote_mac;
	char remote_seq_mac[SK_AUDIT_MAC_HEX + 1];
};

/* Reads records from where the last call stopped to the end of the log. SK_OK at the end,
 * 1 for a fault (in the report), negative for an error. */
static int
scan_lines(struct verify_state *vs, const unsigned char *key, size_t keylen,
           struct sk_audit_report *r)
{
	char line[SK_AUDIT_LINE_MAX];
	char mac[SK_AUDIT_MAC_HEX + 1];
	size_t len = 0;
	int rc;

	vs->torn = 0;
	clearerr(vs->f);
	for (;;) {
		enum line_status ls = read_line(vs->f, line, sizeof(line), &len);

		if (ls == LINE_EOF)
			return SK_OK;
		if (ls == LINE_IOERR) {
			sk_logerr("cannot read the log");
			return SK_ERR_IO;
		}
		if (ls == LINE_TORN) {
			/* Maybe an append still being copied in: read the line again next round. */
			vs->torn = 1;
			if (fseeko(vs->f, vs->offset, SEEK_SET) != 0) {
				sk_logerr("cannot seek in the log: %s", strerror(errno));
				return SK_ERR_IO;
			}
			return SK_OK;
		}
		vs->lineno++;
		if (ls == LINE_TOO_LONG) {
			fault(r, vs->lineno, "malformed line (longer than %d bytes)", SK_AUDIT_LINE_MAX);
			return 1;
		}
		rc = check_record(key, keylen, line, len, vs->lineno, r->last_seq + 1, vs->last_mac, r,
		                  mac);
		if (rc != SK_OK)
			return rc;
		r->records++;
		vs->offset += (off_t)len + 1;
		memcpy(vs->last_mac, mac, sizeof(vs->last_mac));
		if (r->last_seq == vs->anchor.seq) {
			vs->have_anchor_mac = 1;
			memcpy(vs->anchor_seq_mac, mac, sizeof(vs->anchor_seq_mac));
		}
		if (vs->remote != NULL && r->last_seq == vs->remote->seq) {
			vs->have_remote_mac = 1;
			memcpy(vs->remote_seq_mac, mac, sizeof(vs->remote_seq_mac));
		}
	}
}

/* A missing anchor, or one created but never written (empty), reads as seq 0 with the
 * zero mac: only an empty log matches it. */
static int
load_anchor(const char *path, const unsigned char *key, size_t keylen, struct sk_audit_anchor *a,
            int *present, struct sk_audit_report *r)
{
	struct stat st;
	int attempt, rc = SK_OK;

	for (attempt = 0; attempt < 2; attempt++) {
		if (lstat(path, &st) != 0) {
			int e = errno;   /* logging may change errno */

			if (e != ENOENT) {
				sk_logerr("cannot stat the anchor %s: %s", path, strerror(e));
				return SK_ERR_IO;
			}
			st.st_size = 0;
		}
		if (st.st_size == 0) {
			*present = 0;
			a->seq = 0;
			memcpy(a->mac, zero_mac, sizeof(a->mac));
			return SK_OK;
		}
		rc = sk_audit_anchor_read(path, key, keylen, a);
		if (rc != SK_ERR_PROTO && rc != SK_ERR_CRYPTO)
			break;
		/* A read racing the broker's rewrite in place may see a mix; read once more. */
		nanosleep(&settle_wait, NULL);
	}
	if (rc == SK_ERR_PROTO) {
		fault(r, 0, "anchor malformed");
		return 1;
	}
	if (rc == SK_ERR_CRYPTO) {
		fault(r, 0, "anchor forged: its tag does not verify with the audit key");
		return 1;
	}
	if (rc != SK_OK)
		return rc;
	*present = 1;
	return SK_OK;
}

/* The chain cannot show records cut off its end; the anchor can. The anchor was read before
 * the log: the broker syncs a record before anchoring it, so the log then held at least
 * anchor.seq records and a shorter log was truncated, even while the broker appends.
 * Records past the anchor are appends in flight on a running broker: wait briefly for them
 * to be anchored, and report them when they never are (a crash between the two writes, or
 * records added by someone holding the key). SK_OK when whole, 1 for a fault. */
static int
settle_with_anchor(struct verify_state *vs, const char *anchor_path, const unsigned char *key,
                   size_t keylen, struct sk_audit_report *r)
{
	struct sk_audit_anchor next;
	int round, present = 0, rc;

	for (round = 0;; round++) {
		rc = scan_lines(vs, key, keylen, r);
		if (rc != SK_OK)
			return rc;
		if (r->last_seq < vs->anchor.seq) {
			fault(r, vs->lineno + 1,
			      "truncated: log ends at seq %" PRIu64 ", anchor says %" PRIu64, r->last_seq,
			      vs->anchor.seq);
			return 1;
		}
		if (vs->have_anchor_mac &&
		    CRYPTO_memcmp(vs->anchor_seq_mac, vs->anchor.mac, SK_AUDIT_MAC_HEX) != 0) {
			fault(r, vs->anchor.seq,
			      "rewritten: record %" PRIu64 " does not match the anchor", vs->anchor.seq);
			return 1;
		}
		if (!vs->torn && vs->have_anchor_mac && r->last_seq == vs->anchor.seq)
			return SK_OK;
		if (round == SETTLE_ROUNDS) {
			if (vs->torn)
				fault(r, vs->lineno + 1, "malformed line (no final newline)");
			else if (!vs->anchor_present)
				fault(r, 0, "anchor missing: log has %" PRIu64 " records", r->records);
			else
				fault(r, vs->anchor.seq + 1,
				      "anchor mismatch: log ends at seq %" PRIu64 ", anchor says %" PRIu64,
				      r->last_seq, vs->anchor.seq);
			return 1;
		}
		nanosleep(&settle_wait, NULL);
		rc = load_anchor(anchor_path, key, keylen, &next, &present, r);
		if (rc != SK_OK)
			return rc;
		if (next.seq < vs->anchor.seq || (vs->anchor_present && !present)) {
			fault(r, 0, "anchor mismatch: anchor went back from seq %" PRIu64 " to %" PRIu64,
			      vs->anchor.seq, next.seq);
			return 1;
		}
		/* For a new seq the mac to hold it to is the last one read, or comes with the
		 * next scan; one passed already is not kept, so that round cannot settle. */
		if (next.seq != vs->anchor.seq) {
			vs->have_anchor_mac = next.seq == r->last_seq;
			memcpy(vs->anchor_seq_mac, vs->last_mac, sizeof(vs->anchor_seq_mac));
		}
		vs->anchor = next;
		vs->anchor_present = present;
	}
}

/* A log file for reading: not a symbolic link, a regular file. */
static int
open_log(const char *path, FILE **f)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;   /* logging may change errno */

		sk_logerr("cannot open the log %s: %s", path, strerror(e));
		return e == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sk_logerr("log %s is not a regular file", path);
		close(fd);
		return SK_ERR_IO;
	}
	if ((*f = fdopen(fd, "r")) == NULL) {
		sk_logerr("fdopen failed: %s", strerror(errno));
		close(fd);
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

/* Whole until a fault is found; a log that starts at record 1 joins nothing before it. */
static void
report_begin(struct sk_audit_report *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = 1;
	r->first_seq = 1;
	memcpy(r->first_prev, zero_mac, sizeof(r->first_prev));
	memcpy(r->last_mac, zero_mac, sizeof(r->last_mac));
}

/* Verification itself failed: the report must not read "whole" to a careless caller. */
static int
report_error(struct sk_audit_report *r, int rc)
{
	r->ok = 0;
	(void)snprintf(r->problem, sizeof(r->problem), "verification failed: %s", sk_strerror(rc));
	return rc;
}

/* The local anchor says the log is whole; a copy of a later anchor, taken from syslog, can
 * still show that log and anchor were both cut back (an older anchor put back, or the key
 * stolen). SK_OK when the log reaches it, 1 for a fault. */
static int
check_remote(const struct verify_state *vs, struct sk_audit_report *r)
{
	if (r->last_seq < vs->remote->seq) {
		fault(r, r->last_seq + 1,
		      "truncated: log ends at seq %" PRIu64 ", the remote anchor says %" PRIu64,
		      r->last_seq, vs->remote->seq);
		return 1;
	}
	if (!vs->have_remote_mac ||
	    CRYPTO_memcmp(vs->remote_seq_mac, vs->remote->mac, SK_AUDIT_MAC_HEX) != 0) {
		fault(r, vs->remote->seq,
		      "rewritten: record %" PRIu64 " does not match the remote anchor", vs->remote->seq);
		return 1;
	}
	return SK_OK;
}

int
sk_audit_verify(const char *log_path, const char *anchor_path, const unsigned char *key,
                size_t keylen, struct sk_audit_report *report)
{
	return sk_audit_verify_remote(log_path, anchor_path, key, keylen, NULL, report);
}

int
sk_audit_verify_remote(const char *log_path, const char *anchor_path,
                       const unsigned char *key, size_t keylen,
                       const struct sk_audit_anchor *remote, struct sk_audit_report *report)
{
	struct verify_state vs;
	int rc;

	if (log_path == NULL || anchor_path == NULL || key == NULL ||
	    keylen != SK_AUDIT_KEY_LEN || report == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	/* Not whole until proven so, also for a caller that ignores the return code. */
	memset(report, 0, sizeof(*report));
	memset(&vs, 0, sizeof(vs));
	memcpy(vs.last_mac, zero_mac, sizeof(vs.last_mac));
	report_begin(report);
	vs.remote = remote;
	rc = load_anchor(anchor_path, key, keylen, &vs.anchor, &vs.anchor_present, report);
	if (rc != SK_OK)
		return rc > 0 ? SK_OK : report_error(report, rc);
	vs.have_anchor_mac = vs.anchor.seq == 0;
	memcpy(vs.anchor_seq_mac, zero_mac, sizeof(vs.anchor_seq_mac));

	if ((rc = open_log(log_path, &vs.f)) != SK_OK)
		return report_error(report, rc);
	rc = settle_with_anchor(&vs, anchor_path, key, keylen, report);
	if (rc == SK_OK && remote != NULL)
		rc = check_remote(&vs, report);
	fclose(vs.f);
	/* A finding is a successful verification: rc > 0 only says the report has it. */
	return rc >= 0 ? SK_OK : report_error(report, rc);
}

int
sk_audit_verify_segment(const char *path, const unsigned char *key, size_t keylen,
                        struct sk_audit_report *report)
{
	struct verify_state vs;
	int rc;

	if (path == NULL || key == NULL || keylen != SK_AUDIT_KEY_LEN || report == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	memset(&vs, 0, sizeof(vs));
	memcpy(vs.last_mac, zero_mac, sizeof(vs.last_mac));
	report_begin(report);
	if ((rc = open_log(path, &vs.f)) != SK_OK)
		return report_error(report, rc);
	/* No anchor speaks for a rotated file: it must be whole lines, at least one, and its
	 * end is held by the start of the file after it (the caller's check). */
	rc = scan_lines(&vs, key, keylen, report);
	if (rc == SK_OK && vs.torn)
		fault(report, vs.lineno + 1, "malformed line (no final newline)");
	else if (rc == SK_OK && report->records == 0)
		fault(report, 0, "empty: a rotated file holds at least one record");
	fclose(vs.f);
	return rc >= 0 ? SK_OK : report_error(report, rc);
}
