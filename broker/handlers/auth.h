/* Authentication requests: AUTH_BEGIN / AUTH_FINISH, and the faillock-style PREAUTH /
 * AUTHFAIL hooks for stacks where a preceding module checks the password. */
#ifndef BROKER_AUTH_H
#define BROKER_AUTH_H
#include "broker.h"

int auth_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int auth_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int auth_preauth(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int auth_authfail(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
