/* Session open and close: records them (with the card a card login used, R-CARD-3), and gives
 * the module what to show at login (R-LOGIN-1: last login and logout, failures since) and the
 * idle timeout. The session agent's requests: SESSION_EVENT (what it did) and SESSION_WATCH
 * (session_agent.c: the standing request the broker answers with an order). */
#ifndef BROKER_SESSION_H
#define BROKER_SESSION_H
#include "broker.h"

int session_open(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int session_close(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int session_event(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int session_watch_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* 1 for a card binding hash: 64 lowercase hex digits. */
int session_valid_card_hash(const char *s);

#endif
