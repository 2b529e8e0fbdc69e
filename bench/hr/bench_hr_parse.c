/* bench_hr_parse [ROWS]: writes a ROWS-row (default 100,000) CP932 HR file of generated
 * data (R-TEST-1), then times the HR reader and validator on it (doc/hr-import.md):
 *   validate  - encoding detection + the validating pass (what a refused file costs)
 *   import    - the same plus the second pass handing every record to a callback
 * and reports the peak RSS after a 1,000-row file and after the big one: the reader
 * streams, so the two should be close. It measures; it asserts nothing about time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hr.h"
#include "hr_gen.h"
#include "sk_err.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
count(const struct hr_record *rec, void *arg)
{
	(void)rec;
	++*(unsigned long *)arg;
	return 0;
}

/* The generator streams too, so writing the file does not raise the peak. */
static size_t
generate(unsigned long rows, char *path, size_t pathsz)
{
	struct hr_gen_writer w;
	char row[1024];
	int nl;

	if (hr_gen_open(&w, path, pathsz, 1, 0) != 0 || hr_gen_puts(&w, HR_GEN_HEADER "\r\n") != 0) {
		fprintf(stderr, "bench_hr_parse: cannot write the file\n");
		exit(1);
	}
	for (unsigned long i = 0; i < rows; i++) {
		int k = hr_gen_row(i, 1, row, sizeof(row), &nl);
		if (k < 0 || hr_gen_put(&w, row, (size_t)k) != 0 || hr_gen_puts(&w, "\r\n") != 0) {
			fprintf(stderr, "bench_hr_parse: cannot write row %lu\n", i);
			exit(1);
		}
	}
	if (hr_gen_close(&w) != 0)
		exit(1);
	return w.written;
}

static void
run(unsigned long rows, int report)
{
	struct hr_options opt;
	struct hr_result res;
	char path[512];
	unsigned long n = 0;
	size_t bytes = generate(rows, path, sizeof(path));
	double t0, t1, t2;
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.encoding = HR_ENC_AUTO;
	t0 = now_s();
	rc = hr_import_file(path, &opt, NULL, NULL, &res);
	t1 = now_s();
	hr_result_free(&res);
	if (rc == SK_OK)
		rc = hr_import_file(path, &opt, count, &n, &res);
	t2 = now_s();
	unlink(path);
	if (rc != SK_OK || n != rows) {
		fprintf(stderr, "bench_hr_parse: import failed (%d, %lu records, %lu errors)\n", rc, n,
		        res.errors_total);
		exit(1);
	}
	if (report) {
		printf("rows                 %lu (%.1f MB CP932, %s)\n", rows, (double)bytes / 1e6,
		       hr_encoding_name(res.encoding));
		printf("validate             %.3f s  (%.0f rows/s)\n", t1 - t0, rows / (t1 - t0));
		printf("validate + records   %.3f s  (%.0f rows/s)\n", t2 - t1, rows / (t2 - t1));
		printf("libcsv buffer peak   %zu bytes\n", res.peak_buffer_bytes);
	}
	hr_result_free(&res);
}

int
main(int argc, char **argv)
{
	unsigned long rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	long small_kb, big_kb;

	if (rows == 0) {
		fprintf(stderr, "usage: bench_hr_parse [ROWS]\n");
		return 2;
	}
	run(1000, 0);
	small_kb = peak_rss_kb();
	run(rows, 1);
	big_kb = peak_rss_kb();
	printf("peak RSS             %ld kB after 1000 rows, %ld kB after %lu rows\n", small_kb,
	       big_kb, rows);
	return 0;
}
