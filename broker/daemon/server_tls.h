/* The remote transport's listener (issue 12, item 4; doc/architecture.md "Remote
 * terminals"): TLS 1.3 with a client certificate required and verified against
 * tls_client_ca (and tls_crl), one certificate per terminal. */
#ifndef BROKER_SERVER_TLS_H
#define BROKER_SERVER_TLS_H
#include "broker.h"

struct server_conn;

/* The uid every TLS terminal's connection counts under in the connection slots and the
 * worker pool (server_slots.h, server_pool.c): no local account has it. */
#define SERVER_TLS_UID ((uid_t)-2)

/* Loads the certificates and binds listen_tls; SK_OK and nothing done when listen_tls is
 * not set. SK_ERR_CONFIG (logged) when a file cannot be used. */
int server_tls_listen(struct broker *b);
/* Starts accepting: each handshake on a thread of its own; a verified, unrevoked terminal
 * becomes a connection handed to the event loop through adopt, its bytes relayed between
 * TLS and the loop's end of a socket pair by that thread. */
int server_tls_start(struct broker *b, void (*adopt)(struct server_conn *));
/* Stops accepting and waits (bounded) for the relays to end. */
void server_tls_stop(void);

#endif
