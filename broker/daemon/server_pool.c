/* The worker pool and its queue (server_pool.h). */
#include "server_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audit_durable.h"
#include "server.h"
#include "server_slots.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "store.h"

#define POOL_UIDS_MAX 256   /* uids served at once: at most one per worker */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct broker *b;
	void (*give_back)(struct server_conn *);   /* to the event loop (server.c) */
	struct server_conn *head, *tail;   /* FIFO */
	size_t queued, peak;
	int stopping;
	pthread_t *threads;
	unsigned n_threads;
	unsigned per_uid;                  /* workers one uid other than root may hold */
	struct { uid_t uid; unsigned n; } busy[POOL_UIDS_MAX];
	size_t n_busy;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* Workers now serving uid (lock held). */
static unsigned *
busy_of(uid_t uid, int add)
{
	for (size_t i = 0; i < pool.n_busy; i++)
		if (pool.busy[i].uid == uid)
			return &pool.busy[i].n;
	if (!add || pool.n_busy >= POOL_UIDS_MAX)
		return NULL;
	pool.busy[pool.n_busy].uid = uid;
	pool.busy[pool.n_busy].n = 0;
	return &pool.busy[pool.n_busy++].n;
}

static void
busy_done(uid_t uid)
{
	for (size_t i = 0; i < pool.n_busy; i++) {
		if (pool.busy[i].uid != uid)
			continue;
		if (--pool.busy[i].n == 0)
			pool.busy[i] = pool.busy[--pool.n_busy];
		return;
	}
}

static void
unlink_conn(struct server_conn *sc)
{
	if (sc->prev != NULL)
		sc->prev->next = sc->next;
	else
		pool.head = sc->next;
	if (sc->next != NULL)
		sc->next->prev = sc->prev;
	else
		pool.tail = sc->prev;
	sc->prev = sc->next = NULL;
	pool.queued--;
}

/* The oldest queued connection whose uid may have one more worker (lock held). */
static struct server_conn *
take(void)
{
	for (struct server_conn *sc = pool.head; sc != NULL; sc = sc->next) {
		uid_t uid = sc->conn.peer_uid;
		unsigned *n = busy_of(uid, 0);

		if (uid != 0 && n != NULL && *n >= pool.per_uid)
			continue;
		if ((n = busy_of(uid, 1)) == NULL)
			continue;
		(*n)++;
		unlink_conn(sc);
		return sc;
	}
	return NULL;
}

void
pool_push(struct server_conn *sc)
{
	pthread_mutex_lock(&pool.lock);
	if (pool.stopping) {
		pthread_mutex_unlock(&pool.lock);
		server_conn_close(sc);
		return;
	}
	sc->next = NULL;
	sc->prev = pool.tail;
	if (pool.tail != NULL)
		pool.tail->next = sc;
	else
		pool.head = sc;
	pool.tail = sc;
	if (++pool.queued > pool.peak)
		pool.peak = pool.queued;
	pthread_cond_signal(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
}

/* SESSION_WATCH and whatever the agent sends after it, on a thread of its own: the way
 * every connection was served before the pool, one blocking request after another. */
static void *
watch_thread(void *arg)
{
	struct server_conn *sc = arg;
	struct broker_conn *c = &sc->conn;
	struct sk_msg *req = sc->watch_req;

	sc->watch_req = NULL;
	for (;;) {
		struct sk_msg *reply = NULL;
		const char *why = NULL;
		int r, last = 0, wait;

		if (c->db == NULL && store_acquire(c->b->store, &c->db) != SK_OK) {
			sk_msg_free(req);
			break;
		}
		r = broker_dispatch(c, req, &reply);
		sk_msg_free(req);
		req = NULL;
		store_release(c->db);
		c->db = NULL;
		if (r == SK_OK && c->reply_sent) {
			last = 1;   /* the handler sent an order itself: it ends the watch */
		} else if (r == SK_OK) {
			last = server_hang_up_after(c, reply);
			/* Group commit: never a reply before the sync that covers it. */
			r = audit_durable_wait();
			if (r == SK_OK)
				r = sk_msg_send(c->fd, reply, (int)c->b->conf.request_timeout_ms);
		}
		c->reply_sent = 0;
		sk_msg_free(reply);
		if (r != SK_OK || last || (wait = server_next_wait_ms(sc)) <= 0)
			break;
		if ((r = sk_msg_recv_why(c->fd, &req, wait, &why)) != SK_OK) {
			if (why != NULL)
				server_note_refusal(c->b, c->peer_uid, "a frame from uid %u: %s",
				                    (unsigned)c->peer_uid, why);
			break;
		}
	}
	server_conn_close(sc);
	return NULL;
}

static int
start_watch(struct server_conn *sc, struct sk_msg *req)
{
	pthread_attr_t attr;
	pthread_t tid;
	int r;

	sc->watch_req = req;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&tid, &attr, watch_thread, sc);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		sc->watch_req = NULL;
		sk_logerr("pthread_create failed for a session watch");
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

/* One request: decode, dispatch, reply. Returns 1 when the connection stays open. */
static int
serve(struct server_conn *sc)
{
	struct broker_conn *c = &sc->conn;
	struct sk_msg *req = NULL, *reply = NULL;
	const char *why = NULL;
	int r, last = 0;

	r = sk_msg_decode_why(sc->body, sc->body_len, &req, &why);
	explicit_bzero(sc->body, sc->body_len);
	free(sc->body);
	sc->body = NULL;
	if (r != SK_OK) {
		if (why != NULL)
			server_note_refusal(c->b, c->peer_uid, "a frame from uid %u: %s",
			                    (unsigned)c->peer_uid, why);
		return 0;
	}
	/* Who the peer is, once per connection (server_peer.c may ask NSS). */
	if (!sc->peer_known) {
		(void)server_peer(c->b, c);
		sc->peer_known = 1;
	}
	if (sk_msg_type(req) == SK_REQ_SESSION_WATCH) {
		if (start_watch(sc, req) == SK_OK)
			return -1;   /* the watcher owns it now */
		sk_msg_free(req);
		return 0;
	}
	/* The store handle is taken per request: an idle connection holds none. */
	if (store_acquire(c->b->store, &c->db) != SK_OK) {
		sk_msg_free(req);
		return 0;
	}
	r = broker_dispatch(c, req, &reply);
	sk_msg_free(req);
	store_release(c->db);
	c->db = NULL;
	if (r == SK_OK && c->reply_sent) {
		last = 1;   /* the handler sent its reply itself (a session order): nothing follows */
	} else if (r == SK_OK) {
		last = server_hang_up_after(c, reply);
		/* Group commit (audit_durable.c): the reply waits for the one sync that covers every
		 * commit so far, this request's among them; when that sync fails nothing is sent
		 * and the connection is closed (the client denies). */
		r = audit_durable_wait();
		if (r == SK_OK)
			r = sk_msg_send(c->fd, reply, (int)c->b->conf.request_timeout_ms);
	}
	c->reply_sent = 0;
	sk_msg_free(reply);
	return r == SK_OK && !last;
}

static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct server_conn *sc;
		uid_t uid;
		int keep;

		pthread_mutex_lock(&pool.lock);
		while (!pool.stopping && (sc = take()) == NULL)
			pthread_cond_wait(&pool.wake, &pool.lock);
		if (pool.stopping) {
			pthread_mutex_unlock(&pool.lock);
			return NULL;
		}
		pthread_mutex_unlock(&pool.lock);
		uid = sc->conn.peer_uid;
		keep = serve(sc);
		if (keep > 0)
			pool.give_back(sc);
		else if (keep == 0)
			server_conn_close(sc);
		pthread_mutex_lock(&pool.lock);
		busy_done(uid);
		/* A frame skipped for this uid's share may be takeable now. */
		if (pool.queued > 0)
			pthread_cond_broadcast(&pool.wake);
		pthread_mutex_unlock(&pool.lock);
	}
}

int
pool_start(struct broker *b, void (*give_back)(struct server_conn *))
{
	unsigned n = b->conf.workers;

	pool.b = b;
	pool.give_back = give_back;
	pool.stopping = 0;
	pool.per_uid = n / 2 > 0 ? n / 2 : 1;
	if ((pool.threads = calloc(n, sizeof(*pool.threads))) == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	for (pool.n_threads = 0; pool.n_threads < n; pool.n_threads++) {
		if (pthread_create(&pool.threads[pool.n_threads], NULL, worker, NULL) != 0) {
			sk_logerr("cannot start worker %u of %u", pool.n_threads + 1, n);
			pool_stop();
			return SK_ERR_NOMEM;
		}
	}
	return SK_OK;
}

void
pool_stop(void)
{
	struct server_conn *left;

	pthread_mutex_lock(&pool.lock);
	pool.stopping = 1;
	left = pool.head;
	pool.head = pool.tail = NULL;
	pool.queued = 0;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	while (left != NULL) {
		struct server_conn *next = left->next;

		server_conn_close(left);
		left = next;
	}
	for (unsigned i = 0; i < pool.n_threads; i++)
		pthread_join(pool.threads[i], NULL);
	free(pool.threads);
	pool.threads = NULL;
	pool.n_threads = 0;
}

size_t
pool_queued(void)
{
	size_t n;

	pthread_mutex_lock(&pool.lock);
	n = pool.queued;
	pthread_mutex_unlock(&pool.lock);
	return n;
}

size_t
pool_queued_peak(void)
{
	size_t n;

	pthread_mutex_lock(&pool.lock);
	n = pool.peak;
	pthread_mutex_unlock(&pool.lock);
	return n;
}
