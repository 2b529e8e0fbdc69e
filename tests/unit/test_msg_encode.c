/* Encoding (R-CRED-2, R-INPUT-1): sk_msg_encode writes a message into one block of the
 * exact size that libcbor then fills, so no copy of a password or PIN is left in a freed heap
 * block (libcbor's cbor_serialize_alloc grows its buffer with realloc), and the size it
 * computes is exact for every integer width and length boundary. Freed blocks are watched
 * with AddressSanitizer's free hook; without ASan, realloc is interposed (libcbor calls it
 * through the PLT) and any realloc of a block holding the secret counts. All data is
 * generated (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"

#if defined(__SANITIZE_ADDRESS__)
#define SK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SK_TEST_ASAN 1
#endif
#endif

/* A secret being sent: any heap block freed (by free or by realloc moving it) while it still
 * holds these bytes is counted. */
static const char *volatile secret_watched;
static atomic_int secret_leaks;

static int
holds_secret(const volatile void *p, size_t n)
{
	const char *s = secret_watched;

	return s != NULL && p != NULL && memmem((const void *)p, n, s, strlen(s)) != NULL;
}

#ifdef SK_TEST_ASAN
/* From <sanitizer/allocator_interface.h>, which GCC does not install. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);

static void
on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
}

static void
on_free(const volatile void *p)
{
	/* Runs before the block is released, also for the old block of a realloc. */
	if (secret_watched != NULL && holds_secret(p, __sanitizer_get_allocated_size(p)))
		atomic_fetch_add(&secret_leaks, 1);
}
#else
void *__libc_realloc(void *p, size_t n);
size_t malloc_usable_size(void *p);
void *realloc(void *p, size_t n);

/* Growing a block that holds the secret is counted whether or not glibc moves it this time
 * (it grows in place at the top of the heap, and moves it elsewhere, freeing the old block
 * with the secret in it). */
void *
realloc(void *p, size_t n)
{
	if (secret_watched != NULL && p != NULL && holds_secret(p, malloc_usable_size(p)))
		atomic_fetch_add(&secret_leaks, 1);
	return __libc_realloc(p, n);
}
#endif

/* R-CRED-2: encoding a request that carries a password leaves no copy of it in a freed heap
 * block. libcbor's cbor_serialize_alloc grows its buffer by realloc, freeing the smaller
 * blocks with the part already written; sk_msg_encode writes into one block of the exact size,
 * which its caller wipes before freeing. A password early in the map, then enough other text
 * to outgrow 32, 64 and 128 bytes. */
static void
test_r_cred_2_encode_leaves_no_secret_in_freed_blocks(void **state)
{
	char secret[61];
	struct sk_msg *m = sk_msg_new(SK_REQ_AUTH_FINISH), *back;
	unsigned char *buf = NULL;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(secret) - 1; i++)
		secret[i] = (char)('a' + (i * 7 + 3) % 26);   /* generated (R-TEST-1) */
	secret[sizeof(secret) - 1] = '\0';
	assert_non_null(m);
	assert_int_equal(sk_msg_put_text(m, SK_K_USER, "clerk01"), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_PASSWORD, secret), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_SERVICE, "sshd-counter-terminal-service-name"), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_RHOST, "host-0001.city-office.example.invalid"), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_TTY, "pts/1234567890-abcdefghijklmnopqrstuvwxyz"), SK_OK);
	for (int round = 0; round < 2; round++) {
		atomic_store(&secret_leaks, 0);
		secret_watched = secret;
		assert_int_equal(sk_msg_encode(m, &buf, &len), SK_OK);
		secret_watched = NULL;
		assert_int_equal(atomic_load(&secret_leaks), 0);
		assert_true(len > 200);
		/* The bytes are the message: it decodes back with the password. */
		assert_int_equal(sk_msg_decode(buf, len, &back), SK_OK);
		{
			char got[64];
			assert_int_equal(sk_msg_get_text(back, SK_K_PASSWORD, got, sizeof(got)), SK_OK);
			assert_string_equal(got, secret);
			explicit_bzero(got, sizeof(got));
		}
		sk_msg_free(back);
		explicit_bzero(buf, len);
		free(buf);
		buf = NULL;
	}
	sk_msg_free(m);
}

/* The size sk_msg_encode computes is what libcbor writes, for every width an integer can
 * have after a decode (1, 2, 3, 5 and 9 byte heads) and lengths around each boundary. */
static void
test_encode_size_exact(void **state)
{
	static const unsigned char widths[] = {
		0xa7, 0x00, 0x01, 0x01, 0x14,
		0x0d, 0x17,                               /* 13: 23 in one byte */
		0x0e, 0x18, 0x05,                         /* 14: 5 in two (re-encoded in one) */
		0x0f, 0x19, 0x00, 0x05,                   /* 15: 5 in three */
		0x10, 0x1a, 0x00, 0x00, 0x01, 0x00,       /* 16: 256 in five */
		0x11, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0,       /* 17: 2^32 in nine */
	};
	static const size_t lens[] = { 0, 23, 24, 255, 256, 65535 - 64 };
	struct sk_msg *m = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	char *text = malloc(SK_TEXT_MAX + 1);

	(void)state;
	assert_non_null(text);
	assert_int_equal(sk_msg_decode(widths, sizeof(widths), &m), SK_OK);
	assert_int_equal(sk_msg_encode(m, &buf, &len), SK_OK);
	free(buf);
	sk_msg_free(m);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i] > SK_TEXT_MAX ? SK_TEXT_MAX : lens[i];
		memset(text, 'x', n);
		text[n] = '\0';
		m = sk_msg_new(SK_REQ_STATUS);
		assert_non_null(m);
		assert_int_equal(sk_msg_put_text(m, SK_K_JSON, text), SK_OK);
		assert_int_equal(sk_msg_put_bytes(m, SK_K_SIG, text, n > 300 ? 300 : n), SK_OK);
		assert_int_equal(sk_msg_encode(m, &buf, &len), SK_OK);
		assert_true(len > n);
		free(buf);
		sk_msg_free(m);
	}
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_cred_2_encode_leaves_no_secret_in_freed_blocks),
		cmocka_unit_test(test_encode_size_exact),
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
