/* meta (store.h): the committed audit seq, one per broker (its broker_id): brokers sharing
 * the database each write their own audit log, so each has its own seq. */
#include "pg_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

/* meta key of this broker's seq: 'audit_seq' before a broker_id is set (tests, tools), else
 * 'audit_seq@<broker_id>'. */
static void
seq_key(struct sk_store_txn *t, char *key, size_t cap)
{
	const char *inst = pg_instance(t);

	if (inst[0] == '\0')
		(void)snprintf(key, cap, "audit_seq");
	else
		(void)snprintf(key, cap, "audit_seq@%s", inst);
}

static int
audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present)
{
	char key[96];
	PGresult *res;
	int r;

	*seq = 0;
	*present = 0;
	seq_key(t, key, sizeof(key));
	if ((r = pg_query(pg_conn(t), &res, "SELECT CAST(value AS BIGINT) FROM meta WHERE key = $1",
	                  "t", key)) != SK_OK)
		return r;
	if (PQntuples(res) == 1 && pg_int(res, 0, 0) >= 0) {
		*seq = (uint64_t)pg_int(res, 0, 0);
		*present = 1;
	}
	PQclear(res);
	return SK_OK;
}

static int
audit_seq_set(struct sk_store_txn *t, uint64_t seq)
{
	char text[24], key[96];

	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	seq_key(t, key, sizeof(key));
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	return pg_write(pg_conn(t), "recording the committed audit seq",
	                "INSERT INTO meta(key, value) VALUES($1, $2)"
	                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt", key, text);
}

/* audit_tail rows of this broker: its broker_id, '' before one is set (as seq_key). */
static int
audit_tail_add(struct sk_store_txn *t, uint64_t seq, const char *line)
{
	char text[24];

	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	return pg_write(pg_conn(t), "keeping the audit line",
	                "INSERT INTO audit_tail(broker, seq, line) VALUES($1, $2, $3)", "ttt",
	                pg_instance(t), text, line);
}

static int
audit_tail_prune(struct sk_store_txn *t, uint64_t seq)
{
	char text[24];

	if (seq > (uint64_t)INT64_MAX)
		return SK_ERR_RANGE;
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	return pg_write(pg_conn(t), "pruning the kept audit lines",
	                "DELETE FROM audit_tail WHERE broker = $1 AND seq <= $2", "tt",
	                pg_instance(t), text);
}

static int
audit_tail_after(struct sk_store_txn *t, uint64_t seq,
                 int (*fn)(void *, uint64_t, const char *), void *arg)
{
	char text[24];
	PGresult *res;
	int r, i;

	if (seq > (uint64_t)INT64_MAX)
		return SK_ERR_RANGE;
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	if ((r = pg_query(pg_conn(t), &res, "SELECT seq, line FROM audit_tail WHERE broker = $1"
	                  " AND seq > $2 ORDER BY seq", "tt", pg_instance(t), text)) != SK_OK)
		return r;
	for (i = 0; r == SK_OK && i < PQntuples(res); i++) {
		if (pg_int(res, i, 0) < 0 || PQgetisnull(res, i, 1)) {
			sk_logerr("audit_tail row malformed");
			r = SK_ERR_STORE;
			break;
		}
		r = fn(arg, (uint64_t)pg_int(res, i, 0), PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return r;
}

int
store_pg_audit_seqs_read(const char *conninfo,
                         int (*fn)(void *arg, const char *broker_id, uint64_t seq), void *arg)
{
	char key[96];
	PGconn *c;
	PGresult *res;
	int r, n;

	if ((r = pg_connect(conninfo, &c)) != SK_OK)
		return r;
	r = pg_query(c, &res, "SELECT key, CAST(value AS BIGINT) FROM meta"
	             " WHERE key = 'audit_seq' OR key LIKE 'audit\\_seq@%' ORDER BY key", "");
	if (r != SK_OK) {
		PQfinish(c);
		return r;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && r == SK_OK; i++) {
		if (pg_text(res, i, 0, key, sizeof(key)) != SK_OK || pg_int(res, i, 1) < 0) {
			sk_logerr("postgresql: meta holds a malformed audit seq");
			r = SK_ERR_STORE;
			break;
		}
		r = fn(arg, strchr(key, '@') != NULL ? strchr(key, '@') + 1 : "",
		       (uint64_t)pg_int(res, i, 1));
	}
	PQclear(res);
	PQfinish(c);
	return r;
}

void
pg_meta_ops(struct sk_store_ops *o)
{
	o->audit_tail_add = audit_tail_add;
	o->audit_tail_prune = audit_tail_prune;
	o->audit_tail_after = audit_tail_after;
	o->audit_seq_get = audit_seq_get;
	o->audit_seq_set = audit_seq_set;
}
