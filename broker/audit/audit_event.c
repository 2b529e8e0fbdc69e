/* Audit records for decisions and administrative acts (R-LOG-1, R-LOG-3), and how they stay
 * in step with the store.
 *
 * Every record is appended inside a write transaction of the store, and the same transaction
 * writes the seq of its last record to meta 'audit_seq' (once, just before the commit:
 * on_precommit): a record the broker appends on its own (a deny that changes nothing in the
 * store) gets a transaction of its own, which writes it at once. Records are appended only
 * by the thread holding the store's writer lock, and that lock is held until the commit, so
 * the log's order is the commit order and, whenever the broker stops:
 *   - every record up to 'audit_seq' had its transaction committed (or was followed by a
 *     marker, see below), so every committed change has its record;
 *   - every record after 'audit_seq' belongs to the one transaction that did not commit.
 * At start, records after 'audit_seq' get an audit.not_committed marker (reason
 * broker_stopped_before_commit).
 *
 * Group commit (audit_durable.c): a record is only written to the log, and the commit only
 * writes the WAL; one sync later covers many transactions, before their replies. After a
 * power failure the store may so hold commits whose records the log lost (the kernel wrote
 * the WAL back first). So each record's sealed line also goes into the store, in the same
 * transaction (audit_tail), and is pruned once the log has synced it; at start, lines the
 * store committed past the log's end are verified against the log's last record and
 * written back (audit_recover). A log cut back beyond the lines the store kept is refused,
 * as before. A transaction rolled back after it appended records gets
 * one at once (reason rolled_back). When even that cannot be written (the store is
 * unreachable: a database outage), the marker is kept pending: the next transaction that
 * appends a record writes it first, in that same transaction, so no later record can commit
 * before it; until then 'audit_seq' stays below the records, so a broker stopped meanwhile
 * marks them at its next start. The broker serves again as soon as the store is back. */
#include "audit_event.h"

#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <openssl/rand.h>

#include "audit_durable.h"
#include "audit_log.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

/* The records this thread's open write transaction appended (0: none). */
static __thread uint64_t txn_first, txn_last;
/* Records of rolled-back transactions whose marker could not be written yet (0: none), and
 * whether this thread's open transaction carries that marker. Read and written only inside
 * the writer serialisation (store.h), like the log's order. */
static uint64_t pending_first, pending_last;
static __thread int txn_carries_pending;
/* The log the transaction hooks write to; set once at start, before any client. */
static struct audit_log *hooked_log;
/* audit_tail holds no line at or below this seq (read and written under the writer lock). */
static uint64_t tail_pruned;
/* This broker's broker_id, for the markers the hooks write (set with hooked_log). */
static const char *hooked_broker_id;
/* The seq of this thread's open transaction's last record whose 'audit_seq' write was left
 * to on_precommit (0: none): a transaction of many records (an HR commit's 100,000) writes
 * meta 'audit_seq' once, with its last seq, instead of once per record. 'audit_seq' is only
 * read as "the seq of the last record whose transaction committed" (audit_recover, the
 * brokers' check), and nothing reads it inside the transaction, so the value committed is
 * the same; a failed write fails the commit, and the caller rolls back and denies. */
static __thread uint64_t txn_seq_unwritten;

/* Several brokers, one store (doc/deployment.md): every record names the broker whose chain
 * it is in ("broker") and carries an id of its own ("record_id", 128 random bits), so that
 * `sekimori audit verify --brokers` can tell the logs apart and find a record in two of
 * them. */
#define RECORD_ID_BYTES 16
#define RECORD_IDS_PER_DRAW 32
/* Record ids are cut from one RAND_bytes draw of RECORD_IDS_PER_DRAW ids per thread (an HR
 * commit appends 100,000 records; one CSPRNG call each was about 3 % of its instructions):
 * each id is still 128 bits of the CSPRNG's output, used once and wiped, so ids are as
 * unpredictable and as unlikely to repeat as before. A forked child must not reuse its
 * parent's unused ids (the broker does not fork, grant_notify.c uses posix_spawn; the
 * child handler guards it all the same). */
static __thread unsigned char id_pool[RECORD_IDS_PER_DRAW * RECORD_ID_BYTES];
static __thread size_t id_pool_used = sizeof(id_pool);
static pthread_once_t id_pool_once = PTHREAD_ONCE_INIT;

static void
id_pool_drop(void)
{
	explicit_bzero(id_pool, sizeof(id_pool));
	id_pool_used = sizeof(id_pool);
}

static void
id_pool_init(void)
{
	(void)pthread_atfork(NULL, NULL, id_pool_drop);
}

static int
next_record_id(unsigned char raw[RECORD_ID_BYTES])
{
	(void)pthread_once(&id_pool_once, id_pool_init);
	if (id_pool_used + RECORD_ID_BYTES > sizeof(id_pool)) {
		if (RAND_bytes(id_pool, (int)sizeof(id_pool)) != 1)
			return SK_ERR_CRYPTO;
		id_pool_used = 0;
	}
	memcpy(raw, id_pool + id_pool_used, RECORD_ID_BYTES);
	explicit_bzero(id_pool + id_pool_used, RECORD_ID_BYTES);
	id_pool_used += RECORD_ID_BYTES;
	return SK_OK;
}

static int
add_identity(json_object *ev, const char *broker_id)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[RECORD_ID_BYTES];
	char id[2 * sizeof(raw) + 1];

	if (next_record_id(raw) != SK_OK) {
		sk_logerr("no random bytes for an audit record id");
		return SK_ERR_CRYPTO;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[2 * sizeof(raw)] = '\0';
	if (broker_id != NULL && broker_id[0] != '\0')
		json_object_object_add_ex(ev, "broker", json_object_new_string(broker_id),
		                          JSON_C_OBJECT_KEY_IS_CONSTANT);
	json_object_object_add_ex(ev, "record_id", json_object_new_string(id),
	                          JSON_C_OBJECT_KEY_IS_CONSTANT);
	return SK_OK;
}

json_object *
audit_field(json_object *extra, const char *key, const char *value)
{
	if (extra == NULL)
		extra = json_object_new_object();
	if (extra != NULL && value != NULL)
		json_object_object_add(extra, key, json_object_new_string(value));
	return extra;
}

json_object *
audit_field_int(json_object *extra, const char *key, int64_t value)
{
	if (extra == NULL)
		extra = json_object_new_object();
	if (extra != NULL)
		json_object_object_add(extra, key, json_object_new_int64(value));
	return extra;
}

/* Appends a record (written only, see audit_log_append_deferred), keeps its line in the
 * store and writes its seq, all in the open transaction on t. defer_seq: the seq is written
 * by on_precommit, once for the transaction (a caller's transaction, which may append many
 * records); otherwise here (a transaction of the record's own, whose commit failing alone
 * is not a refusal, see audit_seq_commit). */
static int
append_kept(struct audit_log *log, struct sk_store_txn *t, json_object *ev, uint64_t *seq,
            int defer_seq)
{
	char line[SK_AUDIT_LINE_MAX];
	int r = audit_log_append_deferred(log, ev, seq, line, sizeof(line));

	if (r == SK_OK)
		r = store_audit_tail_add(t, *seq, line);
	if (r == SK_OK && defer_seq)
		txn_seq_unwritten = *seq;
	else if (r == SK_OK)
		r = store_audit_seq_set(t, *seq);
	return r;
}

/* Appends the marker for records first..last and writes its seq, in the open transaction
 * on t (defer_seq: as append_kept). */
static int
append_marker(struct audit_log *log, struct sk_store_txn *t, uint64_t first, uint64_t last,
              const char *reason, int defer_seq)
{
	json_object *ev = json_object_new_object();
	uint64_t seq = 0;
	int r;

	if (ev == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	json_object_object_add(ev, "event", json_object_new_string(SK_AUDIT_NOT_COMMITTED));
	json_object_object_add(ev, "first", json_object_new_int64((int64_t)first));
	json_object_object_add(ev, "last", json_object_new_int64((int64_t)last));
	json_object_object_add(ev, "reason", json_object_new_string(reason));
	r = add_identity(ev, hooked_broker_id);
	if (r == SK_OK)
		r = append_kept(log, t, ev, &seq, defer_seq);
	json_object_put(ev);
	return r;
}

/* The marker in a transaction of its own (inside the rolled_back hook: still in the writer
 * serialisation, store.h). */
static int
write_marker(struct audit_log *log, struct sk_store_txn *t, uint64_t first, uint64_t last,
             const char *reason)
{
	int r = store_begin(t);

	if (r == SK_OK)
		r = append_marker(log, t, first, last, reason, 0);
	if (r == SK_OK)
		r = store_commit(t);
	if (r != SK_OK)
		store_rollback(t);
	return r;
}

/* Just before the store commits: the seq of the transaction's last record goes to meta
 * 'audit_seq' when append_kept left it (txn_seq_unwritten), and the lines the log has synced
 * since the last prune leave audit_tail, in this transaction (one statement, only when the
 * log's sync moved on). */
static int
on_precommit(struct sk_store_txn *t)
{
	uint64_t synced;
	int r;

	if (txn_seq_unwritten != 0) {
		if ((r = store_audit_seq_set(t, txn_seq_unwritten)) != SK_OK)
			return r;   /* the commit is not attempted: the caller rolls back */
		txn_seq_unwritten = 0;
	}
	if (hooked_log == NULL || (synced = audit_log_synced_seq(hooked_log)) <= tail_pruned)
		return SK_OK;
	if ((r = store_audit_tail_prune(t, synced)) == SK_OK)
		tail_pruned = synced;
	return r;
}

/* A commit the reply must wait for: every durable one, and a non-durable one that appended
 * records all the same (no reply before its records are synced). */
static void
on_committed(int durable)
{
	if (durable || txn_first != 0)
		audit_durable_committed();
	if (txn_carries_pending) {
		sk_logwarn("audit records %" PRIu64 "-%" PRIu64 " of rolled-back transactions are "
		           "marked not committed now", pending_first, pending_last);
		pending_first = pending_last = 0;
	}
	txn_first = txn_last = 0;
	txn_carries_pending = 0;
	txn_seq_unwritten = 0;
}

/* The transaction's records describe changes that did not happen: say so now, before any
 * later record can commit. */
static void
on_rolled_back(struct sk_store_txn *t)
{
	uint64_t first = txn_first, last = txn_last;
	int carried = txn_carries_pending;

	txn_first = txn_last = 0;
	txn_carries_pending = 0;
	txn_seq_unwritten = 0;
	if ((first == 0 && !carried) || hooked_log == NULL)
		return;
	if (pending_first != 0) {
		/* The records an earlier marker could not name come first, and any marker that
		 * was written to the log but not committed since is covered too: under the writer
		 * serialisation the log's last record is this thread's. */
		first = pending_first;
		last = audit_log_last_seq(hooked_log);
	}
	if (write_marker(hooked_log, t, first, last, "rolled_back") == SK_OK) {
		pending_first = pending_last = 0;
		return;
	}
	pending_first = first;
	pending_last = audit_log_last_seq(hooked_log);
	sk_logwarn("cannot mark audit records %" PRIu64 "-%" PRIu64 " of a rolled-back "
	           "transaction now (store unreachable?): the next transaction that appends a "
	           "record marks them first", pending_first, pending_last);
}

/* Commits the transaction of a record the broker appended on its own. Such a record changes
 * nothing in the store: when only its 'audit_seq' cannot be committed (a full or failing
 * disk, where such records are denies saying so), the record is still true and in the log,
 * so it gets no "not committed" marker and the log stays open; the next transaction that
 * commits moves 'audit_seq' past it. Should the broker stop before that, the start-up
 * recovery marks it not committed, which for a change-free record says nothing false. */
static int
audit_seq_commit(struct sk_store_txn *t)
{
	int r = store_commit(t);

	if (r != SK_OK) {
		txn_first = txn_last = 0;   /* no marker: the record describes no store change */
		store_rollback(t);
	}
	return r;
}

/* A field of broker_audit's fresh record before the caller's: its key a literal, not yet in
 * the object, so json-c neither looks it up nor copies it (a bulk HR commit adds 100,000
 * records' worth; doc/performance.md). The record's bytes are the same. */
static void
add_fixed(json_object *ev, const char *key, json_object *val)
{
	json_object_object_add_ex(ev, key, val,
	                          JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

int
broker_audit(struct broker_conn *c, const char *event, const char *user, const char *result,
             json_object *extra)
{
	json_object *ev = json_object_new_object();
	int own_txn = !store_in_txn(c->db), r;
	uint64_t seq = 0;

	if (ev == NULL) {
		json_object_put(extra);
		sk_logerr("allocation");
		return SK_ERR_AUDIT;
	}
	add_fixed(ev, "event", json_object_new_string(event));
	if (user != NULL)
		add_fixed(ev, "user", json_object_new_string(user));
	add_fixed(ev, "result", json_object_new_string(result));
	if (c->is_terminal) {
		/* A remote terminal has no uid or pid here: its certificate names it. */
		add_fixed(ev, "terminal", json_object_new_string(c->terminal));
		add_fixed(ev, "terminal_sha256", json_object_new_string(c->terminal_fp));
		add_fixed(ev, "terminal_addr", json_object_new_string(c->terminal_addr));
	} else {
		add_fixed(ev, "peer_uid", json_object_new_int64((int64_t)c->peer_uid));
		add_fixed(ev, "peer_pid", json_object_new_int64((int64_t)c->peer_pid));
	}
	if (c->peer_name[0] != '\0')
		add_fixed(ev, "peer", json_object_new_string(c->peer_name));
	/* The person who proved their factors for this connection's admin session (R-LOG-1):
	 * the name every administrative act is recorded under. A root peer without one acts in
	 * the recovery role, and its records say so. */
	if (c->has_admin) {
		add_fixed(ev, "admin", json_object_new_string(c->admin.name));
		add_fixed(ev, "admin_session", json_object_new_int64((int64_t)c->admin.id));
	} else if (c->peer_is_root && strncmp(event, "admin.", 6) == 0) {
		add_fixed(ev, "role", json_object_new_string("recovery"));
	}
	if (extra != NULL) {
		struct json_object_iterator it = json_object_iter_begin(extra);
		struct json_object_iterator end = json_object_iter_end(extra);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			json_object_object_add(ev, json_object_iter_peek_name(&it),
			                       json_object_get(json_object_iter_peek_value(&it)));
		json_object_put(extra);
	}
	/* No store, no record: appending outside the writer lock would break the order the
	 * recovery relies on. The decision denies (R-LOG-1). */
	r = add_identity(ev, c->b->conf.broker_id);
	if (r == SK_OK)
		r = own_txn ? store_begin(c->db) : SK_OK;
	if (r == SK_OK && pending_first != 0 && !txn_carries_pending) {
		/* A marker an outage held back goes before any new record, in this transaction:
		 * should it roll back too, on_rolled_back keeps the marker pending. */
		txn_carries_pending = 1;
		r = append_marker(c->b->audit, c->db, pending_first, pending_last, "rolled_back",
		                  !own_txn);
		if (r != SK_OK && own_txn)
			store_rollback(c->db);
	}
	if (r == SK_OK) {
		r = append_kept(c->b->audit, c->db, ev, &seq, !own_txn);
		if (seq != 0) {   /* written to the log, whatever became of the store's copy */
			if (txn_first == 0)
				txn_first = seq;
			txn_last = seq;
		}
		if (own_txn && r == SK_OK && audit_seq_commit(c->db) != SK_OK)
			r = SK_OK;   /* the record stands on its own, see audit_seq_commit */
		else if (own_txn && r != SK_OK)
			store_rollback(c->db);
	}
	json_object_put(ev);
	return r == SK_OK ? SK_OK : SK_ERR_AUDIT;
}

/* Writing back the lines the store committed past the log's end, in seq order. */
struct restore {
	struct audit_log *log;
	uint64_t next;   /* the seq the log needs next */
	uint64_t upto;   /* the store's committed seq */
};

static int
restore_line(void *arg, uint64_t seq, const char *line)
{
	struct restore *st = arg;

	if (seq > st->upto)
		return SK_OK;   /* cannot be: a line is kept in its record's own transaction */
	if (seq != st->next) {
		sk_logerr("the store kept audit record %" PRIu64 " but not %" PRIu64, seq, st->next);
		return SK_ERR_AUDIT;
	}
	if (audit_log_restore_line(st->log, line, strlen(line)) != SK_OK)
		return SK_ERR_AUDIT;
	st->next++;
	return SK_OK;
}

/* The store committed records up to committed but the log ends at last: the group commit's
 * crash order (a power failure after the WAL but before the log reached the disk). The
 * lines the store kept are written back when each verifies and continues the chain, then
 * synced and anchored; SK_ERR_AUDIT when the store does not hold them all (the log was cut
 * back further than any crash can: refused, as before). */
static int
restore_from_store(struct audit_log *log, struct sk_store_txn *t, uint64_t last,
                   uint64_t committed)
{
	struct restore st = { log, last + 1, committed };
	int r = store_audit_tail_after(t, last, restore_line, &st);

	if (r == SK_OK && audit_log_last_seq(log) != committed)
		r = SK_ERR_AUDIT;
	if (r != SK_OK) {
		sk_logerr("the store committed audit record %" PRIu64 " but the log ends at %" PRIu64
		          " and the store does not hold the records in between: log and anchor were "
		          "cut back or replaced; check them with sekimori audit verify --anchor",
		          committed, audit_log_last_seq(log));
		return SK_ERR_AUDIT;
	}
	if (audit_log_sync(log) != SK_OK)
		return SK_ERR_AUDIT;
	sk_logwarn("audit records %" PRIu64 "-%" PRIu64 " were committed by the store but missing "
	           "from the log (power failure?): written back from the store's copy",
	           last + 1, committed);
	return SK_OK;
}

int
audit_recover(struct broker *b)
{
	uint64_t committed = 0, last;
	struct sk_store_txn *t = NULL;
	int present = 0, r;

	hooked_log = b->audit;
	hooked_broker_id = b->conf.broker_id;
	store_set_txn_hooks(on_committed, on_rolled_back);
	store_set_precommit_hook(on_precommit);
	if ((r = store_acquire(b->store, &t)) != SK_OK)
		return r;
	r = store_begin(t);
	if (r == SK_OK)
		r = store_audit_seq_get(t, &committed, &present);
	if (r != SK_OK) {
		store_release(t);   /* rolls back */
		return r;
	}
	last = audit_log_last_seq(b->audit);
	if (present && committed > last) {
		if (restore_from_store(b->audit, t, last, committed) != SK_OK) {
			store_rollback(t);
			store_release(t);
			return SK_ERR_AUDIT;
		}
		last = committed;
	}
	if (!present || committed == last) {
		/* A store from before 'audit_seq' was kept starts counting here. */
		if (!present && last != 0)
			sk_logwarn("store has no committed audit seq; starting from the log's %" PRIu64,
			           last);
		r = present ? SK_OK : store_audit_seq_set(t, last);
		if (r == SK_OK)
			r = store_commit(t);
		if (r != SK_OK)
			store_rollback(t);
	} else {
		/* The marker goes in this same transaction: nothing commits in between. */
		sk_logwarn("audit records %" PRIu64 "-%" PRIu64 " were written but their store "
		           "transaction never committed (broker killed?): marked not committed",
		           committed + 1, last);
		r = append_marker(b->audit, t, committed + 1, last, "broker_stopped_before_commit",
		                  0);
		if (r == SK_OK)
			r = store_commit(t);
		if (r != SK_OK) {
			store_rollback(t);
			r = SK_ERR_AUDIT;
		}
	}
	store_release(t);
	/* From here on replies wait for the group commit; the recovery's own commit first. */
	audit_durable_start(b->audit, b->store);
	if (r == SK_OK)
		r = audit_durable_wait();
	return r;
}
