/* bench_priv_expiry: from a grant's end to the last process of its privileged sessions gone,
 * with 1, 10 and 100 live privileged sessions ending at the same second (issue 9, item 11;
 * doc/performance.md "Privileged sessions: grant end to last process gone").
 *
 * Everything is the real path: a real sekimorid on a private folder, users made with the real
 * CLI (bench_broker.c), and for each session a process that logs in through libpam and the
 * built pam_sekimori.so on a privileged service (password + TOTP, account phase with the
 * grant, session open), so the module starts the real session agent; the process then starts
 * two children that wait, as a shell's commands would. The grants are written into the store
 * with SQLite (state active, ends = the round's deadline), as an approved request leaves them.
 * At the deadline the broker's timer orders every session ended and each agent kills its
 * session. Measured: for each session, the time from the deadline (the grant's end, a whole
 * second) until none of its three processes runs any more (/proc, 1 ms polling), and for the
 * round the latest of them. A program, not a test: it reports, it asserts nothing.
 *
 *   bench_priv_expiry [-t TMPDIR] [-n 1,10,100]
 */
#include <errno.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PRIV_SERVICE "sk-bench-priv"
#define ROUNDS_MAX 8
#define SESSIONS_MAX 200

struct leader {
	pid_t pid[3];   /* the PAM application (leader) and its two children */
	double gone_ms; /* after the deadline */
};

static const char *agent_path = SK_BENCH_AGENT;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
append_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		bench_die("cannot append to %s", path);
}

/* The privileged role and service, added to the bench's configuration; the broker is
 * restarted on it. */
static void
make_privileged(struct bench_env *e)
{
	char text[2048], path[700];
	int status;

	bench_env_stop(e);
	snprintf(text, sizeof(text), "[role ops]\nservices = " PRIV_SERVICE "\nmax_minutes = 60\n"
	         "[role ciso]\nholders = nobody\n");
	append_file(e->conf, text);
	snprintf(path, sizeof(path), "%s/" PRIV_SERVICE, e->pamdir);
	snprintf(text, sizeof(text),
	         "auth     required %s profile=" BENCH_PROFILE " conf=%s\n"
	         "account  required %s profile=" BENCH_PROFILE " conf=%s\n"
	         "session  required %s profile=" BENCH_PROFILE " conf=%s session_agent=%s\n",
	         e->module, e->conf, e->module, e->conf, e->module, e->conf, agent_path);
	bench_write_file(path, text);
	snprintf(path, sizeof(path), "%s/broker.log", e->dir);
	e->broker = fork();
	if (e->broker < 0)
		bench_die("fork: %s", strerror(errno));
	if (e->broker == 0) {
		if (freopen(path, "a", stderr) == NULL)
			_exit(126);
		execl(e->sekimorid, "sekimorid", "-c", e->conf, "-f", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400 && access(e->socket, F_OK) != 0; i++) {
		if (waitpid(e->broker, &status, WNOHANG) == e->broker)
			bench_die("sekimorid exited on the privileged configuration (see %s)", path);
		usleep(25000);
	}
}

static void
insert_grant(const struct bench_env *e, const char *user, int64_t ends)
{
	char path[700], *sql, *err = NULL;
	sqlite3 *db;
	int64_t now = time(NULL);

	snprintf(path, sizeof(path), "%s/state/sekimori.db", e->dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("cannot open %s", path);
	sqlite3_busy_timeout(db, 10000);
	sql = sqlite3_mprintf("INSERT INTO grants(role, requester, reason, minutes, state, created,"
	                      " approver1, approved1_at, starts, ends, services) VALUES('ops', %Q,"
	                      " 'bench', 60, 2, %lld, 'approver', %lld, %lld, %lld, %Q)", user,
	                      (long long)now, (long long)now, (long long)now - 1, (long long)ends,
	                      PRIV_SERVICE);
	if (sql == NULL || sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		bench_die("grant for %s: %s", user, err ? err : "no memory");
	sqlite3_free(sql);
	sqlite3_close(db);
}

struct conv_data {
	const char *answers[2];
	int next;
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct conv_data *d = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if ((msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
		    && d->next < 2)
			r[i].resp = strdup(d->answers[d->next++]);
	*resp = r;
	return PAM_SUCCESS;
}

/* In the leader process: logs in and opens the privileged session, starts two children that
 * wait, reports the three pids on fd and waits to be ended. Never returns. */
static void __attribute__((noreturn))
leader(const struct bench_env *e, const char *user, const char *code, int fd)
{
	struct conv_data d = { .answers = { BENCH_PASSWORD, code } };
	struct pam_conv c = { conv, &d };
	pam_handle_t *h = NULL;
	pid_t pids[3] = { getpid(), 0, 0 };

	const char *step = "pam_start";
	int r = pam_start_confdir(PRIV_SERVICE, user, &c, e->pamdir, &h);

	if (r == PAM_SUCCESS && (r = pam_set_item(h, PAM_TTY, "ssh")) == PAM_SUCCESS &&
	    (step = "pam_authenticate", r = pam_authenticate(h, 0)) == PAM_SUCCESS &&
	    (step = "pam_acct_mgmt", r = pam_acct_mgmt(h, 0)) == PAM_SUCCESS)
		step = "pam_open_session", r = pam_open_session(h, 0);
	if (r != PAM_SUCCESS) {
		bench_note("%s: %s: %s", user, step, pam_strerror(h, r));
		_exit(3);
	}
	for (int i = 1; i < 3; i++)
		if ((pids[i] = fork()) == 0) {
			close(fd);
			for (;;)
				pause();
		}
	if (write(fd, pids, sizeof(pids)) != (ssize_t)sizeof(pids))
		_exit(4);
	close(fd);
	for (;;)
		pause();
}

static int
running(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] != 'Z';
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One round: n sessions, one deadline. Returns 0, or -1 when a login failed or the logins
 * took longer than the margin (the round is then not measured). */
static int
round_of(struct bench_env *e, struct bench_pool *pool, size_t n, double *last, double *median,
         double *first)
{
	struct leader *l = calloc(n, sizeof(*l));
	double *gone = calloc(n, sizeof(*gone));
	/* Logins take about 0.1-0.3 s each here: the deadline leaves room for all of them. */
	int64_t ends = time(NULL) + 4 + (int64_t)(n * 3 / 10), deadline_ms = ends * 1000;
	size_t left = n;
	int failed = 0;

	if (l == NULL || gone == NULL)
		bench_die("no memory");
	for (size_t i = 0; i < n; i++) {
		char code[16];
		struct bench_user *u = bench_pool_take(pool, code, sizeof(code));
		int p[2], status;
		pid_t pid;

		insert_grant(e, u->name, ends);
		if (pipe(p) != 0 || (pid = fork()) < 0)
			bench_die("pipe/fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[0]);
			leader(e, u->name, code, p[1]);
		}
		close(p[1]);
		if (read(p[0], l[i].pid, sizeof(l[i].pid)) != (ssize_t)sizeof(l[i].pid)) {
			bench_note("session %zu of %s did not open", i, u->name);
			(void)waitpid(pid, &status, 0);
			failed = 1;
		}
		close(p[0]);
		bench_pool_give_back(pool, u);
		if (failed)
			break;
	}
	if (!failed && wall_ms() >= deadline_ms) {
		bench_note("the %zu logins took past the deadline: round not measured", n);
		failed = 1;
	}
	while (!failed && left > 0 && wall_ms() < deadline_ms + 30000) {
		for (size_t i = 0; i < n; i++) {
			if (l[i].gone_ms != 0)
				continue;
			if (!running(l[i].pid[0]) && !running(l[i].pid[1]) && !running(l[i].pid[2])) {
				l[i].gone_ms = (double)(wall_ms() - deadline_ms);
				if (l[i].gone_ms == 0)
					l[i].gone_ms = 0.001;
				left--;
			}
		}
		for (int k; (k = waitpid(-1, NULL, WNOHANG)) > 0;)
			;
		usleep(1000);
	}
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++)
			if (l[i].pid[k] > 0)
				kill(l[i].pid[k], SIGKILL);   /* a session the agent missed, if any */
		gone[i] = l[i].gone_ms;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (!failed && left > 0)
		bench_note("%zu of %zu sessions still ran 30 s after the deadline", left, n);
	qsort(gone, n, sizeof(*gone), cmp_double);
	*first = gone[0];
	*median = gone[n / 2];
	*last = left > 0 ? -1 : gone[n - 1];
	free(l);
	free(gone);
	return failed ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct bench_env e = { .sekimorid = SK_BENCH_SEKIMORID, .cli = SK_BENCH_CLI,
	                       .module = SK_BENCH_PAM_MODULE, .locale_dir = SK_BENCH_LOCALE_DIR };
	struct bench_pool pool;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t rounds[ROUNDS_MAX] = { 1, 10, 100 }, n_rounds = 3, most = 0;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't') {
			tmp = optarg;
		} else if (opt == 'n') {
			char *s = optarg, *end;

			for (n_rounds = 0; *s && n_rounds < ROUNDS_MAX; s = *end ? end + 1 : end) {
				rounds[n_rounds] = strtoul(s, &end, 10);
				if (rounds[n_rounds] == 0 || rounds[n_rounds] > SESSIONS_MAX)
					bench_die("-n: session counts 1..%d, comma-separated", SESSIONS_MAX);
				n_rounds++;
			}
		} else {
			bench_die("usage: bench_priv_expiry [-t TMPDIR] [-n 1,10,100]");
		}
	}
	for (size_t i = 0; i < n_rounds; i++)
		most = rounds[i] > most ? rounds[i] : most;
	if (geteuid() != 0)
		bench_die("run as root: the module and the session agent act as root");
	bench_env_start(&e, tmp);
	bench_note("setting up %zu users...", most);
	bench_pool_setup(&e, &pool, most, 2);
	make_privileged(&e);
	printf("| live privileged sessions | grant end -> last process gone (ms) | median session (ms) "
	       "| first session (ms) |\n|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n_rounds; i++) {
		double last, median, first;

		bench_note("round: %zu sessions", rounds[i]);
		if (round_of(&e, &pool, rounds[i], &last, &median, &first) != 0 || last < 0) {
			printf("| %zu | not measured (see stderr) | | |\n", rounds[i]);
			rc = 3;
			continue;
		}
		printf("| %zu | %.0f | %.0f | %.0f |\n", rounds[i], last, median, first);
		fflush(stdout);
	}
	bench_env_stop(&e);
	if (getenv("SK_BENCH_KEEP") == NULL)   /* keep the folder (broker log, audit) to look at */
		bench_env_remove(&e);
	else
		bench_note("kept %s", e.dir);
	return rc;
}
