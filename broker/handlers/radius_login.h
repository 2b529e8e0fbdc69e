/* RADIUS challenge mode (doc/remote-access.md "FreeRADIUS, challenge mode"): a login in two
 * RADIUS rounds, each its own request from sekimori-radius (radius/), joined by the pending
 * login table (core/radius_pending.h). */
#ifndef BROKER_RADIUS_LOGIN_H
#define BROKER_RADIUS_LOGIN_H
#include "broker.h"

/* RADIUS_BEGIN: user name and password (round one). AUTH_BEGIN's plan, lock check, origin
 * check and decoys; then CHALLENGE with a new State when the plan has a one-time code, or
 * AUTH_FINISH's decision at once when the password is the whole plan. */
int radius_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* RADIUS_CONTINUE: the State and the one-time code (round two). AUTH_FINISH's decision on
 * the pending login, with round one's password. */
int radius_continue(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
