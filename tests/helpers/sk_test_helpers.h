/* Small helpers shared by the cmocka tests: temporary directories and files. */
#ifndef SK_TEST_HELPERS_H
#define SK_TEST_HELPERS_H
#include <stddef.h>

/* Creates a fresh private directory under $TMPDIR (or /tmp); writes its path to out. */
void sk_test_mkdtemp(char *out, size_t outsz);
/* Removes a directory tree made by sk_test_mkdtemp. */
void sk_test_rmtree(const char *path);
/* Writes text to dir/name; returns the full path in out. */
void sk_test_write_file(const char *dir, const char *name, const char *text, char *out, size_t outsz);
/* Runs a shell command and captures up to outsz-1 bytes of stdout; returns the exit status. */
int sk_test_run(const char *cmd, char *out, size_t outsz);

/* The store a test uses: with SK_TEST_STORE=pg (tests/pg/with-pg.sh) a new, empty database
 * in the test's PostgreSQL cluster, as a postgresql:// URI; otherwise the SQLite file
 * dir/sekimori.db. */
void sk_test_store_name(const char *dir, char *out, size_t outsz);
/* 1 when the tests run on PostgreSQL (SK_TEST_STORE=pg). */
int sk_test_store_is_pg(void);
/* Runs one SQL statement with psql on the test database named by uri (as
 * sk_test_store_name made it); its first output field in out. Returns psql's status. */
int sk_test_pg_sql(const char *uri, const char *sql, char *out, size_t outsz);

#endif
