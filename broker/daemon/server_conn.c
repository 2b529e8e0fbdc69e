/* A connection's own rules (server_conn.h): how long it may wait for its next frame, when
 * the broker hangs up after a reply, and closing it. Apart from the event loop (server.c)
 * and the worker pool (server_pool.c), which both use them, so neither depends on the other
 * for them. */
#include "server_conn.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "server_slots.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_io.h"
#include "store.h"

/* How long to wait for the next request: a person typing between AUTH_BEGIN and
 * AUTH_FINISH, touching a key during FIDO2 enrolment, or request_timeout_ms; never past the
 * connection's lifetime, counted from its accept whatever it sends (a client that sends a
 * frame now and then cannot keep a slot for ever). */
int
server_next_wait_ms(const struct server_conn *sc)
{
	const struct broker_conn *c = &sc->conn;
	const struct sk_conf *conf = &c->b->conf;
	int64_t wait = conf->request_timeout_ms;
	int64_t left = sc->accepted_ms + (int64_t)conf->connection_lifetime * 1000 - sk_now_ms();

	if (c->state == CONN_AUTH)
		wait = (int64_t)conf->auth_timeout * 1000;
	else if (c->state == CONN_ENROLL)
		wait = (int64_t)conf->fido2.timeout * 1000 + conf->request_timeout_ms;
	return (int)(left < wait ? (left > 0 ? left : 0) : wait);
}

/* A peer that is refused is hung up on: FORBIDDEN for anyone, and any bad request from a
 * peer that may send nothing at all, so that neither can hold a slot by asking again. */
int
server_hang_up_after(const struct broker_conn *c, const struct sk_msg *reply)
{
	unsigned st = sk_reply_status(reply);

	return st == SK_ST_FORBIDDEN ||
	       (st == SK_ST_BAD_REQUEST && !c->peer_is_root && !c->peer_is_admin &&
	        !c->peer_is_auditor);
}

void
server_conn_close(struct server_conn *sc)
{
	struct broker *b = sc->conn.b;
	uid_t uid = sc->conn.peer_uid;

	store_release(sc->conn.db);
	close(sc->conn.fd);
	if (sc->body != NULL) {
		explicit_bzero(sc->body, sc->body_len);
		free(sc->body);
	}
	sk_msg_free(sc->watch_req);
	admin_import_free(&sc->conn);   /* a bulk import staged but never committed */
	explicit_bzero(sc, sizeof(*sc));
	free(sc);
	slots_give_back(b, uid);
}
