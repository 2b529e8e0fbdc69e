/* Audit records for decisions and administrative acts (R-LOG-1, R-LOG-3). */
#ifndef BROKER_AUDIT_EVENT_H
#define BROKER_AUDIT_EVENT_H
#include <json-c/json.h>

#include "broker.h"

/* Appends {"event", "user", "result", "peer_uid", "peer_pid", "peer", ["admin",
 * "admin_session"] or ["role": "recovery"], ...extra} to the
 * audit log, and its seq to the store's 'audit_seq' in the caller's write transaction (or,
 * outside one, in a transaction of its own). Takes ownership of extra (may be NULL).
 * SK_ERR_AUDIT when the record could not be written: the caller must then deny. */
int broker_audit(struct broker_conn *c, const char *event, const char *user,
                 const char *result, json_object *extra);
/* Adds a string field to extra, creating it when NULL; returns extra. */
json_object *audit_field(json_object *extra, const char *key, const char *value);
json_object *audit_field_int(json_object *extra, const char *key, int64_t value);

/* At start, after the store is ready: installs the transaction hooks, and appends an
 * audit.not_committed marker for records after the store's last committed audit seq (a
 * broker killed between append and commit). SK_ERR_AUDIT when the store has committed
 * records the log does not hold. */
int audit_recover(struct broker *b);

#endif
