/* meta (store.h): the committed audit seq, and audit_tail (the group commit's copy of the
 * audit lines the log has not synced yet). */
#include "sqlite_store.h"

#include <inttypes.h>
#include <stdio.h>

#include "sk_err.h"
#include "sk_log.h"

static int
audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	*present = 0;
	if (sq_query(db, &st, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_seq'",
	             "") != SK_OK)
		return SK_ERR_STORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 0) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		*present = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("reading the committed audit seq: %s", sqlite3_errmsg(db));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

static int
audit_seq_set(struct sk_store_txn *t, uint64_t seq)
{
	char text[24];

	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	return sq_write(sq_db(t), "recording the committed audit seq",
	                "INSERT INTO meta(key, value) VALUES('audit_seq', ?)"
	                " ON CONFLICT(key) DO UPDATE SET value = excluded.value", "t", text);
}

static int
audit_tail_add(struct sk_store_txn *t, uint64_t seq, const char *line)
{
	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	return sq_write(sq_db(t), "keeping the audit line",
	                "INSERT INTO audit_tail(seq, line) VALUES(?, ?)", "it", (int64_t)seq, line);
}

static int
audit_tail_prune(struct sk_store_txn *t, uint64_t seq)
{
	if (seq > (uint64_t)INT64_MAX)
		return SK_ERR_RANGE;
	return sq_write(sq_db(t), "pruning the kept audit lines",
	                "DELETE FROM audit_tail WHERE seq <= ?", "i", (int64_t)seq);
}

static int
audit_tail_after(struct sk_store_txn *t, uint64_t seq,
                 int (*fn)(void *, uint64_t, const char *), void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int rc, r = SK_OK;

	if (seq > (uint64_t)INT64_MAX)
		return SK_ERR_RANGE;
	if (sq_query(db, &st, "SELECT seq, line FROM audit_tail WHERE seq > ? ORDER BY seq", "i",
	             (int64_t)seq) != SK_OK)
		return SK_ERR_STORE;
	while (r == SK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *line = sqlite3_column_text(st, 1);

		if (sqlite3_column_int64(st, 0) < 0 || line == NULL) {
			sk_logerr("audit_tail row malformed");
			r = SK_ERR_STORE;
			break;
		}
		r = fn(arg, (uint64_t)sqlite3_column_int64(st, 0), (const char *)line);
	}
	if (r == SK_OK && rc != SQLITE_DONE) {
		sk_logerr("reading the kept audit lines: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

void
sq_meta_ops(struct sk_store_ops *o)
{
	o->audit_tail_add = audit_tail_add;
	o->audit_tail_prune = audit_tail_prune;
	o->audit_tail_after = audit_tail_after;
	o->audit_seq_get = audit_seq_get;
	o->audit_seq_set = audit_seq_set;
}
