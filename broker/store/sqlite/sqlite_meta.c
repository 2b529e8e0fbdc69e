/* meta (store.h): the committed audit seq. */
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

void
sq_meta_ops(struct sk_store_ops *o)
{
	o->audit_seq_get = audit_seq_get;
	o->audit_seq_set = audit_seq_set;
}
