/* bench_pam_login: starts its own sekimorid on a temporary folder, creates users with the
 * real CLI, then measures whole PAM logins with password + TOTP through real libpam and
 * the built pam_sekimori.so: one client, then several concurrent clients. Ends with
 * microbenchmarks of the pieces. Prints markdown (progress goes to stderr).
 *
 * Paths to the built programs come from CMake (compile definitions), and can be overridden
 * by SK_SEKIMORID / SK_CLI / SK_PAM_MODULE or the options below. Must run as root: the
 * broker answers login requests only from root peers. */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef SK_BENCH_SEKIMORID
#define SK_BENCH_SEKIMORID "sekimorid"
#endif
#ifndef SK_BENCH_CLI
#define SK_BENCH_CLI "sekimori"
#endif
#ifndef SK_BENCH_PAM_MODULE
#define SK_BENCH_PAM_MODULE "pam_sekimori.so"
#endif
#ifndef SK_BENCH_LOCALE_DIR
#define SK_BENCH_LOCALE_DIR "/usr/share/locale"
#endif

#define PHASES_MAX 8

struct options {
	size_t users;
	size_t seq_tx;
	int conc_threads[PHASES_MAX];
	size_t conc_tx[PHASES_MAX];
	size_t n_conc;
	unsigned scale;
	int setup_threads;
	const char *base;
	const char *perf_out;
	int keep;
	int hold_store;
	double kdf_s;          /* -Y: seconds of bare crypt_r before and after each phase */
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: bench_pam_login [options]\n"
	        "  -u N            users to create (default 600)\n"
	        "  -s N            logins for the single client (default 150)\n"
	        "  -c T:N          a phase with T concurrent clients and N logins; repeatable\n"
	        "                  (default 8:480 and 32:640)\n"
	        "  -m N            microbenchmark scale (default 1)\n"
	        "  -j N            setup workers (default 2)\n"
	        "  -d DIR          where the temporary folder goes (default $TMPDIR or /tmp);\n"
	        "                  put it on the disk you want measured, not on tmpfs\n"
	        "  -p FILE         record the broker with `perf record` during the PAM phases\n"
	        "  -P              count the broker's kernel events per phase with `perf stat`\n"
	        "  -k              keep the temporary folder\n"
	        "  -Y S            before and after each measured phase, S seconds of bare\n"
	        "                  yescrypt verifies (crypt_r in this process, on the hash the\n"
	        "                  broker stored, as many threads as the phase has clients);\n"
	        "                  prints logins/s as a fraction of it\n"
	        "  -W              experiment, not the product's behaviour: hold one more SQLite\n"
	        "                  connection to the broker's store open during the PAM phases,\n"
	        "                  so that closing a client's connection is never the last close\n"
	        "                  (which checkpoints and deletes the WAL)\n"
	        "  --sekimorid P --cli P --module P   the built programs\n"
	        "Exit status 3 when any measured login failed (the tables are printed anyway).\n");
}

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

static void
parse(int argc, char **argv, struct options *o, struct bench_env *e)
{
	static const struct option longs[] = {
		{ "sekimorid", required_argument, NULL, 'S' },
		{ "cli", required_argument, NULL, 'C' },
		{ "module", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->users = 600;
	o->seq_tx = 150;
	o->scale = 1;
	o->setup_threads = 2;
	o->base = env_or("TMPDIR", "/tmp");
	e->sekimorid = env_or("SK_SEKIMORID", SK_BENCH_SEKIMORID);
	e->cli = env_or("SK_CLI", SK_BENCH_CLI);
	e->module = env_or("SK_PAM_MODULE", SK_BENCH_PAM_MODULE);
	e->locale_dir = SK_BENCH_LOCALE_DIR;
	while ((opt = getopt_long(argc, argv, "u:s:c:m:j:d:p:PkWY:h", longs, NULL)) != -1) {
		switch (opt) {
		case 'u': o->users = strtoul(optarg, NULL, 10); break;
		case 's': o->seq_tx = strtoul(optarg, NULL, 10); break;
		case 'c': {
			int t;
			unsigned long n;
			if (o->n_conc >= PHASES_MAX || sscanf(optarg, "%d:%lu", &t, &n) != 2 || t < 1 ||
			    t > 256 || n < 1)
				bench_die("bad -c %s (want THREADS:LOGINS)", optarg);
			o->conc_threads[o->n_conc] = t;
			o->conc_tx[o->n_conc++] = n;
			break;
		}
		case 'm': o->scale = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': o->setup_threads = atoi(optarg); break;
		case 'd': o->base = optarg; break;
		case 'p': o->perf_out = optarg; break;
		case 'P': bench_perf_stat = 1; break;
		case 'k': o->keep = 1; break;
		case 'W': o->hold_store = 1; break;
		case 'Y':
			if ((o->kdf_s = strtod(optarg, NULL)) <= 0 || o->kdf_s > 600)
				bench_die("bad -Y %s (want seconds, at most 600)", optarg);
			break;
		case 'S': e->sekimorid = optarg; break;
		case 'C': e->cli = optarg; break;
		case 'M': e->module = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->n_conc == 0) {
		o->conc_threads[0] = 8;
		o->conc_tx[0] = 480;
		o->conc_threads[1] = 32;
		o->conc_tx[1] = 640;
		o->n_conc = 2;
	}
	if (o->users < 64 || o->scale < 1)
		bench_die("need at least 64 users and a scale of 1 or more");
	for (size_t i = 0; i < o->n_conc; i++)
		if ((size_t)o->conc_threads[i] * 4 > o->users)
			bench_die("%d clients need at least %d users", o->conc_threads[i],
			          o->conc_threads[i] * 4);
}

static pid_t
perf_start(const char *out, pid_t target)
{
	char pid[32];
	pid_t p;

	snprintf(pid, sizeof(pid), "%d", (int)target);
	if ((p = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (p == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execlp("perf", "perf", "record", "-F", "999", "-g", "-p", pid, "-o", out,
		       (char *)NULL);
		_exit(127);
	}
	sleep(1);   /* let perf attach before the load starts */
	return p;
}

static void
perf_stop(pid_t p)
{
	int status;

	kill(p, SIGINT);
	while (waitpid(p, &status, 0) < 0 && errno == EINTR)
		;
}

/* The -W experiment: a reader that keeps a SHARED lock on the store, as a connection the
 * broker kept open for its lifetime would. */
static sqlite3 *
hold_store(const struct bench_env *e)
{
	char path[700];
	sqlite3 *db = NULL;
	int n = snprintf(path, sizeof(path), "%s/state/sekimori.db", e->dir);

	if (n < 0 || (size_t)n >= sizeof(path) ||
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT count(*) FROM meta;", NULL, NULL, NULL) != SQLITE_OK)
		bench_die("cannot hold %s open", path);
	bench_note("-W: holding a connection to %s", path);
	return db;
}

static void
print_results(const struct options *o, const struct bench_phase_result *ph, size_t n_ph,
              const struct bench_micro *mi, size_t n_mi, double setup_s)
{
	static const char *names[PH_COUNT] = { "pam_start_confdir", "pam_authenticate",
	                                       "pam_acct_mgmt", "pam_open_session",
	                                       "pam_close_session", "pam_end" };

	printf("### Whole PAM logins (password + TOTP)\n\n");
	printf("%zu users; setup (not measured) took %.0f s.\n\n", o->users, setup_s);
	printf("| clients | logins | failed | logins/s | p50 ms | p90 ms | p99 ms | max ms | "
	       "broker CPU ms/login | client CPU ms/login | broker peak RSS MiB | "
	       "broker threads (max) | other CPU s |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n_ph; i++) {
		const struct bench_phase_result *r = &ph[i];
		double per = r->tx ? 1e3 / (double)r->tx : 0;

		printf("| %d | %zu | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | "
		       "%.1f of %.0f |\n",
		       r->threads, r->tx, r->failed, r->tps, r->lat.p50, r->lat.p90, r->lat.p99,
		       r->lat.max, r->broker_cpu_s * per, r->client_cpu_s * per,
		       (double)r->broker_hwm_kb / 1024.0, r->broker_threads_max, r->other_cpu_s,
		       r->wall_s * (double)sysconf(_SC_NPROCESSORS_ONLN));
	}
	printf("\n\"other CPU s\": CPU time used by everything else on the machine during the "
	       "phase, of the CPU time available (nproc x wall time); high values mean the "
	       "figures were disturbed.\n");
	printf("\nMean time per PAM call (ms):\n\n| clients |");
	for (int k = 0; k < PH_COUNT; k++)
		printf(" %s |", names[k]);
	printf("\n|---:|");
	for (int k = 0; k < PH_COUNT; k++)
		printf("---:|");
	printf("\n");
	for (size_t i = 0; i < n_ph; i++) {
		printf("| %d |", ph[i].threads);
		for (int k = 0; k < PH_COUNT; k++)
			printf(" %.2f |", ph[i].phase_mean_ms[k]);
		printf("\n");
	}
	if (ph[0].counts.valid) {
		printf("\nThe broker's kernel events per login (perf stat -p; fdatasync and fsync "
		       "calls, sleeps are SQLite's busy handler waiting for the write lock):\n\n");
		printf("| clients | page faults | context switches | fdatasync | fsync | "
		       "clock_nanosleep | threads started |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|\n");
		for (size_t i = 0; i < n_ph; i++) {
			double per = ph[i].tx ? 1.0 / (double)ph[i].tx : 0;
			printf("| %d |", ph[i].threads);
			for (int k = 0; k < BENCH_EVENTS; k++)
				printf(" %.1f |", ph[i].counts.v[k] * per);
			printf("\n");
		}
	}
	for (size_t i = 0; i < n_ph; i++)
		if (ph[i].waited_ms > 0)
			printf("\nNote: %d clients waited %.0f ms in total for a user with an unspent "
			       "TOTP step (more users would avoid it).\n", ph[i].threads, ph[i].waited_ms);
	printf("\n");

	printf("### The pieces (one at a time, no concurrency)\n\n");
	printf("| piece | n | mean ms | p50 ms | p90 ms | p99 ms | max ms |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n_mi; i++)
		printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f | %.2f |\n", mi[i].what, mi[i].s.n,
		       mi[i].s.mean, mi[i].s.p50, mi[i].s.p90, mi[i].s.p99, mi[i].s.max);
	if (bench_micro_notes[0] != '\0')
		printf("\n%s\n", bench_micro_notes);
}

/* -Y: logins/s against bare verifies/s of the same hash, threads = the phase's clients. */
static void
print_kdf(const struct options *o, const struct bench_phase_result *ph, size_t n_ph,
          const char *hash, const double *before, const double *after)
{
	printf("\n### Logins as a fraction of bare yescrypt\n\n");
	printf("Bare: `crypt_r` of the password against the hash the broker stored (`%.7s...`: "
	       "the same parameters and salt), in this process, for %.0f s just before and just "
	       "after each phase, with as many threads as the phase had clients.\n\n",
	       hash, o->kdf_s);
	printf("| clients | logins/s | bare verifies/s before | bare verifies/s after | "
	       "logins/s ÷ mean bare | other CPU s in the phase |\n");
	printf("|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n_ph; i++) {
		double bare = (before[i] + after[i]) / 2;

		printf("| %d | %.1f | %.1f | %.1f | %.1f %% | %.1f of %.0f |\n", ph[i].threads,
		       ph[i].tps, before[i], after[i], bare > 0 ? 100.0 * ph[i].tps / bare : 0,
		       ph[i].other_cpu_s, ph[i].wall_s * (double)sysconf(_SC_NPROCESSORS_ONLN));
	}
}

int
main(int argc, char **argv)
{
	struct options o;
	struct bench_env e;
	struct bench_pool pool;
	struct bench_phase_result ph[PHASES_MAX + 1];
	struct bench_micro mi[BENCH_MICRO_MAX];
	size_t n_ph = 0, n_mi, failed = 0;
	double t0, setup_s;
	pid_t perf = 0;
	sqlite3 *held = NULL;
	double micro_other_s = 0, micro_avail_s = 0;
	double kdf_before[PHASES_MAX + 1] = { 0 }, kdf_after[PHASES_MAX + 1] = { 0 };
	char kdf_hash[256] = "";

	memset(&e, 0, sizeof(e));
	parse(argc, argv, &o, &e);
	if (geteuid() != 0)
		bench_die("must run as root (the broker serves login requests to root peers only)");
	/* The CLI's output is parsed: keep it in English. */
	setenv("LANG", "C", 1);
	setenv("LC_ALL", "C", 1);

	bench_check_totp_against_oathtool();
	bench_note("sk_totp_generate agrees with oathtool");
	bench_env_start(&e, o.base);
	bench_note("sekimorid pid %d in %s", (int)e.broker, e.dir);

	bench_note("creating %zu users (user add, totp enroll, PAM chauthtok)...", o.users);
	t0 = bench_now_ms();
	bench_pool_setup(&e, &pool, o.users, o.setup_threads);
	setup_s = (bench_now_ms() - t0) / 1e3;
	bench_note("setup took %.1f s", setup_s);

	/* Warm-up: first connections, module loading, page cache. Not reported. */
	bench_run_phase(&e, &pool, 1, 4, &ph[0]);
	if (ph[0].failed != 0)
		bench_die("warm-up logins failed; see above");

	if (o.hold_store)
		held = hold_store(&e);
	if (o.perf_out != NULL)
		perf = perf_start(o.perf_out, e.broker);
	if (o.kdf_s > 0 && bench_kdf_hash_of(&e, pool.users[0].name, kdf_hash, sizeof(kdf_hash)) != 0)
		bench_die("cannot read %s's password hash from the store", pool.users[0].name);
	for (size_t i = 0; i <= o.n_conc; i++) {
		int threads = i == 0 ? 1 : o.conc_threads[i - 1];
		size_t tx = i == 0 ? o.seq_tx : o.conc_tx[i - 1];

		if (o.kdf_s > 0)
			kdf_before[n_ph] = bench_kdf_rate(kdf_hash, BENCH_PASSWORD, threads, o.kdf_s);
		bench_note("%d client%s, %zu logins...", threads, threads == 1 ? "" : "s", tx);
		bench_run_phase(&e, &pool, threads, tx, &ph[n_ph]);
		if (o.kdf_s > 0)
			kdf_after[n_ph] = bench_kdf_rate(kdf_hash, BENCH_PASSWORD, threads, o.kdf_s);
		n_ph++;
	}
	if (perf > 0)
		perf_stop(perf);
	sqlite3_close(held);

	bench_note("microbenchmarks...");
	{
		struct bench_proc b0, b1;
		double sys0 = bench_system_cpu_s(), self0 = bench_self_cpu_s(), w0 = bench_now_ms();

		bench_proc_read(e.broker, &b0);
		n_mi = bench_micro_run(&e, &pool, o.scale, mi);
		bench_proc_read(e.broker, &b1);
		micro_other_s = bench_system_cpu_s() - sys0 - (bench_self_cpu_s() - self0) -
		                (b1.cpu_s - b0.cpu_s);
		micro_avail_s = (bench_now_ms() - w0) / 1e3 * (double)sysconf(_SC_NPROCESSORS_ONLN);
	}
	print_results(&o, ph, n_ph, mi, n_mi, setup_s);
	printf("\nOther CPU during the microbenchmarks: %.1f s of %.0f s.\n",
	       micro_other_s > 0 ? micro_other_s : 0, micro_avail_s);
	if (o.kdf_s > 0)
		print_kdf(&o, ph, n_ph, kdf_hash, kdf_before, kdf_after);
	bench_env_stop(&e);
	if (o.keep)
		bench_note("kept %s", e.dir);
	else
		bench_env_remove(&e);
	for (size_t i = 0; i < n_ph; i++)
		failed += ph[i].failed;
	free(pool.users);
	pthread_mutex_destroy(&pool.mu);
	return failed > 0 ? 3 : 0;
}
