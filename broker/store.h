/* The SQLite store: schema, connections and transactions. Only the broker opens it. */
#ifndef BROKER_STORE_H
#define BROKER_STORE_H
#include <sqlite3.h>
#include <stddef.h>

/* Creates or upgrades the schema (run once at broker start). */
int store_init(const char *path);
/* A connection for one client thread: WAL, synchronous=FULL (durable commits), foreign
 * keys, secure_delete (freed pages holding sealed secrets are overwritten). */
int store_open(const char *path, sqlite3 **out);
void store_close(sqlite3 *db);
int store_begin(sqlite3 *db);      /* BEGIN IMMEDIATE */
int store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);
/* Runs one statement without results; SK_ERR_STORE on failure. */
int store_exec(sqlite3 *db, const char *sql);
/* Prepares a statement; logs and returns SK_ERR_STORE on failure. */
int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* Copies a text column into buf (truncation is an error). */
int store_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);

#endif
