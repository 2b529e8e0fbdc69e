/* The reader of sekimori migrate (cli/cli_migrate_parse.c): pam_oath users files and
 * google-authenticator files, with the malformed and oversized input R-INPUT-1 asks to be
 * refused. Requirement IDs: R-INPUT-1, R-CRED-2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli_migrate.h"
#include "sk_err.h"
#include "sk_test_helpers.h"

#define SEED20 "3132333435363738393031323334353637383930"   /* RFC 6238's SHA1 seed */

static void
parse_oath(const char *text, struct mig_list *l)
{
	assert_int_equal(mig_parse_oath(text, strlen(text), l), SK_OK);
}

static void
test_r_input_1_oath_types_and_fields(void **state)
{
	struct mig_list l;
	(void)state;

	parse_oath("# comment\n\n   \t\n"
	           "HOTP/T30\talice\t-\t" SEED20 "\n"
	           "HOTP/T60/8 bob 1234 " SEED20 " 0 123456 2026-12-03T10:00:00L\r\n"
	           "HOTP/E/8 carol - " SEED20 "\n"
	           "HOTP/T30/7 dave - " SEED20 "\n"
	           "TOTP erin - " SEED20 "\n"
	           "HOTP/T30 frank - 31323g\n"
	           "HOTP/T30 gina - 313233343536373839\n"
	           "HOTP/T30 -bad - " SEED20 "\n"
	           "HOTP/T30 ivan\n"
	           "HOTP/T30 jun + 3132333435363738393031323334353637383930313233343536373839303132"
	           "3334353637383930313233343536373839303132333435363738393031323334353637383930"
	           "\n", &l);
	assert_int_equal(l.n, 10);
	assert_string_equal(l.e[0].user, "alice");
	assert_int_equal(l.e[0].line, 4);
	assert_int_equal(l.e[0].why, MIG_OK);
	assert_int_equal(l.e[0].params.period, 30);
	assert_int_equal(l.e[0].params.digits, 6);
	assert_int_equal(l.e[0].seed_len, 20);
	assert_memory_equal(l.e[0].seed, "12345678901234567890", 20);
	assert_int_equal(l.e[0].notes, 0);
	assert_int_equal(l.e[1].why, MIG_OK);
	assert_int_equal(l.e[1].params.period, 60);
	assert_int_equal(l.e[1].params.digits, 8);
	assert_int_equal(l.e[1].notes, MIG_NOTE_PIN);
	assert_int_equal(l.e[2].why, MIG_HOTP);
	assert_int_equal(l.e[3].why, MIG_DIGITS);
	assert_int_equal(l.e[4].why, MIG_MALFORMED);   /* liboath knows no "TOTP" type */
	assert_string_equal(l.e[4].user, "erin");
	assert_int_equal(l.e[5].why, MIG_SEED_BAD);
	assert_int_equal(l.e[6].why, MIG_SEED_SHORT);
	assert_int_equal(l.e[7].why, MIG_USER_BAD);
	assert_string_equal(l.e[7].user, "");
	assert_int_equal(l.e[8].why, MIG_MALFORMED);
	assert_int_equal(l.e[9].why, MIG_SEED_LONG);
	/* A refused entry keeps no seed. */
	for (size_t i = 2; i < l.n; i++) {
		static const unsigned char zero[SK_TOTP_SEED_MAX];
		assert_int_equal(l.e[i].seed_len, 0);
		assert_memory_equal(l.e[i].seed, zero, sizeof(zero));
	}
	mig_list_free(&l);
}

static void
test_r_input_1_oath_duplicate_user_refused_on_every_line(void **state)
{
	struct mig_list l;
	(void)state;

	parse_oath("HOTP/T30 a - " SEED20 "\nHOTP/T30 b - " SEED20 "\nHOTP/T60 a - " SEED20 "\n",
	           &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.e[0].why, MIG_DUPLICATE);
	assert_int_equal(l.e[1].why, MIG_OK);
	assert_int_equal(l.e[2].why, MIG_DUPLICATE);
	assert_int_equal(l.e[0].seed_len, 0);
	mig_list_free(&l);
}

static void
test_r_input_1_oath_long_line_and_entry_limit(void **state)
{
	size_t cap = (MIG_ENTRIES_MAX + 2) * 64 + MIG_LINE_MAX + 64;
	char *text = malloc(cap);
	size_t n = 0;
	struct mig_list l;
	(void)state;

	assert_non_null(text);
	memset(text, 'x', MIG_LINE_MAX + 1);
	n = MIG_LINE_MAX + 1;
	text[n++] = '\n';
	text[n] = '\0';
	parse_oath(text, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].why, MIG_LINE_LONG);
	mig_list_free(&l);
	/* One token line more than the limit: the whole file is refused. */
	n = 0;
	for (int i = 0; i <= MIG_ENTRIES_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "HOTP/T30 u%d - " SEED20 "\n", i);
	assert_int_equal(mig_parse_oath(text, n, &l), SK_ERR_RANGE);
	mig_list_free(&l);
	free(text);
}

static void
test_r_input_1_ga_options(void **state)
{
	const char *good = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" RATE_LIMIT 3 30 1796303137\n"
	                   "\" WINDOW_SIZE 17\n\" STEP_SIZE 60\n\" TOTP_AUTH\n12345678\n87654321";
	struct mig_list l;
	(void)state;

	assert_int_equal(mig_parse_ga(good, strlen(good), "hanako", &l), SK_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].why, MIG_OK);
	assert_int_equal(l.e[0].params.period, 60);
	assert_int_equal(l.e[0].params.digits, 6);
	assert_int_equal(l.e[0].seed_len, 20);
	assert_int_equal(l.e[0].scratch_codes, 2);
	assert_int_equal(l.e[0].notes, MIG_NOTE_RATE_LIMIT | MIG_NOTE_WINDOW | MIG_NOTE_SCRATCH |
	                               MIG_NOTE_REUSE);
	mig_list_free(&l);

	const char *hotp = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" DISALLOW_REUSE 1\n"
	                   "\" HOTP_COUNTER 1\n";
	assert_int_equal(mig_parse_ga(hotp, strlen(hotp), "jiro", &l), SK_OK);
	assert_int_equal(l.e[0].why, MIG_HOTP);
	assert_int_equal(l.e[0].line, 3);
	assert_int_equal(l.e[0].seed_len, 0);
	mig_list_free(&l);

	const char *unknown = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" DISALLOW_REUSE\n\" NEW_THING x\n";
	assert_int_equal(mig_parse_ga(unknown, strlen(unknown), "saburo", &l), SK_OK);
	assert_int_equal(l.e[0].why, MIG_OPTION);
	assert_string_equal(l.e[0].option, "NEW_THING");
	assert_int_equal(l.e[0].line, 3);
	mig_list_free(&l);

	/* An option name that could carry anything is not echoed. */
	const char *odd = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" X%sY\n";
	assert_int_equal(mig_parse_ga(odd, strlen(odd), "saburo", &l), SK_OK);
	assert_int_equal(l.e[0].why, MIG_OPTION);
	assert_string_equal(l.e[0].option, "");
	mig_list_free(&l);
}

static void
test_r_input_1_ga_bad_secret_step_and_lines(void **state)
{
	static const struct {
		const char *text;
		const char *user;
		enum mig_why why;
		unsigned line;
	} cases[] = {
		{ "", "u", MIG_SEED_BAD, 1 },
		{ "not base32!\n", "u", MIG_SEED_BAD, 1 },
		{ "GEZDGNBVGY3TQOJQ\n", "u", MIG_SEED_SHORT, 1 },      /* 80 bits */
		{ "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" STEP_SIZE 10\n", "u", MIG_PERIOD, 2 },
		{ "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" STEP_SIZE 3x\n", "u", MIG_MALFORMED, 2 },
		{ "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\n1234567\n", "u", MIG_MALFORMED, 3 },
		{ "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n", "-x", MIG_USER_BAD, 1 },
	};
	struct mig_list l;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mig_parse_ga(cases[i].text, strlen(cases[i].text), cases[i].user, &l),
		                 SK_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.e[0].why, cases[i].why);
		assert_int_equal(l.e[0].line, cases[i].line);
		assert_int_equal(l.e[0].seed_len, 0);
		mig_list_free(&l);
	}
}

static void
test_r_input_1_read_file_bounds(void **state)
{
	char dir[512], path[700], fifo[700], *text;
	size_t len;
	FILE *f;
	(void)state;

	sk_test_mkdtemp(dir, sizeof(dir));
	sk_test_write_file(dir, "ok", "HOTP/T30 a - " SEED20 "\n", path, sizeof(path));
	assert_int_equal(mig_read_file(path, &text, &len), SK_OK);
	assert_int_equal(len, strlen("HOTP/T30 a - " SEED20 "\n"));
	mig_text_free(text, len + 1);
	/* Over the size limit. */
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i <= MIG_FILE_MAX; i++)
		fputc('#', f);
	fclose(f);
	assert_int_equal(mig_read_file(path, &text, &len), SK_ERR_RANGE);
	assert_null(text);
	/* A NUL byte: not text. */
	snprintf(path, sizeof(path), "%s/nul", dir);
	assert_non_null(f = fopen(path, "w"));
	fwrite("HOTP\0/T30", 1, 9, f);
	fclose(f);
	assert_int_equal(mig_read_file(path, &text, &len), SK_ERR_PROTO);
	/* Not a regular file: a folder, a FIFO (without hanging), nothing. */
	assert_int_equal(mig_read_file(dir, &text, &len), SK_ERR_IO);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mig_read_file(fifo, &text, &len), SK_ERR_IO);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(mig_read_file(path, &text, &len), SK_ERR_IO);
	sk_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_input_1_oath_types_and_fields),
		cmocka_unit_test(test_r_input_1_oath_duplicate_user_refused_on_every_line),
		cmocka_unit_test(test_r_input_1_oath_long_line_and_entry_limit),
		cmocka_unit_test(test_r_input_1_ga_options),
		cmocka_unit_test(test_r_input_1_ga_bad_secret_step_and_lines),
		cmocka_unit_test(test_r_input_1_read_file_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
