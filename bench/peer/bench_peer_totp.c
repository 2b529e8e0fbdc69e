/* bench_peer_totp: one TOTP + attempt-limit transaction per user (pam_start_confdir,
 * pam_authenticate, pam_acct_mgmt, pam_end) through real libpam in this process, for three
 * stacks side by side in the same run, at each enrolled-user count given:
 *   - Sekimori: the built pam_sekimori.so and its own sekimorid on a temporary store;
 *   - pam_oath.so (one users file with every user) + pam_faillock.so;
 *   - pam_google_authenticator.so (one secret file per user) + pam_faillock.so.
 * The transactions are taken in turns (one user, each stack, next user; the stack that goes
 * first rotates), so every stack sees the same machine. Each measured transaction uses a
 * different user, with the code for the current time step computed in-process (RFC 6238).
 * After the measured transactions, a lockout check per stack (not timed). Prints markdown.
 *
 * Must run as root (the broker answers login requests from root peers only). Exit status 3
 * when any transaction had another PAM result than expected (the tables are printed
 * anyway), 1 when the set-up failed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#define SIZES_MAX 8
#define STACKS 3

static const char *const stack_label[STACKS] = {
	"Sekimori (pam_sekimori + sekimorid)",
	"pam_oath + pam_faillock",
	"pam_google_authenticator + pam_faillock",
};
static const char *const stack_service[STACKS] = { "sk-sekimori", PEER_OATH_SERVICE, "sk-google" };

struct options {
	size_t sizes[SIZES_MAX];
	size_t n_sizes;
	size_t tx;
	size_t warmup;
	const char *base;
	const char *sekimorid;
	const char *module;
	int keep;
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: bench_peer_totp [options]\n"
	        "  -u N         enrolled users; repeatable (default 1000 and 10000)\n"
	        "  -n N         measured transactions per stack and size, each a different user\n"
	        "               (default 1000, at most users - warm-up - 1)\n"
	        "  -w N         warm-up transactions per stack, not reported (default 20)\n"
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
	o->tx = 1000;
	o->warmup = 20;
	o->base = tmp != NULL && *tmp != '\0' ? tmp : "/tmp";
	o->sekimorid = getenv("SK_SEKIMORID") ? getenv("SK_SEKIMORID") : SK_BENCH_SEKIMORID;
	o->module = getenv("SK_PAM_MODULE") ? getenv("SK_PAM_MODULE") : SK_BENCH_PAM_MODULE;
	while ((opt = getopt_long(argc, argv, "u:n:w:d:kh", longs, NULL)) != -1) {
		switch (opt) {
		case 'u':
			if (o->n_sizes >= SIZES_MAX)
				bench_die("at most %d sizes", SIZES_MAX);
			o->sizes[o->n_sizes++] = strtoul(optarg, NULL, 10);
			break;
		case 'n': o->tx = strtoul(optarg, NULL, 10); break;
		case 'w': o->warmup = strtoul(optarg, NULL, 10); break;
		case 'd': o->base = optarg; break;
		case 'k': o->keep = 1; break;
		case 'S': o->sekimorid = optarg; break;
		case 'M': o->module = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->n_sizes == 0) {
		o->sizes[0] = 1000;
		o->sizes[1] = 10000;
		o->n_sizes = 2;
	}
	for (size_t i = 0; i < o->n_sizes; i++)
		if (o->sizes[i] < o->warmup + 2 || o->sizes[i] > 1000000)
			bench_die("-u %zu: need more users than warm-up + 1, and at most 1000000",
			          o->sizes[i]);
	if (o->tx < 1)
		bench_die("-n must be at least 1");
}

struct stack_result {
	double *ms;
	size_t n;
	size_t unexpected;
	double sum_ms;
	double call_ms[PC_COUNT];   /* sums over the expected transactions */
};

static int
expected(const struct peer_tx *tx)
{
	return tx->auth == PAM_SUCCESS && tx->acct == PAM_SUCCESS && tx->prompts == 1;
}

static void
note_unexpected(int stack, const char *user, const struct peer_tx *tx, size_t count)
{
	if (count <= 5)
		bench_note("%s: %s: pam_authenticate %s, pam_acct_mgmt %s, %d prompt(s)",
		           stack_label[stack], user, pam_strerror(NULL, tx->auth),
		           tx->acct < 0 ? "not called" : pam_strerror(NULL, tx->acct), tx->prompts);
}

static void
remove_tree(const char *dir)
{
	char *argv[] = { "/bin/rm", "-rf", "--", (char *)dir, NULL };
	char out[256];

	if (bench_run(argv, out, sizeof(out)) != 0)
		bench_note("warning: could not remove %s", dir);
}

/* One size: set-up, warm-up, the measured turns, the lockout check, the table. Returns the
 * number of transactions with an unexpected result. */
static size_t
run_size(const struct options *o, size_t n_users)
{
	struct peer_users u;
	struct peer_sekimori sk;
	struct stack_result res[STACKS];
	char run[512], pamdir[600], sub[600], la0[64], la1[64];
	size_t spare = o->warmup + 1, usable = n_users - spare, tx = o->tx < usable ? o->tx : usable;
	size_t bad = 0;
	struct bench_proc b0, b1;
	double t0, wall_s, self0, sys0, other_s, setup0 = bench_now_ms();
	char sync_path[700];
	double *sync_ms = NULL;
	int sync_fd;

	peer_users_make(&u, n_users);
	snprintf(run, sizeof(run), "%s/sk-peer-run-XXXXXX", o->base);
	if (mkdtemp(run) == NULL)
		bench_die("mkdtemp under %s", o->base);
	snprintf(pamdir, sizeof(pamdir), "%s/pam.d", run);
	peer_pamdir_make(pamdir);
	peer_sekimori_start(&sk, run, o->sekimorid, SK_BENCH_LOCALE_DIR, &u);
	peer_sekimori_service(&sk, o->module, pamdir, stack_service[0]);
	snprintf(sub, sizeof(sub), "%s/oath", run);
	peer_oath_setup(sub, &u, pamdir, stack_service[1]);
	snprintf(sub, sizeof(sub), "%s/google", run);
	peer_google_setup(sub, &u, pamdir, stack_service[2]);
	bench_note("%zu users ready in %.1f s (Sekimori's store filled in %.1f s); %zu "
	           "transactions per stack", n_users, (bench_now_ms() - setup0) / 1e3, sk.seed_s, tx);

	memset(res, 0, sizeof(res));
	for (int s = 0; s < STACKS; s++)
		if ((res[s].ms = calloc(tx, sizeof(double))) == NULL)
			bench_die("allocation");
	/* Warm-up: the last users but one (first connections, page cache). Checked, not timed. */
	for (size_t i = 0; i < o->warmup; i++)
		for (int s = 0; s < STACKS; s++) {
			struct peer_tx t;
			char code[16];
			size_t k = usable + i;   /* usable .. n_users - 2 */

			peer_code_now(u.seed[k], code);
			peer_transaction(pamdir, stack_service[s], u.name[k], code, &t);
			if (!expected(&t)) {
				note_unexpected(s, u.name[k], &t, ++res[s].unexpected);
			}
		}

	snprintf(sync_path, sizeof(sync_path), "%s/fdatasync.probe", run);
	if ((sync_fd = open(sync_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0 ||
	    (sync_ms = calloc(tx, sizeof(double))) == NULL)
		bench_die("%s: %s", sync_path, strerror(errno));
	peer_loadavg(la0, sizeof(la0));
	bench_proc_read(sk.broker, &b0);
	self0 = bench_self_cpu_s();
	sys0 = bench_system_cpu_s();
	t0 = bench_now_ms();
	for (size_t i = 0; i < tx; i++) {
		/* Users spread over the whole population (and over pam_oath's file). */
		size_t k = (size_t)((double)i * (double)usable / (double)tx);

		for (int j = 0; j < STACKS; j++) {
			int s = (int)((i + (size_t)j) % STACKS);
			struct peer_tx t;
			char code[16];

			peer_code_now(u.seed[k], code);
			peer_transaction(pamdir, stack_service[s], u.name[k], code, &t);
			if (!expected(&t)) {
				note_unexpected(s, u.name[k], &t, ++res[s].unexpected);
				continue;
			}
			res[s].ms[res[s].n++] = t.ms;
			res[s].sum_ms += t.ms;
			for (int c = 0; c < PC_COUNT; c++)
				res[s].call_ms[c] += t.call_ms[c];
		}
		/* The disk's floor in the same turns: one durable 300-byte append. */
		sync_ms[i] = peer_fdatasync_ms(sync_fd);
	}
	close(sync_fd);
	unlink(sync_path);
	wall_s = (bench_now_ms() - t0) / 1e3;
	bench_proc_read(sk.broker, &b1);
	other_s = bench_system_cpu_s() - sys0 - (bench_self_cpu_s() - self0) - (b1.cpu_s - b0.cpu_s);
	peer_loadavg(la1, sizeof(la1));

	printf("### %zu enrolled users\n\n", n_users);
	printf("One client, %zu transactions per stack in turns; load average %s before, %s "
	       "after; CPU used by other processes during the turns: %.1f s of %.1f s "
	       "(wall time x %ld CPUs).\n\n", tx, la0, la1, other_s > 0 ? other_s : 0,
	       wall_s * (double)sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_ONLN));
	printf("| stack | transactions | unexpected | tx/s | mean ms | p50 ms | p90 ms | p99 ms | "
	       "max ms | Sekimori tx/s ÷ this |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	{
		double sk_tps = res[0].sum_ms > 0 ? 1e3 * (double)res[0].n / res[0].sum_ms : 0;

		for (int s = 0; s < STACKS; s++) {
			struct bench_stats st;
			double tps = res[s].sum_ms > 0 ? 1e3 * (double)res[s].n / res[s].sum_ms : 0;

			bench_stats_of(res[s].ms, res[s].n, &st);
			printf("| %s | %zu | %zu | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
			       stack_label[s], res[s].n, res[s].unexpected, tps, st.mean, st.p50, st.p90,
			       st.p99, st.max, tps > 0 ? sk_tps / tps : 0);
			bad += res[s].unexpected;
		}
	}
	printf("\nsekimorid CPU per Sekimori transaction: %.2f ms (its own process; the others "
	       "run in this one). tx/s = transactions ÷ the sum of their wall times.\n\n",
	       res[0].n ? (b1.cpu_s - b0.cpu_s) * 1e3 / (double)res[0].n : 0);
	printf("Mean ms per PAM call:\n\n| stack | pam_start_confdir | pam_authenticate | "
	       "pam_acct_mgmt | pam_end |\n|---|---:|---:|---:|---:|\n");
	for (int s = 0; s < STACKS; s++) {
		printf("| %s |", stack_label[s]);
		for (int c = 0; c < PC_COUNT; c++)
			printf(" %.2f |", res[s].n ? res[s].call_ms[c] / (double)res[s].n : 0);
		printf("\n");
	}
	{
		struct bench_stats ss;

		bench_stats_of(sync_ms, tx, &ss);
		printf("\nThe disk in the same turns (write 300 B + fdatasync, one per turn, %zu): "
		       "mean %.2f ms, p50 %.2f, p90 %.2f, p99 %.2f.\n\n", ss.n, ss.mean, ss.p50,
		       ss.p90, ss.p99);
	}
	free(sync_ms);

	printf("Lockout check (not timed), user %s, deny = %d for all three: %d wrong codes, "
	       "then the right one (result of pam_authenticate):\n\n", u.name[n_users - 1],
	       PEER_DENY, PEER_DENY);
	printf("| stack |");
	for (int i = 0; i < PEER_DENY; i++)
		printf(" wrong code %d |", i + 1);
	printf(" right code after |  |\n|---|");
	for (int i = 0; i < PEER_DENY; i++)
		printf("---|");
	printf("---|---|\n");
	for (int s = 0; s < STACKS; s++)
		bad += peer_lockout_check(stack_label[s], pamdir, stack_service[s], u.name[n_users - 1],
		                          u.seed[n_users - 1]);
	printf("\n");
	fflush(stdout);

	peer_sekimori_stop(&sk);
	for (int s = 0; s < STACKS; s++)
		free(res[s].ms);
	peer_users_free(&u);
	if (o->keep) {
		bench_note("kept %s", run);
	} else {
		remove_tree(run);
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct options o;
	size_t max = 0, bad = 0;
	char la[64];

	parse(argc, argv, &o);
	if (geteuid() != 0)
		bench_die("must run as root (the broker serves login requests to root peers only)");
	for (size_t i = 0; i < o.n_sizes; i++)
		if (o.sizes[i] > max)
			max = o.sizes[i];
	peer_nss_reexec(argc, argv, o.base, max);
	setenv("LANG", "C", 1);
	setenv("LC_ALL", "C", 1);
	peer_loadavg(la, sizeof(la));
	printf("## TOTP + attempt limit: Sekimori against pam_oath and google-authenticator, each "
	       "with pam_faillock\n\nLoad average at the start: %s. Module: %s.\n\n", la, o.module);
	for (size_t i = 0; i < o.n_sizes; i++)
		bad += run_size(&o, o.sizes[i]);
	printf("%s: %zu transaction%s with another PAM result than expected.\n",
	       bad ? "FAILED" : "OK", bad, bad == 1 ? "" : "s");
	return bad ? 3 : 0;
}
