/* Terminal QR codes for TOTP enrolment (R-MFA-1). The rendering is parsed back into modules
 * and compared with libqrencode's own matrix, quiet zone included. The URI is generated
 * test data (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cli_qr.c belongs to the CLI executable, not to the broker library the unit tests link:
 * tests/CMakeLists.txt must add cli/ to this test's include path, its source and
 * libqrencode. Until it does, fail loudly at run time instead of breaking everyone's build. */
#if __has_include("cli_qr.h")
#define SK_HAVE_CLI_QR 1
#include <qrencode.h>

#include "cli_qr.h"
#endif
#include "sk_err.h"
#include "sk_log.h"

#ifdef SK_HAVE_CLI_QR
#define QUIET 4
#define MAX_ROWS 128
#define MAX_COLS 256

static const char uri[] =
	"otpauth://totp/%E5%BF%97%E5%92%8C%E7%94%BA%20Sekimori:test%20user"
	"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E5%BF%97%E5%92%8C%E7%94%BA%20Sekimori"
	"&algorithm=SHA1&digits=6&period=30";

/* The rendering, decoded: cells[row][col] = top | bottom << 1. */
struct grid {
	int rows, cols[MAX_ROWS];
	unsigned char cells[MAX_ROWS][MAX_COLS];
	int half_blocks;
};

static char *
render(const char *text, size_t *len)
{
	FILE *f = tmpfile();
	char *buf;
	long size;

	assert_non_null(f);
	assert_int_equal(cli_qr_print(f, text), SK_OK);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	assert_int_equal(fclose(f), 0);
	*len = (size_t)size;
	return buf;
}

/* Escape sequences have no width; each of the four cell glyphs is one column. */
static void
parse(const char *s, size_t len, struct grid *g)
{
	size_t i = 0;
	int col = 0;

	memset(g, 0, sizeof(*g));
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b) {
			assert_true(i + 1 < len && s[i + 1] == '[');
			i += 2;
			while (i < len && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
				i++;
			assert_true(i < len);
			i++;
			continue;
		}
		if (c == '\n') {
			assert_true(g->rows < MAX_ROWS);
			g->cols[g->rows++] = col;
			col = 0;
			i++;
			continue;
		}
		assert_true(g->rows < MAX_ROWS && col < MAX_COLS);
		if (c == ' ') {
			g->cells[g->rows][col++] = 0;
			i++;
			continue;
		}
		/* U+2580 upper half, U+2584 lower half, U+2588 full block; nothing else. */
		assert_true(i + 2 < len && c == 0xe2 && (unsigned char)s[i + 1] == 0x96);
		switch ((unsigned char)s[i + 2]) {
		case 0x80: g->cells[g->rows][col++] = 1; g->half_blocks++; break;
		case 0x84: g->cells[g->rows][col++] = 2; g->half_blocks++; break;
		case 0x88: g->cells[g->rows][col++] = 3; break;
		default: fail_msg("unexpected character in the QR rendering");
		}
		i += 3;
	}
	/* Every row ends with a newline: nothing dangling. */
	assert_int_equal(col, 0);
}

static int
module(const QRcode *qr, int x, int y)
{
	if (x < QUIET || y < QUIET || x >= qr->width + QUIET || y >= qr->width + QUIET)
		return 0;
	return qr->data[(y - QUIET) * qr->width + (x - QUIET)] & 1;
}

static void
check_against_libqrencode(const char *text)
{
	struct grid *g = calloc(1, sizeof(*g));
	QRcode *qr;
	size_t len;
	char *out;
	int full, r, x;

	assert_non_null(g);
	out = render(text, &len);
	parse(out, len, g);
	/* The same text through libqrencode directly: level M, 8-bit. */
	qr = QRcode_encodeData((int)strlen(text), (const unsigned char *)text, 0, QR_ECLEVEL_M);
	assert_non_null(qr);
	full = qr->width + 2 * QUIET;
	assert_int_equal(g->rows, (qr->width + 8 + 1) / 2);
	assert_true(g->half_blocks > 0);
	for (r = 0; r < g->rows; r++) {
		/* Same display width on every row: a ragged code would not scan. */
		assert_int_equal(g->cols[r], full);
		for (x = 0; x < full; x++) {
			int want = module(qr, x, 2 * r) | module(qr, x, 2 * r + 1) << 1;

			if (g->cells[r][x] != want)
				fail_msg("row %d col %d: rendered %d, want %d", r, x, g->cells[r][x], want);
		}
	}
	/* The quiet zone: the first two text rows (four modules) are all light. */
	for (x = 0; x < full; x++)
		assert_int_equal(g->cells[0][x] | g->cells[1][x], 0);
	/* Dark on light forced by colour, reset at every line end. */
	assert_non_null(strstr(out, "\x1b[30;47;107m"));
	assert_non_null(strstr(out, "\x1b[0m\n"));
	QRcode_free(qr);
	free(out);
	free(g);
}

static void
test_render_uri(void **state)
{
	(void)state;
	check_against_libqrencode(uri);
}

static void
test_render_sizes(void **state)
{
	(void)state;
	/* Version 1 (21 modules, odd row count) up to a larger version. */
	check_against_libqrencode("a");
	check_against_libqrencode("otpauth://totp/X:y?secret=GEZDGNBVGY3TQOJQ");
	{
		char big[301];

		memset(big, 'Z', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		check_against_libqrencode(big);
	}
}

static void
test_errors(void **state)
{
	static char huge[2333];
	FILE *f = tmpfile();
	FILE *ro;

	(void)state;
	assert_non_null(f);
	assert_int_equal(cli_qr_print(f, NULL), SK_ERR_ARG);
	assert_int_equal(cli_qr_print(NULL, "x"), SK_ERR_ARG);
	assert_int_equal(cli_qr_print(f, ""), SK_ERR_PROTO);
	/* 2331 bytes is the most a level-M code holds in 8-bit mode; one more cannot fit. */
	memset(huge, 'a', 2332);
	huge[2332] = '\0';
	assert_int_equal(cli_qr_print(f, huge), SK_ERR_RANGE);
	huge[2331] = '\0';
	assert_int_equal(cli_qr_print(f, huge), SK_OK);
	assert_int_equal(fclose(f), 0);
	/* A stream that cannot be written to: the error is reported, not swallowed. */
	ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	assert_int_equal(cli_qr_print(ro, uri), SK_ERR_IO);
	assert_int_equal(fclose(ro), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_uri),
		cmocka_unit_test(test_render_sizes),
		cmocka_unit_test(test_errors),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !SK_HAVE_CLI_QR */

int
main(void)
{
	fprintf(stderr, "unit_test_qr: cli/cli_qr.c is not built into this test; "
	                "see the comment at the top of tests/unit/test_qr.c\n");
	return 1;
}

#endif
