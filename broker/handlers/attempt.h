/* A login attempt's bookkeeping, written once for every path that counts guesses:
 * AUTH_FINISH, the stack hooks PREAUTH/AUTHFAIL, and the current password of a change
 * (R-LOGIN-1). The tally and the audit record of a decision go in one store transaction
 * (R-LOG-1), and a guess is held as a pending attempt in the store before it is checked
 * ("deny first"), so no check happens that the store could not count. */
#ifndef BROKER_ATTEMPT_H
#define BROKER_ATTEMPT_H
#include <json-c/json.h>

#include "broker.h"
#include "store_user.h"
#include "tally.h"

/* Counts one failure on u: the tally, failures since the last login, the last failure's
 * time and where it came from (rhost, else tty). Returns 1 when it locked the account. */
int attempt_note_failure(struct user_rec *u, const struct tally_limits *l, int64_t now,
                         const char *rhost, const char *tty);

/* Inside an open transaction: writes u's tally and login fields, and one audit record for
 * each pending attempt that normalize counted because its time was up. */
int attempt_write_user(struct broker_conn *c, const struct user_rec *u, const char *service);

/* One store transaction: work (may be NULL), then the audit record (skipped when result is
 * NULL), then commit; any failure rolls back and is returned. Takes ownership of fields. */
int attempt_txn(struct broker_conn *c, int (*work)(struct broker_conn *, void *), void *arg,
                const char *event, const char *user, const char *result, json_object *fields);

/* The tail of a transaction the caller began and worked in with result r: when r is SK_OK,
 * the audit record (skipped when result is NULL) and the commit; any failure rolls back.
 * Returns the final result. Takes ownership of fields. Every handler ends its writes here,
 * so that tally, state and audit record are committed together or not at all (R-LOG-1). */
int attempt_end(struct broker_conn *c, int r, const char *event, const char *user,
                const char *result, json_object *fields);

/* attempt_txn whose work is attempt_write_user(u). */
int attempt_save(struct broker_conn *c, const struct user_rec *u, const char *service,
                 const char *result, json_object *fields);

/* Deny first: holds a new pending attempt for u (a fresh token, TALLY_PENDING_TTL) and
 * commits it before any check runs. SK_ERR_BUSY when failures plus attempts in flight
 * already reach deny; SK_ERR_STORE/SK_ERR_AUDIT when it could not be stored, and then the
 * guess must not be checked. On SK_OK, u holds the pending attempt as stored. */
int attempt_hold(struct broker_conn *c, struct user_rec *u, const struct tally_limits *l,
                 int64_t now, const char *service, unsigned char token[TALLY_TOKEN_LEN]);

/* Reads the optional stack attempt token of a request: 1 present, 0 absent, -1 malformed. */
int attempt_token_get(const struct sk_msg *req, unsigned char token[TALLY_TOKEN_LEN]);

#endif
