/* The registry of priv_session.h: a list under one lock. Orders go through session_watch.h,
 * whose lock is taken only after ours is released (the timer thread takes the watch lock
 * without ours, so the two are never held in the other order). */
#include "priv_session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"

struct priv_session {
	struct priv_session *next;
	struct priv_session_info info;
	uint64_t warn_timer, end_timer;   /* 0: none */
};

static pthread_mutex_t priv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct priv_session *priv_head;
static size_t priv_count;

static void
cancel_timers(struct priv_session *p)
{
	if (p->warn_timer != 0)
		(void)session_watch_timer_cancel(p->warn_timer);
	if (p->end_timer != 0)
		(void)session_watch_timer_cancel(p->end_timer);
	p->warn_timer = p->end_timer = 0;
}

/* Under priv_lock. */
static struct priv_session *
find(uint64_t session_id)
{
	for (struct priv_session *p = priv_head; p != NULL; p = p->next)
		if (p->info.session_id == session_id)
			return p;
	return NULL;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
priv_session_add(const struct priv_session_info *s, unsigned warn_seconds)
{
	struct priv_session *p;
	int64_t end_ms = s->ends_at * 1000, warn_ms = end_ms - (int64_t)warn_seconds * 1000;
	int r;

	pthread_mutex_lock(&priv_lock);
	if ((p = find(s->session_id)) != NULL) {
		cancel_timers(p);
	} else if (priv_count >= PRIV_SESSIONS_MAX) {
		pthread_mutex_unlock(&priv_lock);
		sk_logerr("%d privileged sessions live already", PRIV_SESSIONS_MAX);
		return SK_ERR_BUSY;
	} else if ((p = calloc(1, sizeof(*p))) == NULL) {
		pthread_mutex_unlock(&priv_lock);
		return SK_ERR_NOMEM;
	} else {
		p->next = priv_head;
		priv_head = p;
		priv_count++;
	}
	p->info = *s;
	r = session_watch_timer_add(end_ms, s->session_id, SK_CARD_REMOVAL_END, "grant_expired",
	                            &p->end_timer);
	if (r == SK_OK && warn_seconds > 0 && warn_ms > now_ms())
		r = session_watch_timer_add(warn_ms, s->session_id, SK_SESSION_WARN,
		                            "deadline_warning", &p->warn_timer);
	pthread_mutex_unlock(&priv_lock);
	if (r != SK_OK)
		priv_session_forget(s->session_id);
	return r;
}

int
priv_session_get(uint64_t session_id, struct priv_session_info *out)
{
	struct priv_session *p;
	int r = SK_ERR_NOTFOUND;

	pthread_mutex_lock(&priv_lock);
	if ((p = find(session_id)) != NULL) {
		*out = p->info;
		r = SK_OK;
	}
	pthread_mutex_unlock(&priv_lock);
	return r;
}

void
priv_session_forget(uint64_t session_id)
{
	struct priv_session *gone = NULL;

	pthread_mutex_lock(&priv_lock);
	for (struct priv_session **pp = &priv_head; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->info.session_id == session_id) {
			gone = *pp;
			*pp = gone->next;
			priv_count--;
			cancel_timers(gone);
			break;
		}
	pthread_mutex_unlock(&priv_lock);
	free(gone);
}

/* Which entries an early end takes. */
struct priv_match {
	uint64_t grant_id;    /* 0: any */
	const char *user;     /* NULL: any */
};

static int
matches(const struct priv_session *p, const struct priv_match *m)
{
	return (m->grant_id == 0 || p->info.grant_id == m->grant_id) &&
	       (m->user == NULL || strcmp(p->info.user, m->user) == 0);
}

/* Collects the matching sessions' ids under our lock, then orders them under the watch's. */
static size_t
end_matching(const struct priv_match *m, const char *cause, char (*users)[SK_USER_MAX],
             size_t max, size_t *n_users)
{
	uint64_t *ids;
	size_t n = 0, ordered = 0, nu = 0;

	pthread_mutex_lock(&priv_lock);
	ids = calloc(priv_count + 1, sizeof(*ids));
	for (struct priv_session *p = priv_head; ids != NULL && p != NULL; p = p->next) {
		if (!matches(p, m))
			continue;
		ids[n++] = p->info.session_id;
		if (users != NULL) {
			size_t k = 0;

			while (k < nu && strcmp(users[k], p->info.user) != 0)
				k++;
			if (k == nu && nu < max)
				snprintf(users[nu++], SK_USER_MAX, "%s", p->info.user);
		}
	}
	pthread_mutex_unlock(&priv_lock);
	if (ids == NULL) {
		sk_logerr("no memory to end privileged sessions (%s)", cause);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (session_watch_order_session(ids[i], SK_CARD_REMOVAL_END, cause) > 0)
			ordered++;
		else
			sk_log(LOG_ALERT, "privileged session %llu (%s): no agent watches it",
			       (unsigned long long)ids[i], cause);
	}
	free(ids);
	if (n_users != NULL)
		*n_users = nu;
	if (n > 0)
		sk_log(LOG_NOTICE, "%s: %zu privileged session(s) ordered ended", cause, ordered);
	return ordered;
}

size_t
priv_session_end_grant(uint64_t grant_id, const char *cause)
{
	struct priv_match m = { .grant_id = grant_id };

	return grant_id == 0 ? 0 : end_matching(&m, cause, NULL, 0, NULL);
}

size_t
priv_session_end_user(const char *user, const char *cause)
{
	struct priv_match m = { .user = user };

	return user == NULL || user[0] == '\0' ? 0 : end_matching(&m, cause, NULL, 0, NULL);
}

size_t
priv_session_end_all(const char *cause, char (*users)[SK_USER_MAX], size_t max, size_t *n_users)
{
	struct priv_match m = { 0 };

	return end_matching(&m, cause, users, max, n_users);
}

size_t
priv_session_count(void)
{
	size_t n;

	pthread_mutex_lock(&priv_lock);
	n = priv_count;
	pthread_mutex_unlock(&priv_lock);
	return n;
}

void
priv_session_clear(void)
{
	pthread_mutex_lock(&priv_lock);
	while (priv_head != NULL) {
		struct priv_session *p = priv_head;

		priv_head = p->next;
		cancel_timers(p);
		free(p);
	}
	priv_count = 0;
	pthread_mutex_unlock(&priv_lock);
}
