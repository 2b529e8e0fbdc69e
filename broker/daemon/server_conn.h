/* A connection as the server keeps it (server.c, server_pool.c): what the handlers see, when
 * it was accepted, and the frame being read. At any moment exactly one party owns it: the
 * event loop (waiting for its next frame), the queue, a worker (serving one request), or a
 * watcher thread (SESSION_WATCH holds its connection until the session ends). */
#ifndef BROKER_SERVER_CONN_H
#define BROKER_SERVER_CONN_H
#include <stddef.h>
#include <stdint.h>

#include "broker.h"

struct server_conn {
	struct broker_conn conn;
	int64_t accepted_ms;
	int64_t deadline_ms;          /* the next frame must be complete by then (next_wait_ms) */
	unsigned char hdr[4];         /* the frame's length, big-endian */
	size_t hdr_have;
	unsigned char *body;          /* malloc'ed once the length is known and in range */
	size_t body_len, body_have;
	struct server_conn *prev, *next;   /* the loop's list, or the queue */
	struct sk_msg *watch_req;          /* SESSION_WATCH, handed to its thread */
	int peer_known;                    /* server_peer() ran (first request) */
};

/* How long the connection may wait for its next frame, from now (server_conn.c). */
int server_next_wait_ms(const struct server_conn *sc);
/* Whether the broker hangs up after this reply (server_conn.c). */
int server_hang_up_after(const struct broker_conn *c, const struct sk_msg *reply);
/* Closes and frees a connection, and gives its slot back (server_conn.c). */
void server_conn_close(struct server_conn *sc);

#endif
