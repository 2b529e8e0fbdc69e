/* The broker's socket: listening, peer credentials, one thread per client. */
#ifndef BROKER_SERVER_H
#define BROKER_SERVER_H
#include "broker.h"

/* Also checks the slot settings (server_slots.h). */
int server_listen(struct broker *b);
/* Accepts clients until b->stop is set. */
int server_run(struct broker *b);
/* Fills the peer name and admin flag of c from its uid (read at accept) and the admin
 * group. */
int server_peer(struct broker *b, struct broker_conn *c);

#endif
