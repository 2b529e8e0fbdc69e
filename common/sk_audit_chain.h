/* The audit record chain (R-LOG-1, R-LOG-3, R-LOG-4), shared by the broker that writes it
 * and the CLI that verifies it.
 *
 * One record per line (JSON). The line is the JSON text of the record without "mac", whose
 * closing brace is replaced by ,"mac":"<64 hex>"} where mac = HMAC-SHA256(key, text without
 * mac). Every record carries "seq" (1, 2, ...), "ts" (UTC, RFC 3339 with microseconds),
 * "clock_synced" (the kernel's NTP sync state) and "prev" (the previous record's mac; 64
 * zeros for the first).
 *
 * The anchor, kept apart from the log, holds the last seq and mac and a tag:
 * HMAC-SHA256(anchor key, "seq=<20 digits> mac=<64 hex>") where the anchor key is
 * HMAC-SHA256(audit key, "sekimori audit anchor v1"), so that nobody without the audit key
 * can write an anchor that matches a log they cut short. Each anchor (seq and mac) also goes
 * to syslog, so that a copy exists off the machine; `sekimori audit verify --anchor SEQ:MAC`
 * holds the log to such a copy.
 *
 * A record {"event":"audit.not_committed","first":F,"last":L,...} written by the broker at
 * start says that records F..L were appended but their store transaction never committed
 * (the broker was killed between the two): whatever they describe did not take effect. */
#ifndef SK_AUDIT_CHAIN_H
#define SK_AUDIT_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define SK_AUDIT_MAC_HEX 64
#define SK_AUDIT_LINE_MAX 8192
#define SK_AUDIT_KEY_LEN 32

struct sk_audit_anchor {
	uint64_t seq;
	char mac[SK_AUDIT_MAC_HEX + 1];
};

/* 1 when the kernel says the clock is synchronised (adjtimex without STA_UNSYNC), else 0. */
int sk_clock_synced(void);

/* Reads and checks the anchor: SK_ERR_PROTO when malformed, SK_ERR_CRYPTO when its tag does
 * not verify with key (written by someone without the key, or for another key). */
int sk_audit_anchor_read(const char *path, const unsigned char *key, size_t keylen,
                         struct sk_audit_anchor *out);
/* Rewrites the anchor durably (fixed-size record with its tag, fdatasync). */
int sk_audit_anchor_write(int fd, const unsigned char *key, size_t keylen,
                          const struct sk_audit_anchor *a);
/* The same; sync 0 leaves the write-back to the kernel (the broker's group commit, whose
 * anchor follows the log without a sync of its own: doc/architecture.md, "Durability"). */
int sk_audit_anchor_put(int fd, const unsigned char *key, size_t keylen,
                        const struct sk_audit_anchor *a, int sync);
/* Parses "SEQ:MAC" (decimal seq >= 1, 64 lowercase hex), as the broker writes it to syslog
 * after "anchor=". SK_ERR_PROTO when malformed. */
int sk_audit_anchor_parse(const char *text, struct sk_audit_anchor *out);

#define SK_AUDIT_NOT_COMMITTED "audit.not_committed"
/* Rotation: the last record the broker writes before the log may be moved, and the first
 * record of the new file, whose seq and prev continue the old file's chain. A log whose
 * first record is audit.rotated starts there; `first_seq` and `first_prev` of the report
 * say where it joins the file before it. */
#define SK_AUDIT_ROTATE_REQUESTED "audit.rotate_requested"
#define SK_AUDIT_ROTATED "audit.rotated"

/* Verification report: ok=1 when the log is whole. Otherwise `problem` names the first
 * fault and `line` its line number: a modified record, a deleted / reordered / inserted
 * record (seq or prev break), or truncation against the anchor. */
struct sk_audit_report {
	int ok;
	uint64_t records;         /* records read (last_seq - first_seq + 1 when whole) */
	uint64_t first_seq;       /* 1, or the seq of a first record audit.rotated */
	char first_prev[SK_AUDIT_MAC_HEX + 1];   /* that record's prev: the file before's end */
	uint64_t last_seq;
	char last_mac[SK_AUDIT_MAC_HEX + 1];
	uint64_t not_committed;   /* records named by audit.not_committed markers */
	uint64_t line;
	char problem[256];
};

int sk_audit_verify(const char *log_path, const char *anchor_path, const unsigned char *key,
                    size_t keylen, struct sk_audit_report *report);
/* As sk_audit_verify, and the log must also hold record remote->seq with mac remote->mac
 * (an anchor copied from syslog): a log cut short together with its anchor is reported. */
int sk_audit_verify_remote(const char *log_path, const char *anchor_path,
                           const unsigned char *key, size_t keylen,
                           const struct sk_audit_anchor *remote,
                           struct sk_audit_report *report);

/* Checks a rotated file (no anchor): its records chained from its first one (record 1, or
 * an audit.rotated record), whole lines, not empty. The report's first_seq / first_prev /
 * last_seq / last_mac let the caller check that consecutive files join. */
int sk_audit_verify_segment(const char *path, const unsigned char *key, size_t keylen,
                            struct sk_audit_report *report);

/* Opens one record line: checks its MAC with key and reads its seq and prev. SK_OK;
 * SK_ERR_CRYPTO when the MAC does not match (modified, or another key); SK_ERR_PROTO with
 * *why when the line is malformed. */
int sk_audit_line_open(const unsigned char *key, size_t keylen, const char *line, size_t len,
                       uint64_t *seq, char prev[SK_AUDIT_MAC_HEX + 1],
                       char mac[SK_AUDIT_MAC_HEX + 1], const char **why);

/* Builds the full line for `event` (which must not hold seq/ts/clock_synced/prev/mac):
 * adds those fields and the mac. out gets the line without newline. */
int sk_audit_seal_line(const unsigned char *key, size_t keylen, uint64_t seq,
                       const char prev_mac[SK_AUDIT_MAC_HEX + 1], json_object *event,
                       char *out, size_t outsz, char mac_out[SK_AUDIT_MAC_HEX + 1]);

#endif
