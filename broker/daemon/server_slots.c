#include "server_slots.h"
#include "server_tls.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

struct uid_slots {
	uid_t uid;
	unsigned n;
};

static struct {
	pthread_mutex_t lock;
	unsigned reserved;            /* for root alone */
	unsigned others;              /* connections now held by peers other than root */
	struct uid_slots *uids;       /* one entry per non-root uid holding a connection */
	size_t n_uids, cap;
} slots = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
slots_init(struct broker *b)
{
	const struct sk_conf *c = &b->conf;
	unsigned reserved = c->root_reserved_clients;

	if (reserved == SK_CONF_AUTO)
		reserved = c->max_clients / 4;
	else if (reserved >= c->max_clients) {
		sk_logerr("root_reserved_clients (%u) must be below max_clients (%u): administrators "
		          "need a slot too", reserved, c->max_clients);
		return SK_ERR_CONFIG;
	}
	/* A login holds one connection from PREAUTH through AUTH_FINISH. */
	if (c->connection_lifetime <= c->auth_timeout) {
		sk_logerr("connection_lifetime (%u s) must be longer than auth_timeout (%u s): a login "
		          "holds one connection for that long", c->connection_lifetime, c->auth_timeout);
		return SK_ERR_CONFIG;
	}
	pthread_mutex_lock(&slots.lock);
	free(slots.uids);
	slots.cap = c->max_clients;
	slots.uids = calloc(slots.cap, sizeof(*slots.uids));
	slots.n_uids = 0;
	slots.others = 0;
	slots.reserved = reserved;
	pthread_mutex_unlock(&slots.lock);
	if (slots.uids == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

static struct uid_slots *
find_uid(uid_t uid)
{
	for (size_t i = 0; i < slots.n_uids; i++)
		if (slots.uids[i].uid == uid)
			return &slots.uids[i];
	return NULL;
}

int
slots_take(struct broker *b, uid_t uid, const char **why)
{
	const struct sk_conf *c = &b->conf;
	struct uid_slots *u = NULL;
	int r = SK_ERR_BUSY;

	pthread_mutex_lock(&slots.lock);
	if (atomic_load(&b->clients) >= c->max_clients) {
		*why = "max_clients";
	} else if (uid == 0) {
		r = SK_OK;
	} else if (slots.others >= c->max_clients - slots.reserved) {
		*why = "root_reserved_clients";
	} else if ((u = find_uid(uid)) != NULL && u->n >= c->max_clients_per_uid &&
	           uid != SERVER_TLS_UID) {
		/* Remote terminals all count under SERVER_TLS_UID: max_clients_per_uid, a bound
		 * for one local user, does not apply to them; root's reserved slots still do. */
		*why = "max_clients_per_uid";
	} else if (u == NULL && slots.n_uids >= slots.cap) {
		*why = "max_clients";   /* cannot happen: each entry holds a connection */
	} else {
		if (u == NULL) {
			u = &slots.uids[slots.n_uids++];
			u->uid = uid;
			u->n = 0;
		}
		u->n++;
		slots.others++;
		r = SK_OK;
	}
	if (r == SK_OK)
		atomic_fetch_add(&b->clients, 1);
	pthread_mutex_unlock(&slots.lock);
	return r;
}

void
slots_give_back(struct broker *b, uid_t uid)
{
	struct uid_slots *u;

	pthread_mutex_lock(&slots.lock);
	if (uid != 0 && (u = find_uid(uid)) != NULL) {
		slots.others--;
		if (--u->n == 0)
			*u = slots.uids[--slots.n_uids];
	}
	atomic_fetch_sub(&b->clients, 1);
	pthread_mutex_unlock(&slots.lock);
}

/* ---- Refusal log: one line per uid per interval ------------------------------------------ */

#define REFUSAL_UIDS 64

static struct {
	pthread_mutex_t lock;
	struct refusal_uid {
		int used;
		uid_t uid;
		int64_t logged_ms;        /* when the last line for this uid was written */
		unsigned suppressed;      /* refusals since then that were not logged */
	} uids[REFUSAL_UIDS];
} refusals = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The entry of uid, or a new one in place of the least recently logged (whose count is
 * logged first, so that no refusal goes uncounted). */
static struct refusal_uid *
refusal_entry(uid_t uid)
{
	struct refusal_uid *oldest = &refusals.uids[0];

	for (size_t i = 0; i < REFUSAL_UIDS; i++) {
		struct refusal_uid *e = &refusals.uids[i];
		if (e->used && e->uid == uid)
			return e;
		if (!e->used || (oldest->used && e->logged_ms < oldest->logged_ms))
			oldest = e;
	}
	if (oldest->used && oldest->suppressed > 0)
		sk_log(LOG_WARNING, "refused: %u more requests from uid %u were not logged",
		       oldest->suppressed, (unsigned)oldest->uid);
	oldest->used = 0;
	return oldest;
}

void
server_note_refusal(const struct broker *b, uid_t uid, const char *fmt, ...)
{
	int64_t now = sk_now_ms(), interval = (int64_t)b->conf.refusal_log_interval * 1000;
	struct refusal_uid *e;
	unsigned suppressed;
	char what[512];
	va_list ap;

	pthread_mutex_lock(&refusals.lock);
	e = refusal_entry(uid);
	if (e->used && now - e->logged_ms < interval) {
		e->suppressed++;
		pthread_mutex_unlock(&refusals.lock);
		return;
	}
	suppressed = e->used ? e->suppressed : 0;
	e->used = 1;
	e->uid = uid;
	e->logged_ms = now;
	e->suppressed = 0;
	pthread_mutex_unlock(&refusals.lock);

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		sk_log(LOG_WARNING, "refused: %s (and %u more from uid %u not logged in the last %u s)",
		       what, suppressed, (unsigned)uid, b->conf.refusal_log_interval);
	else
		sk_log(LOG_WARNING, "refused: %s", what);
}
