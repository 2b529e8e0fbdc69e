/* Strict UTF-8 and name validation for untrusted text (R-INPUT-1: malformed strings are
 * rejected). Every sequence here is written out byte by byte; no real names are used
 * (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sk_log.h"
#include "sk_proto.h"
#include "sk_utf8.h"

struct seq {
	const char *what;
	const char *s;
	size_t n;      /* 0: strlen(s) */
};

static void
expect_all(const struct seq *v, size_t count, int want)
{
	for (size_t i = 0; i < count; i++) {
		size_t n = v[i].n ? v[i].n : strlen(v[i].s);
		if (sk_utf8_valid(v[i].s, n) != want)
			fail_msg("'%s': sk_utf8_valid gave %d, expected %d", v[i].what, !want, want);
	}
}

static void
test_valid_japanese(void **state)
{
	static const struct seq ok[] = {
		{ "empty", "", 0 },
		{ "ASCII", "tanaka.hanako@example.jp", 0 },
		{ "hiragana and kanji", "この端末はマイナンバー利用事務系です。", 0 },
		{ "half-width katakana", "\xef\xbd\xb1\xef\xbd\xb2\xef\xbd\xb3", 0 },   /* ｱｲｳ */
		{ "full-width digits", "１２３４", 0 },
		{ "ideographic space U+3000", "\xe3\x80\x80", 0 },
		{ "kanji outside the BMP U+20B9F 𠮟", "\xf0\xa0\xae\x9f", 0 },
		{ "tab and newline", "line 1\n\tline 2\n", 0 },
		{ "U+0080 (smallest 2-byte)", "\xc2\x80", 0 },
		{ "U+07FF (largest 2-byte)", "\xdf\xbf", 0 },
		{ "U+0800 (smallest 3-byte)", "\xe0\xa0\x80", 0 },
		{ "U+D7FF (below the surrogates)", "\xed\x9f\xbf", 0 },
		{ "U+E000 (above the surrogates)", "\xee\x80\x80", 0 },
		{ "U+FFFD replacement character", "\xef\xbf\xbd", 0 },
		{ "U+FFFF", "\xef\xbf\xbf", 0 },
		{ "U+10000 (smallest 4-byte)", "\xf0\x90\x80\x80", 0 },
		{ "U+10FFFF (largest code point)", "\xf4\x8f\xbf\xbf", 0 },
		{ "space and tilde", " ~", 0 },
	};

	(void)state;
	expect_all(ok, sizeof(ok) / sizeof(ok[0]), 1);
	/* The length bounds the check: the invalid byte after n is not looked at. */
	assert_int_equal(sk_utf8_valid("ab\xff", 2), 1);
	assert_int_equal(sk_utf8_valid("\xe3\x81\x82\xff", 3), 1);
}

static void
test_overlongs(void **state)
{
	static const struct seq bad[] = {
		{ "2-byte '/' c0 af", "\xc0\xaf", 0 },
		{ "2-byte NUL c0 80", "\xc0\x80", 2 },
		{ "2-byte U+007F c1 bf", "\xc1\xbf", 0 },
		{ "3-byte '/' e0 80 af", "\xe0\x80\xaf", 0 },
		{ "3-byte U+07FF e0 9f bf", "\xe0\x9f\xbf", 0 },
		{ "3-byte NUL e0 80 80", "\xe0\x80\x80", 3 },
		{ "4-byte '/' f0 80 80 af", "\xf0\x80\x80\xaf", 0 },
		{ "4-byte U+FFFF f0 8f bf bf", "\xf0\x8f\xbf\xbf", 0 },
		{ "5-byte form f8 88 80 80 80", "\xf8\x88\x80\x80\x80", 0 },
		{ "6-byte form fc 84 80 80 80 80", "\xfc\x84\x80\x80\x80\x80", 0 },
	};

	(void)state;
	expect_all(bad, sizeof(bad) / sizeof(bad[0]), 0);
}

static void
test_surrogates_and_range(void **state)
{
	static const struct seq bad[] = {
		{ "U+D800", "\xed\xa0\x80", 0 },
		{ "U+DBFF", "\xed\xaf\xbf", 0 },
		{ "U+DC00", "\xed\xb0\x80", 0 },
		{ "U+DFFF", "\xed\xbf\xbf", 0 },
		{ "CESU-8 pair for U+10000", "\xed\xa0\x80\xed\xb0\x80", 0 },
		{ "U+110000 f4 90 80 80", "\xf4\x90\x80\x80", 0 },
		{ "U+13FFFF f4 bf bf bf", "\xf4\xbf\xbf\xbf", 0 },
		{ "lead f5", "\xf5\x80\x80\x80", 0 },
		{ "lead f7 (U+1FFFFF)", "\xf7\xbf\xbf\xbf", 0 },
		{ "byte fe", "\xfe", 0 },
		{ "byte ff", "\xff", 0 },
		{ "UTF-16 BOM bytes", "\xff\xfe", 0 },
	};

	(void)state;
	expect_all(bad, sizeof(bad) / sizeof(bad[0]), 0);
}

static void
test_truncated_and_stray(void **state)
{
	static const struct seq bad[] = {
		{ "2-byte lead alone", "\xc3", 0 },
		{ "3-byte with one continuation (あ cut)", "\xe3\x81", 0 },
		{ "3-byte lead alone", "\xe3", 0 },
		{ "4-byte with two continuations", "\xf0\xa0\xae", 0 },
		{ "cut at the end of good text", "日本\xe8\xaa", 0 },
		{ "lone continuation 80", "\x80", 0 },
		{ "lone continuation bf", "\xbf", 0 },
		{ "continuation after ASCII", "a\x80", 0 },
		{ "ASCII where a continuation belongs", "\xe3\x81" "a", 0 },
		{ "lead where a continuation belongs", "\xe3\xe3\x81\x82", 0 },
		{ "too many continuations", "\xc3\xa9\x80", 0 },
	};

	(void)state;
	expect_all(bad, sizeof(bad) / sizeof(bad[0]), 0);
	/* A valid sequence cut by n. */
	assert_int_equal(sk_utf8_valid("\xe3\x81\x82", 2), 0);
	assert_int_equal(sk_utf8_valid("\xf0\xa0\xae\x9f", 3), 0);
}

/* C0 controls other than tab and newline, and DEL, are refused: they could rewrite a
 * terminal line or a log record. */
static void
test_controls(void **state)
{
	char one[2] = { 0, 0 };

	(void)state;
	for (unsigned c = 0; c < 0x20; c++) {
		one[0] = (char)c;
		if (sk_utf8_valid(one, 1) != (c == '\t' || c == '\n'))
			fail_msg("control 0x%02x", c);
	}
	assert_int_equal(sk_utf8_valid("\x7f", 1), 0);
	assert_int_equal(sk_utf8_valid("ok\x1b[2Jok", 8), 0);   /* ESC: clear screen */
	assert_int_equal(sk_utf8_valid("user\rroot", 9), 0);
	assert_int_equal(sk_utf8_valid("a\0b", 3), 0);          /* embedded NUL */
	for (unsigned c = 0x20; c < 0x7f; c++) {
		one[0] = (char)c;
		if (sk_utf8_valid(one, 1) != 1)
			fail_msg("printable 0x%02x refused", c);
	}
}

static void
test_valid_username(void **state)
{
	char max[SK_USER_MAX + 1];
	static const char *ok[] = {
		"a", "tanaka", "Tanaka.Hanako", "t_suzuki", "user-01", "user@example.lg.jp", "9user",
		"a.b-c_d@e", "_svc",
	};
	static const char *bad[] = {
		"", "-rf", ".hidden", "tanaka hanako", "a/b", "../etc", "a\\b", "a:b", "a;b", "a'b",
		"a\"b", "a$b", "a*b", "a\tb", "a\nb", "田中", "ｔａｎａｋａ", "a\xc3\xa9", "a,b", "a=b",
		"a+b", "a%b", "a#b", "a(b)",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!sk_valid_username(ok[i]))
			fail_msg("user name '%s' refused", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sk_valid_username(bad[i]))
			fail_msg("user name '%s' accepted", bad[i]);
	assert_int_equal(sk_valid_username(NULL), 0);
	/* Longest: SK_USER_MAX - 1 bytes. */
	memset(max, 'u', sizeof(max));
	max[SK_USER_MAX - 1] = '\0';
	assert_int_equal(sk_valid_username(max), 1);
	max[SK_USER_MAX - 1] = 'u';
	max[SK_USER_MAX] = '\0';
	assert_int_equal(sk_valid_username(max), 0);
}

static void
test_valid_name(void **state)
{
	char max[SK_NAME_MAX + 1];
	static const char *ok[] = { "mynumber", "standard", "privileged", "sk-test", "sshd", "a",
	                            "profile_2", "0", "-", "_" };
	static const char *bad[] = { "", "MyNumber", "my number", "my.number", "my/number", "ｍｙ",
	                             "マイナンバー", "a@b", "a\n", "a\t", "a;b", "a=b", "a[b]" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!sk_valid_name(ok[i]))
			fail_msg("name '%s' refused", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sk_valid_name(bad[i]))
			fail_msg("name '%s' accepted", bad[i]);
	assert_int_equal(sk_valid_name(NULL), 0);
	memset(max, 'n', sizeof(max));
	max[SK_NAME_MAX - 1] = '\0';
	assert_int_equal(sk_valid_name(max), 1);
	max[SK_NAME_MAX - 1] = 'n';
	max[SK_NAME_MAX] = '\0';
	assert_int_equal(sk_valid_name(max), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_japanese),
		cmocka_unit_test(test_overlongs),
		cmocka_unit_test(test_surrogates_and_range),
		cmocka_unit_test(test_truncated_and_stray),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_valid_username),
		cmocka_unit_test(test_valid_name),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
