/* Authentication requests: AUTH_BEGIN / AUTH_FINISH, and the faillock-style PREAUTH /
 * AUTHFAIL hooks for stacks where a preceding module checks the password. */
#ifndef BROKER_AUTH_H
#define BROKER_AUTH_H
#include "broker.h"

int auth_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
struct login_ctx;
/* AUTH_BEGIN's core for a login context the broker made itself (admin login, admin_login.c):
 * the same plan, lock check, decoys and audit. Leaves the connection in CONN_AUTH when the
 * reply asks for factors. */
int auth_begin_ctx(struct broker_conn *c, const struct login_ctx *lc, struct sk_msg *reply);
int auth_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* AUTH_FINISH's core on the connection's transaction, whoever began it: the tally, the
 * verification and the audit record, exactly as for a login. */
int auth_finish_txn(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int auth_preauth(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int auth_authfail(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
