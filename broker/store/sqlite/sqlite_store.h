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

struct sq_store {
	struct sk_store base;
	char *path;
	/* Idle connections kept open, so the WAL stays open between clients. */
	pthread_mutex_t pool_lock;
	struct sq_txn *pool[SQ_POOL_MAX];
	size_t pool_n;
	/* The user lock: the names held by some txn of this broker (one broker owns a SQLite
	 * file). A waiter sleeps on names_cv until its name is free. */
	pthread_mutex_t names_lock;
	pthread_cond_t names_cv;
	struct sq_txn *holders;
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

/* A connection: WAL, synchronous=FULL (durable commits), foreign keys, secure_delete (freed
 * pages holding sealed secrets are overwritten). */
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

/* The operations, by family. */
int sq_audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present);
int sq_audit_seq_set(struct sk_store_txn *t, uint64_t seq);

int sq_user_get(struct sk_store_txn *t, const char *name, struct user_rec *out);
int sq_user_insert(struct sk_store_txn *t, struct user_rec *u);
int sq_user_save_auth(struct sk_store_txn *t, const struct user_rec *u);
int sq_user_set_password(struct sk_store_txn *t, struct user_rec *u, const char *hash,
                         int temporary, int64_t now, unsigned keep);
int sq_user_history(struct sk_store_txn *t, int64_t user_id, unsigned limit,
                    int (*fn)(void *, const char *), void *arg);
int sq_user_set_disabled(struct sk_store_txn *t, int64_t user_id, int disabled);
int sq_user_set_logout(struct sk_store_txn *t, int64_t user_id, int64_t when);
int sq_user_list(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *),
                 void *arg);

int sq_totp_list(struct sk_store_txn *t, int64_t user_id, int confirmed_only,
                 struct totp_rec *out, size_t cap, size_t *n);
int sq_totp_get(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out);
int sq_totp_insert(struct sk_store_txn *t, struct totp_rec *rec);
int sq_totp_set_last_step(struct sk_store_txn *t, int64_t id, int64_t step);
int sq_totp_confirm(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step);
int sq_totp_delete_unconfirmed(struct sk_store_txn *t, int64_t user_id);
int sq_totp_delete_all(struct sk_store_txn *t, int64_t user_id);

int sq_fido2_list(struct sk_store_txn *t, int64_t user_id, int usable_only,
                  struct fido2_rec *out, size_t cap, size_t *n);
int sq_fido2_insert(struct sk_store_txn *t, const struct fido2_rec *f,
                    const unsigned char *attstmt, size_t attstmt_len, int64_t *id);
int sq_fido2_used(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now);
int sq_fido2_flag_clone(struct sk_store_txn *t, int64_t id);
int sq_fido2_delete(struct sk_store_txn *t, int64_t user_id, int64_t id);

int sq_card_list(struct sk_store_txn *t, int64_t user_id, int active_only,
                 struct card_rec *out, size_t cap, size_t *n);
int sq_card_by_spki(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out);
int sq_card_other_owner(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
                        const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other);
int sq_card_add_keys(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
                     const char (*spki)[CARD_SPKI_HEX], size_t n_spki);
int sq_card_user_name(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap);
int sq_card_insert(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert,
                   size_t len);
int sq_card_revoke(struct sk_store_txn *t, int64_t id, const char *reason, int64_t replaced_by,
                   int64_t now);
int sq_card_dispose(struct sk_store_txn *t, int64_t id, int collected, int destroyed,
                    const char *note, int64_t now);

int sq_session_open(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id);
int sq_session_close(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when);
int sq_session_is_open(struct sk_store_txn *t, int64_t user_id, int64_t id);

#endif
