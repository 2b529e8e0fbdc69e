/* What the privileged-access handlers share (admin_grant.c, admin_grant_list.c,
 * admin_delegation.c; doc/privileged-access.md). Every decision is made about the admin
 * session's authenticated person (c->admin.name), never about a name the client sends. */
#ifndef BROKER_ADMIN_GRANT_H
#define BROKER_ADMIN_GRANT_H
#include <json-c/json.h>

#include "broker.h"
#include "grant.h"
#include "grant_notify.h"
#include "store.h"

/* The authenticated person, or "" (root in the recovery role, which may only revoke and
 * read). */
const char *grant_actor(const struct broker_conn *c);
/* SK_ST_POLICY with the reason; audits "<event>" as refused with the reason's name. */
int grant_refuse(struct broker_conn *c, struct sk_msg *reply, const char *event,
                 const char *user, enum sk_reason why, json_object *fields);
/* SK_ST_INVALID with the reason (a value the administrator gave). */
int grant_invalid(struct sk_msg *reply, enum sk_reason why);
/* A free text field: required, UTF-8, 1..max-1 bytes, no control characters. 1 ok, 0 not. */
int grant_text(const struct sk_msg *req, unsigned key, char *buf, size_t cap);
/* Pending requests older than pending_minutes and active grants past their end become
 * expired, each with its audit record ("grant.expired"); run before every grant request. */
int grant_sweep(struct broker_conn *c);
/* The audit fields every grant record carries. */
json_object *grant_fields(const struct grant_rec *g, json_object *extra);
/* The JSON of a grant (grant list). */
json_object *grant_json(const struct grant_rec *g);
/* The notification of an event about g. */
void grant_notice_of(struct broker_conn *c, const char *event, const struct grant_rec *g);

#endif
