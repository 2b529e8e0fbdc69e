/* The SQLite store: schema, connections and transactions. Only the broker opens it. */
#ifndef BROKER_STORE_H
#define BROKER_STORE_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Creates or upgrades the schema (run once at broker start). */
int store_init(const char *path);
/* A connection for one client thread: WAL, synchronous=FULL (durable commits), foreign
 * keys, secure_delete (freed pages holding sealed secrets are overwritten). */
int store_open(const char *path, sqlite3 **out);
void store_close(sqlite3 *db);
/* A pooled connection for one client; give it back with store_release. */
int store_acquire(const char *path, sqlite3 **out);
void store_release(sqlite3 *db);
void store_pool_drain(void);
/* BEGIN IMMEDIATE, queued behind the broker's other writers; store_commit or
 * store_rollback ends it (a failed commit must be followed by store_rollback). */
int store_begin(sqlite3 *db);
int store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);
/* 1 when this thread is inside a write transaction (holds the writer lock). */
int store_writer_held(void);
/* committed runs after a COMMIT, rolled_back after a ROLLBACK, both on the thread that held
 * the transaction and still holding the writer lock (set once at start). */
void store_set_txn_hooks(void (*committed)(void), void (*rolled_back)(sqlite3 *db));
/* meta 'audit_seq': the seq of the last audit record whose transaction committed, written in
 * that same transaction (R-LOG-1). *present is 0 for a store that never recorded one. */
int store_audit_seq_get(sqlite3 *db, uint64_t *seq, int *present);
int store_audit_seq_set(sqlite3 *db, uint64_t seq);
/* Runs one statement without results; SK_ERR_STORE on failure. */
int store_exec(sqlite3 *db, const char *sql);
/* Prepares a statement; logs and returns SK_ERR_STORE on failure. */
int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* Steps a statement that returns no rows and finalizes it: SK_OK, SK_ERR_EXISTS (a
 * constraint) or SK_ERR_STORE. */
int store_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what);
/* Reads up to cap rows of row_size bytes into rows with read_row, then finalizes st. */
typedef int (*store_row_reader)(sqlite3_stmt *st, void *row);
int store_select(sqlite3 *db, sqlite3_stmt *st, store_row_reader read_row, void *rows,
                 size_t row_size, size_t cap, size_t *n);
/* One row: SK_ERR_NOTFOUND when there is none. */
int store_select_one(sqlite3 *db, sqlite3_stmt *st, store_row_reader read_row, void *row);
/* Copies a text column into buf (truncation is an error). */
int store_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

#endif
