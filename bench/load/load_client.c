/* The load generator's clients: each decision is what the shipped stack
 * (conf/pam.d/sekimori-stack) asks of the broker for one login, sent with the typed calls the
 * PAM module uses, without libpam: a new connection, PREAUTH (a place in the attempt limit),
 * AUTH_BEGIN, AUTH_FINISH with the stack's knowledge and a TOTP code computed here, close.
 *
 * A right code is the code of a step the user has not spent (the broker refuses replays), so
 * a user gives at most the steps the window allows ahead of the clock, then one per 30 s. A
 * wrong code matches no step within the window either side: the broker denies it and
 * counts a failure. Of every wrong_per_right + 1 decisions in a phase, the last has a right
 * code, the others wrong ones; a wrong code goes only to a user whose failures stay below
 * deny, and a right one clears them, so no user is locked. Every verdict is checked: DENIED
 * with exactly deny - failures remaining for a wrong code, OK for a right one. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_totp.h"
#include "skc_auth.h"

#define CLIENT_STACK (256 * 1024)
/* The PAM module's default request_timeout_ms: a decision slower than that would be a
 * refused login. */
#define CLIENT_TIMEOUT_MS 15000

/* A code that matches no step within window + 1 either side of now_step (the clock may tick
 * during the decision). */
static void
wrong_code(const struct load_user *u, int64_t now_step, unsigned window, char *code,
           size_t codesz)
{
	char near[2 * 8 + 3][16];
	int64_t w = (int64_t)window + 1;
	size_t n = 0;
	unsigned v;

	for (int64_t s = now_step - w; s <= now_step + w && n < sizeof(near) / sizeof(near[0]); s++)
		bench_totp_at(u->seed, s, near[n++], sizeof(near[0]));
	v = (unsigned)strtoul(near[0], NULL, 10);
	for (;;) {
		int clash = 0;

		v = (v + 1) % 1000000;
		snprintf(code, codesz, "%06u", v);
		for (size_t i = 0; i < n; i++)
			clash |= strcmp(code, near[i]) == 0;
		if (!clash)
			return;
	}
}

/* A user not in use that can take a decision of this kind, and its code: for a wrong code,
 * one whose failures stay below deny after it; for a right one, one with a step it has not
 * spent within the window. Waits when there is none. */
static struct load_user *
take(struct load_pool *pool, enum load_kind kind, char *code, size_t codesz)
{
	double t0 = bench_now_ms();
	int waited = 0;

	for (;;) {
		int64_t now_step = (int64_t)(time(NULL) / BENCH_PERIOD);

		pthread_mutex_lock(&pool->mu);
		for (size_t k = 0; k < pool->n; k++) {
			size_t i = (pool->cursor + k) % pool->n;
			struct load_user *u = &pool->users[i];
			/* One step behind the clock stays inside the window when the clock ticks
			 * mid-decision; window steps ahead is its edge. */
			int64_t s = u->last_step + 1 > now_step - 1 ? u->last_step + 1 : now_step - 1;

			if (u->busy)
				continue;
			if (kind == LOAD_WRONG ? u->fails + 1 >= pool->deny :
			    s > now_step + (int64_t)pool->window)
				continue;
			u->busy = 1;
			if (kind == LOAD_RIGHT)
				u->last_step = s;
			pool->cursor = i + 1;
			if (waited)
				pool->waited_ms += bench_now_ms() - t0;
			pthread_mutex_unlock(&pool->mu);
			if (kind == LOAD_RIGHT)
				bench_totp_at(u->seed, s, code, codesz);
			else
				wrong_code(u, now_step, pool->window, code, codesz);
			return u;
		}
		pthread_mutex_unlock(&pool->mu);
		waited = 1;
		usleep(20000);
	}
}

/* expected: the verdict came as expected, the user's tally is known. Otherwise the user is
 * left busy: what the broker holds for it is no longer known here. */
static void
give_back(struct load_pool *pool, struct load_user *u, enum load_kind kind, int expected)
{
	pthread_mutex_lock(&pool->mu);
	if (expected) {
		u->fails = kind == LOAD_WRONG ? u->fails + 1 : 0;
		u->busy = 0;
	}
	pthread_mutex_unlock(&pool->mu);
}

enum load_mode load_mode = LOAD_PROTOCOL;

struct phase_ctx {
	const struct bench_env *e;
	struct load_pool *pool;
	size_t decisions;
	atomic_size_t next;
	atomic_size_t right, wrong, refused, unexpected;
	pthread_mutex_t note_mu;
	char first_unexpected[256];
	double *lat;
	pthread_barrier_t gate;
};

static enum load_outcome
classify(struct phase_ctx *p, int r, const struct skc_result *res, const char *what,
         const char *user)
{
	if (r == SK_ERR_UNAVAILABLE || (r == SK_OK && res->status == SK_ST_BUSY))
		return OUT_REFUSED;
	pthread_mutex_lock(&p->note_mu);
	if (p->first_unexpected[0] == '\0')
		snprintf(p->first_unexpected, sizeof(p->first_unexpected),
		         "%s for %s: error %d, status %u, reason %llu, %.120s", what, user, r,
		         r == SK_OK ? res->status : 0u,
		         (unsigned long long)(r == SK_OK ? res->reason : 0), r == SK_OK ? res->message : "");
	pthread_mutex_unlock(&p->note_mu);
	return OUT_UNEXPECTED;
}

/* One decision on a new connection; the verdict checked against kind. */
static enum load_outcome
decide(struct phase_ctx *p, const struct load_user *u, enum load_kind kind, const char *code)
{
	struct sk_client c = { .fd = -1 };
	struct skc_login who = { .user = u->name, .service = LOAD_SERVICE, .rhost = "",
	                         .tty = "", .profile = LOAD_PROFILE };
	struct skc_preauth_in pin = { .who = who };
	struct skc_preauth_out pout;
	struct skc_auth_begin_in bin = { .who = who };
	struct skc_auth_begin_out *bout = calloc(1, sizeof(*bout));
	struct skc_auth_finish_in *fin = calloc(1, sizeof(*fin));
	struct skc_auth_finish_out fout;
	enum load_outcome o = OUT_UNEXPECTED;
	int r, has_totp = 0;

	if (bout == NULL || fin == NULL)
		bench_die("allocation");
	if (sk_client_open(&c, p->e->socket, CLIENT_TIMEOUT_MS) != SK_OK) {
		o = OUT_REFUSED;
		goto out;
	}
	r = skc_preauth(&c, &pin, &pout);
	if (r != SK_OK || pout.res.status != SK_ST_OK || !pout.has_token) {
		o = classify(p, r, &pout.res, "PREAUTH", u->name);
		goto out;
	}
	r = skc_auth_begin(&c, &bin, bout);
	for (size_t i = 0; r == SK_OK && i < bout->n_steps; i++)
		has_totp |= bout->steps[i] == SK_METHOD_TOTP;
	if (r != SK_OK || bout->res.status != SK_ST_OK || !has_totp) {
		o = classify(p, r, &bout->res, "AUTH_BEGIN", u->name);
		goto out;
	}
	fin->stack_knowledge = 1;
	fin->has_otp = 1;
	snprintf(fin->otp, sizeof(fin->otp), "%s", code);
	fin->has_token = 1;
	memcpy(fin->token, pout.token, sizeof(fin->token));
	r = skc_auth_finish(&c, fin, &fout);
	if (r == SK_OK && kind == LOAD_RIGHT && fout.res.status == SK_ST_OK)
		o = OUT_EXPECTED;
	else if (r == SK_OK && kind == LOAD_WRONG && fout.res.status == SK_ST_DENIED &&
	         fout.v.has_remaining && fout.v.remaining == p->pool->deny - (u->fails + 1))
		o = OUT_EXPECTED;
	else
		o = classify(p, r, &fout.res, kind == LOAD_RIGHT ? "AUTH_FINISH (right code)" :
		             "AUTH_FINISH (wrong code)", u->name);
	explicit_bzero(&fout, sizeof(fout));
out:
	sk_client_close(&c);
	explicit_bzero(&pout, sizeof(pout));
	explicit_bzero(fin, sizeof(*fin));
	free(fin);
	free(bout);
	return o;
}

static enum load_outcome
pam_decide(struct phase_ctx *p, const struct load_user *u, enum load_kind kind, const char *code)
{
	char why[256] = "";
	enum load_outcome o = load_pam_decide(p->e, u->name, kind, code, why, sizeof(why));

	if (o == OUT_UNEXPECTED) {
		pthread_mutex_lock(&p->note_mu);
		if (p->first_unexpected[0] == '\0')
			snprintf(p->first_unexpected, sizeof(p->first_unexpected), "PAM for %s: %.200s",
			         u->name, why);
		pthread_mutex_unlock(&p->note_mu);
	}
	return o;
}

static void *
client(void *arg)
{
	struct phase_ctx *p = arg;

	pthread_barrier_wait(&p->gate);
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		struct load_user *u;
		enum load_kind kind;
		enum load_outcome o;
		char code[16];
		double t0;

		if (i >= p->decisions)
			return NULL;
		/* wrong_per_right wrong codes, then a right one, in decision order: the mix of every
		 * phase is exactly that. */
		kind = i % (p->pool->wrong_per_right + 1) < p->pool->wrong_per_right ? LOAD_WRONG :
		       LOAD_RIGHT;
		u = take(p->pool, kind, code, sizeof(code));
		t0 = bench_now_ms();
		if (load_mode == LOAD_PAM)
			o = pam_decide(p, u, kind, code);
		else
			o = decide(p, u, kind, code);
		p->lat[i] = bench_now_ms() - t0;
		give_back(p->pool, u, kind, o == OUT_EXPECTED);
		if (o == OUT_REFUSED)
			atomic_fetch_add(&p->refused, 1);
		else if (o == OUT_UNEXPECTED)
			atomic_fetch_add(&p->unexpected, 1);
		else if (kind == LOAD_RIGHT)
			atomic_fetch_add(&p->right, 1);
		else
			atomic_fetch_add(&p->wrong, 1);
	}
}

void
load_run_phase(const struct bench_env *e, struct load_pool *pool, int clients, size_t decisions,
               struct load_phase *out)
{
	struct phase_ctx p;
	pthread_attr_t attr;
	pthread_t *t = calloc((size_t)clients, sizeof(*t));
	double waited0 = pool->waited_ms, t0;

	memset(&p, 0, sizeof(p));
	p.e = e;
	p.pool = pool;
	p.decisions = decisions;
	p.lat = calloc(decisions, sizeof(*p.lat));
	if (t == NULL || p.lat == NULL)
		bench_die("allocation");
	pthread_mutex_init(&p.note_mu, NULL);
	if (pthread_barrier_init(&p.gate, NULL, (unsigned)clients + 1) != 0)
		bench_die("pthread_barrier_init");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CLIENT_STACK);
	for (int i = 0; i < clients; i++)
		if (pthread_create(&t[i], &attr, client, &p) != 0)
			bench_die("pthread_create (%d clients): %s", clients, strerror(errno));
	pthread_attr_destroy(&attr);
	/* Every client is ready: the phase starts now for all of them. */
	pthread_barrier_wait(&p.gate);
	t0 = bench_now_ms();
	for (int i = 0; i < clients; i++)
		pthread_join(t[i], NULL);
	out->wall_s = (bench_now_ms() - t0) / 1e3;
	pthread_barrier_destroy(&p.gate);
	pthread_mutex_destroy(&p.note_mu);
	free(t);

	out->clients = clients;
	out->decisions = decisions;
	out->done = decisions;
	out->right = atomic_load(&p.right);
	out->wrong = atomic_load(&p.wrong);
	out->refused = atomic_load(&p.refused);
	out->unexpected = atomic_load(&p.unexpected);
	memcpy(out->first_unexpected, p.first_unexpected, sizeof(out->first_unexpected));
	out->lat = p.lat;
	out->waited_ms = pool->waited_ms - waited0;
}
