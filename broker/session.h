/* Session open and close: records them, and gives the module what to show at login
 * (R-LOGIN-1: last login and logout, failures since) and the idle timeout. */
#ifndef BROKER_SESSION_H
#define BROKER_SESSION_H
#include "broker.h"

int session_open(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int session_close(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int session_event(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
