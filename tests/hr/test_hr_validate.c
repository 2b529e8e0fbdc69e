/* Validating HR rows: dates in Western and era form, staff numbers with full-width digits,
 * keywords, per-event requirements, the all-or-nothing result with every error named by
 * line and column, the messages in English and Japanese, and the event identity. Generated
 * data only (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hr.h"
#include "hr_gen.h"
#include "sk_err.h"
#include "sk_i18n.h"

#define HDR HR_GEN_HEADER

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

static int
import(const char *text, struct hr_gen_collect *c, struct hr_result *res)
{
	return hr_gen_import_text(text, strlen(text), 0, 0, HR_ENC_UTF8, NULL, c, res);
}

static void
test_dates_western_and_era(void **state)
{
	static const struct { const char *s; int rc, y, m, d; } cases[] = {
		{ "2025-04-01", 0, 2025, 4, 1 },
		{ "2025/4/1", 0, 2025, 4, 1 },
		{ "2025.04.01", 0, 2025, 4, 1 },
		{ "2025年4月1日", 0, 2025, 4, 1 },
		{ "２０２５／０４／０１", 0, 2025, 4, 1 },
		{ " 2025-04-01　", 0, 2025, 4, 1 },
		{ "令和7年4月1日", 0, 2025, 4, 1 },
		{ "令和７年４月１日", 0, 2025, 4, 1 },
		{ "R7.4.1", 0, 2025, 4, 1 },
		{ "r07/04/01", 0, 2025, 4, 1 },
		{ "Ｒ７．４．１", 0, 2025, 4, 1 },
		/* The Heisei/Reiwa boundary. */
		{ "平成31年4月30日", 0, 2019, 4, 30 },
		{ "H31.4.30", 0, 2019, 4, 30 },
		{ "平成31年5月1日", HR_P_DATE_ERA, 0, 0, 0 },
		{ "H31.5.1", HR_P_DATE_ERA, 0, 0, 0 },
		{ "令和元年5月1日", 0, 2019, 5, 1 },
		{ "令和1年5月1日", 0, 2019, 5, 1 },
		{ "R1.5.1", 0, 2019, 5, 1 },
		{ "令和元年4月30日", HR_P_DATE_ERA, 0, 0, 0 },
		/* The Showa/Heisei boundary. */
		{ "昭和64年1月7日", 0, 1989, 1, 7 },
		{ "昭和64年1月8日", HR_P_DATE_ERA, 0, 0, 0 },
		{ "平成元年1月8日", 0, 1989, 1, 8 },
		{ "平成元年1月7日", HR_P_DATE_ERA, 0, 0, 0 },
		/* Days that do not exist, ranges, malformed forms. */
		{ "2024-02-29", 0, 2024, 2, 29 },
		{ "2025-02-29", HR_P_DATE, 0, 0, 0 },
		{ "2100-02-29", HR_P_DATE, 0, 0, 0 },
		{ "2000-02-29", 0, 2000, 2, 29 },
		{ "2025-13-01", HR_P_DATE, 0, 0, 0 },
		{ "2025-04-31", HR_P_DATE, 0, 0, 0 },
		{ "2025-00-10", HR_P_DATE, 0, 0, 0 },
		{ "令和0年5月1日", HR_P_DATE, 0, 0, 0 },
		{ "1899-12-31", HR_P_DATE_RANGE, 0, 0, 0 },
		{ "2200-01-01", HR_P_DATE_RANGE, 0, 0, 0 },
		{ "2025-04/01", HR_P_DATE, 0, 0, 0 },
		{ "2025-04-01x", HR_P_DATE, 0, 0, 0 },
		{ "25-04-01", HR_P_DATE, 0, 0, 0 },
		{ "令和7年4月1", HR_P_DATE, 0, 0, 0 },
		{ "大正15年1月1日", HR_P_DATE, 0, 0, 0 },
		{ "X7.4.1", HR_P_DATE, 0, 0, 0 },
		{ "", HR_P_DATE, 0, 0, 0 },
		{ "20250401", HR_P_DATE, 0, 0, 0 },
	};
	struct hr_date d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		memset(&d, 0, sizeof(d));
		rc = hr_parse_date(cases[i].s, &d);
		if (rc != cases[i].rc)
			fail_msg("'%s': %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc == 0 && (d.year != cases[i].y || d.month != cases[i].m || d.day != cases[i].d))
			fail_msg("'%s': %04d-%02d-%02d", cases[i].s, d.year, d.month, d.day);
	}
}

static void
test_staff_numbers_full_width_normalised(void **state)
{
	static const struct { const char *s; int ok; const char *want; } cases[] = {
		{ "0012345", 1, "0012345" },
		{ "００１２３４５", 1, "0012345" },
		{ "00１2３45", 1, "0012345" },
		{ "　１２３　", 1, "123" },
		{ "１２３４５６７８９０１２３４５６", 1, "1234567890123456" },
		{ "12345678901234567", 0, NULL },
		{ "12a45", 0, NULL },
		{ "12-45", 0, NULL },
		{ "１２３ ４", 0, NULL },
		{ "一二三", 0, NULL },
		{ "", 0, NULL },
	};
	char out[HR_STAFF_NO_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = hr_parse_staff_no(cases[i].s, strlen(cases[i].s), out);
		if ((rc == 0) != cases[i].ok)
			fail_msg("'%s': %d", cases[i].s, rc);
		if (rc == 0)
			assert_string_equal(out, cases[i].want);
	}
}

static void
test_event_and_employment_keywords(void **state)
{
	static const struct { const char *s; enum hr_event ev; } evs[] = {
		{ "採用", HR_EV_HIRE }, { "異動", HR_EV_TRANSFER }, { "出向", HR_EV_SECONDMENT },
		{ "休職", HR_EV_LEAVE }, { "復職", HR_EV_RETURN }, { "退職", HR_EV_RETIREMENT },
		{ "Hire", HR_EV_HIRE }, { "ＲＥＴＩＲＥＭＥＮＴ", HR_EV_RETIREMENT },
		{ " return ", HR_EV_RETURN },
	};
	static const struct { const char *s; enum hr_employment emp; } emps[] = {
		{ "正規職員", HR_EMP_REGULAR }, { "会計年度任用職員", HR_EMP_FISCAL_YEAR },
		{ "委託", HR_EMP_CONTRACTOR }, { "業務委託", HR_EMP_CONTRACTOR },
		{ "出向", HR_EMP_SECONDEE }, { "fiscal-year", HR_EMP_FISCAL_YEAR },
		{ "Contractor", HR_EMP_CONTRACTOR },
	};
	enum hr_event ev;
	enum hr_employment emp;

	(void)state;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		assert_int_equal(hr_parse_event(evs[i].s, &ev), 0);
		assert_int_equal(ev, evs[i].ev);
	}
	for (size_t i = 0; i < sizeof(emps) / sizeof(emps[0]); i++) {
		assert_int_equal(hr_parse_employment(emps[i].s, &emp), 0);
		assert_int_equal(emp, emps[i].emp);
	}
	assert_int_equal(hr_parse_event("転勤", &ev), HR_P_EVENT);
	assert_int_equal(hr_parse_event("hired", &ev), HR_P_EVENT);
	assert_int_equal(hr_parse_employment("臨時", &emp), HR_P_EMPLOYMENT);
	assert_string_equal(hr_event_keyword(HR_EV_RETIREMENT), "retirement");
	assert_string_equal(hr_employment_keyword(HR_EMP_FISCAL_YEAR), "fiscal-year");
}

/* n generated CP932 rows; row `bad` (if < n) gets a date after the end of Heisei. */
static int
big_file(unsigned long n, unsigned long bad, struct hr_gen_collect *c, struct hr_result *res,
         unsigned long *bad_line)
{
	struct hr_gen_writer w;
	struct hr_options opt;
	char path[512], row[1024];
	unsigned long line = 1;
	int rc, nl;

	assert_int_equal(hr_gen_open(&w, path, sizeof(path), 1, 0), 0);
	assert_int_equal(hr_gen_puts(&w, HDR "\r\n"), 0);
	for (unsigned long i = 0; i < n; i++) {
		int k = hr_gen_row(i, 1, row, sizeof(row), &nl);
		assert_true(k > 0);
		line++;
		if (i == bad) {
			char *date = strstr(row, i % 4 == 0 ? "2025-" : i % 4 == 1 ? "令和7年" :
			                                   i % 4 == 2 ? "R7." : "2025/");
			char *end;
			assert_non_null(date);
			end = strchr(date, ',');
			assert_non_null(end);
			char copy[1024];
			memcpy(copy, row, sizeof(copy));
			k = snprintf(row, sizeof(row), "%.*s平成31年5月1日%s", (int)(date - row), copy,
			             copy + (end - row));
			*bad_line = line;
		}
		assert_int_equal(hr_gen_put(&w, row, (size_t)k), 0);
		assert_int_equal(hr_gen_puts(&w, "\r\n"), 0);
		line += (unsigned long)nl;
	}
	assert_int_equal(hr_gen_close(&w), 0);
	memset(&opt, 0, sizeof(opt));
	opt.encoding = HR_ENC_AUTO;
	memset(c, 0, sizeof(*c));
	rc = hr_import_file(path, &opt, hr_gen_collect_fn, c, res);
	unlink(path);
	return rc;
}

static void
test_r_input_1_one_bad_row_in_10000_refuses_the_file(void **state)
{
	struct hr_gen_collect c;
	struct hr_result res;
	unsigned long bad_line = 0;
	size_t peak_small;

	(void)state;
	/* All valid: every record handed out, in order. */
	assert_int_equal(big_file(10000, (unsigned long)-1, &c, &res, &bad_line), SK_OK);
	assert_int_equal(res.encoding, HR_ENC_CP932);
	assert_int_equal(c.n, 10000);
	assert_int_equal(res.records, 10000);
	assert_int_equal(res.rows, 10000);
	assert_string_equal(c.first[0].staff_no, "0000001");
	assert_string_equal(c.first[3].staff_no, "0000004");     /* full-width in the file */
	assert_string_equal(c.last.staff_no, "0010000");
	assert_int_equal(res.errors_total, 0);
	/* Memory does not grow with the file: libcsv's buffer is as for 100 rows. */
	{
		size_t peak_big = res.peak_buffer_bytes;
		struct hr_result small;
		hr_result_free(&res);
		assert_int_equal(big_file(100, (unsigned long)-1, &c, &small, &bad_line), SK_OK);
		peak_small = small.peak_buffer_bytes;
		hr_result_free(&small);
		assert_int_equal(peak_big, peak_small);
		assert_true(peak_big <= 4096);
	}

	/* One bad row: nothing handed out, that row named by line and column. */
	assert_int_equal(big_file(10000, 6543, &c, &res, &bad_line), SK_ERR_PROTO);
	assert_int_equal(c.n, 0);
	assert_int_equal(res.records, 0);
	assert_int_equal(res.rows, 10000);
	assert_int_equal(res.errors_total, 1);
	assert_true(bad_line > 6543 + 1);       /* rows with quoted line breaks come before it */
	expect_error(&res, 0, bad_line, "発令日", HR_P_DATE_ERA);
	assert_string_equal(res.errors[0].value, "平成31年5月1日");
	hr_result_free(&res);
}

static void
test_every_error_listed_with_line_and_column(void **state)
{
	static const char text[] =
		HDR "\n"
		"0000001,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,採用,\n"   /* 2 ok */
		"12a4,川田　太郎,カワダ　タロウ,D001,主事,正規職員,2025-04-01,転勤,\n"      /* 3 */
		"0000003,,かわだ,D001,主事,正規職員,2025-04-01,採用,\n"                    /* 4 */
		"0000004,森野　花子,,D 01,主事,臨時,2025-02-30,異動,\n"                   /* 5 */
		"0000005,森野　花子,,D001,主事\n"                                          /* 6 */
		"0000006,森野　花子,,,主事,正規職員,2025-04-01,異動,\n"                    /* 7 */
		"0000007,,,,,,令和7年4月1日,退職,\n";                                     /* 8 ok */
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	assert_int_equal(import(text, &c, &res), SK_ERR_PROTO);
	assert_int_equal(c.n, 0);
	assert_int_equal(res.rows, 7);
	assert_int_equal(res.errors_total, 9);
	expect_error(&res, 0, 3, "異動区分", HR_P_EVENT);
	expect_error(&res, 1, 3, "職員番号", HR_P_STAFF_NO);
	expect_error(&res, 2, 4, "氏名カナ", HR_P_KANA);
	expect_error(&res, 3, 4, "氏名", HR_P_REQUIRED);
	expect_error(&res, 4, 5, "発令日", HR_P_DATE);
	expect_error(&res, 5, 5, "所属コード", HR_P_DEPT);
	expect_error(&res, 6, 5, "雇用区分", HR_P_EMPLOYMENT);
	expect_error(&res, 7, 6, "", HR_P_FIELD_COUNT);
	assert_int_equal(res.errors[7].n1, 5);
	assert_int_equal(res.errors[7].n2, 9);
	expect_error(&res, 8, 7, "所属コード", HR_P_REQUIRED);     /* a transfer needs one */
	assert_string_equal(res.errors[0].value, "転勤");
	hr_result_free(&res);

	/* A hire needs a name, a department and an employment type even without the columns. */
	assert_int_equal(import("職員番号,発令日,異動区分\n0000006,2025-04-01,採用\n", &c, &res),
	                 SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 3);
	expect_error(&res, 0, 2, "氏名", HR_P_REQUIRED);
	expect_error(&res, 1, 2, "所属コード", HR_P_REQUIRED);
	expect_error(&res, 2, 2, "雇用区分", HR_P_REQUIRED);
	hr_result_free(&res);
}

static void
test_header_mapping(void **state)
{
	static const char english[] =
		"Staff_No,Name,Kana,Department,Job,Employment,Effective_Date,Event\n"
		"０００１２,Test Person,テスト,D7,clerk,contractor,2025/10/1,hire\n";
	struct hr_mapping custom = hr_mapping_default;
	struct hr_options opt;
	struct hr_gen_collect c;
	struct hr_result res;
	char path[512];
	struct hr_gen_writer w;

	(void)state;
	assert_int_equal(import(english, &c, &res), SK_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.first[0].staff_no, "00012");
	assert_int_equal(c.first[0].employment, HR_EMP_CONTRACTOR);
	assert_int_equal(c.first[0].effective.month, 10);
	hr_result_free(&res);

	/* A required column missing: one error naming it, rows not examined. */
	assert_int_equal(import("職員番号,氏名,異動区分\n1,a,採用\n2,b,hire\n", &c, &res),
	                 SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 1);
	expect_error(&res, 0, 1, "発令日", HR_P_HEADER_MISSING);
	hr_result_free(&res);
	/* Two columns for one field. */
	assert_int_equal(import("職員番号,staff_no,発令日,異動区分\n1,1,2025-04-01,休職\n", &c, &res),
	                 SK_ERR_PROTO);
	expect_error(&res, 0, 1, "staff_no", HR_P_HEADER_DUPLICATE);
	hr_result_free(&res);
	/* An empty file has no header; a header alone is a valid file with no changes. */
	assert_int_equal(import("", &c, &res), SK_ERR_PROTO);
	expect_error(&res, 0, 0, "", HR_P_EMPTY_FILE);
	hr_result_free(&res);
	assert_int_equal(import(HDR "\r\n\r\n", &c, &res), SK_OK);
	assert_int_equal(c.n, 0);
	hr_result_free(&res);

	/* A site's own header names through the mapping. */
	custom.header[HR_F_STAFF_NO][0] = "社員番号";
	custom.header[HR_F_STAFF_NO][1] = NULL;
	assert_int_equal(hr_gen_open(&w, path, sizeof(path), 0, 0), 0);
	assert_int_equal(hr_gen_puts(&w, "社員番号,発令日,異動区分\n0042,R7.4.1,休職\n"), 0);
	assert_int_equal(hr_gen_close(&w), 0);
	memset(&opt, 0, sizeof(opt));
	opt.mapping = &custom;
	memset(&c, 0, sizeof(c));
	assert_int_equal(hr_import_file(path, &opt, hr_gen_collect_fn, &c, &res), SK_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.first[0].staff_no, "0042");
	hr_result_free(&res);
	unlink(path);
}

static void
test_errors_counted_beyond_the_kept_list(void **state)
{
	char *text = malloc(65536);
	size_t o;
	struct hr_limits lim = { .max_errors_kept = 10 };
	struct hr_gen_collect c;
	struct hr_result res;

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, 65536, "%s\n", HDR);
	for (int i = 0; i < 50; i++)
		o += (size_t)snprintf(text + o, 65536 - o, "%d,,,,,,2025-04-01,転勤,\n", i + 1);
	assert_int_equal(hr_gen_import_text(text, o, 0, 0, HR_ENC_UTF8, &lim, &c, &res),
	                 SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 50);
	assert_int_equal(res.errors_kept, 10);
	expect_error(&res, 9, 11, "異動区分", HR_P_EVENT);
	hr_result_free(&res);
	free(text);
}

static void
test_event_identity_is_stable_across_forms(void **state)
{
	static const char a[] = HDR "\n0000123,川田　太郎,,D001,,正規職員,2025-04-01,退職,\n";
	static const char b[] = "異動区分,発令日,職員番号,備考\n"
	                        "\n退職,令和7年4月1日,０００01２３,\"x\ny\"\n";
	unsigned char want[32];
	unsigned int len = 0;
	static const char in[] = "sekimori-hr-event-v1\n0000123\nretirement\n2025-04-01";
	struct hr_gen_collect c1, c2;
	struct hr_result r1, r2;

	(void)state;
	assert_int_equal(EVP_Digest(in, strlen(in), want, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(import(a, &c1, &r1), SK_OK);
	assert_int_equal(import(b, &c2, &r2), SK_OK);
	assert_memory_equal(c1.first[0].event_id, want, 32);
	assert_memory_equal(c2.first[0].event_id, want, 32);
	assert_string_equal(c1.first[0].event_id_hex, c2.first[0].event_id_hex);
	assert_int_equal(c2.first[0].line, 3);
	/* Different files, different content hashes. */
	assert_memory_not_equal(r1.sha256, r2.sha256, 32);
	hr_result_free(&r1);
	hr_result_free(&r2);
}

struct appender {
	const char *path;
	unsigned long seen;
};

/* Appends a row to the file while the second pass reads it. */
static int
append_once(const struct hr_record *rec, void *arg)
{
	struct appender *a = arg;
	static const char more[] = "0000009,,,,,,2025-04-01,休職,\n";
	int fd;

	(void)rec;
	if (a->seen++ == 0) {
		fd = open(a->path, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, more, sizeof(more) - 1) != (ssize_t)(sizeof(more) - 1))
			return -999;
		close(fd);
	}
	return 0;
}

static int
refuse_second(const struct hr_record *rec, void *arg)
{
	struct appender *a = arg;

	(void)rec;
	return ++a->seen == 2 ? 7 : 0;
}

static void
test_file_changed_between_passes_refused(void **state)
{
	struct hr_gen_writer w;
	struct hr_result res;
	struct appender a;
	char path[512];

	(void)state;
	assert_int_equal(hr_gen_open(&w, path, sizeof(path), 0, 0), 0);
	assert_int_equal(hr_gen_puts(&w, HDR "\n0000001,,,,,,2025-04-01,休職,\n"), 0);
	assert_int_equal(hr_gen_close(&w), 0);
	a.path = path;
	a.seen = 0;
	assert_int_equal(hr_import_file(path, NULL, append_once, &a, &res), SK_ERR_PROTO);
	expect_error(&res, res.errors_kept - 1, 0, "", HR_P_FILE_CHANGED);
	hr_result_free(&res);
	unlink(path);
	/* A record callback's own refusal stops the import and is passed back. */
	assert_int_equal(hr_gen_open(&w, path, sizeof(path), 0, 0), 0);
	assert_int_equal(hr_gen_puts(&w, HDR "\n1,,,,,,2025-04-01,休職,\n2,,,,,,2025-04-01,休職,\n"
	                                 "3,,,,,,2025-04-01,休職,\n"), 0);
	assert_int_equal(hr_gen_close(&w), 0);
	a.seen = 0;
	assert_int_equal(hr_import_file(path, NULL, refuse_second, &a, &res), 7);
	assert_int_equal(a.seen, 2);
	assert_int_equal(res.records, 2);
	hr_result_free(&res);
	unlink(path);
}

static void
test_messages_in_english_and_japanese(void **state)
{
	static const char text[] = HDR "\n"
		"0000001,川田　太郎,,D001,,正規職員,平成31年5月1日,採用,\n"
		"0000002,川田　太郎,,D001,主事\n";
	struct hr_gen_collect c;
	struct hr_result res;
	const char *bin = getenv("SK_BINARY_DIR");
	char dir[1024], buf[512];

	(void)state;
	assert_non_null(bin);
	snprintf(dir, sizeof(dir), "%s/locale", bin);
	sk_i18n_init("C", dir);      /* binds the catalogue; the process stays English */
	assert_int_equal(import(text, &c, &res), SK_ERR_PROTO);
	assert_int_equal(res.errors_total, 2);

	assert_true(hr_error_format(&res.errors[0], HR_LANG_EN, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "line 2, column \"発令日\": the date \"平成31年5月1日\" is outside "
	                    "its era");
	assert_true(hr_error_format(&res.errors[0], HR_LANG_JA, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "2行目、列「発令日」: 日付「平成31年5月1日」は元号の期間外です");
	assert_true(hr_error_format(&res.errors[1], HR_LANG_EN, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "line 3: the row has 5 fields but the header row has 9");
	assert_true(hr_error_format(&res.errors[1], HR_LANG_JA, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "3行目: この行の項目数は 5 ですが、見出し行の列数は 9 です");
	/* Too small a buffer: cut, terminated, the full length reported. */
	assert_true(hr_error_format(&res.errors[0], HR_LANG_EN, buf, 8) > 8);
	assert_int_equal(strlen(buf), 7);
	hr_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_western_and_era),
		cmocka_unit_test(test_staff_numbers_full_width_normalised),
		cmocka_unit_test(test_event_and_employment_keywords),
		cmocka_unit_test(test_r_input_1_one_bad_row_in_10000_refuses_the_file),
		cmocka_unit_test(test_every_error_listed_with_line_and_column),
		cmocka_unit_test(test_header_mapping),
		cmocka_unit_test(test_errors_counted_beyond_the_kept_list),
		cmocka_unit_test(test_event_identity_is_stable_across_forms),
		cmocka_unit_test(test_file_changed_between_passes_refused),
		cmocka_unit_test(test_messages_in_english_and_japanese),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
