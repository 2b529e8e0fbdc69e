/* The PostgreSQL backend's schema (broker/store/postgresql/pg_migrate.c), on a real cluster
 * (tests/pg/with-pg.sh; ctest's unit_test_store_pg_schema_pg; without the wrapper every test
 * is skipped): a new database reaches the SQLite backend's version in schema_version; a
 * database left at version 1 with data reaches version 2 and keeps it; a newer schema is
 * refused; a failing step leaves the version before it; a second store opened on a database
 * that is current migrates nothing; the database is unreachable; TLS with verify-full. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pg_store.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "sqlite_store.h"
#include "store.h"

struct fixture {
	char dir[512];
	char uri[700];
};

static int
setup(void **state)
{
	static struct fixture f;

	if (!sk_test_store_is_pg()) {
		*state = NULL;
		return 0;
	}
	sk_test_mkdtemp(f.dir, sizeof(f.dir));
	sk_test_store_name(f.dir, f.uri, sizeof(f.uri));
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f != NULL)
		sk_test_rmtree(f->dir);
	return 0;
}

static long long
sql_int(const struct fixture *f, const char *sql)
{
	char out[256];

	assert_int_equal(sk_test_pg_sql(f->uri, sql, out, sizeof(out)), 0);
	return strtoll(out, NULL, 10);
}

static void
test_store_pg_fresh_reaches_sqlite_version(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;

	if (f == NULL)
		skip();
	/* One list of versions for both backends. */
	assert_int_equal(pg_migrations_n, sq_migrations_n);
	assert_int_equal(store_open(f->uri, &s), SK_OK);
	store_close(s);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), (long long)sq_migrations_n);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM schema_version"), 1);
	/* Opening again changes nothing. */
	assert_int_equal(store_open(f->uri, &s), SK_OK);
	store_close(s);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), (long long)sq_migrations_n);
}

static void
test_r_life_1_store_pg_upgrade_from_schema_1_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	struct totp_rec totp[TOTP_PER_USER_MAX];
	struct user_hr h;
	PGconn *c = NULL;
	uint64_t seq = 0;
	int present = 0;
	size_t n = 0;

	if (f == NULL)
		skip();
	assert_int_equal(pg_connect(f->uri, &c), SK_OK);
	assert_int_equal(pg_migrate(c, pg_migrations, 1), SK_OK);
	assert_int_equal(pg_exec(c,
	        "INSERT INTO users(id, name, profile, created, pw_hash, pw_changed, pw_temporary,"
	        " fail_count, disabled) VALUES(7, 'alice', 'staff', 1000, '$y$j9T$s$h', 1001, 0, 1, 1);"
	        "INSERT INTO totp(id, user_id, algorithm, digits, period, sealed, confirmed, created)"
	        " VALUES(3, 7, 'SHA1', 6, 30, '\\x0102'::bytea, 1, 1002);"
	        "INSERT INTO meta(key, value) VALUES('audit_seq', '41');"), SK_OK);
	PQfinish(c);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), 1);

	assert_int_equal(store_open(f->uri, &s), SK_OK);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), (long long)pg_migrations_n);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(u.id, 7);
	assert_string_equal(u.pw_hash, "$y$j9T$s$h");
	assert_int_equal(u.disabled, 1);
	assert_int_equal(u.pw_changed, 1001);
	assert_int_equal(store_totp_list(t, 7, 1, totp, TOTP_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(totp[0].sealed_len, 2);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	assert_int_equal(present, 1);
	assert_int_equal(seq, 41);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM users WHERE hr_staff_no IS NULL"), 1);
	memset(&h, 0, sizeof(h));
	h.user_id = 7;
	snprintf(h.staff_no, sizeof(h.staff_no), "1001");
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_user_hr_by_staff(t, "1001", &h), SK_OK);
	assert_string_equal(h.name, "alice");
	store_release(t);
	store_close(s);
}

static void
test_store_pg_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	char out[256];

	if (f == NULL)
		skip();
	assert_int_equal(store_open(f->uri, &s), SK_OK);
	store_close(s);
	assert_int_equal(sk_test_pg_sql(f->uri, "UPDATE schema_version SET version = 99", out,
	                                sizeof(out)), 0);
	s = NULL;
	assert_int_equal(store_open(f->uri, &s), SK_ERR_STORE);
	assert_null(s);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), 99);
}

static int
step_ok(PGconn *c)
{
	return pg_exec(c, "CREATE TABLE step_one(x BIGINT)");
}

static int
step_fails(PGconn *c)
{
	/* Half done, then an error: the half must not stay. */
	int r = pg_exec(c, "CREATE TABLE step_two(x BIGINT)");

	return r == SK_OK ? pg_exec(c, "SELECT no_such_function()") : r;
}

static const struct pg_migration test_steps[] = {
	{ "one", step_ok },
	{ "two (fails)", step_fails },
};

static void
test_store_pg_failing_migration_keeps_old_version(void **state)
{
	struct fixture *f = *state;
	PGconn *c = NULL;

	if (f == NULL)
		skip();
	assert_int_equal(pg_connect(f->uri, &c), SK_OK);
	assert_int_equal(pg_migrate(c, test_steps, 2), SK_ERR_STORE);
	PQfinish(c);
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM pg_tables WHERE tablename = 'step_one'"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM pg_tables WHERE tablename = 'step_two'"), 0);
}

/* The database is down: store_open fails closed (SK_ERR_STORE), within connect_timeout. */
static void
test_store_pg_unreachable_fails_closed(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	char uri[800];

	if (f == NULL)
		skip();
	snprintf(uri, sizeof(uri), "postgresql:///nosuchdb?host=%s/nowhere&connect_timeout=2",
	         f->dir);
	assert_int_equal(store_open(uri, &s), SK_ERR_STORE);
	assert_null(s);
}

/* TLS to the database: the store URI goes to libpq as written, so sslmode=verify-full with
 * the server's CA connects over TLS (the server's own view, pg_stat_ssl, says so), and the same
 * URI with a CA that did not sign the server's certificate is refused (fail closed).
 * tests/pg/with-pg.sh with SK_TEST_PG_TLS=1 (ctest: unit_test_store_pg_schema_pg). */
static void
test_store_pg_tls_verify_full(void **state)
{
	struct fixture *f = *state;
	const char *ca = getenv("SK_TEST_PG_TLS_CA"), *other = getenv("SK_TEST_PG_TLS_OTHER_CA");
	const char *port = getenv("SK_TEST_PG_PORT");
	struct sk_store *s = NULL;
	char uri[1200], db[128], *q;
	PGconn *c = NULL;
	PGresult *res = NULL;

	if (f == NULL || ca == NULL || other == NULL)
		skip();
	/* The database sk_test_store_name made: the path of its URI, up to '?'. */
	snprintf(db, sizeof(db), "%s", f->uri + strlen("postgresql:///"));
	if ((q = strchr(db, '?')) != NULL)
		*q = '\0';
	snprintf(uri, sizeof(uri), "postgresql://postgres@localhost:%s/%s?sslmode=verify-full"
	         "&sslrootcert=%s", port, db, ca);
	assert_int_equal(store_open(uri, &s), SK_OK);
	store_close(s);
	assert_int_equal(pg_connect(uri, &c), SK_OK);
	assert_int_equal(pg_query(c, &res, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
	                          ""), SK_OK);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	PQfinish(c);
	/* Another CA: the server is not who the URI says; nothing is opened. */
	snprintf(uri, sizeof(uri), "postgresql://postgres@localhost:%s/%s?sslmode=verify-full"
	         "&sslrootcert=%s", port, db, other);
	s = NULL;
	assert_int_equal(store_open(uri, &s), SK_ERR_STORE);
	assert_null(s);
	/* Without TLS the server refuses TCP (hostssl only): sslmode=disable fails closed too. */
	snprintf(uri, sizeof(uri), "postgresql://postgres@localhost:%s/%s?sslmode=disable", port,
	         db);
	assert_int_equal(store_open(uri, &s), SK_ERR_STORE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_pg_fresh_reaches_sqlite_version, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_life_1_store_pg_upgrade_from_schema_1_keeps_data,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_pg_refuses_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_pg_failing_migration_keeps_old_version,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_pg_unreachable_fails_closed, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_pg_tls_verify_full, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
