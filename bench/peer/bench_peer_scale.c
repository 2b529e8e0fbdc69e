/* bench_peer_scale: does a TOTP decision slow down with the number of enrolled users?
 * Two brokers side by side, one with few users (default 100) and one with many (default
 * 100,000), each its own sekimorid and store; the same TOTP + attempt-limit transaction as
 * bench_peer_totp (pam_start_confdir, pam_authenticate, pam_acct_mgmt, pam_end through the
 * built pam_sekimori.so) taken in turns against the two. Each round gives every user of the
 * small broker one transaction and as many different users of the large one; a code is
 * accepted once per user and time step, so the next round waits for the next step (the
 * wait is not measured). Prints the p50 of each and the ratio large ÷ small (issue 11's goal:
 * at most 1.1).
 *
 * Must run as root. Exit status 3 when any transaction had another PAM result than
 * expected, 1 when the set-up failed. */
#include <getopt.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

#ifndef SK_BENCH_SEKIMORID
#define SK_BENCH_SEKIMORID "sekimorid"
#endif
#ifndef SK_BENCH_PAM_MODULE
#define SK_BENCH_PAM_MODULE "pam_sekimori.so"
#endif
#ifndef SK_BENCH_LOCALE_DIR
#define SK_BENCH_LOCALE_DIR "/usr/share/locale"
#endif

struct options {
	size_t small, large, rounds;
	const char *base;
	const char *sekimorid;
	const char *module;
	int keep;
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: bench_peer_scale [options]\n"
	        "  -s N         users of the small broker (default 100)\n"
	        "  -l N         users of the large broker (default 100000)\n"
	        "  -r N         rounds; each waits for a new time step (default 3)\n"
	        "  -d DIR       where the temporary folders go (default $TMPDIR or /tmp)\n"
	        "  -k           keep the temporary folders\n"
	        "  --sekimorid P --module P   the built broker and PAM module\n"
	        "Exit status 3 when any transaction had another PAM result than expected.\n");
}

static void
parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "sekimorid", required_argument, NULL, 'S' },
		{ "module", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tmp = getenv("TMPDIR");
	int opt;

	memset(o, 0, sizeof(*o));
	o->small = 100;
	o->large = 100000;
	o->rounds = 3;
	o->base = tmp != NULL && *tmp != '\0' ? tmp : "/tmp";
	o->sekimorid = getenv("SK_SEKIMORID") ? getenv("SK_SEKIMORID") : SK_BENCH_SEKIMORID;
	o->module = getenv("SK_PAM_MODULE") ? getenv("SK_PAM_MODULE") : SK_BENCH_PAM_MODULE;
	while ((opt = getopt_long(argc, argv, "s:l:r:d:kh", longs, NULL)) != -1) {
		switch (opt) {
		case 's': o->small = strtoul(optarg, NULL, 10); break;
		case 'l': o->large = strtoul(optarg, NULL, 10); break;
		case 'r': o->rounds = strtoul(optarg, NULL, 10); break;
		case 'd': o->base = optarg; break;
		case 'k': o->keep = 1; break;
		case 'S': o->sekimorid = optarg; break;
		case 'M': o->module = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->small < 1 || o->rounds < 1 || o->rounds > 100 || o->large > 1000000 ||
	    o->large < o->small * o->rounds)
		bench_die("need -s >= 1, 1 <= -r <= 100, and -l >= -s x -r (at most 1000000)");
}

static void
remove_tree(const char *dir)
{
	char *argv[] = { "/bin/rm", "-rf", "--", (char *)dir, NULL };
	char out[256];

	if (bench_run(argv, out, sizeof(out)) != 0)
		bench_note("warning: could not remove %s", dir);
}

struct side {
	const char *label;
	struct peer_users u;
	struct peer_sekimori sk;
	char service[32];
	double *ms;
	size_t n, unexpected;
};

static void
one(struct side *sd, const char *pamdir, size_t k)
{
	struct peer_tx t;
	char code[16];

	peer_code_now(sd->u.seed[k], code);
	peer_transaction(pamdir, sd->service, sd->u.name[k], code, &t);
	if (t.auth != PAM_SUCCESS || t.acct != PAM_SUCCESS || t.prompts != 1) {
		if (++sd->unexpected <= 5)
			bench_note("%s: %s: pam_authenticate %s, pam_acct_mgmt %s", sd->label,
			           sd->u.name[k], pam_strerror(NULL, t.auth),
			           t.acct < 0 ? "not called" : pam_strerror(NULL, t.acct));
		return;
	}
	sd->ms[sd->n++] = t.ms;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct side sd[2];
	char run[512], pamdir[600], la0[64], la1[64];
	struct bench_stats st[2];
	size_t total;
	double sys0, self0, wall0, other_s, wall_s;
	struct bench_proc b0[2], b1[2];

	parse(argc, argv, &o);
	if (geteuid() != 0)
		bench_die("must run as root (the broker serves login requests to root peers only)");
	setenv("LANG", "C", 1);
	setenv("LC_ALL", "C", 1);
	snprintf(run, sizeof(run), "%s/sk-peer-scale-XXXXXX", o.base);
	if (mkdtemp(run) == NULL)
		bench_die("mkdtemp under %s", o.base);
	snprintf(pamdir, sizeof(pamdir), "%s/pam.d", run);
	peer_pamdir_make(pamdir);
	memset(sd, 0, sizeof(sd));
	sd[0].label = "small";
	sd[1].label = "large";
	total = o.small * o.rounds;
	for (int s = 0; s < 2; s++) {
		double t0 = bench_now_ms();

		peer_users_make(&sd[s].u, s == 0 ? o.small : o.large);
		peer_sekimori_start(&sd[s].sk, run, o.sekimorid, SK_BENCH_LOCALE_DIR, &sd[s].u);
		snprintf(sd[s].service, sizeof(sd[s].service), "sk-%s", sd[s].label);
		peer_sekimori_service(&sd[s].sk, o.module, pamdir, sd[s].service);
		if ((sd[s].ms = calloc(total, sizeof(double))) == NULL)
			bench_die("allocation");
		bench_note("%s broker: %zu users ready in %.1f s (store filled in %.1f s)", sd[s].label,
		           sd[s].u.n, (bench_now_ms() - t0) / 1e3, sd[s].sk.seed_s);
	}

	peer_loadavg(la0, sizeof(la0));
	for (int s = 0; s < 2; s++)
		bench_proc_read(sd[s].sk.broker, &b0[s]);
	sys0 = bench_system_cpu_s();
	self0 = bench_self_cpu_s();
	wall0 = bench_now_ms();
	wall_s = 0;
	for (size_t r = 0; r < o.rounds; r++) {
		double t0 = bench_now_ms();
		long step;

		for (size_t i = 0; i < o.small; i++) {
			/* The large broker: different users each round, spread over the store. */
			size_t big = (r * o.small + i) * (o.large / total);

			if (i % 2 == 0) {
				one(&sd[0], pamdir, i);
				one(&sd[1], pamdir, big);
			} else {
				one(&sd[1], pamdir, big);
				one(&sd[0], pamdir, i);
			}
		}
		wall_s += (bench_now_ms() - t0) / 1e3;
		if (r + 1 < o.rounds) {
			/* Every code of this round was of a step at or before the current one. */
			step = (long)(time(NULL) / 30);
			bench_note("round %zu done; waiting for the next time step", r + 1);
			while ((long)(time(NULL) / 30) <= step)
				usleep(200000);
		}
	}
	/* CPU of everything else while the rounds ran (the waits included: a share, not a
	 * sum over the rounds alone). */
	for (int s = 0; s < 2; s++)
		bench_proc_read(sd[s].sk.broker, &b1[s]);
	other_s = bench_system_cpu_s() - sys0 - (bench_self_cpu_s() - self0) -
	          (b1[0].cpu_s - b0[0].cpu_s) - (b1[1].cpu_s - b0[1].cpu_s);
	peer_loadavg(la1, sizeof(la1));

	printf("## TOTP decision time against the number of enrolled users\n\n");
	printf("%zu rounds of %zu transactions on each broker, in turns; load average %s before, "
	       "%s after; CPU used by other processes from the first round to the last: %.1f s "
	       "of %.1f s (CPUs x that span, waits for the next time step included).\n\n",
	       o.rounds, o.small, la0, la1, other_s > 0 ? other_s : 0,
	       (bench_now_ms() - wall0) / 1e3 * (double)sysconf(_SC_NPROCESSORS_ONLN));
	printf("| broker | enrolled users | transactions | unexpected | mean ms | p50 ms | p90 ms | "
	       "p99 ms | max ms | sekimorid CPU ms/tx |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int s = 0; s < 2; s++) {
		double cpu = sd[s].n ? (b1[s].cpu_s - b0[s].cpu_s) * 1e3 / (double)sd[s].n : 0;

		bench_stats_of(sd[s].ms, sd[s].n, &st[s]);
		printf("| %s | %zu | %zu | %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
		       sd[s].label, sd[s].u.n, sd[s].n, sd[s].unexpected, st[s].mean, st[s].p50,
		       st[s].p90, st[s].p99, st[s].max, cpu);
	}
	printf("\n**p50 ratio, %zu users ÷ %zu users: %.3f** (mean ratio %.3f; %.1f s of "
	       "transactions).\n\n", o.large, o.small, st[0].p50 > 0 ? st[1].p50 / st[0].p50 : 0,
	       st[0].mean > 0 ? st[1].mean / st[0].mean : 0, wall_s);
	for (int s = 0; s < 2; s++) {
		peer_sekimori_stop(&sd[s].sk);
		peer_users_free(&sd[s].u);
		free(sd[s].ms);
	}
	if (o.keep)
		bench_note("kept %s", run);
	else
		remove_tree(run);
	total = sd[0].unexpected + sd[1].unexpected;
	printf("%s: %zu transaction%s with another PAM result than expected.\n",
	       total ? "FAILED" : "OK", total, total == 1 ? "" : "s");
	return total ? 3 : 0;
}
