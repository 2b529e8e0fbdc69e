/* The timer list of session_watch.h: one thread sleeps until the earliest timer, then orders
 * its session. Started with the first timer; priv_session.c sets two per privileged session:
 * the warning before its grant's deadline and the end at it. Deadlines are wall-clock (CLOCK_REALTIME) like the grant
 * times in the store. */
#include "session_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk_err.h"
#include "sk_log.h"

#define TIMERS_MAX 4096

struct session_timer {
	struct session_timer *next;   /* sorted by when_ms, then id */
	uint64_t id;
	int64_t when_ms;
	uint64_t session_id;
	unsigned action;
	char cause[SK_NAME_MAX];
};

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond = PTHREAD_COND_INITIALIZER;
static struct session_timer *timers;
static size_t timer_count;
static uint64_t next_id = 1;
static int thread_running, thread_stop;
static pthread_t timer_thread;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
run_timers(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&timer_lock);
	while (!thread_stop) {
		struct session_timer *t = timers;

		if (t == NULL) {
			pthread_cond_wait(&timer_cond, &timer_lock);
			continue;
		}
		if (t->when_ms > wall_ms()) {
			struct timespec until = { (time_t)(t->when_ms / 1000),
			                          (long)(t->when_ms % 1000) * 1000000 };

			(void)pthread_cond_timedwait(&timer_cond, &timer_lock, &until);
			continue;   /* the list may have changed: look again */
		}
		timers = t->next;
		timer_count--;
		/* Ordering takes the registry's lock: never while holding ours. */
		pthread_mutex_unlock(&timer_lock);
		if (session_watch_order_session(t->session_id, t->action, t->cause) == 0)
			sk_log(LOG_WARNING, "timer for session %llu (%s): no agent watches it",
			       (unsigned long long)t->session_id, t->cause);
		free(t);
		pthread_mutex_lock(&timer_lock);
	}
	pthread_mutex_unlock(&timer_lock);
	return NULL;
}

int
session_watch_timer_add(int64_t when_ms, uint64_t session_id, unsigned action,
                        const char *cause, uint64_t *id)
{
	struct session_timer *t = calloc(1, sizeof(*t)), **p;

	if (t == NULL)
		return SK_ERR_NOMEM;
	if ((action != SK_CARD_REMOVAL_LOCK && action != SK_CARD_REMOVAL_END &&
	     action != SK_SESSION_WARN) ||
	    snprintf(t->cause, sizeof(t->cause), "%s", cause) >= (int)sizeof(t->cause)) {
		free(t);
		return SK_ERR_ARG;
	}
	t->when_ms = when_ms;
	t->session_id = session_id;
	t->action = action;
	pthread_mutex_lock(&timer_lock);
	if (timer_count >= TIMERS_MAX) {
		pthread_mutex_unlock(&timer_lock);
		free(t);
		sk_logerr("%u timers pending already", TIMERS_MAX);
		return SK_ERR_BUSY;
	}
	if (!thread_running) {
		thread_stop = 0;
		if (pthread_create(&timer_thread, NULL, run_timers, NULL) != 0) {
			pthread_mutex_unlock(&timer_lock);
			free(t);
			sk_logerr("cannot start the timer thread");
			return SK_ERR_INTERNAL;
		}
		thread_running = 1;
	}
	t->id = next_id++;
	for (p = &timers; *p != NULL && (*p)->when_ms <= when_ms; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	timer_count++;
	if (id != NULL)
		*id = t->id;
	pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
	return SK_OK;
}

int
session_watch_timer_cancel(uint64_t id)
{
	struct session_timer *gone = NULL;

	pthread_mutex_lock(&timer_lock);
	for (struct session_timer **p = &timers; *p != NULL; p = &(*p)->next)
		if ((*p)->id == id) {
			gone = *p;
			*p = gone->next;
			timer_count--;
			break;
		}
	pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
	free(gone);
	return gone != NULL ? SK_OK : SK_ERR_NOTFOUND;
}

void
session_watch_timers_stop(void)
{
	int running;

	pthread_mutex_lock(&timer_lock);
	running = thread_running;
	thread_stop = 1;
	pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
	if (running)
		pthread_join(timer_thread, NULL);
	pthread_mutex_lock(&timer_lock);
	thread_running = 0;
	while (timers != NULL) {
		struct session_timer *t = timers;

		timers = t->next;
		free(t);
	}
	timer_count = 0;
	pthread_mutex_unlock(&timer_lock);
}
