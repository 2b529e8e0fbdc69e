/* Login sessions in the store: one row per SESSION_OPEN, closed by SESSION_CLOSE (R-LOGIN-1:
 * the last logout time; R-CARD-3: the session agent's watch). */
#ifndef BROKER_STORE_SESSION_H
#define BROKER_STORE_SESSION_H
#include <stdint.h>

struct sk_store_txn;

struct session_open_rec {
	int64_t user_id;
	const char *service;
	const char *rhost;
	const char *tty;
	int64_t pid;
	int64_t opened;
};

/* A new open session; *id gets its id. */
int store_session_open(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id);
/* Closes session id of user_id at `when`; SK_ERR_NOTFOUND when it is not the user's or is
 * closed already. */
int store_session_close(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when);
/* SK_OK when session id is open and belongs to user_id; SK_ERR_NOTFOUND otherwise. */
int store_session_is_open(struct sk_store_txn *t, int64_t user_id, int64_t id);

#endif
