/* The broker's audit writer. Every decision and administrative act is appended (and
 * fdatasync'ed) before the reply; a failed append makes the decision deny. Thread-safe. */
#ifndef BROKER_AUDIT_LOG_H
#define BROKER_AUDIT_LOG_H
#include <stddef.h>
#include <json-c/json.h>

struct audit_log;

/* Opens (creating if needed) the log and anchor. Resumes the chain from the anchor; refuses
 * (SK_ERR_AUDIT) when the log's last record does not match the anchor. */
int audit_log_open(const char *log_path, const char *anchor_path, const unsigned char *key,
                   size_t keylen, struct audit_log **out);
/* Appends one record; takes ownership of nothing (event is only read). Also sends a one-line
 * summary to syslog (LOG_AUTHPRIV). Returns SK_OK or SK_ERR_AUDIT. */
int audit_log_append(struct audit_log *log, json_object *event);
void audit_log_close(struct audit_log *log);

#endif
