/* The account and password phases: forced change of temporary and expired passwords
 * (R-CRED-1, R-CRED-3, R-PRIV-5). */
#ifndef BROKER_ACCOUNT_H
#define BROKER_ACCOUNT_H
#include "broker.h"

int account_check(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int account_chauthtok(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
