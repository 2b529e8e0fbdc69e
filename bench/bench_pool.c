/* The pool's lending: a user who is in no login and has a TOTP step left to spend, and their
 * return. Apart from bench_broker.c (which makes the pool through the broker) so that the
 * PAM drivers, which only borrow users, do not depend on the broker set-up. */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_user *
bench_pool_take(struct bench_pool *pool, char *code, size_t codesz)
{
	double t0 = bench_now_ms();
	int waited = 0;

	for (;;) {
		int64_t now_step = (int64_t)(time(NULL) / BENCH_PERIOD);

		pthread_mutex_lock(&pool->mu);
		for (size_t k = 0; k < pool->n; k++) {
			size_t i = (pool->cursor + k) % pool->n;
			struct bench_user *u = &pool->users[i];
			/* A step one behind the clock stays inside the window when the clock ticks
			 * mid-login; two ahead is the window's edge. */
			int64_t s = u->last_step + 1 > now_step - 1 ? u->last_step + 1 : now_step - 1;

			if (u->busy || s > now_step + BENCH_WINDOW)
				continue;
			u->busy = 1;
			u->last_step = s;
			pool->cursor = i + 1;
			if (waited)
				pool->waited_ms += bench_now_ms() - t0;
			pthread_mutex_unlock(&pool->mu);
			bench_totp_at(u->seed, s, code, codesz);
			return u;
		}
		pthread_mutex_unlock(&pool->mu);
		waited = 1;
		usleep(100000);   /* every user has spent every step the window allows: wait */
	}
}

void
bench_pool_give_back(struct bench_pool *pool, struct bench_user *u)
{
	pthread_mutex_lock(&pool->mu);
	u->busy = 0;
	pthread_mutex_unlock(&pool->mu);
}
