/* Protocol message decoding (R-INPUT-1): sk_msg_decode refuses everything outside the
 * protocol's shape, before libcbor allocates anything from a declared size. The malformed
 * inputs are hand-written CBOR bytes, each with its reading. All data is generated
 * (R-TEST-1). */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocation_watch_works),
		cmocka_unit_test(test_decode_minimal_ok),
		cmocka_unit_test(test_decode_refuses_shape),
		cmocka_unit_test(test_decode_refuses_types),
		cmocka_unit_test(test_decode_refuses_keys),
		cmocka_unit_test(test_decode_refuses_declared_sizes),
		cmocka_unit_test(test_decode_refuses_framing),
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
