/* Whole PAM transactions through real libpam and the built module, one client or many. */
#include <security/pam_appl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void
note(struct bench_conv *cv, const char *what, const char *text)
{
	size_t len = strlen(cv->transcript);

	snprintf(cv->transcript + len, sizeof(cv->transcript) - len, "%s%s | ", what, text);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct bench_conv *cv = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (cv->next >= cv->n) {
				note(cv, "? (no answer left) ", msg[i]->msg);
				for (int k = 0; k < i; k++)
					free(r[k].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(cv->answers[cv->next++]);
			break;
		case PAM_ERROR_MSG:
			note(cv, "! ", msg[i]->msg);
			break;
		default:
			break;   /* banner, last login: what a terminal would show */
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

void
bench_write_service(const struct bench_env *e)
{
	static const char *phases[] = { "auth", "account", "password", "session" };
	char path[700], text[4096];
	size_t off = 0;

	for (int i = 0; i < 4; i++) {
		int n = snprintf(text + off, sizeof(text) - off, "%-8s required %s profile="
		                 BENCH_PROFILE " conf=%s\n", phases[i], e->module, e->conf);
		if (n < 0 || (size_t)n >= sizeof(text) - off)
			bench_die("PAM service text too long");
		off += (size_t)n;
	}
	snprintf(path, sizeof(path), "%s/" BENCH_SERVICE, e->pamdir);
	bench_write_file(path, text);
	/* The "other" service /etc/pam.d has: without it libpam logs "no default config other"
	 * at every pam_start_confdir (to /dev/console when no syslog daemon listens). */
	snprintf(path, sizeof(path), "%s/other", e->pamdir);
	bench_write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n"
	                 "password required pam_deny.so\nsession required pam_deny.so\n");
}

static int
failed(pam_handle_t *h, struct bench_conv *cv, const char *call, int r, char *why, size_t whysz)
{
	snprintf(why, whysz, "%s: %s; module said: %s", call, pam_strerror(h, r), cv->transcript);
	if (h != NULL)
		pam_end(h, r);
	return -1;
}

/* The PAM calls of one login between pam_start and pam_end, in the order of enum
 * bench_phase (PH_AUTH .. PH_CLOSE). */
static const struct {
	const char *name;
	int (*call)(pam_handle_t *h, int flags);
} phases[] = {
	{ "pam_authenticate", pam_authenticate },
	{ "pam_acct_mgmt", pam_acct_mgmt },
	{ "pam_open_session", pam_open_session },
	{ "pam_close_session", pam_close_session },
};
_Static_assert(sizeof(phases) / sizeof(phases[0]) == PH_END - PH_AUTH, "one call per phase");

int
bench_pam_login(const struct bench_env *e, const char *user, const char *code,
                double *total_ms, double ph[PH_COUNT], char *why, size_t whysz)
{
	struct bench_conv cv = { .answers = { BENCH_PASSWORD, code }, .n = 2 };
	struct pam_conv c = { conv, &cv };
	pam_handle_t *h = NULL;
	double t[PH_COUNT + 1];
	int r;

	t[PH_START] = bench_now_ms();
	if ((r = pam_start_confdir(BENCH_SERVICE, user, &c, e->pamdir, &h)) != PAM_SUCCESS)
		return failed(NULL, &cv, "pam_start_confdir", r, why, whysz);
	if ((r = pam_set_item(h, PAM_TTY, "pts/1")) != PAM_SUCCESS)
		return failed(h, &cv, "pam_set_item", r, why, whysz);
	t[PH_AUTH] = bench_now_ms();
	/* The timed phases between start and end, each ending where the next begins. */
	for (int i = 0; i < (int)(sizeof(phases) / sizeof(phases[0])); i++) {
		if ((r = phases[i].call(h, 0)) != PAM_SUCCESS)
			return failed(h, &cv, phases[i].name, r, why, whysz);
		t[PH_AUTH + 1 + i] = bench_now_ms();
	}
	if ((r = pam_end(h, PAM_SUCCESS)) != PAM_SUCCESS)
		return failed(NULL, &cv, "pam_end", r, why, whysz);
	t[PH_COUNT] = bench_now_ms();
	for (int i = 0; i < PH_COUNT; i++)
		ph[i] = t[i + 1] - t[i];
	*total_ms = t[PH_COUNT] - t[0];
	return 0;
}

int
bench_pam_chauthtok(const struct bench_env *e, const char *user, const char *old_pw,
                    const char *new_pw, char *why, size_t whysz)
{
	struct bench_conv cv = { .answers = { old_pw, new_pw, new_pw }, .n = 3 };
	struct pam_conv c = { conv, &cv };
	pam_handle_t *h = NULL;
	int r;

	if ((r = pam_start_confdir(BENCH_SERVICE, user, &c, e->pamdir, &h)) != PAM_SUCCESS)
		return failed(NULL, &cv, "pam_start_confdir", r, why, whysz);
	if ((r = pam_chauthtok(h, PAM_CHANGE_EXPIRED_AUTHTOK)) != PAM_SUCCESS)
		return failed(h, &cv, "pam_chauthtok", r, why, whysz);
	return pam_end(h, PAM_SUCCESS) == PAM_SUCCESS ? 0 : -1;
}

struct phase_run {
	const struct bench_env *e;
	struct bench_pool *pool;
	size_t tx;
	atomic_size_t issued;
	atomic_size_t failed;
	atomic_int done;
	double *lat;               /* one slot per transaction */
	double *ph;                /* PH_COUNT slots per transaction */
	int max_threads;           /* the broker's, sampled */
};

static void *
client(void *arg)
{
	struct phase_run *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->issued, 1)) < p->tx) {
		char code[16], why[2600];
		struct bench_user *u = bench_pool_take(p->pool, code, sizeof(code));

		p->lat[i] = -1;
		if (bench_pam_login(p->e, u->name, code, &p->lat[i], &p->ph[i * PH_COUNT], why,
		                    sizeof(why)) != 0) {
			if (atomic_fetch_add(&p->failed, 1) < 5)
				bench_note("login %s failed: %s", u->name, why);
			p->lat[i] = -1;
		}
		bench_pool_give_back(p->pool, u);
	}
	return NULL;
}

static void *
sampler(void *arg)
{
	struct phase_run *p = arg;

	while (!atomic_load(&p->done)) {
		struct bench_proc bp;

		if (bench_proc_read(p->e->broker, &bp) == 0 && bp.threads > p->max_threads)
			p->max_threads = bp.threads;
		usleep(20000);
	}
	return NULL;
}

void
bench_run_phase(const struct bench_env *e, struct bench_pool *pool, int threads, size_t tx,
                struct bench_phase_result *out)
{
	struct phase_run p = { .e = e, .pool = pool, .tx = tx };
	struct bench_proc before, after;
	pthread_t *t = calloc((size_t)threads, sizeof(*t)), samp;
	double wall0, cpu0, sys0, waited0;
	char stat_out[700];
	pid_t perf = 0;
	size_t ok = 0;

	p.lat = calloc(tx, sizeof(*p.lat));
	p.ph = calloc(tx * PH_COUNT, sizeof(*p.ph));
	if (t == NULL || p.lat == NULL || p.ph == NULL)
		bench_die("allocation");
	memset(out, 0, sizeof(*out));
	if (bench_proc_reset_hwm(e->broker) != 0)
		bench_note("warning: cannot reset the broker's VmHWM; peak is since its start");
	if (bench_perf_stat) {
		snprintf(stat_out, sizeof(stat_out), "%s/perf-stat-%d.csv", e->dir, threads);
		perf = bench_perf_stat_start(e->broker, stat_out);
	}
	bench_proc_read(e->broker, &before);
	waited0 = pool->waited_ms;
	cpu0 = bench_self_cpu_s();
	sys0 = bench_system_cpu_s();
	wall0 = bench_now_ms();
	pthread_create(&samp, NULL, sampler, &p);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, client, &p) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	out->wall_s = (bench_now_ms() - wall0) / 1e3;
	out->client_cpu_s = bench_self_cpu_s() - cpu0;
	bench_proc_read(e->broker, &after);
	out->other_cpu_s = bench_system_cpu_s() - sys0;
	atomic_store(&p.done, 1);
	pthread_join(samp, NULL);
	if (perf > 0)
		bench_perf_stat_stop(perf, stat_out, &out->counts);

	/* Successful logins only in the latency figures; failures are counted apart. */
	for (size_t i = 0; i < tx; i++) {
		if (p.lat[i] < 0)
			continue;
		for (int k = 0; k < PH_COUNT; k++)
			out->phase_mean_ms[k] += p.ph[i * PH_COUNT + k];
		p.lat[ok++] = p.lat[i];
	}
	for (int k = 0; k < PH_COUNT && ok > 0; k++)
		out->phase_mean_ms[k] /= (double)ok;
	bench_stats_of(p.lat, ok, &out->lat);
	out->threads = threads;
	out->tx = ok;
	out->failed = atomic_load(&p.failed);
	out->tps = (double)ok / out->wall_s;
	out->broker_cpu_s = after.cpu_s - before.cpu_s;
	out->other_cpu_s -= out->broker_cpu_s + out->client_cpu_s;
	if (out->other_cpu_s < 0)
		out->other_cpu_s = 0;   /* the counters tick at different times */
	out->broker_hwm_kb = after.hwm_kb;
	out->broker_threads_max = p.max_threads;
	out->waited_ms = pool->waited_ms - waited0;
	free(p.lat);
	free(p.ph);
	free(t);
}
