/* The registry of watched sessions: see session_watch.h. Every entry has an eventfd that an
 * order writes, so its handler thread wakes at once, in the same poll that watches the
 * agent's connection. */
#include "session_watch.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_card.h"

#define STOP_CHECK_MS 500

struct session_watch {
	struct session_watch *next;
	uint64_t session_id;
	char user[SK_USER_MAX];
	char card[SESSION_WATCH_HASH];
	unsigned action;
	int wake;                      /* eventfd */
	int ordered;
	int warn_pending;              /* a deadline warning not yet handed to the handler */
	unsigned order_action;
	char cause[SK_NAME_MAX];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session_watch *reg_head;
static size_t reg_count;

int
session_watch_add(uint64_t session_id, const char *user, const char *card, unsigned action,
                  struct session_watch **out)
{
	struct session_watch *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL)
		return SK_ERR_NOMEM;
	if (snprintf(w->user, sizeof(w->user), "%s", user) >= (int)sizeof(w->user) ||
	    snprintf(w->card, sizeof(w->card), "%s", card) >= (int)sizeof(w->card)) {
		free(w);
		return SK_ERR_RANGE;
	}
	if ((w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		sk_logerr("eventfd: %s", strerror(errno));
		free(w);
		return SK_ERR_IO;
	}
	w->session_id = session_id;
	w->action = action;
	pthread_mutex_lock(&reg_lock);
	if (reg_count >= SESSION_WATCH_MAX) {
		pthread_mutex_unlock(&reg_lock);
		sk_logerr("%u sessions are watched already", SESSION_WATCH_MAX);
		close(w->wake);
		free(w);
		return SK_ERR_BUSY;
	}
	w->next = reg_head;
	reg_head = w;
	reg_count++;
	pthread_mutex_unlock(&reg_lock);
	*out = w;
	return SK_OK;
}

void
session_watch_remove(struct session_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&reg_lock);
	for (struct session_watch **p = &reg_head; *p != NULL; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			reg_count--;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	close(w->wake);
	free(w);
}

/* Under reg_lock. The first order wins: a session is ended or locked once. A warning is no
 * order: it is handed over once and the session stays watched. */
static void
order(struct session_watch *w, unsigned action, const char *cause)
{
	uint64_t one = 1;

	if (w->ordered)
		return;
	if (action == SK_SESSION_WARN) {
		w->warn_pending = 1;
		(void)!write(w->wake, &one, sizeof(one));
		return;
	}
	w->ordered = 1;
	w->order_action = action;
	snprintf(w->cause, sizeof(w->cause), "%s", cause);
	(void)!write(w->wake, &one, sizeof(one));
}

int
session_watch_wait(struct session_watch *w, int peer_fd, volatile sig_atomic_t *stop,
                   unsigned *action, char *cause, size_t causesz)
{
	for (;;) {
		struct pollfd p[2] = { { w->wake, POLLIN, 0 }, { peer_fd, POLLIN | POLLRDHUP, 0 } };
		int n = poll(p, 2, STOP_CHECK_MS);

		if (n < 0 && errno != EINTR) {
			sk_logerr("poll: %s", strerror(errno));
			return SK_ERR_IO;
		}
		if (n > 0 && p[0].revents != 0) {
			uint64_t count;
			int got = 0;

			(void)!read(w->wake, &count, sizeof(count));   /* re-armed for the next */
			pthread_mutex_lock(&reg_lock);
			if (w->ordered) {
				*action = w->order_action;
				snprintf(cause, causesz, "%s", w->cause);
				got = 1;
			} else if (w->warn_pending) {
				w->warn_pending = 0;
				*action = SK_SESSION_WARN;
				snprintf(cause, causesz, "%s", "deadline_warning");
				got = 1;
			}
			pthread_mutex_unlock(&reg_lock);
			if (got)
				return SK_OK;
			continue;
		}
		if (n > 0 && p[1].revents != 0)
			return SK_ERR_IO;   /* the agent left (its session ended) */
		if (stop != NULL && *stop)
			return SK_ERR_UNAVAILABLE;
	}
}

size_t
session_watch_order_card(const char *card, const char *cause)
{
	size_t n = 0;

	if (card == NULL || card[0] == '\0')
		return 0;
	pthread_mutex_lock(&reg_lock);
	for (struct session_watch *w = reg_head; w != NULL; w = w->next)
		if (strcmp(w->card, card) == 0) {
			order(w, w->action, cause);
			n++;
		}
	pthread_mutex_unlock(&reg_lock);
	return n;
}

size_t
session_watch_order_user(const char *user, unsigned action, const char *cause)
{
	size_t n = 0;

	if (user == NULL || user[0] == '\0')
		return 0;
	pthread_mutex_lock(&reg_lock);
	for (struct session_watch *w = reg_head; w != NULL; w = w->next)
		if (strcmp(w->user, user) == 0) {
			order(w, action, cause);
			n++;
		}
	pthread_mutex_unlock(&reg_lock);
	return n;
}

size_t
session_watch_cards_revoked(const struct card_rec *cards, size_t n)
{
	size_t ordered = 0;

	for (size_t i = 0; i < n; i++)
		ordered += session_watch_order_card(cards[i].binding.spki_sha256, "card_revoked");
	if (ordered > 0)
		sk_log(LOG_NOTICE, "a revoked card: %zu open session(s) ordered locked or ended",
		       ordered);
	return ordered;
}

size_t
session_watch_order_session(uint64_t session_id, unsigned action, const char *cause)
{
	size_t n = 0;

	pthread_mutex_lock(&reg_lock);
	for (struct session_watch *w = reg_head; w != NULL; w = w->next)
		if (w->session_id == session_id) {
			order(w, action, cause);
			n++;
		}
	pthread_mutex_unlock(&reg_lock);
	return n;
}

size_t
session_watch_count(void)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = reg_count;
	pthread_mutex_unlock(&reg_lock);
	return n;
}
