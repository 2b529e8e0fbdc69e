/* RADIUS challenge mode (doc/remote-access.md): the login transactions that wait between
 * the password round (RADIUS_BEGIN) and the code round (RADIUS_CONTINUE). A RADIUS client
 * sends each round as its own Access-Request, FreeRADIUS runs sekimori-radius once per
 * round, so the transaction cannot live on a connection as AUTH_BEGIN's does: it lives in
 * this table, named by a random State that the broker made and the RADIUS client returns.
 *
 * A State is 32 random bytes, good for one take (found or not, expired or not, the entry is
 * gone after it), and for auth_timeout seconds. The table holds at most
 * RADIUS_PENDING_MAX logins; expired ones are dropped whenever it is used. Secrets (the
 * password of round one) are wiped when an entry leaves the table. */
#ifndef BROKER_RADIUS_PENDING_H
#define BROKER_RADIUS_PENDING_H
#include <stdint.h>

#include "broker.h"

#define RADIUS_STATE_LEN 32
#define RADIUS_PENDING_MAX 256

struct radius_pending {
	struct auth_txn txn;                 /* as AUTH_BEGIN left it (plan, profile, origin) */
	char password[SK_PASSWORD_MAX + 1];  /* round one's, secret: checked in round two */
	int64_t expires;                     /* broker_now() after which the State is dead */
};

/* Keeps *p (its expires set from now + lifetime) under a new State written to state.
 * SK_OK; SK_ERR_BUSY when RADIUS_PENDING_MAX logins are pending; SK_ERR_CRYPTO when no
 * random State could be made. */
int radius_pending_put(struct radius_pending *p, int64_t now, unsigned lifetime,
                       unsigned char state[RADIUS_STATE_LEN]);
/* Takes the login of state out of the table into *out. SK_OK; SK_ERR_TIMEOUT when it had
 * expired (out is filled all the same, for the audit record, without the password);
 * SK_ERR_NOTFOUND when no login has this State (never made, taken already, or dropped). */
int radius_pending_take(const unsigned char state[RADIUS_STATE_LEN], int64_t now,
                        struct radius_pending *out);
/* How many logins are pending now (tests). */
unsigned radius_pending_count(void);
/* Drops and wipes every pending login (shutdown, tests). */
void radius_pending_clear(void);

#endif
