/* bench_user_import [--totp] [N...]: bulk enrolment, CLI and broker, users/s against the file size
 * (default 1000 10000 100000 users): `sekimori user import FILE --out PWFILE` on a generated
 * file of N users (comma-separated, profile and staff number on every row), wall time of the
 * whole command (read, validate, stage with hashing, one commit, passwords file written and
 * synced; with --totp every row also carries a TOTP seed, sealed at staging and enrolled), and how much of it the commit took (from the broker's audit timestamps). In the
 * same run, the path it replaces: `sekimori user add` once per user, for 50
 * users. A program, not a test: it uses the integration fixture (a real sekimorid on a
 * temporary store, a real admin session) and must run as root, like the integration tests.
 * Synthetic data only (R-TEST-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"

static struct sk_fixture fx;
static char out[1 << 16];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds of the day of the record's "ts" (…THH:MM:SS.ffffffZ), or -1. */
static double
record_time(const char *line)
{
	const char *t = strstr(line, "\"ts\":\"");
	int h, m;
	double s;

	if (t == NULL || (t = strchr(t + 6, 'T')) == NULL || sscanf(t + 1, "%d:%d:%lf", &h, &m, &s) != 3)
		return -1;
	return h * 3600.0 + m * 60.0 + s;
}

/* The commit's span in the audit log after offset: from its first admin.user_import record
 * to its admin.user_import_file record (the broker's own clock). */
static double
commit_span(long offset)
{
	char path[700], line[9000];
	double first = -1, last = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	if ((f = fopen(path, "r")) == NULL || fseek(f, offset, SEEK_SET) != 0)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (first < 0 && strstr(line, "\"event\":\"admin.user_import\"") != NULL)
			first = record_time(line);
		if (strstr(line, "\"event\":\"admin.user_import_file\"") != NULL)
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
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0)
		return 0;
	n = ftell(f);
	fclose(f);
	return n;
}

/* Rows "uN,mynumber,N", with --totp also a synthetic 20-byte TOTP seed (base32) and
 * the default parameters left empty. */
static void
write_users(const char *path, unsigned long n, unsigned long base, int totp)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		exit(1);
	for (unsigned long i = 0; i < n; i++) {
		unsigned long v = base + i;

		if (totp) {   /* 32 base32 characters: 20 bytes, made from the row's number */
			static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
			char seed[33];
			unsigned long x = v * 2654435761UL + 12345;

			for (int k = 0; k < 32; k++) {
				seed[k] = b32[(x >> (k % 12) * 5) & 31];
				x = k % 12 == 11 ? x * 6364136223846793005UL + 1442695040888963407UL : x;
			}
			seed[32] = '\0';
			fprintf(f, "u%lu,mynumber,%lu,%s,,,\n", v, v, seed);
		} else {
			fprintf(f, "u%lu,mynumber,%lu\n", v, v);
		}
	}
	if (fclose(f) != 0)
		exit(1);
}

int
main(int argc, char **argv)
{
	static const unsigned long defaults[] = { 1000, 10000, 100000 };
	unsigned long base = 1000000;
	char path[700], pwfile[700], args[1600];
	double t0, t;
	long off;
	int rc, bad = 0;

	setenv("SK_SEKIMORID", SK_BENCH_SEKIMORID, 0);
	setenv("SK_CLI", SK_BENCH_CLI, 0);
	setenv("SK_PAM_MODULE", SK_BENCH_PAM_MODULE, 0);
	setenv("SK_BINARY_DIR", SK_BENCH_BINARY_DIR, 0);
	setenv("SK_SOURCE_DIR", SK_BENCH_SOURCE_DIR, 0);
	skfx_start(&fx, "C", "[profile mynumber]\nmethods = password, totp\n");
	printf("| users in the file | exit | wall s | users/s | of it, commit s |\n"
	       "|---|---|---|---|---|\n");
	int totp = argc > 1 && strcmp(argv[1], "--totp") == 0;

	if (totp) {
		argc--;
		argv++;
	}
	for (int i = 0; i < (argc > 1 ? argc - 1 : 3); i++) {
		unsigned long n = argc > 1 ? strtoul(argv[i + 1], NULL, 10) : defaults[i];

		snprintf(path, sizeof(path), "%s/bench-%lu.csv", fx.dir, n);
		snprintf(pwfile, sizeof(pwfile), "%s/bench-%lu.pw", fx.dir, n);
		write_users(path, n, base, totp);
		base += n;
		snprintf(args, sizeof(args), "user import %s --out %s", path, pwfile);
		off = log_size();
		t0 = now_s();
		rc = skfx_cli(&fx, args, NULL, out, sizeof(out));
		t = now_s() - t0;
		printf("| %lu (user import%s) | %d | %.2f | %.0f | %.2f |\n", n,
		       totp ? ", TOTP seeds" : "", rc, t, (double)n / t,
		       commit_span(off));
		if (rc != 0)
			printf("output: %.500s\n", out);
		bad |= rc;
		unlink(path);
		unlink(pwfile);
	}
	t0 = now_s();
	for (unsigned long i = 0; i < 50; i++) {
		snprintf(args, sizeof(args), "user add one%lu --profile mynumber", i);
		bad |= skfx_cli(&fx, args, NULL, out, sizeof(out));
	}
	t = now_s() - t0;
	printf("| 50 (user add, one command each) | %d | %.2f | %.0f | |\n", bad, t, 50.0 / t);
	skfx_finish(&fx);
	return bad ? 3 : 0;
}
