/* Versioned schema migrations of the SQLite store (broker/store/sqlite/sqlite_migrate.c):
 * a fresh store, a store made by the broker before versions were kept (its schema copied here
 * as that broker wrote it), a store newer than this broker (refused), and a failing step
 * (the store stays at the version before it). Real SQLite files in a temporary folder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "sqlite_store.h"
#include "store.h"

/* The schema of the broker before schema versions (main at 7f5d9b8, broker/store/store.c),
 * verbatim: every table CREATE ... IF NOT EXISTS. */
static const char *const v1_base_sql =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS users("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" profile TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" pw_hash TEXT NOT NULL DEFAULT '',"
	" pw_changed INTEGER NOT NULL DEFAULT 0,"
	" pw_temporary INTEGER NOT NULL DEFAULT 1,"
	" fail_count INTEGER NOT NULL DEFAULT 0,"
	" fail_first INTEGER NOT NULL DEFAULT 0,"
	" locked INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" last_login INTEGER NOT NULL DEFAULT 0,"
	" last_login_from TEXT NOT NULL DEFAULT '',"
	" prev_login INTEGER NOT NULL DEFAULT 0,"
	" prev_login_from TEXT NOT NULL DEFAULT '',"
	" failures_since_login INTEGER NOT NULL DEFAULT 0,"
	" prev_failures INTEGER NOT NULL DEFAULT 0,"
	" last_fail INTEGER NOT NULL DEFAULT 0,"
	" last_fail_from TEXT NOT NULL DEFAULT '',"
	" last_logout INTEGER NOT NULL DEFAULT 0,"
	" fail_times BLOB NOT NULL DEFAULT x'');"
	/* Attempts that hold one of the deny places until their verdict (R-LOGIN-1). */
	"CREATE TABLE IF NOT EXISTS pending_attempts("
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" token BLOB NOT NULL,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS pending_attempts_user ON pending_attempts(user_id);"
	"CREATE TABLE IF NOT EXISTS pw_history("
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" hash TEXT NOT NULL,"
	" changed INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS pw_history_user ON pw_history(user_id, changed);"
	"CREATE TABLE IF NOT EXISTS totp("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" algorithm TEXT NOT NULL,"
	" digits INTEGER NOT NULL,"
	" period INTEGER NOT NULL,"
	" sealed BLOB NOT NULL,"
	" last_step INTEGER NOT NULL DEFAULT -1,"
	" confirmed INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS totp_user ON totp(user_id);"
	"CREATE TABLE IF NOT EXISTS sessions("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" service TEXT NOT NULL,"
	" rhost TEXT NOT NULL,"
	" tty TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" opened INTEGER NOT NULL,"
	" closed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, closed);"
	"CREATE TABLE IF NOT EXISTS fido2("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" cred_id BLOB NOT NULL UNIQUE,"
	" cose_type INTEGER NOT NULL,"
	" pubkey BLOB NOT NULL,"
	" aaguid BLOB NOT NULL,"
	" sign_count INTEGER NOT NULL,"
	" fmt TEXT NOT NULL,"
	" attestation BLOB NOT NULL,"
	" subject TEXT NOT NULL,"
	" trusted INTEGER NOT NULL,"
	" clone_flagged INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS fido2_user ON fido2(user_id);"
	/* One card, one person (R-CARD-1): a certificate is bound once, ever, even after it is
	 * revoked, so a lost card can never come back under another name. */
	"CREATE TABLE IF NOT EXISTS cards("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" kind INTEGER NOT NULL,"
	" spki_sha256 TEXT NOT NULL UNIQUE,"
	" issuer TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" cert BLOB NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" revoke_reason TEXT NOT NULL DEFAULT '',"
	" replaced_by INTEGER,"
	" collected INTEGER NOT NULL DEFAULT 0,"
	" destroyed INTEGER NOT NULL DEFAULT 0,"
	" disposal_note TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS cards_user ON cards(user_id, revoked);";

/* What that broker's store_card_schema added at every start (broker/store/store_card.c). */
static const char *const v1_card_sql =
	"ALTER TABLE cards ADD COLUMN card_uid TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE cards ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX IF NOT EXISTS cards_uid ON cards(card_uid);"
	"CREATE TABLE IF NOT EXISTS card_keys("
	" spki_sha256 TEXT PRIMARY KEY,"
	" card_id INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE);";

static const char *const v1_meta_sql =
	"INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1');";

#define SPKI_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SPKI_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Rows as the old broker wrote them: a user with two failures in the window and one attempt
 * in flight, a confirmed TOTP factor, a FIDO2 credential, a card, a session, and the
 * committed audit seq. */
static const char *const v1_rows_sql =
	"INSERT INTO users(id, name, profile, created, pw_hash, pw_changed, pw_temporary,"
	" fail_count, fail_first, locked, last_login, last_login_from, last_fail_from, fail_times)"
	" VALUES(7, 'alice', 'staff', 1000, '$y$j9T$salt$hash', 1001, 0, 2, 1500, 0, 1400,"
	" 'ws1', 'ws2', x'00000000000005dc00000000000005e6');"
	"INSERT INTO pending_attempts(user_id, token, created, expires)"
	" VALUES(7, x'000102030405060708090a0b0c0d0e0f', 1600, 1780);"
	"INSERT INTO pw_history(user_id, hash, changed) VALUES(7, '$y$j9T$old$hash', 900);"
	"INSERT INTO totp(id, user_id, algorithm, digits, period, sealed, last_step, confirmed,"
	" created) VALUES(3, 7, 'SHA1', 6, 30, x'0102030405060708090a0b0c0d0e0f101112131415161718"
	"191a1b1c1d1e1f202122232425262728', 55, 1, 1002);"
	"INSERT INTO fido2(id, user_id, cred_id, cose_type, pubkey, aaguid, sign_count, fmt,"
	" attestation, subject, trusted, created) VALUES(4, 7, x'c0ffee', -7, x'a5a5a5a5',"
	" x'00112233445566778899aabbccddeeff', 12, 'packed', x'', 'CN=key', 1, 1003);"
	"INSERT INTO cards(id, user_id, kind, spki_sha256, issuer, serial, cert, not_after, created)"
	" VALUES(5, 7, 1, '" SPKI_A "', 'CN=CA', '01', x'3082', 4000000000, 1004);"
	"INSERT INTO sessions(id, user_id, service, rhost, tty, pid, opened)"
	" VALUES(9, 7, 'sshd', 'ws1', 'pts/1', 4242, 1005);"
	"INSERT INTO meta(key, value) VALUES('audit_seq', '41');";

struct fixture {
	char dir[512];
	char path[600];
};

static int
setup(void **state)
{
	static struct fixture f;

	sk_test_mkdtemp(f.dir, sizeof(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/sekimori.db", f.dir);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sk_test_rmtree(f->dir);
	return 0;
}

/* Runs SQL on the file directly, as the old broker (or an intruder) would. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int
raw_has_column(const char *path, const char *table, const char *column)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
	         table, column);
	return (int)raw_int(path, sql);
}

static void
make_v1_store(const char *path, int with_card_identity)
{
	raw_exec(path, v1_base_sql);
	if (with_card_identity)
		raw_exec(path, v1_card_sql);
	raw_exec(path, v1_meta_sql);
	raw_exec(path, v1_rows_sql);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 0);
}

static void
test_store_fresh_create_reaches_current_version(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_rec u, back;

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	assert_int_equal(raw_has_column(f->path, "cards", "card_uid"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name ="
	                         " 'card_keys'"), 1);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "bob");
	snprintf(u.profile, sizeof(u.profile), "staff");
	u.created = 2000;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_insert(t, &u), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_user_get(t, "bob", &back), SK_OK);
	assert_int_equal(back.created, 2000);
	store_release(t);
	store_close(s);
	/* Opening again runs nothing more. */
	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	store_close(s);
}

/* Everything the old broker stored reads back the same through the new interface. */
static void
check_v1_rows(struct sk_store *s)
{
	static const char second_key[1][CARD_SPKI_HEX] = { SPKI_B };
	static const unsigned char token[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	                                          14, 15 };
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	struct totp_rec totp[TOTP_PER_USER_MAX];
	struct fido2_rec fido[FIDO2_PER_USER_MAX];
	struct card_rec card;
	uint64_t seq = 0;
	int present = 0;
	size_t n = 0;

	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(u.id, 7);
	assert_string_equal(u.profile, "staff");
	assert_string_equal(u.pw_hash, "$y$j9T$salt$hash");
	assert_int_equal(u.pw_temporary, 0);
	assert_int_equal(u.tally.n_times, 2);
	assert_int_equal(u.tally.fail_times[0], 1500);
	assert_int_equal(u.tally.fail_times[1], 1510);
	assert_int_equal(u.tally.fail_count, 2);
	assert_int_equal(u.tally.fail_first, 1500);
	assert_int_equal(u.tally.n_pending, 1);
	assert_memory_equal(u.tally.pending[0].token, token, sizeof(token));
	assert_int_equal(u.tally.pending[0].expires, 1780);
	assert_string_equal(u.last_login_from, "ws1");
	assert_string_equal(u.last_fail_from, "ws2");
	assert_int_equal(store_totp_list(t, u.id, 1, totp, TOTP_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(totp[0].last_step, 55);
	assert_int_equal(totp[0].sealed_len, 40);
	assert_int_equal(store_fido2_list(t, u.id, 1, fido, FIDO2_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(fido[0].sign_count, 12);
	assert_int_equal(fido[0].cred_id_len, 3);
	assert_string_equal(fido[0].fmt, "packed");
	assert_int_equal(store_card_by_spki(t, SPKI_A, &card), SK_OK);
	assert_int_equal(card.user_id, 7);
	assert_string_equal(card.card_uid, "");
	assert_int_equal(card.revoked_at, 0);
	assert_int_equal(store_session_is_open(t, 7, 9), SK_OK);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	assert_int_equal(present, 1);
	assert_int_equal(seq, 41);
	/* The upgraded tables take new rows: a second key of the card (card_keys). */
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_card_add_keys(t, card.id, u.id, second_key, 1), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	store_release(t);
}

static void
test_store_upgrade_from_v1_layout_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;

	make_v1_store(f->path, 1);
	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	assert_int_equal(raw_int(f->path, "SELECT value FROM meta WHERE key = 'schema'"), 1);
	check_v1_rows(s);
	store_close(s);
}

/* A store the broker made before the card identity columns (its store_card_schema added them
 * at the next start): the same upgrade adds them. */
static void
test_store_upgrade_from_v1_without_card_identity(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;

	make_v1_store(f->path, 0);
	assert_int_equal(raw_has_column(f->path, "cards", "card_uid"), 0);
	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_has_column(f->path, "cards", "card_uid"), 1);
	assert_int_equal(raw_has_column(f->path, "cards", "revoked_at"), 1);
	check_v1_rows(s);
	store_close(s);
}

/* Step 9: a store at version 8 with a staged HR row (old key file_sha256, event_id). The
 * step makes hr_staged anew, keyed by (file_sha256, staff_no, event, effective) in file order:
 * the staged row is gone (staged rows are dropped at every start anyway), the key's index
 * holds those columns, and a second row of one identity is still refused. */
static void
test_store_v9_hr_staged_keyed_in_file_order(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct hr_event_rec e;
	sqlite3 *db = NULL;
	int64_t n = -1;

	assert_true(sq_migrations_n >= 9);
	assert_int_equal(sq_connect(f->path, &db), SK_OK);
	assert_int_equal(sq_migrate(db, f->path, sq_migrations, 8), SK_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 8);
	raw_exec(f->path, "INSERT INTO hr_staged(file_sha256, event_id, staff_no, event, employment,"
	                  " dept, effective, line) VALUES('f1', 'id1', '1001', 'transfer', 'regular',"
	                  " 'D1', '2026-04-01', 2);");
	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM hr_staged"), 0);
	/* The unique key: its index's columns, in order; no index on event_id remains. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_index_list('hr_staged') l,"
	                         " pragma_index_info(l.name) i WHERE l.[unique] = 1 AND"
	                         " ((i.seqno = 0 AND i.name = 'file_sha256') OR"
	                         " (i.seqno = 1 AND i.name = 'staff_no') OR"
	                         " (i.seqno = 2 AND i.name = 'event') OR"
	                         " (i.seqno = 3 AND i.name = 'effective'))"), 4);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_index_list('hr_staged') l,"
	                         " pragma_index_info(l.name) i WHERE i.name = 'event_id'"), 0);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	memset(&e, 0, sizeof(e));
	snprintf(e.file_sha256, sizeof(e.file_sha256), "f1");
	snprintf(e.event_id, sizeof(e.event_id), "id1");
	snprintf(e.staff_no, sizeof(e.staff_no), "1001");
	snprintf(e.event, sizeof(e.event), "transfer");
	snprintf(e.employment, sizeof(e.employment), "regular");
	snprintf(e.dept, sizeof(e.dept), "D1");
	snprintf(e.effective, sizeof(e.effective), "2026-04-01");
	e.line = 2;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	e.line = 3;   /* the same identity again, a later line: the first row stays */
	assert_int_equal(store_hr_stage_add(t, &e), SK_ERR_EXISTS);
	snprintf(e.staff_no, sizeof(e.staff_no), "1002");
	snprintf(e.event_id, sizeof(e.event_id), "id2");
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_stage_count(t, "f1", &n), SK_OK);
	assert_int_equal(n, 2);
	store_release(t);
	store_close(s);
}

/* A newer broker's store is refused untouched (fail closed): nothing read, nothing written. */
static void
test_store_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	char sql[64];

	assert_int_equal(store_open(f->path, &s), SK_OK);
	store_close(s);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu;", sq_migrations_n + 1);
	raw_exec(f->path, sql);
	s = (struct sk_store *)f;   /* must be cleared */
	assert_int_equal(store_open(f->path, &s), SK_ERR_STORE);
	assert_null(s);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n + 1);
}

/* The steps of a test schema: 1 makes table a; 2 makes table b and then fails. */
static int fail_step_two = 1;

static int
step_one(sqlite3 *db)
{
	return sq_exec(db, "CREATE TABLE a(x INTEGER); INSERT INTO a VALUES(1);");
}

static int
step_two(sqlite3 *db)
{
	int r = sq_exec(db, "CREATE TABLE b(y INTEGER); INSERT INTO a VALUES(2);");

	if (r == SK_OK && fail_step_two)
		r = sq_exec(db, "INSERT INTO no_such_table VALUES(3);");
	return r;
}

static const struct sq_migration test_steps[] = {
	{ "table a", step_one },
	{ "table b", step_two },
};

static void
test_store_failing_migration_keeps_old_version(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;

	assert_int_equal(sq_connect(f->path, &db), SK_OK);
	fail_step_two = 1;
	assert_int_equal(sq_migrate(db, f->path, test_steps, 2), SK_ERR_STORE);
	sqlite3_close(db);
	/* Step 1 committed with its version; nothing of step 2 remains. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM a"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0);
	/* Fixed, it runs step 2 only (step 1 is not applied twice). */
	assert_int_equal(sq_connect(f->path, &db), SK_OK);
	fail_step_two = 0;
	assert_int_equal(sq_migrate(db, f->path, test_steps, 2), SK_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM a"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 1);
}

/* The real step 1 failing half-way on a pre-versions store (an object in the way of its index)
 * leaves that store exactly as it was: no column added, version still 0, data intact. */
static void
test_store_failing_v1_step_leaves_store_untouched(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;

	make_v1_store(f->path, 0);
	raw_exec(f->path, "CREATE TABLE cards_uid(x INTEGER);");
	assert_int_equal(store_open(f->path, &s), SK_ERR_STORE);
	assert_null(s);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
	assert_int_equal(raw_has_column(f->path, "cards", "card_uid"), 0);
	assert_int_equal(raw_int(f->path, "SELECT fail_count FROM users WHERE name = 'alice'"), 2);
	/* Once the object is out of the way, the upgrade goes through. */
	raw_exec(f->path, "DROP TABLE cards_uid;");
	assert_int_equal(store_open(f->path, &s), SK_OK);
	check_v1_rows(s);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_fresh_create_reaches_current_version, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_upgrade_from_v1_layout_keeps_data, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_upgrade_from_v1_without_card_identity, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_v9_hr_staged_keyed_in_file_order, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_refuses_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failing_migration_keeps_old_version, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_failing_v1_step_leaves_store_untouched, setup,
		                                teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
