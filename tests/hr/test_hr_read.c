/* Reading HR files: encodings (CP932 with vendor characters, UTF-8 with and without BOM),
 * line ends, quoted fields, chunk boundaries and the input bounds (R-INPUT-1). Every name
 * and number is generated (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hr.h"
#include "hr_gen.h"
#include "sk_err.h"

#define HDR HR_GEN_HEADER

static int
import(const char *text, int cp932, int bom, enum hr_encoding enc, const struct hr_limits *lim,
       struct hr_gen_collect *c, struct hr_result *res)
{
	return hr_gen_import_text(text, strlen(text), cp932, bom, enc, lim, c, res);
}

/* The refused file's only error, or the first one, must be exactly this. */
static void
expect_error(const struct hr_result *res, size_t i, unsigned long line, const char *column,
             enum hr_problem p)
{
	if (i >= res->errors_kept)
		fail_msg("error %zu missing (%zu kept)", i, res->errors_kept);
	if (res->errors[i].line != line || strcmp(res->errors[i].column, column) != 0 ||
	    res->errors[i].problem != p)
		fail_msg("error %zu: line %lu column '%s' problem %d; expected line %lu column '%s' "
		         "problem %d", i, res->errors[i].line, res->errors[i].column,
		         (int)res->errors[i].problem, line, column, (int)p);
}

static const char vendor_rows[] =
	HDR "\r\n"
	"0000001,髙﨑　花子,タカサキ　ハナコ,D001,主任①,正規職員,令和7年4月1日,採用,㈱取引先\r\n"
	"0000002,山﨑　一郎,ヤマサキ　イチロウ,D002,係長,出向,R7.4.1,出向,\r\n";

static void
test_cp932_vendor_characters(void **state)
{
	static const enum hr_encoding encs[] = { HR_ENC_CP932, HR_ENC_AUTO };
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(import(vendor_rows, 1, 0, encs[k], NULL, &c, &res), SK_OK);
		assert_int_equal(res.encoding, HR_ENC_CP932);
		assert_int_equal(res.errors_total, 0);
		assert_int_equal(c.n, 2);
		assert_int_equal(res.rows, 2);
		assert_string_equal(c.first[0].staff_no, "0000001");
		assert_string_equal(c.first[0].name, "髙﨑　花子");
		assert_string_equal(c.first[0].kana, "タカサキ　ハナコ");
		assert_string_equal(c.first[0].job, "主任①");
		assert_int_equal(c.first[0].event, HR_EV_HIRE);
		assert_int_equal(c.first[0].employment, HR_EMP_REGULAR);
		assert_int_equal(c.first[0].effective.year, 2025);
		assert_int_equal(c.first[0].line, 2);
		assert_string_equal(c.first[1].name, "山﨑　一郎");
		assert_int_equal(c.first[1].event, HR_EV_SECONDMENT);
		assert_int_equal(c.first[1].employment, HR_EMP_SECONDEE);
		hr_result_free(&res);
	}
	/* The same CP932 bytes declared UTF-8: refused at the first Japanese header. */
	assert_int_equal(import(vendor_rows, 1, 0, HR_ENC_UTF8, NULL, &c, &res), SK_ERR_PROTO);
	assert_int_equal(c.n, 0);
	expect_error(&res, 0, 1, "", HR_P_ENCODING);
	hr_result_free(&res);
}

static void
test_utf8_bom_crlf_quoted_fields(void **state)
{
	/* Line 1 header, 2 a quoted remark with a comma and quotes, 3-4 a remark with a line
	 * break, 5 a plain row, 6 blank but for spaces, 7 the last row without a final line end. */
	static const char crlf[] =
		HDR "\r\n"
		"0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\"a, \"\"b\"\"\"\r\n"
		"0000002,森野　花子,モリノ　ハナコ,D002,主事,正規職員,2025/4/1,異動,\"一行目\r\n二行目\"\r\n"
		"0000003,林田　一郎,ハヤシダ　イチロウ,D003,技師,会計年度任用職員,令和7年4月1日,休職,\r\n"
		" \t \r\n"
		"0000004,木本　美香,キモト　ミカ,D004,主事,業務委託,R7.4.1,退職,";
	char lf[sizeof(crlf)], cr[sizeof(crlf)];
	struct hr_gen_collect c;
	struct hr_result res;
	size_t o = 0;

	(void)state;
	for (size_t i = 0; crlf[i]; i++)
		if (crlf[i] != '\r')
			lf[o++] = crlf[i];
	lf[o] = '\0';
	o = 0;
	for (size_t i = 0; crlf[i]; i++)
		if (crlf[i] != '\n')
			cr[o++] = crlf[i];
	cr[o] = '\0';
	/* CRLF with BOM, LF with BOM, CRLF without BOM, lone CR (old Mac) with BOM. */
	for (int variant = 0; variant < 4; variant++) {
		const char *text = variant == 1 ? lf : variant == 3 ? cr : crlf;
		int bom = variant != 2;
		assert_int_equal(import(text, 0, bom, HR_ENC_AUTO, NULL, &c, &res), SK_OK);
		assert_int_equal(res.encoding, HR_ENC_UTF8);
		assert_int_equal(c.n, 4);
		assert_int_equal(c.first[0].line, 2);
		assert_int_equal(c.first[1].line, 3);
		assert_int_equal(c.first[2].line, 5);
		assert_int_equal(c.first[3].line, 7);
		assert_string_equal(c.first[0].staff_no, "0000001");
		assert_string_equal(c.first[3].name, "木本　美香");
		assert_int_equal(c.first[2].employment, HR_EMP_FISCAL_YEAR);
		assert_int_equal(c.first[3].employment, HR_EMP_CONTRACTOR);
		hr_result_free(&res);
	}
}

static void
test_r_input_1_newline_in_mapped_field_refused(void **state)
{
	static const char text[] =
		HDR "\n"
		"0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\n"
		"0000002,\"森野\n花子\",モリノ　ハナコ,D002,主事,正規職員,2025-04-01,採用,\n"
		"0000003,林田　一郎,ハヤシダ　イチロウ,D003,主事,正規職員,2025-04-01,採用,\n";
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	assert_int_equal(import(text, 0, 0, HR_ENC_UTF8, NULL, &c, &res), SK_ERR_PROTO);
	assert_int_equal(c.n, 0);
	assert_int_equal(res.errors_total, 1);
	expect_error(&res, 0, 3, "氏名", HR_P_CONTROL_CHAR);
	assert_string_equal(res.errors[0].value, "森野?花子");
	hr_result_free(&res);
}

/* A file whose character 髙 starts `off` bytes before the end of the first read chunk. */
static void
split_file(int cp932, int bom, size_t off, unsigned long *last_line, struct hr_gen_collect *c,
           struct hr_result *res, int *rc)
{
	struct hr_gen_writer w;
	struct hr_options opt;
	char path[512], row[1024], pad[1024];
	unsigned long i = 0, lines = 1;
	long p;
	int nl;

	assert_int_equal(hr_gen_open(&w, path, sizeof(path), cp932, bom), 0);
	assert_int_equal(hr_gen_puts(&w, HDR "\r\n"), 0);
	while (w.written < HR_READ_CHUNK - 900) {
		int k = hr_gen_row(i++, 0, row, sizeof(row), &nl);
		assert_true(k > 0);
		assert_int_equal(hr_gen_put(&w, row, (size_t)k), 0);
		assert_int_equal(hr_gen_puts(&w, "\r\n"), 0);
		lines++;
	}
	assert_int_equal(hr_gen_puts(&w, "0000000,山田　太郎,ヤマダ　タロウ,D001,主事,正規職員,"
	                                 "2025-04-01,異動,"), 0);
	p = (long)(HR_READ_CHUNK - off) - (long)w.written - 2 - (long)strlen("9999999,");
	assert_true(p >= 0 && p < 1000);
	memset(pad, 'x', (size_t)p);
	assert_int_equal(hr_gen_put(&w, pad, (size_t)p), 0);
	assert_int_equal(hr_gen_puts(&w, "\r\n9999999,"), 0);
	lines++;
	assert_int_equal(w.written, HR_READ_CHUNK - off);
	assert_int_equal(hr_gen_puts(&w, "髙﨑　花子,タカサキ　ハナコ,D009,主事,正規職員,"
	                                 "2025-04-01,採用,\r\n"), 0);
	lines++;
	assert_int_equal(hr_gen_close(&w), 0);
	memset(&opt, 0, sizeof(opt));
	opt.encoding = HR_ENC_AUTO;
	memset(c, 0, sizeof(*c));
	*rc = hr_import_file(path, &opt, hr_gen_collect_fn, c, res);
	*last_line = lines;
	unlink(path);
}

static void
test_multibyte_character_split_across_chunks(void **state)
{
	static const struct { int cp932, bom; size_t off; } cases[] = {
		{ 1, 0, 1 },       /* CP932: lead byte in chunk 1, trail byte in chunk 2 */
		{ 0, 0, 1 },       /* UTF-8: 1 of 3 bytes before the boundary */
		{ 0, 1, 2 },       /* UTF-8 with BOM: 2 of 3 bytes before it */
	};
	struct hr_gen_collect c;
	struct hr_result res;
	unsigned long line;
	int rc;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		split_file(cases[k].cp932, cases[k].bom, cases[k].off, &line, &c, &res, &rc);
		if (rc != SK_OK)
			fail_msg("case %zu: rc %d, %lu errors, first problem %d line %lu", k, rc,
			         res.errors_total, res.errors_kept ? (int)res.errors[0].problem : 0,
			         res.errors_kept ? res.errors[0].line : 0);
		assert_int_equal(res.encoding, cases[k].cp932 ? HR_ENC_CP932 : HR_ENC_UTF8);
		assert_string_equal(c.last.staff_no, "9999999");
		assert_string_equal(c.last.name, "髙﨑　花子");
		assert_int_equal(c.last.line, line);
		hr_result_free(&res);
	}
}

static void
test_auto_detection_reads_the_whole_file(void **state)
{
	struct hr_gen_collect c;
	struct hr_result res;
	char *text;
	size_t o = 0, cap = 200000;
	unsigned long nrows = 0;
	const char *ascii_row = "1234567,Test Person,,D001,clerk,regular,2025-04-01,transfer,\n";

	(void)state;
	/* ASCII only: valid UTF-8. */
	text = malloc(cap);
	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "staff_no,name,kana,department,job,employment,"
	                     "effective_date,event,note\n");
	assert_int_equal(import(text, 0, 0, HR_ENC_AUTO, NULL, &c, &res), SK_OK);
	assert_int_equal(res.encoding, HR_ENC_UTF8);
	hr_result_free(&res);
	/* 100 KB of ASCII rows, then one Japanese row: only the end tells it is CP932. */
	while (o < 100000) {
		memcpy(text + o, ascii_row, strlen(ascii_row));
		o += strlen(ascii_row);
		nrows++;
	}
	o += (size_t)snprintf(text + o, cap - o,
	                      "7654321,髙田　花子,タカダ　ハナコ,D002,主事,正規職員,令和7年4月1日,採用,\n");
	text[o] = '\0';
	assert_int_equal(import(text, 1, 0, HR_ENC_AUTO, NULL, &c, &res), SK_OK);
	assert_int_equal(res.encoding, HR_ENC_CP932);
	assert_string_equal(c.last.name, "髙田　花子");
	hr_result_free(&res);
	/* The same as UTF-8 without BOM: UTF-8. */
	assert_int_equal(import(text, 0, 0, HR_ENC_AUTO, NULL, &c, &res), SK_OK);
	assert_int_equal(res.encoding, HR_ENC_UTF8);
	assert_string_equal(c.last.name, "髙田　花子");
	assert_int_equal(c.last.line, 1 + nrows + 1);
	assert_int_equal(c.n, nrows + 1);
	hr_result_free(&res);
	free(text);
}

static void
test_r_input_1_bom_with_cp932_refused(void **state)
{
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	assert_int_equal(import(vendor_rows, 0, 1, HR_ENC_CP932, NULL, &c, &res), SK_ERR_PROTO);
	assert_int_equal(c.n, 0);
	expect_error(&res, 0, 1, "", HR_P_BOM_NOT_CP932);
	hr_result_free(&res);
}

static void
test_r_input_1_invalid_bytes_refused(void **state)
{
	static const struct { const char *bad; int cp932; enum hr_encoding enc; const char *shown; } cases[] = {
		{ "\xff", 0, HR_ENC_UTF8, "0xFF" },
		{ "\xc0\xaf", 0, HR_ENC_UTF8, "0xC0 0xAF" },              /* overlong '/' */
		{ "\xed\xa0\x80", 0, HR_ENC_UTF8, "0xED 0xA0 0x80" },     /* surrogate */
		{ "\xf4\x90\x80\x80", 0, HR_ENC_UTF8, "0xF4 0x90 0x80 0x80" }, /* > U+10FFFF */
	};
	struct hr_gen_collect c;
	struct hr_result res;
	char text[1024];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(text, sizeof(text), HDR "\n"
		         "0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\n"
		         "0000002,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,x%sy\n",
		         cases[k].bad);
		assert_int_equal(import(text, 0, 0, cases[k].enc, NULL, &c, &res), SK_ERR_PROTO);
		assert_int_equal(c.n, 0);
		expect_error(&res, 0, 3, "備考", HR_P_ENCODING);
		if (strncmp(res.errors[0].value, cases[k].shown, strlen(cases[k].shown)) != 0)
			fail_msg("case %zu: shown '%s'", k, res.errors[0].value);
		hr_result_free(&res);
	}
}

/* Raw bytes written as they are (no conversion), read as CP932. */
static int
import_raw_cp932(const char *bytes, size_t n, struct hr_gen_collect *c, struct hr_result *res)
{
	return hr_gen_import_text(bytes, n, 0, 0, HR_ENC_CP932, NULL, c, res);
}

static void
test_r_input_1_invalid_cp932_refused(void **state)
{
	/* 職員番号 etc. in ASCII headers; 0x85 0x40 is an unassigned CP932 code. */
	static const char unassigned[] = "staff_no,name,effective_date,event\r\n"
	                                 "0000001,ab,2025-04-01,leave\r\n"
	                                 "0000002,a\x85\x40,2025-04-01,leave\r\n";
	static const char truncated[] = "staff_no,name,effective_date,event\r\n"
	                                "0000001,ab,2025-04-01,leave\r\n"
	                                "0000002,ab,2025-04-01,leave\x88";
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	assert_int_equal(import_raw_cp932(unassigned, sizeof(unassigned) - 1, &c, &res),
	                 SK_ERR_PROTO);
	expect_error(&res, 0, 3, "name", HR_P_ENCODING);
	assert_string_equal(res.errors[0].value, "0x85 0x40 0x2C 0x32");
	hr_result_free(&res);
	/* A lead byte at the very end of the file: an incomplete character. */
	assert_int_equal(import_raw_cp932(truncated, sizeof(truncated) - 1, &c, &res),
	                 SK_ERR_PROTO);
	expect_error(&res, 0, 3, "event", HR_P_ENCODING);
	assert_int_equal(c.n, 0);
	hr_result_free(&res);
}

static void
test_r_input_1_bounds(void **state)
{
	struct hr_gen_collect c;
	struct hr_result res;
	struct hr_limits lim;
	char *text = malloc(8192), *long_field = malloc(2001);
	size_t o;

	(void)state;
	assert_non_null(text);
	assert_non_null(long_field);
	memset(long_field, 'z', 2000);
	long_field[2000] = '\0';

	/* A field over max_field_bytes (1024 by default): that row, that column. */
	snprintf(text, 8192, HDR "\n"
	         "0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,%s\n"
	         "0000002,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\n",
	         long_field);
	assert_int_equal(import(text, 0, 0, HR_ENC_UTF8, NULL, &c, &res), SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 1);
	expect_error(&res, 0, 2, "備考", HR_P_FIELD_TOO_LONG);
	assert_int_equal(res.errors[0].n1, HR_DEFAULT_MAX_FIELD);
	assert_int_equal(c.n, 0);
	hr_result_free(&res);

	/* An unterminated quote swallows the rest: stopped at max_row_bytes. */
	o = (size_t)snprintf(text, 8192, HDR "\n"
	                     "0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\"open\n");
	while (o < 4000)
		o += (size_t)snprintf(text + o, 8192 - o, "0000002,森野,,D001,,正規職員,2025-04-01,採用,\n");
	memset(&lim, 0, sizeof(lim));
	lim.max_row_bytes = 512;
	assert_int_equal(import(text, 0, 0, HR_ENC_UTF8, &lim, &c, &res), SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 1);
	expect_error(&res, 0, 2, "", HR_P_ROW_TOO_LONG);
	assert_int_equal(res.errors[0].n1, 512);
	assert_true(res.peak_buffer_bytes < 512 + HR_READ_CHUNK);
	hr_result_free(&res);
	/* ... and at the end of a small file it is a syntax error on the row's line. */
	assert_int_equal(import(text, 0, 0, HR_ENC_UTF8, NULL, &c, &res), SK_ERR_PROTO);
	expect_error(&res, 0, 2, "備考", HR_P_CSV_SYNTAX);
	hr_result_free(&res);

	/* More columns than max_columns. */
	memset(&lim, 0, sizeof(lim));
	lim.max_columns = 9;
	assert_int_equal(import(HDR "\n"
	                        "0000001,川田,,D001,,正規職員,2025-04-01,採用,\n"
	                        "0000002,川田,,D001,,正規職員,2025-04-01,採用,,,,\n",
	                        0, 0, HR_ENC_UTF8, &lim, &c, &res), SK_ERR_PROTO);
	expect_error(&res, 0, 3, "", HR_P_TOO_MANY_COLUMNS);
	hr_result_free(&res);

	/* Control characters: in a mapped field, and NUL in an unmapped one. */
	o = (size_t)snprintf(text, 8192, HDR "\n"
	                     "0000001,川田\x01太郎,,D001,,正規職員,2025-04-01,採用,\n"
	                     "0000002,川田,,D001,,正規職員,2025-04-01,採用,a");
	text[o++] = '\0';
	memcpy(text + o, "b\n", 3);
	o += 2;
	assert_int_equal(hr_gen_import_text(text, o, 0, 0, HR_ENC_UTF8, NULL, &c, &res),
	                 SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 2);
	expect_error(&res, 0, 2, "氏名", HR_P_CONTROL_CHAR);
	assert_string_equal(res.errors[0].value, "川田?太郎");
	expect_error(&res, 1, 3, "備考", HR_P_CONTROL_CHAR);
	hr_result_free(&res);

	/* Malformed quoting in strict mode. */
	assert_int_equal(import(HDR "\n"
	                        "0000001,川田,,D001,,正規職員,2025-04-01,採用,\n"
	                        "0000002,\"川田\"x,,D001,,正規職員,2025-04-01,採用,\n",
	                        0, 0, HR_ENC_UTF8, NULL, &c, &res), SK_ERR_PROTO);
	expect_error(&res, 0, 3, "氏名", HR_P_CSV_SYNTAX);
	hr_result_free(&res);
	free(text);
	free(long_field);
}

static void
test_sha256_is_of_the_file_bytes(void **state)
{
	struct hr_gen_collect c;
	struct hr_result res;
	unsigned char want[32];
	unsigned int len = 0;
	char hex[65];
	char *cp932 = NULL;
	size_t n = 0;
	FILE *f;
	char path[512];
	struct hr_gen_writer w;

	(void)state;
	/* The bytes as stored: write the CP932 file, read it back raw, hash it here. */
	assert_int_equal(hr_gen_open(&w, path, sizeof(path), 1, 0), 0);
	assert_int_equal(hr_gen_puts(&w, vendor_rows), 0);
	assert_int_equal(hr_gen_close(&w), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	cp932 = malloc(4096);
	assert_non_null(cp932);
	n = fread(cp932, 1, 4096, f);
	fclose(f);
	assert_int_equal(EVP_Digest(cp932, n, want, &len, EVP_sha256(), NULL), 1);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", want[i]);
	{
		struct hr_options opt = { .encoding = HR_ENC_AUTO };
		assert_int_equal(hr_import_file(path, &opt, hr_gen_collect_fn, &c, &res), SK_OK);
	}
	assert_memory_equal(res.sha256, want, 32);
	assert_string_equal(res.sha256_hex, hex);
	hr_result_free(&res);
	/* A refused file has its hash too (the whole file, not just up to the error). */
	assert_int_equal(import_raw_cp932(cp932, n, &c, &res), SK_OK);
	hr_result_free(&res);
	cp932[n - 3] = '\x85';     /* an unassigned code in the last row */
	cp932[n - 2] = '\x40';
	assert_int_equal(import_raw_cp932(cp932, n, &c, &res), SK_ERR_PROTO);
	assert_int_equal(EVP_Digest(cp932, n, want, &len, EVP_sha256(), NULL), 1);
	assert_memory_equal(res.sha256, want, 32);
	hr_result_free(&res);
	unlink(path);
	free(cp932);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp932_vendor_characters),
		cmocka_unit_test(test_utf8_bom_crlf_quoted_fields),
		cmocka_unit_test(test_r_input_1_newline_in_mapped_field_refused),
		cmocka_unit_test(test_multibyte_character_split_across_chunks),
		cmocka_unit_test(test_auto_detection_reads_the_whole_file),
		cmocka_unit_test(test_r_input_1_bom_with_cp932_refused),
		cmocka_unit_test(test_r_input_1_invalid_bytes_refused),
		cmocka_unit_test(test_r_input_1_invalid_cp932_refused),
		cmocka_unit_test(test_r_input_1_bounds),
		cmocka_unit_test(test_sha256_is_of_the_file_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
