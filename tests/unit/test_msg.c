/* Protocol messages (R-INPUT-1): every value type round trips, every getter is strict about
 * type, length and text validity, and sk_msg_decode refuses everything outside the protocol's
 * shape, before libcbor allocates anything from a declared size. The malformed inputs are
 * hand-written CBOR bytes, each with its reading. The framed I/O is driven over a socketpair:
 * bad lengths, short bodies, silent and slow peers. All data is generated (R-TEST-1). */
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

/* The hand-written frames spell keys at and above the last one as "18 nn" (uint8). */
_Static_assert(SK_K_KEY_MAX > 24 && SK_K_KEY_MAX < 256, "keys are written as 18 nn below");

/* ---- Watching allocations ------------------------------------------------------------
 * Under AddressSanitizer (the suite's usual build) a malloc hook records the largest block
 * anything in the process allocates while a decode runs. Without it, the peak virtual size
 * (VmPeak) shows any large mapping that was made. */
#if defined(__SANITIZE_ADDRESS__)
#define SK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SK_TEST_ASAN 1
#endif
#endif

static atomic_size_t largest_alloc;
static atomic_int watching;

#ifdef SK_TEST_ASAN
/* From <sanitizer/allocator_interface.h>, which GCC does not install. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void
on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	if (atomic_load(&watching) && n > atomic_load(&largest_alloc))
		atomic_store(&largest_alloc, n);
}

static void
on_free(const volatile void *p)
{
	(void)p;
}
#endif

static long
vm_peak_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmPeak: %ld kB", &kb) == 1)
			break;
	fclose(f);
	assert_true(kb > 0);
	return kb;
}

/* Decodes buf and checks both the result and that nothing large was allocated: the input is
 * at most a few dozen bytes, so no block should come near SK_MSG_MAX. */
static int
decode_watched(const unsigned char *buf, size_t len, struct sk_msg **out)
{
	long peak_before = vm_peak_kb();
	int r;

	atomic_store(&largest_alloc, 0);
	atomic_store(&watching, 1);
	r = sk_msg_decode(buf, len, out);
	atomic_store(&watching, 0);
#ifdef SK_TEST_ASAN
	if (atomic_load(&largest_alloc) >= 4096)
		fail_msg("decoding %zu bytes allocated a block of %zu bytes", len,
		         (size_t)atomic_load(&largest_alloc));
#endif
	/* 64 MiB of slack for ordinary growth; a declared 2^32-element array is 32 GiB. */
	assert_true(vm_peak_kb() - peak_before < 64 * 1024);
	return r;
}

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

/* The watcher is live: decoding a real 5000-byte value is seen as a block of at least that
 * size, and the VmPeak probe sees a 256 MiB mapping (so the checks above can fail). */
static void
test_allocation_watch_works(void **state)
{
	unsigned char *buf = calloc(1, 5000 + 9);
	struct sk_msg *m = NULL;
	long before;
	char *huge;

	(void)state;
	assert_non_null(buf);
	/* {0: 1, 1: 20, 22: bytes(5000)}: 59 1388 = bytes, uint16 length 5000. */
	memcpy(buf, (const unsigned char[]){ 0xa3, 0x00, 0x01, 0x01, 0x14, 0x16, 0x59, 0x13, 0x88 }, 9);
	atomic_store(&largest_alloc, 0);
	atomic_store(&watching, 1);
	assert_int_equal(sk_msg_decode(buf, 5000 + 9, &m), SK_OK);
	atomic_store(&watching, 0);
#ifdef SK_TEST_ASAN
	assert_true(atomic_load(&largest_alloc) >= 5000);
#endif
	sk_msg_free(m);
	free(buf);
	before = vm_peak_kb();
	huge = malloc((size_t)256 << 20);
	assert_non_null(huge);
	huge[0] = 1;
	assert_true(vm_peak_kb() - before >= 200 * 1024);
	free(huge);
}

/* ---- Decode refusals ------------------------------------------------------------------ */

struct bad_case {
	const char *what;
	const unsigned char *b;
	size_t n;
	int want;
};

#define BAD(w, want, ...) { w, (const unsigned char[]){ __VA_ARGS__ }, \
                            sizeof((const unsigned char[]){ __VA_ARGS__ }), want }

static void
run_bad_cases(const struct bad_case *c, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct sk_msg *m = (struct sk_msg *)&m;   /* must be reset to NULL */
		int r = decode_watched(c[i].b, c[i].n, &m);

		if (r != c[i].want)
			fail_msg("case '%s': sk_msg_decode returned %d, expected %d", c[i].what, r,
			         c[i].want);
		assert_null(m);
	}
}

/* The reference frame the bad cases start from decodes. */
static void
test_decode_minimal_ok(void **state)
{
	/* a2 = map(2); 00 01 = version: 1; 01 14 = type: 20 (SK_REQ_STATUS) */
	static const unsigned char ok[] = { 0xa2, 0x00, 0x01, 0x01, 0x14 };
	/* The same with the widest integer forms: 1b = uint64, 19 = uint16. */
	static const unsigned char wide[] = { 0xa2, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0x00,
	                                      0x1b, 0, 0, 0, 0, 0, 0, 0, 0x01,
	                                      0x01, 0x19, 0x00, 0x14 };
	/* The last key (SK_K_KEY_MAX - 1): 18 nn = uint8 nn; f5 = true. */
	static const unsigned char last_key[] = { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x18,
	                                          SK_K_KEY_MAX - 1, 0xf5 };
	struct sk_msg *m = NULL;
	int b = 0;

	(void)state;
	assert_int_equal(decode_watched(ok, sizeof(ok), &m), SK_OK);
	assert_int_equal(sk_msg_type(m), SK_REQ_STATUS);
	sk_msg_free(m);
	assert_int_equal(decode_watched(wide, sizeof(wide), &m), SK_OK);
	assert_int_equal(sk_msg_type(m), SK_REQ_STATUS);
	sk_msg_free(m);
	assert_int_equal(decode_watched(last_key, sizeof(last_key), &m), SK_OK);
	assert_int_equal(sk_msg_get_bool(m, SK_K_KEY_MAX - 1, &b), SK_OK);
	assert_int_equal(b, 1);
	sk_msg_free(m);
}

static void
test_decode_refuses_shape(void **state)
{
	const struct bad_case c[] = {
		/* Top level must be a map. */
		BAD("top level array [0, 1]", SK_ERR_PROTO, 0x82, 0x00, 0x01),
		BAD("top level uint 1", SK_ERR_PROTO, 0x01),
		BAD("top level text 'hi'", SK_ERR_PROTO, 0x62, 'h', 'i'),
		BAD("top level bytes h'00'", SK_ERR_PROTO, 0x41, 0x00),
		BAD("top level true", SK_ERR_PROTO, 0xf5),
		BAD("tag 0 around the map", SK_ERR_PROTO, 0xc0, 0xa2, 0x00, 0x01, 0x01, 0x14),
		/* Version and type. */
		BAD("version 2", SK_ERR_VERSION, 0xa2, 0x00, 0x02, 0x01, 0x14),
		BAD("version 0", SK_ERR_VERSION, 0xa2, 0x00, 0x00, 0x01, 0x14),
		BAD("version missing {1: 20}", SK_ERR_VERSION, 0xa1, 0x01, 0x14),
		BAD("version as text '1'", SK_ERR_VERSION, 0xa2, 0x00, 0x61, '1', 0x01, 0x14),
		BAD("type missing {0: 1}", SK_ERR_PROTO, 0xa1, 0x00, 0x01),
		BAD("type 0", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x00),
		BAD("type 65536 (1a 00010000)", SK_ERR_PROTO,
		    0xa2, 0x00, 0x01, 0x01, 0x1a, 0x00, 0x01, 0x00, 0x00),
		BAD("type as text 'a'", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x61, 'a'),
		BAD("type true", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0xf5),
		BAD("empty map", SK_ERR_VERSION, 0xa0),
		/* Nesting. */
		BAD("nested map {3: {0: 1}}", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0xa1, 0x00, 0x01),
		BAD("nested empty map {3: {}}", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0xa0),
		BAD("nested array {8: [[1]]}", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0x81, 0x01),
		BAD("nested empty array {8: [[]]}", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0x80),
		BAD("map in array {8: [{}]}", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0xa0),
		BAD("map as key {{}: 1}", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0xa0, 0x01),
		BAD("array as key {[]: 1}", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x80, 0x01),
		BAD("second map after the first", SK_ERR_PROTO,
		    0xa2, 0x00, 0x01, 0x01, 0x14, 0xa2, 0x00, 0x01, 0x01, 0x14),
	};

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_decode_refuses_types(void **state)
{
	const struct bad_case c[] = {
		/* {0: 1, 1: 20, 13: <value>}: 0d = key SK_K_LOCKED_UNTIL */
		BAD("negative int -1 (20)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0x20),
		BAD("negative int -2^64 (3b ff*8)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d,
		    0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		BAD("negative int key -1", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x20, 0x01),
		BAD("negative int in array [-1]", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0x20),
		BAD("half float 1.0 (f9 3c00)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf9, 0x3c, 0x00),
		BAD("single float 1.0 (fa 3f800000)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xfa, 0x3f, 0x80, 0x00, 0x00),
		BAD("double 1.0 (fb 3ff0...)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d,
		    0xfb, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
		BAD("float as version (f9 3c00)", SK_ERR_PROTO, 0xa2, 0x00, 0xf9, 0x3c, 0x00, 0x01, 0x14),
		BAD("tag 1 epoch (c1 01)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xc1, 0x01),
		BAD("tag 2 bignum (c2 41 01)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xc2, 0x41, 0x01),
		BAD("tag on the key (c1 0d 01)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0xc1, 0x0d, 0x01),
		BAD("tag in array [c1 01]", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0xc1, 0x01),
		BAD("tag 55799 self-describe (d9 d9f7)", SK_ERR_PROTO,
		    0xd9, 0xd9, 0xf7, 0xa2, 0x00, 0x01, 0x01, 0x14),
		BAD("null (f6)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf6),
		BAD("undefined (f7)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf7),
		BAD("simple value 16 (f0)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf0),
		BAD("simple value 32 (f8 20)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf8, 0x20),
		BAD("reserved additional info 28 (1c)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0x1c),
		BAD("reserved additional info 31 on uint (1f)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0x1f),
		/* Indefinite lengths, and a break with nothing to end. */
		BAD("indefinite map (bf ... ff)", SK_ERR_PROTO, 0xbf, 0x00, 0x01, 0x01, 0x14, 0xff),
		BAD("indefinite array (9f 01 ff)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x9f, 0x01, 0xff),
		BAD("indefinite text (7f 61 'a' ff)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x7f, 0x61, 'a', 0xff),
		BAD("indefinite bytes (5f 41 00 ff)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x5f, 0x41, 0x00, 0xff),
		BAD("lone break (ff)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xff),
	};

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_decode_refuses_keys(void **state)
{
	const struct bad_case c[] = {
		BAD("duplicate type key {0:1, 1:20, 1:20}", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x01, 0x14),
		BAD("duplicate version key {0:1, 0:1, 1:20}", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x00, 0x01, 0x01, 0x14),
		BAD("duplicate user key, different values", SK_ERR_PROTO,
		    0xa4, 0x00, 0x01, 0x01, 0x14, 0x03, 0x61, 'a', 0x03, 0x61, 'b'),
		BAD("same key 3 in two widths (03, 18 03)", SK_ERR_PROTO,
		    0xa4, 0x00, 0x01, 0x01, 0x14, 0x03, 0x01, 0x18, 0x03, 0x01),
		BAD("key SK_K_KEY_MAX (18 nn)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x18, SK_K_KEY_MAX, 0x01),
		BAD("key 255 (18 ff)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x18, 0xff, 0x01),
		/* Keys 64..127 are tracked in the mask's second word. */
		BAD("key 64 (18 40) twice", SK_ERR_PROTO,
		    0xa4, 0x00, 0x01, 0x01, 0x14, 0x18, 0x40, 0x01, 0x18, 0x40, 0x02),
		BAD("key 2^64-1", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14,
		    0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		BAD("text key 'a'", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x61, 'a', 0x01),
		BAD("bytes key h'00'", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x41, 0x00, 0x01),
		BAD("bool key true", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0xf5, 0x01),
	};

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
	/* check_shape spots repeated keys with a 128-bit mask (two words) indexed by the key:
	 * the key space must stay within it (a key of 128 or more would index past the mask). */
	assert_true(SK_K_KEY_MAX <= 128);
}

/* Declared sizes bigger than the message: refused by the pre-pass, with no allocation. */
static void
test_decode_refuses_declared_sizes(void **state)
{
	const struct bad_case c[] = {
		/* The 10-byte message {0: 1, 8: array(2^32-1)}: 9a = array, uint32 count. */
		BAD("array of 2^32-1 in 10 bytes", SK_ERR_PROTO,
		    0xa2, 0x00, 0x01, 0x08, 0x9a, 0xff, 0xff, 0xff, 0xff, 0x01),
		/* {8: array(2^32)} in 11 bytes: 9b = array, uint64 count 0x0000000100000000. */
		BAD("array of 2^32 in 11 bytes", SK_ERR_PROTO,
		    0xa1, 0x08, 0x9b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00),
		BAD("array of 2^64-1", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x08,
		    0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		/* 98 21 = array of 33 (> SK_ARRAY_MAX) with only two elements present. */
		BAD("array of 33 declared, 2 present", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x98, 0x21, 0x01, 0x01),
		BAD("array of 3 declared, 1 present", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x83, 0x01),
		/* bb = map, uint64 count 2^32. */
		BAD("map of 2^32 pairs in 10 bytes", SK_ERR_PROTO,
		    0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00),
		BAD("map of 2^32-1 pairs (ba ffffffff)", SK_ERR_PROTO,
		    0xba, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x01, 0x14),
		BAD("map of 39 pairs (b8 27)", SK_ERR_PROTO, 0xb8, 0x27, 0x00, 0x01, 0x01, 0x14),
		BAD("map of 3 pairs, 2 present", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14),
		BAD("text of 2^32-1 bytes (7a ffffffff)", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x7a, 0xff, 0xff, 0xff, 0xff, 'a'),
		BAD("bytes of 2^64-1 (5b ff*8)", SK_ERR_PROTO, 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03,
		    0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		BAD("text of 10 with 1 present", SK_ERR_PROTO,
		    0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x6a, 'a'),
		BAD("uint16 head cut short (19 00)", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x19, 0x00),
		BAD("uint64 head cut short", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x1b, 0x00, 0x00),
	};

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_decode_refuses_framing(void **state)
{
	const struct bad_case c[] = {
		BAD("trailing 00", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x14, 0x00),
		BAD("trailing ff", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x14, 0xff),
		BAD("trailing text", SK_ERR_PROTO, 0xa2, 0x00, 0x01, 0x01, 0x14, 0x61, 'x'),
	};
	unsigned char *big;
	struct sk_msg *m = NULL;

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
	/* Empty input. */
	assert_int_equal(sk_msg_decode((const unsigned char *)"", 0, &m), SK_ERR_PROTO);
	assert_null(m);
	/* More than SK_MSG_MAX bytes, even when it starts like a good message:
	 * {0: 1, 1: 20, 22: bytes(65528)} is 65537 bytes. */
	big = calloc(1, SK_MSG_MAX + 1);
	assert_non_null(big);
	memcpy(big, (const unsigned char[]){ 0xa3, 0x00, 0x01, 0x01, 0x14, 0x16, 0x59, 0xff, 0xf8 }, 9);
	assert_int_equal(9 + 0xfff8, SK_MSG_MAX + 1);
	assert_int_equal(sk_msg_decode(big, SK_MSG_MAX + 1, &m), SK_ERR_PROTO);
	assert_null(m);
	free(big);
}

/* ---- Framed I/O over a socketpair ----------------------------------------------------- */

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
raw_write(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
write_len(int fd, uint32_t len)
{
	unsigned char h[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
	                       (unsigned char)(len >> 8), (unsigned char)len };

	raw_write(fd, h, 4);
}

static void
test_frame_good(void **state)
{
	int sv[2];
	struct sk_msg *m = sk_msg_new(SK_REQ_AUTH_FINISH), *got = NULL;
	char text[64];

	(void)state;
	pair(sv);
	assert_non_null(m);
	assert_int_equal(sk_msg_put_text(m, SK_K_OTP, "123456"), SK_OK);
	/* Two frames back to back come out in order and whole. */
	assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
	assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_OK);
		assert_int_equal(sk_msg_type(got), SK_REQ_AUTH_FINISH);
		assert_int_equal(sk_msg_get_text(got, SK_K_OTP, text, sizeof(text)), SK_OK);
		assert_string_equal(text, "123456");
		sk_msg_free(got);
	}
	/* The header is the body length, big-endian. */
	{
		unsigned char *body = NULL, hdr[4], back[64];
		size_t len = 0;
		assert_int_equal(sk_msg_encode(m, &body, &len), SK_OK);
		assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
		assert_int_equal(recv(sv[1], hdr, 4, MSG_WAITALL), 4);
		assert_int_equal(((size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3]),
		                 len);
		assert_true(len <= sizeof(back));
		assert_int_equal(recv(sv[1], back, len, MSG_WAITALL), (ssize_t)len);
		assert_memory_equal(back, body, len);
		free(body);
	}
	sk_msg_free(m);
	close(sv[0]);
	close(sv[1]);
}

/* The largest body the frame allows (SK_MSG_MAX - 4) is received; one byte more is refused
 * from the header alone. */
static void
test_frame_size_boundary(void **state)
{
	const size_t body_len = SK_MSG_MAX - 4;
	unsigned char *body = calloc(1, body_len), *back = malloc(body_len);
	struct sk_msg *got = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	assert_non_null(body);
	assert_non_null(back);
	/* {0: 1, 1: 20, 22: bytes(65523)}: 59 fff3 = bytes, uint16 length. */
	memcpy(body, (const unsigned char[]){ 0xa3, 0x00, 0x01, 0x01, 0x14, 0x16, 0x59, 0xff, 0xf3 }, 9);
	assert_int_equal(9 + 0xfff3, body_len);
	pair(sv);
	write_len(sv[0], (uint32_t)body_len);
	raw_write(sv[0], body, body_len);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_OK);
	assert_int_equal(sk_msg_get_bytes(got, SK_K_JSON, back, 0xfff3, &n), SK_OK);
	assert_int_equal(n, 0xfff3);
	sk_msg_free(got);
	write_len(sv[0], (uint32_t)body_len + 1);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_PROTO);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
	free(body);
	free(back);
}

/* Bad lengths are refused from the 4 header bytes, at once: the reader does not wait for
 * (or allocate) a body it would refuse. */
static void
test_frame_bad_lengths(void **state)
{
	static const uint32_t lens[] = { 0, SK_MSG_MAX - 3, SK_MSG_MAX, SK_MSG_MAX + 1, 0x00100000,
	                                 0x7fffffff, 0xffffffff };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct sk_msg *got = (struct sk_msg *)&got;
		int sv[2];
		int64_t t0;

		pair(sv);
		write_len(sv[0], lens[i]);
		t0 = sk_now_ms();
		if (sk_msg_recv(sv[1], &got, 5000) != SK_ERR_PROTO)
			fail_msg("frame length %u was not refused", (unsigned)lens[i]);
		assert_true(sk_now_ms() - t0 < 1000);
		assert_null(got);
		close(sv[0]);
		close(sv[1]);
	}
}

static void
test_frame_bad_body(void **state)
{
	static const unsigned char junk[] = { 0xff, 0xfe, 0xfd, 0x00, 0x01 };
	/* A frame around a top-level array [0, 1]. */
	static const unsigned char array[] = { 0x82, 0x00, 0x01 };
	struct sk_msg *got = NULL;
	int sv[2];

	(void)state;
	pair(sv);
	write_len(sv[0], sizeof(junk));
	raw_write(sv[0], junk, sizeof(junk));
	assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_ERR_PROTO);
	assert_null(got);
	write_len(sv[0], sizeof(array));
	raw_write(sv[0], array, sizeof(array));
	assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_ERR_PROTO);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
}

/* The peer hangs up: before the header, inside the header, inside the body. */
static void
test_frame_short_then_close(void **state)
{
	static const unsigned char part[10] = { 0xa2, 0x00, 0x01, 0x01, 0x14 };
	struct sk_msg *got = NULL;
	int sv[2];
	int64_t t0;

	(void)state;
	pair(sv);
	close(sv[0]);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_IO);
	close(sv[1]);

	pair(sv);
	raw_write(sv[0], "\x00\x00", 2);
	close(sv[0]);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_IO);
	close(sv[1]);

	pair(sv);
	write_len(sv[0], 100);
	raw_write(sv[0], part, sizeof(part));
	close(sv[0]);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 5000), SK_ERR_IO);
	assert_true(sk_now_ms() - t0 < 1000);
	assert_null(got);
	close(sv[1]);

	/* Sending to a peer that is gone is an error, not a SIGPIPE. */
	pair(sv);
	close(sv[1]);
	{
		struct sk_msg *m = sk_msg_new(SK_REQ_STATUS);
		assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_ERR_IO);
		sk_msg_free(m);
	}
	close(sv[0]);
}

/* A silent peer: SK_ERR_TIMEOUT after about the timeout, with or without a header. */
static void
test_frame_timeout(void **state)
{
	struct sk_msg *got = NULL;
	int sv[2];
	int64_t t0, took;

	(void)state;
	pair(sv);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 300), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	assert_true(took >= 290 && took < 1300);
	assert_null(got);

	write_len(sv[0], 50);
	raw_write(sv[0], "\xa2\x00", 2);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 300), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	assert_true(took >= 290 && took < 1300);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
}

struct drip {
	int fd;
	unsigned char frame[64];
	size_t len;
	atomic_int stop;
};

static void *
drip_thread(void *arg)
{
	struct drip *d = arg;

	for (size_t i = 0; i < d->len && !atomic_load(&d->stop); i++) {
		if (send(d->fd, d->frame + i, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(100 * 1000);
	}
	return NULL;
}

/* The timeout covers the whole message: a peer sending one byte every 100 ms cannot keep a
 * reader busy past its deadline (a slowloris on the broker socket). */
static void
test_frame_slow_drip(void **state)
{
	struct drip d = { .len = 0 };
	struct sk_msg *m = sk_msg_new(SK_REQ_STATUS), *got = NULL;
	unsigned char *body = NULL;
	size_t len = 0;
	pthread_t tid;
	int sv[2];
	int64_t t0, took;

	(void)state;
	assert_int_equal(sk_msg_encode(m, &body, &len), SK_OK);
	assert_true(len + 4 <= sizeof(d.frame));
	d.frame[0] = 0;
	d.frame[1] = 0;
	d.frame[2] = (unsigned char)(len >> 8);
	d.frame[3] = (unsigned char)len;
	memcpy(d.frame + 4, body, len);
	d.len = len + 4;     /* about 2 s of dripping */
	free(body);
	sk_msg_free(m);
	pair(sv);
	d.fd = sv[0];
	atomic_store(&d.stop, 0);
	assert_int_equal(pthread_create(&tid, NULL, drip_thread, &d), 0);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 600), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	atomic_store(&d.stop, 1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_true(took >= 590 && took < 1500);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
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
		cmocka_unit_test(test_allocation_watch_works),
		cmocka_unit_test(test_decode_minimal_ok),
		cmocka_unit_test(test_decode_refuses_shape),
		cmocka_unit_test(test_decode_refuses_types),
		cmocka_unit_test(test_decode_refuses_keys),
		cmocka_unit_test(test_decode_refuses_declared_sizes),
		cmocka_unit_test(test_decode_refuses_framing),
		cmocka_unit_test(test_frame_good),
		cmocka_unit_test(test_frame_size_boundary),
		cmocka_unit_test(test_frame_bad_lengths),
		cmocka_unit_test(test_frame_bad_body),
		cmocka_unit_test(test_frame_short_then_close),
		cmocka_unit_test(test_frame_timeout),
		cmocka_unit_test(test_frame_slow_drip),
	};

	sk_log_to_stderr(1);
#ifdef SK_TEST_ASAN
	if (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0) {
		fprintf(stderr, "could not install the allocation hooks\n");
		return 1;
	}
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
