/* The PostgreSQL backend's own declarations: its store and txn, the statement helpers its
 * files share, the schema migrations, and its operations (collected in pg_backend.c's
 * table). Nothing outside broker/store/postgresql/ includes this header (tests of the
 * backend aside).
 *
 * Several sekimorid may share one database: every rule that must hold across brokers lives
 * in the database (row locks, advisory locks, unique keys), never in a process. */
#ifndef BROKER_STORE_PG_H
#define BROKER_STORE_PG_H
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "store_backend.h"

#define PG_POOL_MAX 16
/* The default bound on one statement (a lock wait included) and on connecting, used when
 * the connection string does not set its own: below the broker's request_timeout_ms
 * (15 s by default), so that a slow or unreachable database fails a request closed before
 * the module gives up on the broker. */
#define PG_STATEMENT_TIMEOUT_MS 5000
#define PG_CONNECT_TIMEOUT_S "5"

struct pg_txn;

struct pg_store {
	struct sk_store base;
	char *conninfo;
	/* This broker's name (store_set_instance): its audit seq is kept under it, and the
	 * owner connection holds an advisory lock on it so that no second broker uses it. */
	char instance[64];
	PGconn *owner;
	pthread_mutex_t pool_lock;
	struct pg_txn *pool[PG_POOL_MAX];
	size_t pool_n;
};

struct pg_txn {
	struct sk_store_txn base;
	PGconn *conn;
	int discard;   /* not back into the pool: it may still hold a user lock */
};

static inline PGconn *
pg_conn(struct sk_store_txn *t)
{
	return ((struct pg_txn *)t)->conn;
}

static inline const char *
pg_instance(struct sk_store_txn *t)
{
	return ((struct pg_store *)t->store)->instance;
}

/* A connection to conninfo (a postgresql:// URI or key=value string, passed to libpq as it
 * is: sslmode, sslrootcert, sslcert, ... apply), with connect_timeout and statement_timeout
 * defaults when it sets none, and the error verbosity the logs need. */
int pg_connect(const char *conninfo, PGconn **out);
/* Runs statements without parameters or results; SK_ERR_STORE on failure (logged). */
int pg_exec(PGconn *c, const char *sql);

/* Statements with their parameters from a list: one character of types per parameter,
 * 'i' an int64_t, 't' a const char * (text, not NULL), 'b' a blob as a const void * and a
 * size_t. Pass integers as int64_t: the list is variadic. Parameters are $1, $2, ... */
/* Runs a query; *res is the result (PQclear it) with its rows in text form. */
int pg_query(PGconn *c, PGresult **res, const char *sql, const char *types, ...);
/* Runs a statement without rows: SK_OK, SK_ERR_EXISTS (an integrity rule), SK_ERR_STORE;
 * with PG_ONE_ROW SK_ERR_NOTFOUND when it changed no row; with PG_NEW_ROW the statement ends
 * with RETURNING id and *id gets it.
 *
 * A failed statement aborts a PostgreSQL transaction, where SQLite's goes on; handlers go on
 * after SK_ERR_EXISTS (e.g. a hire whose name was taken), so an insert that may meet a unique
 * key says ON CONFLICT DO NOTHING and runs with PG_NEW_KEY (or PG_NEW_ROW): no row inserted
 * is SK_ERR_EXISTS, and the transaction stays usable. pg_run_guarded runs a statement that
 * may break a rule in other ways (an UPDATE of a unique column) inside a savepoint. */
enum pg_expect { PG_ANY, PG_ONE_ROW, PG_NEW_ROW, PG_NEW_KEY };
int pg_run(PGconn *c, enum pg_expect expect, int64_t *id, const char *what, const char *sql,
           const char *types, ...);
int pg_run_guarded(PGconn *c, enum pg_expect expect, const char *what, const char *sql,
                   const char *types, ...);
#define pg_write(c, what, ...) pg_run((c), PG_ANY, NULL, (what), __VA_ARGS__)
#define pg_write_one(c, what, ...) pg_run((c), PG_ONE_ROW, NULL, (what), __VA_ARGS__)
#define pg_insert(c, id, what, ...) pg_run((c), PG_NEW_ROW, (id), (what), __VA_ARGS__)

/* Reading rows of a result. */
typedef int (*pg_row_reader)(PGresult *res, int row, void *out);
/* Up to cap rows of row_size bytes; clears res. */
int pg_select(PGresult *res, pg_row_reader read_row, void *rows, size_t row_size, size_t cap,
              size_t *n);
/* One row: SK_ERR_NOTFOUND when there is none; clears res. */
int pg_select_one(PGresult *res, pg_row_reader read_row, void *row);
/* Calls fn with each row of res read into row by read_row (fn returning non-zero stops
 * early); clears res. */
int pg_each_row(PGresult *res, pg_row_reader read_row, void *row,
                int (*fn)(void *, const void *), void *arg);
int64_t pg_int(const PGresult *res, int row, int col);
/* A text column into buf (truncation is an error). */
int pg_text(const PGresult *res, int row, int col, char *buf, size_t cap);
/* A bytea column into out (at most cap bytes); SK_ERR_STORE when longer or malformed. An
 * empty value is allowed only when allow_empty. */
int pg_blob(const PGresult *res, int row, int col, unsigned char *out, size_t cap,
            size_t *len, int allow_empty);

/* Schema migrations (pg_migrate.c). The schema version is the one row of schema_version;
 * step i (counting from 1) takes a store from version i-1 to i, the same versions as the
 * SQLite backend. Each step runs in a transaction of its own together with the new version,
 * under an advisory lock, so brokers starting together apply it once. */
struct pg_migration {
	const char *what;
	int (*apply)(PGconn *c);
};
extern const struct pg_migration pg_migrations[];
extern const size_t pg_migrations_n;
int pg_migrate(PGconn *c, const struct pg_migration *steps, size_t n);
int pg_schema_version(PGconn *c, int *version);

/* Each family file fills its operations into the backend's table. */
void pg_meta_ops(struct sk_store_ops *o);
void pg_user_ops(struct sk_store_ops *o);
void pg_totp_ops(struct sk_store_ops *o);
void pg_fido2_ops(struct sk_store_ops *o);
void pg_card_ops(struct sk_store_ops *o);
void pg_session_ops(struct sk_store_ops *o);
void pg_hr_ops(struct sk_store_ops *o);
void pg_grant_ops(struct sk_store_ops *o);
void pg_report_ops(struct sk_store_ops *o);
void pg_terminal_ops(struct sk_store_ops *o);
void pg_request_ops(struct sk_store_ops *o);
void pg_outstanding_ops(struct sk_store_ops *o);

#endif
