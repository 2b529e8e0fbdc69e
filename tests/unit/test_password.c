/* broker/password.c: yescrypt hashing and verification, the quality rules of R-CRED-3, the
 * temporary passwords of R-CRED-1, and the input bounds of R-INPUT-1.
 * All passwords and user names here are made up for the test (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "sk_err.h"
#include "sk_log.h"

#define TEMP_COUNT 1000
#define TEST_USER "testclerk"

static const struct password_rules rules_12_3 = { .min_length = 12, .min_classes = 3, .history = 0 };

/* R-CRED-3: what is stored verifies against the same password. */
static void
test_hash_verify_roundtrip(void **state)
{
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", hash, sizeof(hash)), SK_OK);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", hash), SK_OK);
}

/* R-CRED-3: a wrong password is denied, including near misses and the empty string. */
static void
test_wrong_password_denied(void **state)
{
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", hash, sizeof(hash)), SK_OK);
	assert_int_equal(password_verify("Kz7#mQ2vRw9?", hash), SK_ERR_DENIED);
	assert_int_equal(password_verify("kz7#mQ2vRw9!", hash), SK_ERR_DENIED);
	assert_int_equal(password_verify("Kz7#mQ2vRw9", hash), SK_ERR_DENIED);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!!", hash), SK_ERR_DENIED);
	assert_int_equal(password_verify("", hash), SK_ERR_DENIED);
}

/* R-CRED-2/R-CRED-3: the stored form is yescrypt, as crypt(5) writes it. */
static void
test_hash_is_yescrypt(void **state)
{
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", hash, sizeof(hash)), SK_OK);
	assert_memory_equal(hash, "$y$", 3);
	assert_true(strlen(hash) > 20);
}

/* Each hash has its own salt, so equal passwords give different hashes. */
static void
test_hash_salted(void **state)
{
	char h1[PASSWORD_HASH_MAX];
	char h2[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", h1, sizeof(h1)), SK_OK);
	assert_int_equal(password_hash("Kz7#mQ2vRw9!", h2, sizeof(h2)), SK_OK);
	assert_string_not_equal(h1, h2);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", h1), SK_OK);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", h2), SK_OK);
}

/* R-CRED-1 (bulk enrolment, doc/architecture.md "Passwords"): a bulk temporary password is
 * 22 characters of the temporary alphabet with every class, its hash "$sktmp1$" + 32 hex
 * salt + "$" + 64 hex, salted per hash; it verifies only for an account marked temporary,
 * through password_verify_user, never through password_verify; the production hash keeps
 * yescrypt's default parameters (j9T). */
static void
test_r_cred_1_bulk_temp_hash_only_for_temporary(void **state)
{
	char pw[PASSWORD_BULK_TEMP_LEN + 1], pw2[PASSWORD_BULK_TEMP_LEN + 1];
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_issue_bulk_temp(pw, sizeof(pw), h1, sizeof(h1)), SK_OK);
	assert_int_equal(password_issue_bulk_temp(pw2, sizeof(pw2), h2, sizeof(h2)), SK_OK);
	assert_int_equal(strlen(pw), PASSWORD_BULK_TEMP_LEN);
	assert_string_not_equal(pw, pw2);
	assert_int_equal(strlen(h1), 8 + 32 + 1 + 64);
	assert_memory_equal(h1, "$sktmp1$", 8);
	assert_int_equal(h1[8 + 32], '$');
	assert_int_equal(strspn(h1 + 8, "0123456789abcdef"), 32);
	assert_int_equal(strspn(h1 + 8 + 33, "0123456789abcdef"), 64);
	assert_memory_not_equal(h1 + 8, h2 + 8, 32);   /* a salt per hash */
	assert_true(password_is_bulk_temp_hash(h1));
	assert_int_equal(password_verify_user(pw, h1, 1), SK_OK);
	assert_int_equal(password_verify_user(pw2, h1, 1), SK_ERR_DENIED);
	assert_int_equal(password_verify_user(pw2, h2, 1), SK_OK);
	/* Not for an account whose password is not temporary, nor for password_verify. */
	assert_int_equal(password_verify_user(pw, h1, 0), SK_ERR_PROTO);
	assert_int_equal(password_verify(pw, h1), SK_ERR_PROTO);
	/* One character changed, the password cut, a malformed hash. */
	pw[0] = pw[0] == 'a' ? 'b' : 'a';
	assert_int_equal(password_verify_user(pw, h1, 1), SK_ERR_DENIED);
	pw2[PASSWORD_BULK_TEMP_LEN - 1] = '\0';
	assert_int_equal(password_verify_user(pw2, h2, 1), SK_ERR_DENIED);
	h2[8 + 32] = 'x';
	assert_int_equal(password_verify_user("x", h2, 1), SK_ERR_PROTO);
	h1[strlen(h1) - 1] = '\0';
	assert_int_equal(password_verify_user("x", h1, 1), SK_ERR_PROTO);
	/* A buffer too small for the hash is refused. */
	assert_int_equal(password_issue_bulk_temp(pw, sizeof(pw), h1, 64), SK_ERR_RANGE);
	assert_int_equal(password_hash("Kz7#mQ2vRw9!", h1, sizeof(h1)), SK_OK);
	assert_memory_equal(h1, "$y$j9T$", 7);
	assert_int_equal(password_verify_user("Kz7#mQ2vRw9!", h1, 1), SK_OK);
	assert_int_equal(password_verify_user("Kz7#mQ2vRw9!", h1, 0), SK_OK);
}

/* R-INPUT-1: longer than PASSWORD_MAX bytes is refused, never truncated; exactly
 * PASSWORD_MAX is accepted. */
static void
test_overlong_refused(void **state)
{
	char pw[PASSWORD_MAX + 2];
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	memset(pw, 'a', PASSWORD_MAX);
	pw[PASSWORD_MAX] = '\0';
	assert_int_equal(password_hash(pw, hash, sizeof(hash)), SK_OK);
	assert_int_equal(password_verify(pw, hash), SK_OK);

	pw[PASSWORD_MAX] = 'a';
	pw[PASSWORD_MAX + 1] = '\0';
	hash[0] = 'x';
	assert_int_equal(password_hash(pw, hash, sizeof(hash)), SK_ERR_RANGE);
	assert_int_equal(hash[0], '\0');
	/* A password that only matches after truncation must not verify. */
	assert_int_equal(password_hash("aaaa", hash, sizeof(hash)), SK_OK);
	assert_int_not_equal(password_verify(pw, hash), SK_OK);
}

/* R-INPUT-1: control characters and invalid UTF-8 are refused by hash and verify. */
static void
test_hash_bad_input_refused(void **state)
{
	static const char *const bad[] = {
		"abc\tdef", "abc\ndef", "abc\x7f" "def", "abc\xc2\x85" "def", /* C1 NEL */
		"abc\xc3\x28" "def", "abc\xc0\xaf" "def", "abc\xed\xa0\x80" "def", "abc\xe3\x81",
	};
	char hash[PASSWORD_HASH_MAX];
	char good[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", good, sizeof(good)), SK_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(password_hash(bad[i], hash, sizeof(hash)), SK_ERR_PROTO);
		assert_int_equal(password_verify(bad[i], good), SK_ERR_PROTO);
	}
	assert_int_equal(password_hash(NULL, hash, sizeof(hash)), SK_ERR_ARG);
	assert_int_equal(password_verify(NULL, good), SK_ERR_ARG);
	assert_int_equal(password_verify("x", NULL), SK_ERR_ARG);
	/* A buffer too small for the hash: refused, nothing partial left behind. */
	assert_int_equal(password_hash("Kz7#mQ2vRw9!", hash, 16), SK_ERR_RANGE);
	assert_int_equal(hash[0], '\0');
}

/* R-CRED-2/R-INPUT-1: only yescrypt hashes are accepted; a locked ("*", "!"), empty, foreign
 * scheme or tampered hash never verifies. */
static void
test_verify_refuses_other_hashes(void **state)
{
	struct crypt_data cd;
	char hash[PASSWORD_HASH_MAX];
	char sha512[PASSWORD_HASH_MAX];
	size_t len;
	(void)state;

	/* A real sha512crypt hash of the same password: valid, but not a scheme we accept. */
	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_rn("Kz7#mQ2vRw9!", "$6$abcdefghijklmnop", &cd, (int)sizeof(cd)));
	assert_memory_equal(cd.output, "$6$", 3);
	assert_true(strlen(cd.output) < sizeof(sha512));
	memcpy(sha512, cd.output, strlen(cd.output) + 1);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", sha512), SK_ERR_PROTO);

	assert_int_equal(password_verify("Kz7#mQ2vRw9!", "*"), SK_ERR_PROTO);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", "!"), SK_ERR_PROTO);
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", ""), SK_ERR_PROTO);
	assert_int_equal(password_verify("", ""), SK_ERR_PROTO);

	assert_int_equal(password_hash("Kz7#mQ2vRw9!", hash, sizeof(hash)), SK_OK);
	len = strlen(hash);

	/* Last hash character changed: denied. */
	hash[len - 1] = hash[len - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", hash), SK_ERR_DENIED);
	hash[len - 1] = '\0';
	/* Truncated: never OK. */
	assert_int_not_equal(password_verify("Kz7#mQ2vRw9!", hash), SK_OK);
	/* A character outside the crypt alphabet: refused before crypt sees it. */
	hash[len - 1] = ';';
	hash[len] = '\0';
	assert_int_equal(password_verify("Kz7#mQ2vRw9!", hash), SK_ERR_PROTO);
	/* Only the prefix: crypt fails, never OK. */
	assert_int_not_equal(password_verify("Kz7#mQ2vRw9!", "$y$"), SK_OK);
}

/* R-CRED-3: each quality verdict, one at a time. */
static void
test_quality_each_reason(void **state)
{
	char longpw[PASSWORD_MAX + 2];
	(void)state;

	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2vRw9!", &rules_12_3), PASSWORD_OK);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2vRw9", &rules_12_3),
	                 PASSWORD_TOO_SHORT);
	assert_int_equal(password_check_quality(TEST_USER, "kzqmvrwabcde", &rules_12_3),
	                 PASSWORD_TOO_FEW_CLASSES);
	assert_int_equal(password_check_quality(TEST_USER, "kzqmvrwab123", &rules_12_3),
	                 PASSWORD_TOO_FEW_CLASSES);
	assert_int_equal(password_check_quality(TEST_USER, "kzqmvrwab12#", &rules_12_3), PASSWORD_OK);
	assert_int_equal(password_check_quality(TEST_USER, "7#testclerkQ", &rules_12_3),
	                 PASSWORD_CONTAINS_USER);

	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_int_equal(password_check_quality(TEST_USER, longpw, &rules_12_3), PASSWORD_TOO_LONG);

	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\tRw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\x7fRw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\xc2\x9bRw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS); /* C1 CSI */
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\xffRw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\xe3\x81Rw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS); /* truncated 3-byte sequence */
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\xe0\x80\xafRw9!", &rules_12_3),
	                 PASSWORD_BAD_CHARS); /* overlong '/' */
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2v\xf4\x90\x80\x80Rw9!",
	                                        &rules_12_3),
	                 PASSWORD_BAD_CHARS); /* above U+10FFFF */
	/* NULL arguments fail closed. */
	assert_int_equal(password_check_quality(NULL, "Kz7#mQ2vRw9!", &rules_12_3), PASSWORD_BAD_CHARS);
	assert_int_equal(password_check_quality(TEST_USER, NULL, &rules_12_3), PASSWORD_BAD_CHARS);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2vRw9!", NULL), PASSWORD_BAD_CHARS);
}

/* R-CRED-3: min_length counts characters, not bytes, so Japanese passwords are judged by
 * what the user typed. "さくら並木Ab3" is 8 code points in 18 bytes; kana and kanji count
 * as the "other" class. */
static void
test_quality_japanese_code_points(void **state)
{
	const char *pw = "さくら並木Ab3";
	struct password_rules r8 = { .min_length = 8, .min_classes = 4, .history = 0 };
	struct password_rules r9 = { .min_length = 9, .min_classes = 1, .history = 0 };
	struct password_rules r5 = { .min_length = 5, .min_classes = 2, .history = 0 };
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	assert_int_equal(strlen(pw), 18);
	assert_int_equal(password_check_quality(TEST_USER, pw, &r8), PASSWORD_OK);
	assert_int_equal(password_check_quality(TEST_USER, pw, &r9), PASSWORD_TOO_SHORT);
	/* All kana: one class only. */
	assert_int_equal(password_check_quality(TEST_USER, "さくらなみきみち", &r5),
	                 PASSWORD_TOO_FEW_CLASSES);
	/* And the same bytes hash and verify. */
	assert_int_equal(password_hash(pw, hash, sizeof(hash)), SK_OK);
	assert_int_equal(password_verify(pw, hash), SK_OK);
	assert_int_equal(password_verify("さくら並木Ab4", hash), SK_ERR_DENIED);
}

/* R-CRED-3: the user name, forwards or reversed, in any ASCII case, is refused. */
static void
test_quality_contains_user(void **state)
{
	const struct password_rules r = { .min_length = 8, .min_classes = 2, .history = 0 };
	(void)state;

	assert_int_equal(password_check_quality(TEST_USER, "xx9testclerk!", &r), PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality(TEST_USER, "xx9TestClerk!", &r), PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality("TestClerk", "xx9TESTCLERK!", &r),
	                 PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality(TEST_USER, "krelctset#99", &r), PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality(TEST_USER, "9KrElCtSeT#9", &r), PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality(TEST_USER, "Kz7#mQ2vRw9!", &r), PASSWORD_OK);
	/* Part of the name is not the name. */
	assert_int_equal(password_check_quality(TEST_USER, "testclerQ#99", &r), PASSWORD_OK);
	/* Reversal is by character, so a Japanese name reversed is still caught. */
	assert_int_equal(password_check_quality("やまだ", "Xy7だまや99", &r), PASSWORD_CONTAINS_USER);
	assert_int_equal(password_check_quality("やまだ", "Xy7やまだ99", &r), PASSWORD_CONTAINS_USER);
	/* Names under three characters are exempt. */
	assert_int_equal(password_check_quality("jo", "jojoJOJO99!!", &r), PASSWORD_OK);
	assert_int_equal(password_check_quality("", "Kz7#mQ2vRw9!", &r), PASSWORD_OK);
	assert_int_equal(password_check_quality("abc", "xxCBA99!", &r), PASSWORD_CONTAINS_USER);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* R-CRED-1: temporary passwords are random, the right length, have every class, avoid
 * look-alikes, and pass the quality rules staff passwords must pass (R-CRED-3). */
static void
test_temp_passwords(void **state)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+-=?@";
	char (*pw)[PASSWORD_TEMP_LEN + 1];
	unsigned seen[256] = { 0 };
	char hash[PASSWORD_HASH_MAX];
	(void)state;

	pw = calloc(TEMP_COUNT, sizeof(*pw));
	assert_non_null(pw);
	for (size_t i = 0; i < TEMP_COUNT; i++) {
		int lower = 0, upper = 0, digit = 0, symbol = 0;

		assert_int_equal(password_generate_temp(pw[i], sizeof(pw[i])), SK_OK);
		assert_int_equal(strlen(pw[i]), PASSWORD_TEMP_LEN);
		for (size_t k = 0; k < PASSWORD_TEMP_LEN; k++) {
			unsigned char c = (unsigned char)pw[i][k];

			assert_null(strchr("0Oo1lI|", c));
			assert_non_null(strchr(alphabet, c));
			seen[c]++;
			if (c >= 'a' && c <= 'z')
				lower = 1;
			else if (c >= 'A' && c <= 'Z')
				upper = 1;
			else if (c >= '0' && c <= '9')
				digit = 1;
			else
				symbol = 1;
		}
		assert_true(lower && upper && digit && symbol);
		assert_int_equal(password_check_quality(TEST_USER, pw[i], &rules_12_3), PASSWORD_OK);
	}
	/* 1000 draws from ~2^96: any duplicate means the generator is broken. */
	qsort(pw, TEMP_COUNT, sizeof(*pw), cmp_str);
	for (size_t i = 1; i < TEMP_COUNT; i++)
		assert_string_not_equal(pw[i - 1], pw[i]);
	/* 16000 characters, ~240 expected per symbol: every one of the alphabet shows up. */
	for (size_t k = 0; k < sizeof(alphabet) - 1; k++)
		assert_true(seen[(unsigned char)alphabet[k]] > 0);

	/* The issued password is stored like any other. */
	assert_int_equal(password_hash(pw[0], hash, sizeof(hash)), SK_OK);
	assert_int_equal(password_verify(pw[0], hash), SK_OK);
	explicit_bzero(pw, TEMP_COUNT * sizeof(*pw));
	free(pw);
}

static void
test_temp_small_buffer(void **state)
{
	char out[PASSWORD_TEMP_LEN];
	(void)state;

	assert_int_equal(password_generate_temp(out, sizeof(out)), SK_ERR_RANGE);
	assert_int_equal(password_generate_temp(NULL, 64), SK_ERR_RANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify_roundtrip),
		cmocka_unit_test(test_wrong_password_denied),
		cmocka_unit_test(test_hash_is_yescrypt),
		cmocka_unit_test(test_hash_salted),
		cmocka_unit_test(test_r_cred_1_bulk_temp_hash_only_for_temporary),
		cmocka_unit_test(test_overlong_refused),
		cmocka_unit_test(test_hash_bad_input_refused),
		cmocka_unit_test(test_verify_refuses_other_hashes),
		cmocka_unit_test(test_quality_each_reason),
		cmocka_unit_test(test_quality_japanese_code_points),
		cmocka_unit_test(test_quality_contains_user),
		cmocka_unit_test(test_temp_passwords),
		cmocka_unit_test(test_temp_small_buffer),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
