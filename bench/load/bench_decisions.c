/* bench_decisions: decisions/s through a real sekimorid with a protocol-level load generator
 * (no PAM in the client), 1 to 1,000 concurrent clients, durable (issue 11, item 5). It
 * starts its own broker on a new folder (put it on the disk to be measured: -d or $TMPDIR),
 * makes its users with TOTP, then runs one phase per concurrency (load_client.c says what
 * a decision is). Per phase it prints decisions/s, latency percentiles, refusals, unexpected
 * verdicts, decisions per durable sync, the broker's CPU, RSS and threads; then the broker's
 * memory idle before and after the load, and the durable floor measured in the same folder:
 * a 300-byte append + fdatasync, and 1/fdatasync as the ceiling of one sync per decision.
 *
 * A program, not a test: nothing about time is asserted. Exit status 3 when any decision was
 * refused or got another verdict than expected (the report is printed anyway). Must run as
 * root: the broker answers PREAUTH/AUTH_* only from root peers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"
#include "sk_client.h"
#include "sk_err.h"
#include "skc_user.h"

#ifndef SK_BENCH_SEKIMORID
#define SK_BENCH_SEKIMORID "sekimorid"
#endif
#ifndef SK_BENCH_PAM_MODULE
#define SK_BENCH_PAM_MODULE "pam_sekimori.so"
#endif
#ifndef SK_BENCH_LOCALE_DIR
#define SK_BENCH_LOCALE_DIR "/usr/share/locale"
#endif

#define PHASES_MAX 8
#define FLOOR_RECORD 300

struct options {
	size_t users;
	int clients[PHASES_MAX];
	size_t decisions[PHASES_MAX];
	size_t n_phases;
	unsigned wrong_per_right, window, deny;
	int setup_threads;
	size_t floor_n;
	const char *base;
	const char *perf_out;
	int keep;
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: bench_decisions [options]\n"
	        "  -u N       users to create (default 2000; at least 1.25 x the most clients)\n"
	        "  -c T:N     a phase of T concurrent clients (1-%d) and N decisions; repeatable\n"
	        "             (default 1:300 8:2000 64:4000 256:4000 1000:5000)\n"
	        "  -w K       K wrong codes for each right one (default 1: half the decisions\n"
	        "             are denies; 0 = right codes only; below deny, 5)\n"
	        "  -W N       the profile's totp_window (default 2)\n"
	        "  -j N       setup connections (default 8)\n"
	        "  -f N       samples of the durable floor (default 500)\n"
	        "  -d DIR     where the temporary folder goes (default $TMPDIR or /tmp)\n"
	        "  -P         count the broker's fdatasync/fsync calls per phase (perf stat)\n"
	        "  -p FILE    record the broker with `perf record -g` during the phases\n"
	        "  -k         keep the temporary folder\n"
	        "  --pam      decide through libpam and the built module (service: the shipped\n"
	        "             stack with pam_permit.so for pam_unix), not the typed calls\n"
	        "  --store URI  the broker's store: a postgresql:// URI of an empty database\n"
	        "             (default: a SQLite file in the temporary folder)\n"
	        "  --sekimorid P --module P   the built broker and PAM module\n"
	        "Exit status 3 when a decision was refused or got an unexpected verdict.\n",
	        LOAD_CLIENTS_MAX);
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
		{ "module", required_argument, NULL, 'M' },
		{ "pam", no_argument, NULL, 'A' },
		{ "store", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int def_clients[] = { 1, 8, 64, 256, 1000 };
	static const size_t def_decisions[] = { 300, 2000, 4000, 4000, 5000 };
	int opt, most = 0;

	memset(o, 0, sizeof(*o));
	o->users = 2000;
	o->wrong_per_right = 1;
	o->window = 2;
	o->deny = 5;
	o->setup_threads = 8;
	o->floor_n = 500;
	o->base = env_or("TMPDIR", "/tmp");
	e->sekimorid = env_or("SK_SEKIMORID", SK_BENCH_SEKIMORID);
	e->module = env_or("SK_PAM_MODULE", SK_BENCH_PAM_MODULE);
	e->locale_dir = SK_BENCH_LOCALE_DIR;
	while ((opt = getopt_long(argc, argv, "u:c:w:W:j:f:d:Pp:kh", longs, NULL)) != -1) {
		switch (opt) {
		case 'u': o->users = strtoul(optarg, NULL, 10); break;
		case 'c': {
			int t;
			unsigned long n;
			if (o->n_phases >= PHASES_MAX || sscanf(optarg, "%d:%lu", &t, &n) != 2 || t < 1 ||
			    t > LOAD_CLIENTS_MAX || n < 1)
				bench_die("bad -c %s (want CLIENTS:DECISIONS, at most %d clients)", optarg,
				          LOAD_CLIENTS_MAX);
			o->clients[o->n_phases] = t;
			o->decisions[o->n_phases++] = n;
			break;
		}
		case 'w': o->wrong_per_right = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'W': o->window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': o->setup_threads = atoi(optarg); break;
		case 'f': o->floor_n = strtoul(optarg, NULL, 10); break;
		case 'd': o->base = optarg; break;
		case 'P': bench_perf_stat = 1; break;
		case 'p': o->perf_out = optarg; break;
		case 'k': o->keep = 1; break;
		case 'S': e->sekimorid = optarg; break;
		case 'M': e->module = optarg; break;
		case 'A': load_mode = LOAD_PAM; break;
		case 'T': load_store = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->n_phases == 0) {
		for (size_t i = 0; i < sizeof(def_clients) / sizeof(def_clients[0]); i++) {
			o->clients[i] = def_clients[i];
			o->decisions[i] = def_decisions[i];
		}
		o->n_phases = sizeof(def_clients) / sizeof(def_clients[0]);
	}
	for (size_t i = 0; i < o->n_phases; i++)
		most = o->clients[i] > most ? o->clients[i] : most;
	/* A user is in one decision at a time: a few more users than clients keep clients from
	 * waiting for one. */
	if (o->users < (size_t)(most + most / 4))
		bench_die("%d clients need at least %d users (-u)", most, most + most / 4);
	if (o->wrong_per_right >= o->deny)
		bench_die("-w must be below deny (%u)", o->deny);
	if (o->window < 1 || o->window > 10 || o->floor_n < 10)
		bench_die("-W is 1 to 10, -f at least 10");
}

/* Room for the clients' connections and the broker's own descriptors (it is our child). */
static void
raise_nofile(int clients)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)clients + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		bench_die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		rl.rlim_max = need;   /* root may raise the hard limit */
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		bench_die("cannot raise RLIMIT_NOFILE to %lu: %s", (unsigned long)need, strerror(errno));
}

/* The broker's durable_syncs / durable_commits from STATUS, when it reports them (-1 when
 * not). */
struct durable {
	long long syncs, commits;
};

static void
read_durable(const struct bench_env *e, struct durable *d)
{
	struct sk_client c = { .fd = -1 };
	struct skc_status_in in = { .actor = NULL };
	struct skc_json_out out;
	json_object *v;

	d->syncs = d->commits = -1;
	if (sk_client_open(&c, e->socket, 15000) != SK_OK)
		bench_die("STATUS: cannot connect");
	if (skc_status(&c, &in, &out) != SK_OK || out.res.status != SK_ST_OK)
		bench_die("STATUS failed");
	if (json_object_object_get_ex(out.doc, "durable_syncs", &v) &&
	    json_object_is_type(v, json_type_int))
		d->syncs = json_object_get_int64(v);
	if (json_object_object_get_ex(out.doc, "durable_commits", &v) &&
	    json_object_is_type(v, json_type_int))
		d->commits = json_object_get_int64(v);
	json_object_put(out.doc);
	sk_client_close(&c);
}

/* The broker's RSS and threads while a phase runs, every 50 ms. */
struct sampler {
	pid_t pid;
	atomic_int done;
	long max_rss_kb;
	int max_threads;
};

static void *
sample(void *arg)
{
	struct sampler *s = arg;

	while (!atomic_load(&s->done)) {
		struct bench_proc p;

		if (bench_proc_read(s->pid, &p) == 0) {
			s->max_rss_kb = p.rss_kb > s->max_rss_kb ? p.rss_kb : s->max_rss_kb;
			s->max_threads = p.threads > s->max_threads ? p.threads : s->max_threads;
		}
		usleep(50000);
	}
	return NULL;
}

struct result {
	struct load_phase ph;
	struct bench_stats lat;
	double rate;
	double broker_cpu_s, client_cpu_s, other_cpu_s;
	long hwm_kb, max_rss_kb;
	int max_threads;
	struct durable d0, d1;
	struct bench_counts counts;
	char loadavg[64];
};

static void
read_loadavg(char *out, size_t sz)
{
	FILE *f = fopen("/proc/loadavg", "r");
	float a = 0, b = 0, c = 0;

	if (f == NULL || fscanf(f, "%f %f %f", &a, &b, &c) != 3)
		snprintf(out, sz, "?");
	else
		snprintf(out, sz, "%.2f %.2f %.2f", a, b, c);
	if (f != NULL)
		fclose(f);
}

static void
run_phase(const struct bench_env *e, struct load_pool *pool, int clients, size_t decisions,
          struct result *r)
{
	struct sampler s = { .pid = e->broker };
	struct bench_proc before, after;
	char stat_out[700];
	pid_t perf = 0;
	pthread_t st;
	double self0, sys0;

	memset(r, 0, sizeof(*r));
	read_loadavg(r->loadavg, sizeof(r->loadavg));
	read_durable(e, &r->d0);
	(void)bench_proc_reset_hwm(e->broker);
	if (bench_perf_stat) {
		snprintf(stat_out, sizeof(stat_out), "%s/perf-stat-%d.csv", e->dir, clients);
		perf = bench_perf_stat_start(e->broker, stat_out);
	}
	if (bench_proc_read(e->broker, &before) != 0)
		bench_die("cannot read /proc/%d", (int)e->broker);
	self0 = bench_self_cpu_s();
	sys0 = bench_system_cpu_s();
	pthread_create(&st, NULL, sample, &s);
	load_run_phase(e, pool, clients, decisions, &r->ph);
	r->client_cpu_s = bench_self_cpu_s() - self0;
	bench_proc_read(e->broker, &after);
	r->other_cpu_s = bench_system_cpu_s() - sys0;
	atomic_store(&s.done, 1);
	pthread_join(st, NULL);
	if (perf > 0)
		bench_perf_stat_stop(perf, stat_out, &r->counts);
	read_durable(e, &r->d1);
	r->broker_cpu_s = after.cpu_s - before.cpu_s;
	/* Client CPU includes the sampler's reads; both are this process. */
	r->other_cpu_s -= r->broker_cpu_s + r->client_cpu_s;
	if (r->other_cpu_s < 0)
		r->other_cpu_s = 0;   /* the counters tick at different times */
	r->hwm_kb = after.hwm_kb;
	r->max_rss_kb = s.max_rss_kb > after.rss_kb ? s.max_rss_kb : after.rss_kb;
	r->max_threads = s.max_threads;
	bench_stats_of(r->ph.lat, r->ph.done, &r->lat);
	r->rate = (double)(r->ph.right + r->ph.wrong) / r->ph.wall_s;
}

/* The durable floor: a FLOOR_RECORD-byte append and fdatasync, n times, in dir. */
static void
durable_floor(const char *dir, size_t n, struct bench_stats *s)
{
	char path[700], rec[FLOOR_RECORD];
	double *v = calloc(n, sizeof(*v));
	int fd;

	snprintf(path, sizeof(path), "%s/floor.dat", dir);
	memset(rec, 'x', sizeof(rec));
	rec[sizeof(rec) - 1] = '\n';
	if (v == NULL || (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		bench_die("cannot open %s", path);
	for (size_t i = 0; i < n; i++) {
		double t0 = bench_now_ms();

		if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) != 0)
			bench_die("write/fdatasync %s: %s", path, strerror(errno));
		v[i] = bench_now_ms() - t0;
	}
	close(fd);
	unlink(path);
	bench_stats_of(v, n, s);
	free(v);
}

static void
per_sync(const struct result *r, char *out, size_t sz)
{
	size_t n = r->ph.right + r->ph.wrong;

	if (r->d0.syncs >= 0 && r->d1.syncs > r->d0.syncs)
		snprintf(out, sz, "%.2f", (double)n / (double)(r->d1.syncs - r->d0.syncs));
	else
		snprintf(out, sz, "n/a");
}

static void
print_report(const struct options *o, const struct result *r, size_t n, double setup_s,
             const struct bench_proc *idle, const struct bench_proc *after, double after_wait_s,
             const struct bench_stats *fl)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (load_mode == LOAD_PAM)
		printf("### Decisions through PAM (libpam and pam_sekimori.so in the client)\n\n");
	else
		printf("### Decisions through the broker (protocol-level load generator)\n\n");
	printf("%zu users (setup, not measured: %.0f s); profile `knowledge = stack`, methods "
	       "password (the stack's) + TOTP, deny %u, totp_window %u; %u wrong code(s) for each "
	       "right one, so %.0f %% of the decisions are denies. A decision: "
	       "%s. Broker defaults (workers 8, max_clients 1024).\n\n",
	       o->users, setup_s, o->deny, o->window, o->wrong_per_right,
	       100.0 * o->wrong_per_right / (o->wrong_per_right + 1.0),
	       load_mode == LOAD_PAM ?
	       "pam_start_confdir, pam_authenticate (the stack: preauth, pam_permit, the code), "
	       "pam_end" : "connect, PREAUTH, AUTH_BEGIN, AUTH_FINISH, close");
	printf("| clients | decisions | refused | unexpected | decisions/s | p50 ms | p90 ms | "
	       "p99 ms | max ms | decisions per sync (STATUS) | broker CPU ms/decision | "
	       "broker CPUs busy | client CPU ms/decision | broker RSS max MiB | broker VmHWM MiB | "
	       "broker threads | other CPU s | loadavg at start |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	       "---:|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct result *x = &r[i];
		double per = x->ph.done ? 1e3 / (double)x->ph.done : 0;
		char ps[32];

		per_sync(x, ps, sizeof(ps));
		printf("| %d | %zu | %zu | %zu | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %.3f | %.2f | "
		       "%.3f | %.1f | %.1f | %d | %.1f of %.1f | %s |\n",
		       x->ph.clients, x->ph.done, x->ph.refused, x->ph.unexpected, x->rate, x->lat.p50,
		       x->lat.p90, x->lat.p99, x->lat.max, ps, x->broker_cpu_s * per,
		       x->broker_cpu_s / x->ph.wall_s, x->client_cpu_s * per,
		       (double)x->max_rss_kb / 1024.0, (double)x->hwm_kb / 1024.0, x->max_threads,
		       x->other_cpu_s, x->ph.wall_s * (double)cpus, x->loadavg);
	}
	printf("\nLatency is of whole decisions, refusals and unexpected verdicts included; "
	       "decisions/s counts decisions with the expected verdict. \"broker CPUs busy\": "
	       "broker CPU time / wall time. \"other CPU s\": CPU time everything else on the "
	       "machine used during the phase, of the CPU time there was (nproc x wall time).\n");
	for (size_t i = 0; i < n; i++) {
		if (r[i].ph.first_unexpected[0] != '\0')
			printf("\n%d clients, first unexpected verdict: %s\n", r[i].ph.clients,
			       r[i].ph.first_unexpected);
		if (r[i].ph.waited_ms > 0)
			printf("\n%d clients waited %.0f ms in all for a user with an unspent TOTP step "
			       "(more users, -u, would avoid it).\n", r[i].ph.clients, r[i].ph.waited_ms);
	}
	if (r[0].counts.valid) {
		printf("\nThe broker's syncs (perf stat -p): \n\n| clients | fdatasync/decision | "
		       "fsync/decision | decisions per fdatasync+fsync |\n|---:|---:|---:|---:|\n");
		for (size_t i = 0; i < n; i++) {
			double d = (double)r[i].ph.done, f = r[i].counts.v[2], s = r[i].counts.v[3];

			printf("| %d | %.2f | %.2f | %.2f |\n", r[i].ph.clients, f / d, s / d,
			       f + s > 0 ? d / (f + s) : 0);
		}
	}
	printf("\n### The broker's memory\n\n| when | VmRSS MiB | VmHWM MiB | threads |\n"
	       "|---|---:|---:|---:|\n");
	printf("| idle, before the load (VmHWM: since the broker started, setup included) | %.1f | %.1f | %d |\n", (double)idle->rss_kb / 1024.0,
	       (double)idle->hwm_kb / 1024.0, idle->threads);
	for (size_t i = 0; i < n; i++)
		printf("| during %d clients (max sampled; VmHWM of the phase) | %.1f | %.1f | %d |\n",
		       r[i].ph.clients, (double)r[i].max_rss_kb / 1024.0, (double)r[i].hwm_kb / 1024.0,
		       r[i].max_threads);
	printf("| idle, %.0f s after the load | %.1f | %.1f | %d |\n", after_wait_s,
	       (double)after->rss_kb / 1024.0, (double)after->hwm_kb / 1024.0, after->threads);
	printf("\n### The durable floor (same folder, same run)\n\n");
	printf("%zu appends of %d bytes, each followed by fdatasync: p50 %.3f ms, p90 %.3f ms, "
	       "p99 %.3f ms, max %.3f ms. Ceiling of one sync per decision, one at a time "
	       "(1/p50): %.0f decisions/s.\n",
	       fl->n, FLOOR_RECORD, fl->p50, fl->p90, fl->p99, fl->max,
	       fl->p50 > 0 ? 1e3 / fl->p50 : 0);
}

/* bench_die exits: the broker must not outlive the bench. */
static pid_t broker_at_exit;

static void
stop_broker_at_exit(void)
{
	if (broker_at_exit > 0)
		kill(broker_at_exit, SIGTERM);
}

static pid_t
perf_record_start(const char *out, pid_t target)
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

int
main(int argc, char **argv)
{
	struct options o;
	struct bench_env e;
	struct load_pool pool;
	struct result r[PHASES_MAX];
	struct load_phase warm;
	struct bench_proc idle, after;
	struct bench_stats fl;
	size_t bad = 0;
	double t0, setup_s, after_wait_s = 0;
	pid_t perf = 0;
	int most = 1;

	memset(&e, 0, sizeof(e));
	memset(&pool, 0, sizeof(pool));
	parse(argc, argv, &o, &e);
	if (geteuid() != 0)
		bench_die("must run as root (the broker serves login requests to root peers only)");
	for (size_t i = 0; i < o.n_phases; i++)
		most = o.clients[i] > most ? o.clients[i] : most;
	raise_nofile(most);
	setenv("LANG", "C", 1);
	setenv("LC_ALL", "C", 1);
	signal(SIGPIPE, SIG_IGN);

	load_broker_start(&e, o.base, o.window, o.deny);
	broker_at_exit = e.broker;
	atexit(stop_broker_at_exit);
	bench_note("sekimorid pid %d in %s", (int)e.broker, e.dir);
	pool.window = o.window;
	pool.deny = o.deny;
	pool.wrong_per_right = o.wrong_per_right;
	bench_note("creating %zu users with TOTP...", o.users);
	t0 = bench_now_ms();
	load_users_setup(&e, &pool, o.users, o.setup_threads);
	setup_s = (bench_now_ms() - t0) / 1e3;
	bench_note("setup took %.1f s", setup_s);

	/* Warm-up: first connections, page cache. Not reported, but checked. */
	memset(&warm, 0, sizeof(warm));
	load_run_phase(&e, &pool, 1, 8, &warm);
	if (warm.refused + warm.unexpected != 0)
		bench_die("warm-up decisions failed: %s", warm.first_unexpected);
	/* What was sent, for checking against the audit log (the smoke test does). */
	bench_note("warm-up: right %zu wrong %zu", warm.right, warm.wrong);
	free(warm.lat);
	sleep(1);
	if (bench_proc_read(e.broker, &idle) != 0)
		bench_die("cannot read /proc/%d", (int)e.broker);

	if (o.perf_out != NULL)
		perf = perf_record_start(o.perf_out, e.broker);
	for (size_t i = 0; i < o.n_phases; i++) {
		bench_note("%d clients, %zu decisions...", o.clients[i], o.decisions[i]);
		run_phase(&e, &pool, o.clients[i], o.decisions[i], &r[i]);
		bench_note("  %.0f decisions/s, p99 %.2f ms", r[i].rate, r[i].lat.p99);
		bench_note("phase %d: right %zu wrong %zu refused %zu unexpected %zu", o.clients[i],
		           r[i].ph.right, r[i].ph.wrong, r[i].ph.refused, r[i].ph.unexpected);
		bad += r[i].ph.refused + r[i].ph.unexpected;
	}
	if (perf > 0) {
		int status;

		kill(perf, SIGINT);
		while (waitpid(perf, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* Memory returned? The broker's RSS once the load is gone: wait until its threads are
	 * back to the idle count or 10 s have passed. */
	t0 = bench_now_ms();
	do {
		usleep(200000);
		if (bench_proc_read(e.broker, &after) != 0)
			bench_die("cannot read /proc/%d", (int)e.broker);
		after_wait_s = (bench_now_ms() - t0) / 1e3;
	} while (after.threads > idle.threads && after_wait_s < 10);
	sleep(2);
	bench_proc_read(e.broker, &after);
	after_wait_s = (bench_now_ms() - t0) / 1e3;

	bench_note("durable floor...");
	durable_floor(e.dir, o.floor_n, &fl);
	print_report(&o, r, o.n_phases, setup_s, &idle, &after, after_wait_s, &fl);
	{
		char la[64];

		read_loadavg(la, sizeof(la));
		printf("\nLoad average at the end: %s.\n", la);
	}
	bench_env_stop(&e);
	broker_at_exit = 0;
	if (o.keep)
		bench_note("kept %s", e.dir);
	else
		bench_env_remove(&e);
	for (size_t i = 0; i < o.n_phases; i++)
		free(r[i].ph.lat);
	free(pool.users);
	return bad > 0 ? 3 : 0;
}
