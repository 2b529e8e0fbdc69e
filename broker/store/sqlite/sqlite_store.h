/* The SQLite backend's own declarations: its store and txn, the statement helpers its files
 * share, the schema migrations, and its operations (collected in sqlite_store.c's table).
 * Nothing outside broker/store/sqlite/ includes this header (tests of the backend aside). */
#ifndef BROKER_STORE_SQLITE_H
#define BROKER_STORE_SQLITE_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store_backend.h"

#define SQ_POOL_MAX 16

struct sq_txn;

/* The WAL's checkpoints on a thread of their own (sqlite_checkpoint.c): connections given to
 * sq_checkpointer_attach only signal it when the WAL has grown past the threshold. */
struct sq_checkpointer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sqlite3 *db;        /* the thread's own connection */
	int running, wanted, stop;
	uint64_t runs;      /* checkpoints run (tests) */
};
int sq_checkpointer_start(struct sq_checkpointer *c, const char *path);
void sq_checkpointer_attach(struct sq_checkpointer *c, sqlite3 *db);
void sq_checkpointer_stop(struct sq_checkpointer *c);

struct sq_store {
	struct sk_store base;
	char *path;
	int owner_fd;   /* holds flock(LOCK_EX) on the file: one sekimorid per store */
	/* Idle connections kept open, so the WAL stays open between clients. */
	pthread_mutex_t pool_lock;
	struct sq_txn *pool[SQ_POOL_MAX];
	size_t pool_n;
	/* The user lock: the names held by some txn of this broker (one broker owns a SQLite
	 * file). A waiter sleeps on names_cv until its name is free. */
	pthread_mutex_t names_lock;
	pthread_cond_t names_cv;
	struct sq_txn *holders;
	/* The group commit's sync (sq_durable_sync): commits only write the WAL
	 * (synchronous=NORMAL); wal_fd, a descriptor of our own on <path>-wal, is fdatasync'ed
	 * for many commits at once. keeper is a connection held open from start to close, so
	 * that SQLite never deletes (and recreates) the WAL file, which it does when its last
	 * connection closes: the descriptor stays on the file the commits go to. */
	sqlite3 *keeper;
	int wal_fd;
	struct sq_checkpointer checkpointer;
};

struct sq_txn {
	struct sk_store_txn base;
	sqlite3 *db;
	struct sq_txn *next_holder;   /* in sq_store.holders while holding a user lock */
};

static inline sqlite3 *
sq_db(struct sk_store_txn *t)
{
	return ((struct sq_txn *)t)->db;
}

/* A connection: WAL, synchronous=NORMAL (a commit writes the WAL without a sync; the
 * broker's group commit syncs the WAL for many commits, sq_durable_sync), foreign keys,
 * secure_delete (freed pages holding sealed secrets are overwritten). */
int sq_connect(const char *path, sqlite3 **out);
/* Runs statements without results; SK_ERR_STORE on failure. */
int sq_exec(sqlite3 *db, const char *sql);
/* Prepares a statement; logs and returns SK_ERR_STORE on failure. */
int sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* Steps a statement that returns no rows and finalizes it: SK_OK, SK_ERR_EXISTS (a
 * constraint) or SK_ERR_STORE. */
int sq_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what);
/* Reads up to cap rows of row_size bytes into rows with read_row, then finalizes st. */
typedef int (*sq_row_reader)(sqlite3_stmt *st, void *row);
int sq_select(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *rows,
              size_t row_size, size_t cap, size_t *n);
/* One row: SK_ERR_NOTFOUND when there is none. */
int sq_select_one(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *row);
/* Steps st, calling fn with each row read into row by read_row (fn returning non-zero
 * stops early), then gives st back; what names the read in the error log. */
int sq_each_row(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *row,
                int (*fn)(void *, const void *), void *arg, const char *what);
/* Copies a text column into buf (truncation is an error). */
int sq_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

/* Schema migrations (sqlite_migrate.c). The schema version is PRAGMA user_version: step i
 * (counting from 1) takes a store from version i-1 to i. Each step runs once, in a
 * transaction of its own together with the new version number, so a failing step leaves
 * the store at the version before it. */
struct sq_migration {
	const char *what;                  /* for the log */
	int (*apply)(sqlite3 *db);
};
/* This broker's steps; their count is the schema version it writes. */
extern const struct sq_migration sq_migrations[];
extern const size_t sq_migrations_n;
/* Brings db up to n steps of steps. SK_ERR_STORE (logged, with path) when a step fails or
 * the store's version is above n (a newer broker's store: refused, fail closed). */
int sq_migrate(sqlite3 *db, const char *path, const struct sq_migration *steps, size_t n);
/* The store's schema version (PRAGMA user_version). */
int sq_schema_version(sqlite3 *db, int *version);

/* Statements with their arguments bound from a list: one character of types per argument,
 * 'i' an int64_t, 't' a const char * (text, not NULL), 'b' a blob as a const void * and a
 * size_t (NULL with 0 is the empty blob). Pass integers as int64_t: the list is variadic. */
/* Prepares and binds, for sq_select / sq_select_one or stepping by hand. */
int sq_query(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...);
/* As sq_query, with a statement from the connection's cache: it must be given back through
 * sq_select, sq_select_one, sq_step_done or sq_stmt_release, never sqlite3_finalize. */
int sq_query_cached(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...);
/* Gives a statement back: reset into the cache when it came from there, else finalized. */
void sq_stmt_release(sqlite3 *db, sqlite3_stmt *st);
/* Finalizes the connection's cached statements: before sqlite3_close. */
void sq_stmt_drop(sqlite3 *db);
/* Runs a statement that returns no rows: SK_OK, SK_ERR_EXISTS (a constraint), SK_ERR_STORE;
 * with SQ_ONE_ROW SK_ERR_NOTFOUND when it changed no row, with SQ_NEW_ROW *id gets the
 * inserted row's id. */
enum sq_expect { SQ_ANY, SQ_ONE_ROW, SQ_NEW_ROW };
int sq_run(sqlite3 *db, enum sq_expect expect, int64_t *id, const char *what, const char *sql,
           const char *types, ...);
#define sq_write(db, what, ...) sq_run((db), SQ_ANY, NULL, (what), __VA_ARGS__)
#define sq_write_one(db, what, ...) sq_run((db), SQ_ONE_ROW, NULL, (what), __VA_ARGS__)
#define sq_insert(db, id, what, ...) sq_run((db), SQ_NEW_ROW, (id), (what), __VA_ARGS__)

/* Each family file fills its operations into the backend's table. */
void sq_meta_ops(struct sk_store_ops *o);
void sq_user_ops(struct sk_store_ops *o);
void sq_totp_ops(struct sk_store_ops *o);
void sq_fido2_ops(struct sk_store_ops *o);
void sq_card_ops(struct sk_store_ops *o);
void sq_session_ops(struct sk_store_ops *o);
void sq_hr_ops(struct sk_store_ops *o);
void sq_grant_ops(struct sk_store_ops *o);
void sq_report_ops(struct sk_store_ops *o);
void sq_terminal_ops(struct sk_store_ops *o);
void sq_request_ops(struct sk_store_ops *o);
void sq_outstanding_ops(struct sk_store_ops *o);

#endif
