/* The broker's socket: listening, peer credentials, one thread per client. */
#ifndef BROKER_SERVER_H
#define BROKER_SERVER_H
#include "broker.h"

int server_listen(struct broker *b);
/* Accepts clients until b->stop is set. */
int server_run(struct broker *b);
/* Fills the peer fields of c from SO_PEERCRED and the admin group. */
int server_peer(struct broker *b, struct broker_conn *c);

#endif
