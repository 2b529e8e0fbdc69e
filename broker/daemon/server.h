/* The broker's socket: listening, peer credentials, the event loop that reads frames for the
 * worker pool (server_pool.h). */
#ifndef BROKER_SERVER_H
#define BROKER_SERVER_H
#include "broker.h"

/* Also checks the slot settings (server_slots.h) and raises the open file limit to what
 * max_clients needs (SK_ERR_CONFIG when the hard limit is below it). */
int server_listen(struct broker *b);
/* Accepts clients until b->stop is set. */
int server_run(struct broker *b);
/* Fills the peer name and admin flag of c from its uid (read at accept) and the admin
 * group; the answers are kept per uid (server_peer.c says when they are read again). */
int server_peer(struct broker *b, struct broker_conn *c);

#endif
