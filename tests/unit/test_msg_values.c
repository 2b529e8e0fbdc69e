/* Protocol message values (R-INPUT-1): every value type round trips, array and size limits
 * hold, and every getter is strict about type, length and text validity. All data is
 * generated (R-TEST-1). The decoder's refusals are in test_msg_decode.c, the framed I/O in
 * test_msg_frame.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"

static struct sk_msg *
roundtrip(const struct sk_msg *m)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct sk_msg *out = NULL;

	assert_int_equal(sk_msg_encode(m, &buf, &len), SK_OK);
	assert_non_null(buf);
	assert_true(len > 0 && len <= SK_MSG_MAX - 4);
	assert_int_equal(sk_msg_decode(buf, len, &out), SK_OK);
	assert_non_null(out);
	free(buf);
	return out;
}

static void
expect_same_encoding(const struct sk_msg *a, const struct sk_msg *b)
{
	unsigned char *ba = NULL, *bb = NULL;
	size_t la = 0, lb = 0;

	assert_int_equal(sk_msg_encode(a, &ba, &la), SK_OK);
	assert_int_equal(sk_msg_encode(b, &bb, &lb), SK_OK);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

/* ---- Round trips ---------------------------------------------------------------------- */

static const char *banner_ja = "この端末はマイナンバー利用事務系です。\n権限のない利用は禁止されています。\t(試験)";

/* Every value type, including the edges of each CBOR integer width and empty values. */
static void
test_roundtrip_every_type(void **state)
{
	static const uint64_t widths[] = {
		0, 23, 24, 255, 256, 65535, 65536, UINT64_C(4294967295), UINT64_C(4294967296),
		UINT64_MAX,
	};
	unsigned char secret[20], item0[3] = { 0x00, 0xff, 0x7f }, item2[SK_NAME_MAX];
	const unsigned char *items[3] = { item0, (const unsigned char *)"", item2 };
	size_t lens[3] = { sizeof(item0), 0, sizeof(item2) };
	struct sk_msg *m, *d;
	uint64_t u = 0;
	int b = -1;
	char text[256];
	unsigned char bytes[64];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)(i * 37 + 11);
	for (size_t i = 0; i < sizeof(item2); i++)
		item2[i] = (unsigned char)(255 - i);
	m = sk_msg_new(SK_REQ_AUTH_BEGIN);
	assert_non_null(m);
	assert_int_equal(sk_msg_type(m), SK_REQ_AUTH_BEGIN);
	assert_int_equal(sk_msg_put_uint(m, SK_K_PID, 0), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_SESSION_ID, UINT64_MAX), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_LOCKED_UNTIL, 24), SK_OK);
	assert_int_equal(sk_msg_put_bool(m, SK_K_STACK_KNOWLEDGE, 1), SK_OK);
	assert_int_equal(sk_msg_put_bool(m, SK_K_CLASSES, 0), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "tanaka.hanako"), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_BANNER, banner_ja), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_SERVICE, ""), SK_OK);
	assert_int_equal(sk_msg_put_bytes(m, SK_K_SECRET, secret, sizeof(secret)), SK_OK);
	assert_int_equal(sk_msg_put_bytes(m, SK_K_ACTOR, NULL, 0), SK_OK);
	assert_int_equal(sk_msg_put_uint_array(m, SK_K_STEPS, widths, sizeof(widths) / sizeof(widths[0])),
	                 SK_OK);
	assert_int_equal(sk_msg_put_uint_array(m, SK_K_FAILURES, NULL, 0), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_JSON, items, lens, 3), SK_OK);
	/* The highest key the protocol knows. */
	assert_int_equal(sk_msg_put_uint(m, SK_K_KEY_MAX - 1, 7), SK_OK);

	d = roundtrip(m);
	assert_int_equal(sk_msg_type(d), SK_REQ_AUTH_BEGIN);
	assert_int_equal(sk_msg_get_uint(d, SK_K_VERSION, &u), SK_OK);
	assert_int_equal(u, SK_PROTO_VERSION);
	assert_int_equal(sk_msg_get_uint(d, SK_K_PID, &u), SK_OK);
	assert_int_equal(u, 0);
	assert_int_equal(sk_msg_get_uint(d, SK_K_SESSION_ID, &u), SK_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(sk_msg_get_uint(d, SK_K_LOCKED_UNTIL, &u), SK_OK);
	assert_int_equal(u, 24);
	assert_int_equal(sk_msg_get_uint(d, SK_K_KEY_MAX - 1, &u), SK_OK);
	assert_int_equal(u, 7);
	assert_int_equal(sk_msg_get_bool(d, SK_K_STACK_KNOWLEDGE, &b), SK_OK);
	assert_int_equal(b, 1);
	assert_int_equal(sk_msg_get_bool(d, SK_K_CLASSES, &b), SK_OK);
	assert_int_equal(b, 0);
	assert_int_equal(sk_msg_get_text(d, SK_K_USER, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "tanaka.hanako");
	assert_int_equal(sk_msg_get_text(d, SK_K_BANNER, text, sizeof(text)), SK_OK);
	assert_string_equal(text, banner_ja);
	snprintf(text, sizeof(text), "%s", "not empty");
	assert_int_equal(sk_msg_get_text(d, SK_K_SERVICE, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "");
	assert_int_equal(sk_msg_get_bytes(d, SK_K_SECRET, bytes, sizeof(bytes), &n), SK_OK);
	assert_int_equal(n, sizeof(secret));
	assert_memory_equal(bytes, secret, sizeof(secret));
	n = 99;
	assert_int_equal(sk_msg_get_bytes(d, SK_K_ACTOR, bytes, sizeof(bytes), &n), SK_OK);
	assert_int_equal(n, 0);

	assert_int_equal(sk_msg_get_array_len(d, SK_K_STEPS, &n), SK_OK);
	assert_int_equal(n, sizeof(widths) / sizeof(widths[0]));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sk_msg_get_array_uint(d, SK_K_STEPS, i, &u), SK_OK);
		assert_true(u == widths[i]);
	}
	assert_int_equal(sk_msg_get_array_len(d, SK_K_FAILURES, &n), SK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sk_msg_get_array_len(d, SK_K_JSON, &n), SK_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		size_t got = 999;
		assert_int_equal(sk_msg_get_array_bytes(d, SK_K_JSON, i, bytes, sizeof(bytes), &got), SK_OK);
		assert_int_equal(got, lens[i]);
		if (got > 0)
			assert_memory_equal(bytes, items[i], got);
	}
	/* Decoding and encoding again gives the same bytes. */
	expect_same_encoding(m, d);
	sk_msg_free(m);
	sk_msg_free(d);
}

/* Arrays: SK_ARRAY_MAX elements are fine, one more is refused at put time. */
static void
test_array_limits(void **state)
{
	uint64_t v[SK_ARRAY_MAX + 1];
	const unsigned char *items[SK_ARRAY_MAX + 1];
	size_t lens[SK_ARRAY_MAX + 1], n = 0;
	struct sk_msg *m, *d;
	uint64_t u = 0;

	(void)state;
	for (size_t i = 0; i <= SK_ARRAY_MAX; i++) {
		v[i] = i * 1000;
		items[i] = (const unsigned char *)"x";
		lens[i] = 1;
	}
	m = sk_msg_new(SK_MSG_REPLY);
	assert_non_null(m);
	assert_int_equal(sk_msg_put_uint_array(m, SK_K_STEPS, v, SK_ARRAY_MAX + 1), SK_ERR_RANGE);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_JSON, items, lens, SK_ARRAY_MAX + 1),
	                 SK_ERR_RANGE);
	assert_int_equal(sk_msg_get_array_len(m, SK_K_STEPS, &n), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_put_uint_array(m, SK_K_STEPS, v, SK_ARRAY_MAX), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_JSON, items, lens, SK_ARRAY_MAX), SK_OK);
	d = roundtrip(m);
	assert_int_equal(sk_msg_get_array_len(d, SK_K_STEPS, &n), SK_OK);
	assert_int_equal(n, SK_ARRAY_MAX);
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_STEPS, SK_ARRAY_MAX - 1, &u), SK_OK);
	assert_int_equal(u, (SK_ARRAY_MAX - 1) * 1000);
	sk_msg_free(d);
	sk_msg_free(m);
}

/* Puts refuse what the protocol cannot carry; a refused put leaves the message usable. */
static void
test_put_refusals(void **state)
{
	char *big = malloc(SK_TEXT_MAX + 2);
	const unsigned char *item[1];
	size_t len[1] = { SK_TEXT_MAX + 1 };
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);
	uint64_t u = 0;
	char text[16];

	(void)state;
	assert_non_null(big);
	assert_non_null(m);
	memset(big, 'a', SK_TEXT_MAX + 1);
	big[SK_TEXT_MAX + 1] = '\0';
	item[0] = (const unsigned char *)big;
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, NULL), SK_ERR_RANGE);
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "\xc0\x80"), SK_ERR_RANGE);      /* overlong NUL */
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "\xed\xa0\x80"), SK_ERR_RANGE);  /* surrogate */
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "a\x1b[0m"), SK_ERR_RANGE);      /* ESC */
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, big), SK_ERR_RANGE);             /* 60001 bytes */
	assert_int_equal(sk_msg_put_bytes(m, SK_K_SECRET, big, SK_TEXT_MAX + 1), SK_ERR_RANGE);
	assert_int_equal(sk_msg_put_bytes(m, SK_K_SECRET, NULL, 4), SK_ERR_RANGE);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_JSON, item, len, 1), SK_ERR_RANGE);
	assert_int_equal(sk_msg_put_uint(m, SK_K_KEY_MAX, 1), SK_ERR_ARG);
	assert_int_equal(sk_msg_put_uint(m, 1000, 1), SK_ERR_ARG);
	assert_int_equal(sk_msg_put_uint(m, SK_K_TYPE, 5), SK_ERR_ARG);   /* already set */
	assert_int_equal(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_STATUS, "again"), SK_ERR_ARG);
	/* Nothing refused was stored. */
	assert_int_equal(sk_msg_get_text(m, SK_K_USER, text, sizeof(text)), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_bytes(m, SK_K_SECRET, (unsigned char *)text, sizeof(text), &len[0]),
	                 SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_uint(m, SK_K_TYPE, &u), SK_OK);
	assert_int_equal(u, SK_MSG_REPLY);
	assert_int_equal(sk_msg_get_uint(m, SK_K_STATUS, &u), SK_OK);
	assert_int_equal(u, SK_ST_OK);
	sk_msg_free(m);
	free(big);
}

/* The frame limit holds at encode time: one SK_TEXT_MAX value fits, two do not. */
static void
test_encode_size_limit(void **state)
{
	char *big = malloc(SK_TEXT_MAX + 1), *back = malloc(SK_TEXT_MAX + 1);
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY), *d;
	unsigned char *buf = (unsigned char *)"sentinel";
	size_t len = 1;
	int sv[2];

	(void)state;
	assert_non_null(big);
	assert_non_null(back);
	assert_non_null(m);
	memset(big, 'j', SK_TEXT_MAX);
	big[SK_TEXT_MAX] = '\0';
	assert_int_equal(sk_msg_put_text(m, SK_K_JSON, big), SK_OK);
	d = roundtrip(m);
	assert_int_equal(sk_msg_get_text(d, SK_K_JSON, back, SK_TEXT_MAX + 1), SK_OK);
	assert_string_equal(back, big);
	/* One byte short of room for the terminator. */
	assert_int_equal(sk_msg_get_text(d, SK_K_JSON, back, SK_TEXT_MAX), SK_ERR_PROTO);
	sk_msg_free(d);
	assert_int_equal(sk_msg_put_text(m, SK_K_MESSAGE, big), SK_OK);
	assert_int_equal(sk_msg_encode(m, &buf, &len), SK_ERR_RANGE);
	assert_null(buf);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_ERR_RANGE);
	close(sv[0]);
	close(sv[1]);
	sk_msg_free(m);
	free(big);
	free(back);
}

/* ---- Strict getters ------------------------------------------------------------------- */

static void
test_getters_strict(void **state)
{
	static const uint64_t steps[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP };
	const unsigned char *items[1] = { (const unsigned char *)"0123456789" };
	size_t lens[1] = { 10 };
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY), *d;
	char text[64];
	unsigned char bytes[64];
	uint64_t u = 12345;
	size_t n = 0;
	int b = -1;

	(void)state;
	assert_non_null(m);
	assert_int_equal(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_DENIED), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "suzuki"), SK_OK);            /* 6 bytes */
	assert_int_equal(sk_msg_put_text(m, SK_K_LAST_FROM, "役所"), SK_OK);         /* 6 bytes */
	assert_int_equal(sk_msg_put_bytes(m, SK_K_SECRET, "abcdefgh", 8), SK_OK);
	assert_int_equal(sk_msg_put_bool(m, SK_K_STACK_KNOWLEDGE, 1), SK_OK);
	assert_int_equal(sk_msg_put_uint_array(m, SK_K_STEPS, steps, 2), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_JSON, items, lens, 1), SK_OK);
	d = roundtrip(m);
	sk_msg_free(m);

	/* Wrong type: SK_ERR_PROTO, whatever the pair. */
	assert_int_equal(sk_msg_get_uint(d, SK_K_USER, &u), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_uint(d, SK_K_STACK_KNOWLEDGE, &u), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_uint(d, SK_K_STEPS, &u), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_uint(d, SK_K_SECRET, &u), SK_ERR_PROTO);
	assert_int_equal(u, 12345);   /* untouched */
	assert_int_equal(sk_msg_get_bool(d, SK_K_STATUS, &b), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_bool(d, SK_K_USER, &b), SK_ERR_PROTO);
	assert_int_equal(b, -1);
	assert_int_equal(sk_msg_get_text(d, SK_K_STATUS, text, sizeof(text)), SK_ERR_PROTO);
	assert_string_equal(text, "");
	assert_int_equal(sk_msg_get_text(d, SK_K_SECRET, text, sizeof(text)), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_text(d, SK_K_STEPS, text, sizeof(text)), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_USER, bytes, sizeof(bytes), &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_STATUS, bytes, sizeof(bytes), &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_JSON, bytes, sizeof(bytes), &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_len(d, SK_K_STATUS, &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_len(d, SK_K_USER, &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_JSON, 0, &u), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_bytes(d, SK_K_STEPS, 0, bytes, sizeof(bytes), &n),
	                 SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_STATUS, 0, &u), SK_ERR_PROTO);
	/* The optional getters only forgive absence, never a wrong type. */
	assert_int_equal(sk_msg_get_text_opt(d, SK_K_STATUS, text, sizeof(text)), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_uint_opt(d, SK_K_USER, 3, &u), SK_ERR_PROTO);

	/* Too long for the buffer: refused, never cut; the buffer holds no partial value. */
	assert_int_equal(sk_msg_get_text(d, SK_K_USER, text, 6), SK_ERR_PROTO);
	assert_string_equal(text, "");
	assert_int_equal(sk_msg_get_text(d, SK_K_USER, text, 7), SK_OK);
	assert_string_equal(text, "suzuki");
	assert_int_equal(sk_msg_get_text(d, SK_K_LAST_FROM, text, 6), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_text(d, SK_K_LAST_FROM, text, 7), SK_OK);
	assert_string_equal(text, "役所");
	assert_int_equal(sk_msg_get_text(d, SK_K_USER, text, 0), SK_ERR_ARG);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_SECRET, bytes, 7, &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_SECRET, bytes, 8, &n), SK_OK);
	assert_int_equal(n, 8);
	assert_int_equal(sk_msg_get_array_bytes(d, SK_K_JSON, 0, bytes, 9, &n), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_bytes(d, SK_K_JSON, 0, bytes, 10, &n), SK_OK);
	/* Index beyond the array. */
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_STEPS, 2, &u), SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_bytes(d, SK_K_JSON, 1, bytes, sizeof(bytes), &n),
	                 SK_ERR_PROTO);
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_STEPS, SIZE_MAX, &u), SK_ERR_PROTO);

	/* Absent: SK_ERR_NOTFOUND from the plain getters, the default from the optional ones. */
	assert_int_equal(sk_msg_get_uint(d, SK_K_PID, &u), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_bool(d, SK_K_CLASSES, &b), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_text(d, SK_K_TTY, text, sizeof(text)), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_bytes(d, SK_K_URI, bytes, sizeof(bytes), &n), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_array_len(d, SK_K_FAILURES, &n), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_uint(d, SK_K_KEY_MAX, &u), SK_ERR_NOTFOUND);
	snprintf(text, sizeof(text), "%s", "stale");
	assert_int_equal(sk_msg_get_text_opt(d, SK_K_TTY, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "");
	assert_int_equal(sk_msg_get_uint_opt(d, SK_K_PID, 42, &u), SK_OK);
	assert_int_equal(u, 42);
	assert_int_equal(sk_msg_get_uint_opt(d, SK_K_STATUS, 42, &u), SK_OK);
	assert_int_equal(u, SK_ST_DENIED);
	/* An element of an absent array is absent, like any other value. */
	assert_int_equal(sk_msg_get_array_uint(d, SK_K_FAILURES, 0, &u), SK_ERR_NOTFOUND);
	sk_msg_free(d);
}

/* Text that arrives from a peer: anything that is not clean UTF-8 is refused, by the decoder
 * (libcbor itself rejects some malformed UTF-8) or at the latest by the getter (R-INPUT-1).
 * Message: {0: 1, 1: 20, 3: <text>}. */
static void
test_text_validity_on_the_wire(void **state)
{
	static const struct {
		const char *what;
		unsigned char b[16];
		size_t n;
		int ok;
	} cases[] = {
		/* a3 = map(3); 00 01 = version 1; 01 14 = type 20; 03 = key SK_K_USER */
		{ "embedded NUL 'a\\0b'", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 'a', 0x00, 'b' }, 10, 0 },
		{ "overlong NUL c0 80", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x62, 0xc0, 0x80 }, 9, 0 },
		{ "overlong '/' e0 80 af", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 0xe0, 0x80, 0xaf }, 10, 0 },
		{ "surrogate U+D800", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 0xed, 0xa0, 0x80 }, 10, 0 },
		{ "above U+10FFFF", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x64, 0xf4, 0x90, 0x80, 0x80 }, 11, 0 },
		{ "lone 0xff", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x61, 0xff }, 8, 0 },
		{ "lone continuation 0x80", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x61, 0x80 }, 8, 0 },
		{ "truncated U+3042 e3 81", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x62, 0xe3, 0x81 }, 9, 0 },
		{ "ESC control", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x62, 'a', 0x1b }, 9, 0 },
		{ "DEL", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x62, 'a', 0x7f }, 9, 0 },
		{ "carriage return", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x62, 'a', '\r' }, 9, 0 },
		{ "U+3042 あ", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 0xe3, 0x81, 0x82 }, 10, 1 },
		{ "U+10FFFF", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x64, 0xf4, 0x8f, 0xbf, 0xbf }, 11, 1 },
		{ "tab and newline", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 'a', '\t', '\n' }, 10, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sk_msg *m = NULL;
		char text[32];
		int r;

		r = sk_msg_decode(cases[i].b, cases[i].n, &m);
		if (r != SK_OK && !cases[i].ok) {
			if (r != SK_ERR_PROTO)
				fail_msg("case '%s': decode gave %d", cases[i].what, r);
			assert_null(m);
			continue;
		}
		if (r != SK_OK)
			fail_msg("case '%s': a valid text did not decode (%d)", cases[i].what, r);
		r = sk_msg_get_text(m, SK_K_USER, text, sizeof(text));
		if (r != (cases[i].ok ? SK_OK : SK_ERR_PROTO))
			fail_msg("case '%s': get_text gave %d", cases[i].what, r);
		if (cases[i].ok)
			assert_memory_equal(text, cases[i].b + 7, cases[i].n - 7);
		else
			assert_string_equal(text, "");
		assert_int_equal(sk_msg_get_text_opt(m, SK_K_USER, text, sizeof(text)), r);
		sk_msg_free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_array_limits),
		cmocka_unit_test(test_put_refusals),
		cmocka_unit_test(test_encode_size_limit),
		cmocka_unit_test(test_getters_strict),
		cmocka_unit_test(test_text_validity_on_the_wire),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
