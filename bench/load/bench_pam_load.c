/* pam_start + pam_end, the cost every PAM transaction pays to load and unload its modules
 * (issue 11, item 2). Usage:
 *   bench_pam_load [-n ROUNDS] [MODULE[ ARGS]]...
 * Each MODULE (a path, or a name libpam finds in its own folder such as pam_oath.so) gets a
 * service of one line "auth required MODULE ARGS" in a private folder. Round after round,
 * each service is started and ended once, in turn, so that every module sees the same
 * machine; no other PAM handle is open, so each pam_start loads the module and each pam_end
 * unloads it, as in a process that runs one PAM transaction (sshd's child, login, sudo).
 * Without MODULE: the built pam_sekimori.so and pam_oath.so. Prints, per module, the p50 and
 * p90 of one pam_start + pam_end in ms and the p50 ratio to the first module. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODULES 8

static int
noconv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)arg;
	return PAM_CONV_ERR;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(p * (double)(n - 1))];
}

int
main(int argc, char **argv)
{
	const char *mods[MAX_MODULES] = { SK_BENCH_PAM_MODULE, "pam_oath.so usersfile=/dev/null" };
	size_t nmods = 2, rounds = 2000;
	char dir[] = "/tmp/bench-pamload-XXXXXX";
	struct pam_conv conv = { noconv, NULL };
	double *t[MAX_MODULES], p50_first = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (rounds = strtoul(optarg, NULL, 10)) == 0 || rounds > 1000000) {
			fprintf(stderr, "usage: %s [-n ROUNDS] [MODULE[ ARGS]]...\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		nmods = 0;
		for (int i = optind; i < argc && nmods < MAX_MODULES; i++)
			mods[nmods++] = argv[i];
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t m = 0; m < nmods; m++) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/svc%zu", dir, m);
		if ((f = fopen(path, "w")) == NULL || fprintf(f, "auth required %s\n", mods[m]) < 0 ||
		    fclose(f) != 0) {
			perror(path);
			return 1;
		}
		if ((t[m] = calloc(rounds, sizeof(double))) == NULL)
			return 1;
	}
	for (size_t r = 0; r < rounds; r++) {
		for (size_t m = 0; m < nmods; m++) {
			char svc[16];
			pam_handle_t *h = NULL;
			double t0 = now_ms();

			snprintf(svc, sizeof(svc), "svc%zu", m);
			if (pam_start_confdir(svc, "nobody", &conv, dir, &h) != PAM_SUCCESS ||
			    pam_end(h, PAM_SUCCESS) != PAM_SUCCESS) {
				fprintf(stderr, "pam_start/pam_end failed for %s\n", mods[m]);
				return 1;
			}
			t[m][r] = now_ms() - t0;
		}
	}
	printf("%-60s %9s %9s %9s\n", "module (pam_start + pam_end, ms)", "p50", "p90", "p50/first");
	for (size_t m = 0; m < nmods; m++) {
		double p50 = pct(t[m], rounds, 0.5), p90 = pct(t[m], rounds, 0.9);

		if (m == 0)
			p50_first = p50;
		printf("%-60.60s %9.3f %9.3f %9.2f\n", mods[m], p50, p90, p50 / p50_first);
		free(t[m]);
	}
	for (size_t m = 0; m < nmods; m++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/svc%zu", dir, m);
		unlink(path);
	}
	rmdir(dir);
	printf("rounds: %zu, modules taken in turn\n", rounds);
	return 0;
}
