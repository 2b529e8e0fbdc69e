/* The audit record chain (R-LOG-1, R-LOG-3, R-LOG-4): sealing records and opening one line.
 * Verifying a whole log is sk_audit_verify.c, the anchor file sk_audit_anchor.c. The record
 * format is described in sk_audit_chain.h.
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
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/evp.h>

/* A line ends in ,"mac":"<64 hex>"} ; the MACed text is the line without that suffix
 * plus the closing brace the suffix replaced. */
#define MAC_PREFIX ",\"mac\":\""
#define MAC_PREFIX_LEN (sizeof(MAC_PREFIX) - 1)
#define MAC_SUFFIX_LEN (MAC_PREFIX_LEN + SK_AUDIT_MAC_HEX + 2)

/* "2026-11-24T02:13:32.123456Z" */
#define TS_LEN 27

/* Records are flat event objects; anything nested deeper than this is not ours. */
#define RECORD_DEPTH_MAX 16

const char sk_audit_zero_mac[SK_AUDIT_MAC_HEX + 1] =
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

/* HMAC() fetches SHA-256 and keys a new context on every call (OpenSSL 3): a visible share
 * of a commit that writes an audit record per HR event. One context is kept instead, keyed
 * again only when another key comes (the broker uses one key; `audit verify` one per log),
 * and re-initialised with the same key for each record. The mutex makes it one user at a
 * time; the audit writer serialises its records anyway. */
static pthread_mutex_t hmac_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_MAC *hmac_alg;
static EVP_MAC_CTX *hmac_ctx;
static unsigned char hmac_key[SK_AUDIT_KEY_LEN];
static size_t hmac_keylen;   /* 0: hmac_ctx holds no key */

static int
hmac_locked(const unsigned char *key, size_t keylen, const char *text, size_t len,
            unsigned char md[EVP_MAX_MD_SIZE], size_t *mdlen)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	int same = keylen > 0 && keylen == hmac_keylen &&
	           CRYPTO_memcmp(key, hmac_key, keylen) == 0;

	if (hmac_alg == NULL && (hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return 0;
	if (hmac_ctx == NULL && (hmac_ctx = EVP_MAC_CTX_new(hmac_alg)) == NULL)
		return 0;
	if (!same) {
		static const unsigned char no_key[1];

		/* A NULL key would keep the context's old one (EVP_MAC_init). */
		if (key == NULL)
			key = no_key;
		hmac_keylen = 0;
		explicit_bzero(hmac_key, sizeof(hmac_key));
		if (EVP_MAC_init(hmac_ctx, key, keylen, params) != 1)
			return 0;
		/* Only a key of the audit key's size is kept for the next record. */
		if (keylen > 0 && keylen <= sizeof(hmac_key)) {
			memcpy(hmac_key, key, keylen);
			hmac_keylen = keylen;
		}
	} else if (EVP_MAC_init(hmac_ctx, NULL, 0, NULL) != 1) {
		return 0;
	}
	return EVP_MAC_update(hmac_ctx, (const unsigned char *)text, len) == 1 &&
	       EVP_MAC_final(hmac_ctx, md, mdlen, EVP_MAX_MD_SIZE) == 1;
}

int
sk_audit_hmac_hex(const unsigned char *key, size_t keylen, const char *text, size_t len,
            char hex[SK_AUDIT_MAC_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	size_t i;
	int ok;

	pthread_mutex_lock(&hmac_lock);
	ok = hmac_locked(key, keylen, text, len, md, &mdlen);
	if (!ok)
		hmac_keylen = 0;   /* a failed context is keyed afresh next time */
	pthread_mutex_unlock(&hmac_lock);
	if (!ok || mdlen * 2 != SK_AUDIT_MAC_HEX) {
		sk_logerr("HMAC-SHA256 failed");
		return SK_ERR_CRYPTO;
	}
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[SK_AUDIT_MAC_HEX] = '\0';
	explicit_bzero(md, sizeof(md));
	return SK_OK;
}

/* n decimal digits of v, zero-padded (v < 10^n). */
static void
put_digits(char *out, unsigned long v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static int
format_ts(char out[TS_LEN + 1])
{
	struct timespec now;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		sk_logerr("clock_gettime failed: %s", strerror(errno));
		return SK_ERR_INTERNAL;
	}
	if (gmtime_r(&now.tv_sec, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999) {
		sk_logerr("clock out of the range RFC 3339 can express");
		return SK_ERR_RANGE;
	}
	/* "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ" by hand: snprintf was a tenth of the sealing's
	 * instructions in a bulk HR commit (doc/performance.md). */
	put_digits(out, (unsigned long)(tm.tm_year + 1900), 4);
	out[4] = '-';
	put_digits(out + 5, (unsigned long)(tm.tm_mon + 1), 2);
	out[7] = '-';
	put_digits(out + 8, (unsigned long)tm.tm_mday, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned long)tm.tm_hour, 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned long)tm.tm_min, 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned long)tm.tm_sec, 2);
	out[19] = '.';
	put_digits(out + 20, (unsigned long)(now.tv_nsec / 1000) % 1000000UL, 6);
	out[26] = 'Z';
	out[TS_LEN] = '\0';
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

/* A marker's range must lie wholly before the marker itself. */
static int
parse_marker(json_object *obj, uint64_t seq, struct sk_audit_marker *m)
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
             struct sk_audit_marker *m, const char **why)
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

/* A flat event: its values all null, booleans, integers or strings (no doubles, whose NaN
 * json-c would print, nothing nested), and no not_committed marker (whose range
 * parse_marker checks). */
static int
flat_event(json_object *event)
{
	json_object *v;

	json_object_object_foreach(event, k, val) {
		(void)k;
		switch (json_object_get_type(val)) {
		case json_type_null:
		case json_type_boolean:
		case json_type_int:
		case json_type_string:
			break;
		default:
			return 0;
		}
	}
	return !(json_object_object_get_ex(event, "event", &v) &&
	         json_object_is_type(v, json_type_string) &&
	         strcmp(json_object_get_string(v), SK_AUDIT_NOT_COMMITTED) == 0);
}

#define FLAT_NO 1   /* seal_flat: not for this event, take the full path */

/* A bounded text being written: len grows, over is set when cap would be passed. */
struct flat_out {
	char *buf;
	size_t cap, len;
	int over;
};

static void
put_bytes(struct flat_out *o, const char *s, size_t n)
{
	if (o->over || n >= o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

#define PUT_LIT(o, lit) put_bytes((o), (lit), sizeof(lit) - 1)

/* A decimal as json-c prints an int64 ("%" PRId64) or the seq ("%" PRIu64). */
static void
put_u64(struct flat_out *o, uint64_t v, int negative)
{
	char d[21];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (negative)
		d[--i] = '-';
	put_bytes(o, d + i, sizeof(d) - i);
}

/* A string json-c would print as it is between quotes with JSON_C_TO_STRING_NOSLASHESCAPE:
 * printable ASCII, no '"' (printed \") and no backslash. 0: it is not such a string. */
static int
put_plain_string(struct flat_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || ch == '\\' || ch == '"')
			return 0;
	}
	PUT_LIT(o, "\"");
	put_bytes(o, s, n);
	PUT_LIT(o, "\"");
	return 1;
}

/* The event's fields as json-c prints them with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE, without the braces: ,"key":value for each field in
 * insertion order (json-c's own order), null, true/false, integers in decimal, strings
 * between quotes. 0 when a field is anything else or a key or string is not plain printable
 * ASCII: the caller then takes json-c's path, as for any such event. */
static int
put_flat_fields(struct flat_out *o, json_object *event)
{
	json_object_object_foreach(event, k, val) {
		PUT_LIT(o, ",");
		if (!put_plain_string(o, k, strlen(k)))
			return 0;
		PUT_LIT(o, ":");
		switch (json_object_get_type(val)) {
		case json_type_null:
			PUT_LIT(o, "null");
			break;
		case json_type_boolean:
			if (json_object_get_boolean(val))
				PUT_LIT(o, "true");
			else
				PUT_LIT(o, "false");
			break;
		case json_type_int: {
			int64_t i = json_object_get_int64(val);

			/* A uint64 above INT64_MAX reads back clamped: json-c's path prints it. */
			if (i == INT64_MAX && json_object_get_uint64(val) != (uint64_t)INT64_MAX)
				return 0;
			if (i < 0)
				put_u64(o, (uint64_t)0 - (uint64_t)i, 1);
			else
				put_u64(o, (uint64_t)i, 0);
			break;
		}
		case json_type_string:
			if (!put_plain_string(o, json_object_get_string(val),
			                      (size_t)json_object_get_string_len(val)))
				return 0;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/* The record of a flat event whose text is printable ASCII without a backslash, written into
 * out (with its closing brace) without building, copying, printing through json-c or
 * re-parsing a JSON object: the bytes json-c prints for build_record's object with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, field for field ("key":value
 * joined by commas, in insertion order: seq, ts, clock_synced, the event's fields, prev), so
 * the line and its MAC are the same. Such a record cannot fail parse_record: the chain
 * fields are ours (checked by the caller), json-c keys are unique, and the values need no
 * escape. A bulk HR commit seals 100,000 of them; building, copying, re-parsing and then
 * json-c's printing were most of the sealing's cost (doc/performance.md). FLAT_NO for any
 * other event, SK_ERR_RANGE when too long. */
static int
seal_flat(uint64_t seq, const char *prev_mac, json_object *event, char *out, size_t outsz,
          size_t *textlen)
{
	struct flat_out o = { out, outsz, 0, 0 };
	char ts[TS_LEN + 1];
	int rc;

	if (outsz == 0 || !flat_event(event))
		return FLAT_NO;
	if ((rc = format_ts(ts)) != SK_OK)
		return rc;
	PUT_LIT(&o, "{\"seq\":");
	put_u64(&o, seq, 0);
	PUT_LIT(&o, ",\"ts\":\"");
	put_bytes(&o, ts, TS_LEN);
	if (sk_clock_synced())
		PUT_LIT(&o, "\",\"clock_synced\":true");
	else
		PUT_LIT(&o, "\",\"clock_synced\":false");
	if (!put_flat_fields(&o, event))
		return FLAT_NO;
	PUT_LIT(&o, ",\"prev\":\"");
	put_bytes(&o, prev_mac, SK_AUDIT_MAC_HEX);
	PUT_LIT(&o, "\"}");
	if (o.over)
		return SK_ERR_RANGE;
	out[o.len] = '\0';
	*textlen = o.len;
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
	int rc, n, full = 0;

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
	/* A flat ASCII event's record is written straight into out (seal_flat); any other is
	 * built as a JSON object, printed and parsed again before it is sealed. */
	rc = seal_flat(seq, prev_mac, event, out, outsz, &textlen);
	if (rc == SK_OK) {
		text = out;
	} else if (rc == SK_ERR_RANGE) {
		sk_logerr("record too long (more than %zu bytes)", outsz);
		return rc;
	} else if (rc != FLAT_NO) {
		return rc;
	} else {
		full = 1;
		rc = build_record(seq, prev_mac, event, &rec);
		if (rc != SK_OK)
			return rc;
		text = json_object_to_json_string_length(
			rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &textlen);
	}
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
	/* Seal only what the verifier will accept, e.g. no invalid UTF-8 from an event (a flat
	 * ASCII record cannot fail this: seal_flat). */
	if (full &&
	    (memchr(text, '\n', textlen) != NULL || memchr(text, '\0', textlen) != NULL ||
	     parse_record(text, textlen, &check_seq, check_prev, NULL, &why) != SK_OK ||
	     check_seq != seq)) {
		sk_logerr("record would not verify: %s", why);
		rc = SK_ERR_PROTO;
		goto out;
	}
	rc = sk_audit_hmac_hex(key, keylen, text, textlen, mac);
	if (rc != SK_OK)
		goto out;
	if (text != out)
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

int
sk_audit_line_open_marked(const unsigned char *key, size_t keylen, const char *line, size_t len, uint64_t *seq,
          char prev[SK_AUDIT_MAC_HEX + 1], char mac[SK_AUDIT_MAC_HEX + 1], struct sk_audit_marker *m,
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
	return sk_audit_line_open_marked(key, keylen, line, len, seq, prev, mac, NULL, why);
}
