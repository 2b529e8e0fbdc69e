/* The broker's audit writer. Every decision and administrative act is appended, and made
 * durable before the store commits its transaction and before the reply; a failed append or
 * sync makes the decision deny. Thread-safe. */
#ifndef BROKER_AUDIT_LOG_H
#define BROKER_AUDIT_LOG_H
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct audit_log;

/* Opens (creating if needed) the log and anchor. Resumes the chain from the anchor; refuses
 * (SK_ERR_AUDIT) when the log's last record does not match the anchor, the anchor's tag does
 * not verify with key, or the log has more than one name. */
int audit_log_open(const char *log_path, const char *anchor_path, const unsigned char *key,
                   size_t keylen, struct audit_log **out);
/* Appends one record; takes ownership of nothing (event is only read). Also sends a one-line
 * summary with the new anchor ("audit anchor=SEQ:MAC event=... user=... result=...") to
 * syslog (LOG_AUTHPRIV). Returns SK_OK or SK_ERR_AUDIT; SK_ERR_AUDIT also when the log was
 * deleted, renamed, replaced or written by someone else (then every later append fails). */
int audit_log_append(struct audit_log *log, json_object *event);
/* The same, and *seq gets the record's seq (for the store's last committed audit seq). */
int audit_log_append_seq(struct audit_log *log, json_object *event, uint64_t *seq);
/* Appends one record inside a store transaction: written (one write()) but neither
 * fdatasync'ed nor anchored; audit_log_sync or audit_log_flush does both later, once for
 * every record written so far. line (cap bytes, NULL: none) gets the sealed line without its
 * newline, for the store's copy (audit_tail). Also sends the syslog summary. */
int audit_log_append_deferred(struct audit_log *log, json_object *event, uint64_t *seq,
                              char *line, size_t cap);
/* The group commit's sync (audit_durable.c): fdatasync of the log without holding the
 * log's lock (appends go on meanwhile, on a duplicate of the descriptor), then the anchor
 * rewritten for the last record the sync covers, without a sync of its own. *seq (may be
 * NULL) gets that record's seq. SK_ERR_AUDIT when the log is broken or the sync fails (then
 * it is broken). */
int audit_log_flush(struct audit_log *log, uint64_t *seq);
/* The seq of the last record made durable (synced) and anchored. */
uint64_t audit_log_synced_seq(struct audit_log *log);
/* At start only: appends line (a sealed record without newline, as the store kept it) when
 * it verifies with the key, carries the next seq and names the log's last mac as prev.
 * Written only; audit_log_sync makes it durable. SK_ERR_AUDIT otherwise. */
int audit_log_restore_line(struct audit_log *log, const char *line, size_t len);
/* Makes every record written so far durable (fdatasync of the log) and rewrites the anchor
 * to the last one (fdatasync'ed): nothing when every record is synced already. SK_ERR_AUDIT
 * when the log is broken or a sync fails (then the log is broken). */
int audit_log_sync(struct audit_log *log);
/* The seq of the last record (0 for an empty log). */
uint64_t audit_log_last_seq(struct audit_log *log);
/* Rotation by logrotate (doc/deployment.md): prepare appends audit.rotate_requested and,
 * for a few minutes, lets the log be moved away whole; the next append, or finish, then
 * continues the chain in a new file at the path, opened by the record audit.rotated.
 * finish ends the announcement whether or not the file was moved. SK_ERR_AUDIT when the
 * record cannot be written (prepare) or the new file cannot be begun (finish; the log is
 * then broken). */
int audit_log_rotate_prepare(struct audit_log *log);
int audit_log_rotate_finish(struct audit_log *log);
/* Refuses every further append until restart, saying why (LOG_ALERT): for a caller that
 * cannot record that records it appended did not take effect. */
void audit_log_break(struct audit_log *log, const char *why);
void audit_log_close(struct audit_log *log);

#endif
