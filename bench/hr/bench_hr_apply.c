/* bench_hr_apply [ROWS [HIRES]]: the whole HR import, CLI and broker, on a generated CP932
 * file of ROWS transfers (default 100,000): `sekimori hr import --dry-run` (read + validate +
 * plan) and `sekimori hr import` (read + validate + stage + one commit), wall time, and the
 * peak RSS of the CLI and of the broker. Then a file of HIRES hires (default 10,000; each gets
 * a temporary password) with `--out PWFILE`. A program, not a test: it uses
 * the integration fixture (a real sekimorid on a temporary store, a real admin session) and
 * must run as root, like the integration tests. Synthetic data only (R-TEST-1).
 *
 * Transfers are what a large file is made of (a yearly reorganisation); their staff numbers
 * need accounts, which are written into the store directly before the broker starts (making
 * 100,000 accounts through the broker would hash 100,000 passwords). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "hr_gen.h"
#include "sk_fixture.h"

static struct sk_fixture fx;
static char out[1 << 20];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM of a process in MiB, or -1. */
static double
peak_rss_mib(pid_t pid)
{
	char path[64], line[256];
	double kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %lf kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib / 1024.0;
}

/* Seconds of the day of the record's "ts" (…THH:MM:SS.ffffffZ), or -1. */
static double
record_time(const char *line)
{
	const char *t = strstr(line, "\"ts\":\"");
	int h, m;
	double sec;

	if (t == NULL || (t = strchr(t + 6, 'T')) == NULL ||
	    sscanf(t + 1, "%d:%d:%lf", &h, &m, &sec) != 3)
		return -1;
	return h * 3600.0 + m * 60.0 + sec;
}

/* The commit's span in the audit log: from its first hr.* record to its admin.hr_import
 * record (the broker's own clock), for the import whose records come after offset. */
static double
commit_span(long offset)
{
	char path[700], line[9000];
	double first = -1, last = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	if ((f = fopen(path, "r")) == NULL || fseek(f, offset, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (first < 0 && strstr(line, "\"event\":\"hr.") != NULL)
			first = record_time(line);
		if (strstr(line, "\"event\":\"admin.hr_import\"") != NULL)
			last = record_time(line);
	}
	fclose(f);
	return first < 0 || last < 0 ? -1 : last - first;
}

static long
log_size(void)
{
	char path[700];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0) {
		if (f != NULL)
			fclose(f);
		return 0;
	}
	n = ftell(f);
	fclose(f);
	return n;
}

static void
seed_accounts(unsigned long rows)
{
	char path[700], sql[256];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/state/sekimori.db", fx.dir);
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, "BEGIN", NULL, NULL, NULL))
		exit(1);
	for (unsigned long i = 0; i < rows; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO users(name, profile, created, hr_staff_no)"
		         " VALUES('b%lu', 'mynumber', 1000, '%lu')", 1000000 + i, 1000000 + i);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			exit(1);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		exit(1);
	sqlite3_close(db);
}

/* ROWS rows of event (transfers: accounts 1000000..; hires: staff numbers 2000000..). */
static void
write_file(char *path, size_t n, unsigned long rows, int hires)
{
	struct hr_gen_writer w;
	char row[256];

	if (hr_gen_open(&w, path, n, 1, 0) != 0 ||
	    hr_gen_puts(&w, "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\r\n"))
		exit(1);
	for (unsigned long i = 0; i < rows; i++) {
		snprintf(row, sizeof(row), "%lu,生成%lu,セイセイ,D-%lu,係員,会計年度任用職員,"
		         "令和7年4月1日,%s\r\n", (hires ? 2000000 : 1000000) + i, i, i % 97,
		         hires ? "採用" : "異動");
		if (hr_gen_puts(&w, row) != 0)
			exit(1);
	}
	if (hr_gen_close(&w) != 0)
		exit(1);
}

static double
timed_cli(const char *args, int *rc)
{
	double t0 = now_s();

	*rc = skfx_cli(&fx, args, NULL, out, sizeof(out));
	return now_s() - t0;
}

int
main(int argc, char **argv)
{
	unsigned long rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	unsigned long hires = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	char path[700], args[1600], pwfile[700];
	struct rusage ru;
	double t_dry, t_imp, t_hire, span;
	long off;
	int rc_dry, rc_imp, rc_hire;

	setenv("SK_SEKIMORID", SK_BENCH_SEKIMORID, 0);
	setenv("SK_CLI", SK_BENCH_CLI, 0);
	setenv("SK_PAM_MODULE", SK_BENCH_PAM_MODULE, 0);
	setenv("SK_BINARY_DIR", SK_BENCH_BINARY_DIR, 0);
	setenv("SK_SOURCE_DIR", SK_BENCH_SOURCE_DIR, 0);
	skfx_start(&fx, "C", "hr_check_interval = 3600\n[profile mynumber]\n"
	           "methods = password, totp\n");
	skfx_stop_broker(&fx);
	seed_accounts(rows);
	skfx_restart(&fx);
	write_file(path, sizeof(path), rows, 0);

	snprintf(args, sizeof(args), "hr import %s --dry-run > /dev/null", path);
	t_dry = timed_cli(args, &rc_dry);
	snprintf(args, sizeof(args), "--json hr import %s", path);
	off = log_size();
	t_imp = timed_cli(args, &rc_imp);
	span = commit_span(off);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("rows: %lu transfers, CP932, file %s\n", rows, path);
	printf("| step | exit | wall s | rows/s |\n|---|---|---|---|\n");
	printf("| hr import --dry-run (read, validate, plan) | %d | %.2f | %.0f |\n", rc_dry, t_dry,
	       (double)rows / t_dry);
	printf("| hr import (read, validate, stage, commit) | %d | %.2f | %.0f |\n", rc_imp, t_imp,
	       (double)rows / t_imp);
	printf("of it, the commit (first hr.* record to admin.hr_import): %.2f s\n", span);
	printf("peak RSS: largest child (the CLI) %.1f MiB, broker %.1f MiB\n",
	       (double)ru.ru_maxrss / 1024.0, peak_rss_mib(fx.broker));
	if (rc_imp != 0)
		printf("import output: %.500s\n", out);
	unlink(path);

	write_file(path, sizeof(path), hires, 1);
	snprintf(pwfile, sizeof(pwfile), "%s/hires.pw", fx.dir);
	snprintf(args, sizeof(args), "hr import %s --out %s > /dev/null", path, pwfile);
	t_hire = timed_cli(args, &rc_hire);
	printf("| hr import of %lu hires (--out PWFILE) | %d | %.2f | %.0f |\n", hires, rc_hire,
	       t_hire, (double)hires / t_hire);
	printf("peak RSS after the hires: broker %.1f MiB\n", peak_rss_mib(fx.broker));
	unlink(path);
	unlink(pwfile);
	skfx_finish(&fx);
	return rc_dry || rc_imp || rc_hire ? 3 : 0;
}
