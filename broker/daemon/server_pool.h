/* The worker pool (issue 11, item 3): `workers` threads serve the requests of every
 * connection; a connection holds no thread while it waits for its next frame (the event loop
 * in server.c reads frames). A complete frame is queued; a worker takes the oldest queued
 * frame whose peer uid is not already served by its share of the workers: a uid other than
 * root is served by at most half of the workers (at least one) at once, so that a hostile
 * local user with many busy connections cannot take every worker from the logins (root: the
 * PAM module). Nothing is refused for a full queue: the queue holds at most one frame per
 * open connection, and connections are bounded by max_clients and max_clients_per_uid
 * (server_slots.h).
 *
 * SESSION_WATCH (a session agent waiting for its session's end) would hold a worker for a
 * whole session: that request gets a thread of its own, which keeps its connection to the
 * end (bounded by the connection slots and SESSION_WATCH_MAX). */
#ifndef BROKER_SERVER_POOL_H
#define BROKER_SERVER_POOL_H
#include "server_conn.h"

/* give_back: where a worker hands a connection that stays open (the event loop). */
int pool_start(struct broker *b, void (*give_back)(struct server_conn *));
/* Queues a connection whose frame (sc->body) is complete; the pool owns it from now. */
void pool_push(struct server_conn *sc);
/* Stops taking frames, closes the queued connections, joins the workers (each finishes the
 * request it serves). */
void pool_stop(void);
/* Frames queued now, and the most queued at once since the start (for the benchmarks'
 * log line at exit). */
size_t pool_queued(void);
size_t pool_queued_peak(void);

#endif
