/* The one way every benchmark runs its sekimorid: started on the configuration the bench
 * wrote (e->conf), its stderr in DIR/broker.log, ready once its socket exists; stopped
 * with SIGTERM; its folder removed. And the TOTP code a bench user's seed gives at a step.
 * bench_broker.c (bench_pam_login, bench_priv_expiry, bench_cluster) and bench/load share
 * it; what differs between them is only the configuration they write. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sk_totp.h"

static void
wait_for_socket(const struct bench_env *e)
{
	struct stat st;

	for (int i = 0; i < 400; i++) {
		int status;

		if (stat(e->socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		if (waitpid(e->broker, &status, WNOHANG) == e->broker)
			bench_die("sekimorid exited early (status %d); see %s/broker.log", status, e->dir);
		usleep(25000);
	}
	bench_die("sekimorid did not create %s", e->socket);
}

void
bench_broker_spawn(struct bench_env *e)
{
	char log[sizeof(e->dir) + 16];

	snprintf(log, sizeof(log), "%s/broker.log", e->dir);
	e->broker = fork();
	if (e->broker < 0)
		bench_die("fork: %s", strerror(errno));
	if (e->broker == 0) {
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		execl(e->sekimorid, "sekimorid", "-c", e->conf, "-f", (char *)NULL);
		_exit(127);
	}
	wait_for_socket(e);
}

void
bench_env_stop(struct bench_env *e)
{
	int status;

	if (e->broker <= 0)
		return;
	kill(e->broker, SIGTERM);
	while (waitpid(e->broker, &status, 0) < 0 && errno == EINTR)
		;
	e->broker = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_note("warning: sekimorid ended with status %d (see %s/broker.log)", status, e->dir);
}

void
bench_env_remove(const struct bench_env *e)
{
	char *argv[] = { "/bin/rm", "-rf", "--", (char *)e->dir, NULL };
	char out[256];

	if (bench_run(argv, out, sizeof(out)) != 0)
		bench_note("warning: could not remove %s", e->dir);
}

void
bench_totp_at(const unsigned char *seed, int64_t step, char *code, size_t codesz)
{
	struct sk_totp_params p;

	sk_totp_params_default(&p);
	if (sk_totp_generate(seed, BENCH_SEED_LEN, &p, (time_t)(step * BENCH_PERIOD), code,
	                     codesz) != 0)
		bench_die("sk_totp_generate failed");
}
