/* Secrets at rest (R-CRED-2): AES-256-GCM sealing and the root-only key file.
 * Keys and plaintexts are generated here (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "sk_aead.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

static const char aad_alice[] = "user=alice;factor=3";

static void
random_key(unsigned char key[SK_AEAD_KEY_LEN])
{
	assert_int_equal(RAND_bytes(key, SK_AEAD_KEY_LEN), 1);
}

static int
all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

static void
test_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 20, 64, 1000 };
	unsigned char key[SK_AEAD_KEY_LEN], pt[1000], back[1000];
	unsigned char blob[1000 + SK_AEAD_OVERHEAD], blob2[1000 + SK_AEAD_OVERHEAD];
	size_t i, blen, blen2, plen;

	(void)state;
	random_key(key);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];

		assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
		assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, n, blob, sizeof(blob),
		                              &blen),
		                 SK_OK);
		assert_int_equal(blen, n + SK_AEAD_OVERHEAD);
		/* The ciphertext is not the plaintext. */
		if (n >= 16)
			assert_memory_not_equal(blob + SK_AEAD_NONCE_LEN, pt, n);
		memset(back, 0xAA, sizeof(back));
		assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice), blob, blen, back, n, &plen),
		                 SK_OK);
		assert_int_equal(plen, n);
		if (n > 0)
			assert_memory_equal(back, pt, n);
		/* A fresh nonce each time: the same plaintext never seals to the same bytes. */
		assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, n, blob2,
		                              sizeof(blob2), &blen2),
		                 SK_OK);
		assert_memory_not_equal(blob, blob2, SK_AEAD_NONCE_LEN);
	}
	/* No AAD at all is allowed, and must then be absent on open too. */
	assert_int_equal(sk_aead_seal(key, NULL, 0, pt, 20, blob, sizeof(blob), &blen), SK_OK);
	assert_int_equal(sk_aead_open(key, NULL, 0, blob, blen, back, sizeof(back), &plen), SK_OK);
	assert_int_equal(plen, 20);
	assert_memory_equal(back, pt, 20);
}

/* Known answer (McGrew & Viega GCM spec, test case 16: AES-256, 96-bit IV, with AAD) laid
 * out as nonce | ct | tag: proves the layout and the algorithm, not just self-consistency. */
static void
test_known_answer(void **state)
{
	static const unsigned char key[32] = {
		0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
		0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	};
	static const unsigned char aad[20] = {
		0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
		0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
	};
	static const unsigned char pt[60] = {
		0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
		0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
		0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
		0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
	};
	static const unsigned char blob[12 + 60 + 16] = {
		/* nonce */
		0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
		/* ciphertext */
		0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42,
		0x7d, 0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9, 0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55,
		0xd1, 0xaa, 0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56,
		0x82, 0x88, 0x38, 0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
		/* tag */
		0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
	};
	unsigned char out[60];
	size_t len = 0;

	(void)state;
	assert_int_equal(sk_aead_open(key, aad, sizeof(aad), blob, sizeof(blob), out, sizeof(out), &len),
	                 SK_OK);
	assert_int_equal(len, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
}

/* A sealed seed cannot be opened with another key or moved to another row (AAD). */
static void
test_wrong_key_and_aad(void **state)
{
	unsigned char key[SK_AEAD_KEY_LEN], other[SK_AEAD_KEY_LEN], pt[32], back[32];
	unsigned char blob[32 + SK_AEAD_OVERHEAD];
	size_t blen, plen = 99;

	(void)state;
	random_key(key);
	assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
	assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, sizeof(pt), blob,
	                              sizeof(blob), &blen),
	                 SK_OK);

	memcpy(other, key, sizeof(key));
	other[7] ^= 0x01;
	memset(back, 0xAA, sizeof(back));
	assert_int_equal(sk_aead_open(other, aad_alice, strlen(aad_alice), blob, blen, back,
	                              sizeof(back), &plen),
	                 SK_ERR_CRYPTO);
	/* No unauthenticated plaintext left in the caller's buffer. */
	assert_true(all_zero(back, sizeof(back)));
	assert_int_equal(plen, 0);

	memset(back, 0xAA, sizeof(back));
	assert_int_equal(sk_aead_open(key, "user=bob;factor=3", 17, blob, blen, back, sizeof(back),
	                              &plen),
	                 SK_ERR_CRYPTO);
	assert_true(all_zero(back, sizeof(back)));
	assert_int_equal(sk_aead_open(key, NULL, 0, blob, blen, back, sizeof(back), &plen),
	                 SK_ERR_CRYPTO);
	/* AAD one byte short. */
	assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice) - 1, blob, blen, back,
	                              sizeof(back), &plen),
	                 SK_ERR_CRYPTO);
}

/* Tampering anywhere - nonce, ciphertext or tag - is detected (R-INPUT-1). */
static void
test_bit_flips(void **state)
{
	unsigned char key[SK_AEAD_KEY_LEN], pt[24], back[24];
	unsigned char blob[24 + SK_AEAD_OVERHEAD];
	size_t blen, plen, pos;
	int bit;

	(void)state;
	random_key(key);
	assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
	assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, sizeof(pt), blob,
	                              sizeof(blob), &blen),
	                 SK_OK);
	assert_int_equal(blen, sizeof(blob));
	for (pos = 0; pos < blen; pos++) {
		for (bit = 0; bit < 8; bit++) {
			blob[pos] ^= (unsigned char)(1u << bit);
			memset(back, 0xAA, sizeof(back));
			if (sk_aead_open(key, aad_alice, strlen(aad_alice), blob, blen, back, sizeof(back),
			                 &plen) != SK_ERR_CRYPTO) {
				print_error("flip of bit %d in byte %zu (%s) not detected\n", bit, pos,
				            pos < SK_AEAD_NONCE_LEN ? "nonce"
				            : pos < SK_AEAD_NONCE_LEN + sizeof(pt) ? "ciphertext" : "tag");
				fail();
			}
			assert_true(all_zero(back, sizeof(back)));
			blob[pos] ^= (unsigned char)(1u << bit);
		}
	}
	/* Untouched again, it still opens. */
	assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice), blob, blen, back, sizeof(back),
	                              &plen),
	                 SK_OK);
	assert_memory_equal(back, pt, sizeof(pt));
	/* Truncation: one byte off is a bad tag; shorter than nonce+tag is malformed. */
	assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice), blob, blen - 1, back,
	                              sizeof(back), &plen),
	                 SK_ERR_CRYPTO);
	assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice), blob, SK_AEAD_OVERHEAD - 1,
	                              back, sizeof(back), &plen),
	                 SK_ERR_PROTO);
}

static void
test_capacity(void **state)
{
	unsigned char key[SK_AEAD_KEY_LEN], pt[32], back[32];
	unsigned char blob[32 + SK_AEAD_OVERHEAD];
	size_t blen, plen;

	(void)state;
	random_key(key);
	assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
	assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, sizeof(pt), blob,
	                              sizeof(blob) - 1, &blen),
	                 SK_ERR_RANGE);
	assert_int_equal(sk_aead_seal(key, aad_alice, strlen(aad_alice), pt, sizeof(pt), blob,
	                              sizeof(blob), &blen),
	                 SK_OK);
	assert_int_equal(sk_aead_open(key, aad_alice, strlen(aad_alice), blob, blen, back,
	                              sizeof(back) - 1, &plen),
	                 SK_ERR_RANGE);
	/* In-place sealing would read plaintext already overwritten: refused. */
	memcpy(blob, pt, sizeof(pt));
	assert_int_equal(sk_aead_seal(key, NULL, 0, blob, sizeof(pt), blob, sizeof(blob), &blen),
	                 SK_ERR_ARG);
	assert_int_equal(sk_aead_seal(NULL, NULL, 0, pt, sizeof(pt), blob, sizeof(blob), &blen),
	                 SK_ERR_ARG);
}

static void
file_bytes(const char *path, unsigned char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*len = fread(buf, 1, cap, f);
	assert_int_equal(fclose(f), 0);
}

/* The master key file (R-CRED-2): created root-only, reloaded the same, refused when loose. */
static void
test_keyfile(void **state)
{
	char dir[256], path[512], link[512], other[512];
	unsigned char key[SK_AEAD_KEY_LEN], again[SK_AEAD_KEY_LEN], disk[64];
	struct stat st;
	size_t n;
	mode_t old;

	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/master.key", dir);
	snprintf(link, sizeof(link), "%s/link.key", dir);
	snprintf(other, sizeof(other), "%s/short.key", dir);

	assert_int_equal(sk_keyfile_load(path, key, sizeof(key), 0), SK_ERR_NOTFOUND);
	/* A umask that would make it 0400 does not: the file is made exactly 0600. */
	old = umask(0277);
	assert_int_equal(sk_keyfile_load(path, key, sizeof(key), 1), SK_OK);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_size, SK_AEAD_KEY_LEN);
	file_bytes(path, disk, sizeof(disk), &n);
	assert_int_equal(n, SK_AEAD_KEY_LEN);
	assert_memory_equal(disk, key, sizeof(key));
	assert_false(all_zero(key, sizeof(key)));

	/* Reload: the same bytes, with or without create (create never overwrites). */
	memset(again, 0, sizeof(again));
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_OK);
	assert_memory_equal(again, key, sizeof(key));
	memset(again, 0, sizeof(again));
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 1), SK_OK);
	assert_memory_equal(again, key, sizeof(key));

	/* Mode: 0400 is fine, anything readable or writable by others is not. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_OK);
	assert_int_equal(chmod(path, 0644), 0);
	memset(again, 0xAA, sizeof(again));
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_ERR_DENIED);
	assert_true(all_zero(again, sizeof(again)));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_ERR_DENIED);
	assert_int_equal(chmod(path, 0700), 0);
	assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_ERR_DENIED);
	assert_int_equal(chmod(path, 0600), 0);

	/* A symlink to a perfectly good key file is still refused, create or not. */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(sk_keyfile_load(link, again, sizeof(again), 0), SK_ERR_DENIED);
	assert_int_equal(sk_keyfile_load(link, again, sizeof(again), 1), SK_ERR_DENIED);

	/* Wrong length: a short file, and a right file read as a different key size. */
	{
		int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, key, SK_AEAD_KEY_LEN - 1), SK_AEAD_KEY_LEN - 1);
		assert_int_equal(close(fd), 0);
	}
	assert_int_equal(sk_keyfile_load(other, again, sizeof(again), 0), SK_ERR_PROTO);
	assert_int_equal(sk_keyfile_load(path, again, 16, 0), SK_ERR_PROTO);

	/* A directory where the key should be. */
	assert_int_equal(sk_keyfile_load(dir, again, sizeof(again), 0), SK_ERR_DENIED);

	/* Owned by someone else (needs root to arrange). */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sk_keyfile_load(path, again, sizeof(again), 0), SK_ERR_DENIED);
	} else {
		print_message("not root: the foreign-owner case is not exercised\n");
	}
	sk_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_wrong_key_and_aad),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_keyfile),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
