/* The store: the one interface through which the broker keeps its state. Handlers, the audit
 * writer and the daemon see only this header (and the record families it includes); no SQL
 * and no backend type exist outside broker/store/<backend>/ (doc/hacking.md).
 *
 *   struct sk_store      one backend, opened once at start (store_open). Today SQLite
 *                        (broker/store/sqlite/); a second backend (PostgreSQL) is one more
 *                        folder and one more row in store_open, see doc/architecture.md.
 *   struct sk_store_txn  what one client thread works through (store_acquire): reads outside a
 *                        transaction each stand alone; store_begin .. store_commit/rollback is
 *                        one write transaction; store_user_lock .. store_user_unlock is "this
 *                        user's row, locked" around them.
 *
 * Both are opaque; a backend fills a table of operations (store_backend.h).
 *
 * Write serialisation. Write transactions of one broker queue one behind the other (a
 * process-wide writer lock taken by store_begin, dropped by store_commit/store_rollback), so
 * that the audit log's order is the order in which transactions committed (audit_event.c).
 * SQLite needs it anyway (one writer per file); a client waits in the queue instead of
 * giving up after a busy timeout.
 *
 * The user's row, locked. Everything that changes one user's authentication state runs
 * between store_user_lock(t, user) and store_user_unlock(t): attempts for one user are
 * serialised (R-LOGIN-1), different users proceed in parallel. The span may hold several
 * write transactions and slow checks between them ("deny first": the held attempt is
 * committed before the password is hashed). The user lock is always taken before the writer
 * lock, never while holding it.
 *   SQLite:     an in-process lock on the name (one broker owns the file: flock, a second
 *               broker on it is refused at store_open), then, inside,
 *               BEGIN IMMEDIATE behind the writer lock for each transaction.
 *   PostgreSQL: each transaction in the span starts with
 *                 SELECT id FROM users WHERE name = $1 FOR UPDATE
 *               so another broker's transaction on this user waits for the row; the span
 *               itself (which commits in the middle) holds a session-level advisory lock,
 *               pg_advisory_lock on a hash of the name (a name without a row is locked too:
 *               user add, an unknown name's decoy), which survives those commits and is
 *               dropped by store_user_unlock or by the server when the connection dies.
 * store_begin_user is the one-transaction form: the user lock and a write transaction in one
 * call; store_commit/store_rollback then end both.
 *
 * Errors: SK_OK, SK_ERR_NOTFOUND (no such row), SK_ERR_EXISTS (a uniqueness rule), SK_ERR_STORE
 * (logged where detected), SK_ERR_INTERNAL (misuse, e.g. a nested transaction). */
#ifndef BROKER_STORE_H
#define BROKER_STORE_H
#include <stddef.h>
#include <stdint.h>

struct sk_store;
struct sk_store_txn;

/* Opens the store named by path and brings its schema up to date (the backend's migrations,
 * doc/architecture.md); run once at broker start. Refuses (SK_ERR_STORE, logged) a store whose
 * schema is newer than this broker. */
int store_open(const char *path, struct sk_store **out);
/* 1 when path names a PostgreSQL database (postgresql:// or postgres://) rather than a file. */
int store_is_remote(const char *path);
/* The name of this broker among those that share one store (broker_id in sekimori.conf),
 * set once after store_open. PostgreSQL keeps the audit seq per name and refuses
 * (SK_ERR_STORE) a name another running sekimorid holds; SQLite (one broker per file)
 * ignores it. */
int store_set_instance(struct sk_store *s, const char *name);
/* Closes every connection; no client may hold a txn any more. */
void store_close(struct sk_store *s);

/* A handle for one client thread (pooled connections); give it back with store_release,
 * which rolls back an open transaction and drops a user lock still held. */
int store_acquire(struct sk_store *s, struct sk_store_txn **out);
void store_release(struct sk_store_txn *t);

/* A write transaction, queued behind the broker's other writers; store_commit or
 * store_rollback ends it (a failed commit must be followed by store_rollback). */
int store_begin(struct sk_store_txn *t);
int store_commit(struct sk_store_txn *t);
void store_rollback(struct sk_store_txn *t);
/* store_begin for rows nobody relies on after a crash (HR staging, which the broker drops at
 * start): where the backend has a commit that does not wait for the disk (its set_durable
 * operation), the transaction uses it; its commit or rollback makes the connection durable
 * again. SQLite has none: every SQLite commit is synchronous=NORMAL, and this commit is not
 * counted by the group commit, so the reply does not wait for a sync of it (the flusher
 * or the next sync covers it). A transaction that appends audit records is counted anyway. */
int store_begin_nondurable(struct sk_store_txn *t);
/* 1 while t has a write transaction open. */
int store_in_txn(const struct sk_store_txn *t);

/* The user's row, locked (see above). One user per txn at a time: locking a second name
 * while holding one is refused (SK_ERR_INTERNAL), as two would risk a deadlock. */
int store_user_lock(struct sk_store_txn *t, const char *user);
void store_user_unlock(struct sk_store_txn *t);
/* store_user_lock + store_begin; the commit or rollback also drops the user lock (unless it
 * was held already, by an enclosing store_user_lock). */
int store_begin_user(struct sk_store_txn *t, const char *user);

/* committed runs after a COMMIT (durable 0 for a store_begin_nondurable transaction, whose
 * commit the group commit need not sync before the reply), rolled_back after a ROLLBACK,
 * both on the thread that held the transaction and still inside the writer serialisation
 * (set once at start). Inside
 * rolled_back, t may run one more transaction of its own (store_begin .. store_commit): it
 * stays in the serialisation and calls no hooks. */
void store_set_txn_hooks(void (*committed)(int durable),
                         void (*rolled_back)(struct sk_store_txn *t));
/* precommit runs in store_commit just before the backend commits (also for the rolled_back
 * hook's own transaction), on the thread holding the transaction, which it may still write
 * to: the audit writer prunes audit_tail there (audit_event.c). When it fails the commit is
 * not attempted and store_commit returns its error (the caller rolls back). Set once at
 * start; NULL: none. */
void store_set_precommit_hook(int (*precommit)(struct sk_store_txn *t));

/* meta 'audit_seq': the seq of the last audit record whose transaction committed, written in
 * that same transaction (R-LOG-1). *present is 0 for a store that never recorded one. */
int store_audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present);
int store_audit_seq_set(struct sk_store_txn *t, uint64_t seq);
/* For `sekimori audit verify --brokers` (doc/deployment.md): the committed audit seq of every
 * broker that ever committed on the PostgreSQL store at path, read on a connection of its own
 * (no migration, no broker_id lock, nothing written). fn(arg, broker_id, seq) once per broker,
 * broker_id "" for the seq kept without a broker_id ('audit_seq'); a non-zero return from fn
 * stops and is returned. SK_ERR_CONFIG for a SQLite store (one broker per file: plain
 * `audit verify`), SK_ERR_STORE when the database cannot be read. */
int store_audit_seqs_read(const char *path, int (*fn)(void *arg, const char *broker_id,
                                                      uint64_t seq), void *arg);

/* audit_tail: the sealed line of each audit record, kept in the record's own transaction
 * until the log has synced it, so that a store commit that became durable before the log's
 * records (the group commit's crash order, audit_durable.c) can give them back at start.
 * One tail per broker (PostgreSQL: per broker_id). add: in a write transaction; prune drops
 * the lines up to seq (the log has them durably); after calls fn for each kept line with a
 * seq above seq, in seq order (fn's non-SK_OK stops and is returned). */
int store_audit_tail_add(struct sk_store_txn *t, uint64_t seq, const char *line);
int store_audit_tail_prune(struct sk_store_txn *t, uint64_t seq);
int store_audit_tail_after(struct sk_store_txn *t, uint64_t seq,
                           int (*fn)(void *, uint64_t seq, const char *line), void *arg);
/* Makes every commit so far durable when the backend's commit itself does not (SQLite with
 * synchronous=NORMAL: fdatasync of its WAL file); a no-op where the commit is durable at
 * the server (PostgreSQL). Safe to call from any thread, outside any transaction. */
int store_durable_sync(struct sk_store *s);
/* Whether store_durable_sync does anything (SQLite: yes; PostgreSQL: no), so that the group
 * commit runs it alongside the log's sync only where there is something to run. */
int store_durable_sync_needed(const struct sk_store *s);

/* The record families: each header declares its rows and typed operations. */
#include "store_card.h"
#include "store_fido2.h"
#include "store_grant.h"
#include "store_hr.h"
#include "store_outstanding.h"
#include "store_report.h"
#include "store_request.h"
#include "store_session.h"
#include "store_terminal.h"
#include "store_totp.h"
#include "store_user.h"

#endif
