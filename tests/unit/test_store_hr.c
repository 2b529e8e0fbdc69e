/* The HR state of the store (broker/store/store_hr.h, schema version 2): a store at schema
 * version 1 with data is upgraded and keeps it; the typed HR operations on real SQLite files,
 * or on PostgreSQL under tests/pg/with-pg.sh (unit_test_store_hr_pg) (staging, events
 * pending and due in date order, staff numbers unique). */
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

struct fixture {
	char dir[512];
	char path[600];
};

static int
setup(void **state)
{
	static struct fixture f;

	sk_test_mkdtemp(f.dir, sizeof(f.dir));
	sk_test_store_name(f.dir, f.path, sizeof(f.path));
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

static void
add_user(struct sk_store_txn *t, const char *name, int64_t *id)
{
	struct user_rec u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.profile, sizeof(u.profile), "staff");
	snprintf(u.pw_hash, sizeof(u.pw_hash), "$y$j9T$salt$hash-%s", name);
	u.created = 1000;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_insert(t, &u), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	*id = u.id;
}

static void
make_event(struct hr_event_rec *e, const char *id_char, const char *staff, const char *event,
           const char *date, int64_t line)
{
	memset(e, 0, sizeof(*e));
	memset(e->event_id, id_char[0], 64);
	memset(e->file_sha256, 'f', 64);
	snprintf(e->staff_no, sizeof(e->staff_no), "%s", staff);
	snprintf(e->event, sizeof(e->event), "%s", event);
	snprintf(e->effective, sizeof(e->effective), "%s", date);
	e->line = line;
}

static int64_t
cache_size(struct sk_store_txn *t)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(sq_db(t), "PRAGMA cache_size", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* An HR commit's larger page cache (store_hr_bulk_cache): on SQLite the connection's
 * cache_size is STORE_HR_BULK_CACHE_KIB while on and SQLite's default after; data written
 * meanwhile reads back. On PostgreSQL it is a no-op that succeeds. */
static void
test_r_life_1_store_hr_bulk_cache_bounded_and_restored(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct hr_event_rec e;
	int64_t n = 0, before = 0;

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	if (!sk_test_store_is_pg())
		before = cache_size(t);
	assert_int_equal(store_hr_bulk_cache(t, 1), SK_OK);
	if (!sk_test_store_is_pg())
		assert_int_equal(cache_size(t), -(int64_t)STORE_HR_BULK_CACHE_KIB);
	assert_int_equal(store_begin(t), SK_OK);
	make_event(&e, "a", "4004", "transfer", "2026-04-01", 2);
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_bulk_cache(t, 0), SK_OK);
	if (!sk_test_store_is_pg()) {
		assert_int_equal(cache_size(t), -2000);
		assert_int_equal(cache_size(t), before);
	}
	assert_int_equal(store_hr_stage_count(t, e.file_sha256, &n), SK_OK);
	assert_int_equal(n, 1);
	store_release(t);
	store_close(s);
}

/* store_user_hr_set: the other fields written with the staff number kept (SQLite's path that
 * leaves the unique index alone), the number changed, cleared and set again, a number taken by
 * another user refused with nothing changed, and no such user NOTFOUND. */
static void
test_r_life_1_store_user_hr_set_keeps_or_changes_staff_no(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_hr h, got;
	int64_t uid, uid2;

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	add_user(t, "dave", &uid);
	add_user(t, "erin", &uid2);
	memset(&h, 0, sizeof(h));
	h.user_id = uid;
	snprintf(h.staff_no, sizeof(h.staff_no), "5005");
	snprintf(h.employment, sizeof(h.employment), "regular");
	snprintf(h.dept, sizeof(h.dept), "D1");
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	/* The same number, other fields: written. */
	snprintf(h.dept, sizeof(h.dept), "D2");
	snprintf(h.employment, sizeof(h.employment), "contractor");
	h.suspended = 1;
	h.reconfirm = 1;
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_user_hr_get(t, uid, &got), SK_OK);
	assert_string_equal(got.staff_no, "5005");
	assert_string_equal(got.dept, "D2");
	assert_string_equal(got.employment, "contractor");
	assert_int_equal(got.suspended, 1);
	assert_int_equal(got.reconfirm, 1);
	/* Another number; then cleared (unlinked) and cleared again; then set again. */
	snprintf(h.staff_no, sizeof(h.staff_no), "5006");
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_user_hr_get(t, uid, &got), SK_OK);
	assert_string_equal(got.staff_no, "5006");
	h.staff_no[0] = '\0';
	snprintf(h.dept, sizeof(h.dept), "D3");
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_user_hr_get(t, uid, &got), SK_OK);
	assert_string_equal(got.staff_no, "");
	assert_string_equal(got.dept, "D3");
	snprintf(h.staff_no, sizeof(h.staff_no), "5005");
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	/* Taken by dave: refused for erin, whose fields stay as they were. */
	assert_int_equal(store_begin(t), SK_OK);
	memset(&h, 0, sizeof(h));
	h.user_id = uid2;
	snprintf(h.staff_no, sizeof(h.staff_no), "5005");
	snprintf(h.dept, sizeof(h.dept), "D9");
	assert_int_equal(store_user_hr_set(t, &h), SK_ERR_EXISTS);
	store_rollback(t);
	assert_int_equal(store_user_hr_get(t, uid2, &got), SK_OK);
	assert_string_equal(got.staff_no, "");
	assert_string_equal(got.dept, "");
	/* No such user. */
	assert_int_equal(store_begin(t), SK_OK);
	h.user_id = uid2 + 1000;
	snprintf(h.staff_no, sizeof(h.staff_no), "5007");
	assert_int_equal(store_user_hr_set(t, &h), SK_ERR_NOTFOUND);
	h.staff_no[0] = '\0';
	assert_int_equal(store_user_hr_set(t, &h), SK_ERR_NOTFOUND);
	store_rollback(t);
	store_release(t);
	store_close(s);
}

/* A store left at schema version 1 by the broker before HR (its user, TOTP factor and audit
 * seq) reaches version 2 and reads back the same; the new columns start empty. */
static void
test_r_life_1_store_upgrade_from_schema_1_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	struct totp_rec totp[TOTP_PER_USER_MAX];
	struct user_hr h;
	sqlite3 *db = NULL;
	uint64_t seq = 0;
	int present = 0;
	size_t n = 0;

	if (sk_test_store_is_pg())
		skip();   /* PostgreSQL's upgrade: unit_test_store_pg_schema_pg */

	assert_int_equal(sq_connect(f->path, &db), SK_OK);
	assert_int_equal(sq_migrate(db, f->path, sq_migrations, 1), SK_OK);
	assert_int_equal(sq_exec(db,
	        "INSERT INTO users(id, name, profile, created, pw_hash, pw_changed, pw_temporary,"
	        " fail_count, disabled) VALUES(7, 'alice', 'staff', 1000, '$y$j9T$s$h', 1001, 0, 1, 1);"
	        "INSERT INTO totp(id, user_id, algorithm, digits, period, sealed, confirmed, created)"
	        " VALUES(3, 7, 'SHA1', 6, 30, x'0102', 1, 1002);"
	        "INSERT INTO meta(key, value) VALUES('audit_seq', '41');"), SK_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_user_get(t, "alice", &u), SK_OK);
	assert_int_equal(u.id, 7);
	assert_string_equal(u.pw_hash, "$y$j9T$s$h");
	assert_int_equal(u.disabled, 1);
	assert_int_equal(u.pw_changed, 1001);
	assert_int_equal(store_totp_list(t, 7, 1, totp, TOTP_PER_USER_MAX, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_audit_seq_get(t, &seq, &present), SK_OK);
	assert_int_equal(seq, 41);
	/* Not from HR until HR says so. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE hr_staff_no IS NULL"),
	                 1);
	assert_int_equal(store_user_hr_by_staff(t, "1001", &h), SK_ERR_NOTFOUND);
	memset(&h, 0, sizeof(h));
	h.user_id = 7;
	snprintf(h.staff_no, sizeof(h.staff_no), "1001");
	snprintf(h.dept, sizeof(h.dept), "D-10");
	snprintf(h.employment, sizeof(h.employment), "contractor");
	h.suspended = 1;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_user_hr_by_staff(t, "1001", &h), SK_OK);
	assert_int_equal(h.user_id, 7);
	assert_string_equal(h.name, "alice");
	assert_string_equal(h.employment, "contractor");
	assert_string_equal(h.dept, "D-10");
	assert_int_equal(h.suspended, 1);
	store_release(t);
	store_close(s);
}

static int
collect_pending(void *arg, const struct hr_event_rec *e)
{
	char *order = arg;
	size_t used = strlen(order);

	snprintf(order + used, 64 - used, "%s,", e->staff_no);
	return 0;
}

/* Staging, orphans, recorded events: due in date order, applied once, identities unique, and
 * one staff number per user. */
static void
test_r_life_1_store_hr_events(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct hr_event_rec e, got, chunk[3];
	size_t n_rows = 0;
	struct user_hr h;
	char fsha[HR_ID_HEX], order[64] = "";
	int64_t uid, uid2, n = -1;
	int known = -1;

	memset(fsha, 'f', 64);
	fsha[64] = '\0';
	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	add_user(t, "bob", &uid);
	add_user(t, "carol", &uid2);
	memset(&h, 0, sizeof(h));
	h.user_id = uid;
	snprintf(h.staff_no, sizeof(h.staff_no), "2002");
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	h.user_id = uid2;   /* the same staff number on a second user is refused */
	assert_int_equal(store_user_hr_set(t, &h), SK_ERR_EXISTS);
	store_rollback(t);

	/* Staging: a duplicate identity is refused (EXISTS); an event for a staff number nobody has
	 * and nobody is hired as is an orphan, a hire in the same file is not. */
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &(struct user_hr){ .user_id = uid,
	                                                         .staff_no = "2002" }), SK_OK);
	make_event(&e, "a", "3003", "retirement", "2027-03-31", 4);
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	assert_int_equal(store_hr_stage_add(t, &e), SK_ERR_EXISTS);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_stage_count(t, fsha, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_hr_stage_orphan(t, fsha, &got), SK_OK);
	assert_string_equal(got.staff_no, "3003");
	assert_int_equal(got.line, 4);
	assert_int_equal(store_begin(t), SK_OK);
	make_event(&e, "b", "3003", "hire", "2026-04-01", 2);
	snprintf(e.pw_hash, sizeof(e.pw_hash), "$y$j9T$staged$hash");
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	make_event(&e, "c", "2002", "leave", "2026-04-01", 3);
	assert_int_equal(store_hr_stage_add(t, &e), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_stage_orphan(t, fsha, &got), SK_ERR_NOTFOUND);
	/* In (date, line) order, one at a time. */
	assert_int_equal(store_hr_stage_next(t, fsha, "", 0, &got, 1, &n_rows), SK_OK);
	assert_int_equal(n_rows, 1);
	assert_string_equal(got.event, "hire");
	assert_string_equal(got.pw_hash, "$y$j9T$staged$hash");
	assert_int_equal(store_hr_stage_next(t, fsha, got.effective, got.line, &got, 1, &n_rows),
	                 SK_OK);
	assert_string_equal(got.event, "leave");
	assert_int_equal(store_hr_stage_next(t, fsha, got.effective, got.line, &got, 1, &n_rows),
	                 SK_OK);
	assert_string_equal(got.event, "retirement");
	assert_int_equal(store_hr_stage_next(t, fsha, got.effective, got.line, &got, 1, &n_rows),
	                 SK_ERR_NOTFOUND);
	assert_int_equal(n_rows, 0);
	/* Many at a time: the same order, a chunk ends where the next one starts. */
	assert_int_equal(store_hr_stage_next(t, fsha, "", 0, chunk, 2, &n_rows), SK_OK);
	assert_int_equal(n_rows, 2);
	assert_string_equal(chunk[0].event, "hire");
	assert_string_equal(chunk[0].pw_hash, "$y$j9T$staged$hash");
	assert_string_equal(chunk[1].event, "leave");
	assert_int_equal(store_hr_stage_next(t, fsha, chunk[1].effective, chunk[1].line, chunk, 3,
	                                     &n_rows), SK_OK);
	assert_int_equal(n_rows, 1);
	assert_string_equal(chunk[0].event, "retirement");
	assert_int_equal(store_hr_stage_next(t, fsha, "", 0, chunk, 0, &n_rows), SK_ERR_RANGE);

	/* Recorded: the file, and its events pending. */
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_hr_file_add(t, fsha, 3, 5000), SK_OK);
	make_event(&e, "a", "3003", "retirement", "2027-03-31", 4);
	e.created = 5000;
	assert_int_equal(store_hr_event_insert(t, &e), SK_OK);
	make_event(&e, "c", "2002", "leave", "2026-04-01", 3);
	e.created = 5000;
	assert_int_equal(store_hr_event_insert(t, &e), SK_OK);
	assert_int_equal(store_hr_event_insert(t, &e), SK_ERR_EXISTS);
	assert_int_equal(store_hr_stage_clear(t, fsha), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_file_known(t, fsha, &known), SK_OK);
	assert_int_equal(known, 1);
	assert_int_equal(store_hr_event_known(t, e.event_id, &known), SK_OK);
	assert_int_equal(known, 1);
	assert_int_equal(store_hr_stage_count(t, fsha, &n), SK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_hr_event_pending(t, collect_pending, order), SK_OK);
	assert_string_equal(order, "2002,3003,");
	/* Due: nothing before its date, the earliest first, each applied once. */
	assert_int_equal(store_hr_event_next_due(t, "2026-03-31", &got), SK_ERR_NOTFOUND);
	assert_int_equal(store_hr_event_next_due(t, "2027-12-31", &got), SK_OK);
	assert_string_equal(got.staff_no, "2002");
	assert_int_equal(got.state, HR_STATE_PENDING);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_hr_event_set_applied(t, got.event_id, 6000), SK_OK);
	assert_int_equal(store_hr_event_set_applied(t, got.event_id, 6000), SK_ERR_NOTFOUND);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_hr_event_next_due(t, "2027-12-31", &got), SK_OK);
	assert_string_equal(got.staff_no, "3003");
	store_release(t);
	store_close(s);
}

static int
count_user(void *arg, const struct report_user *u)
{
	(void)u;
	(*(int *)arg)++;
	return 0;
}

/* The reconciliation step: a store from before it, with an account, gains
 * users.dormant_reset = 0 and keeps its data; the dormancy read then counts from creation and
 * from a reset (R-LIFE-3). */
static void
test_r_life_3_store_upgrade_adds_dormant_reset(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_rec u;
	sqlite3 *db = NULL;
	size_t step = sq_migrations_n;
	int n = 0;

	if (sk_test_store_is_pg())
		skip();   /* PostgreSQL's upgrade: unit_test_store_pg_schema_pg */
	for (size_t i = 0; i < sq_migrations_n; i++)
		if (strstr(sq_migrations[i].what, "when an account was last enabled") != NULL)
			step = i;
	assert_true(step < sq_migrations_n);
	assert_int_equal(sq_connect(f->path, &db), SK_OK);
	assert_int_equal(sq_migrate(db, f->path, sq_migrations, step), SK_OK);
	assert_int_equal(sq_exec(db,
	        "INSERT INTO users(id, name, profile, created, pw_hash, pw_changed, pw_temporary,"
	        " last_login) VALUES(9, 'dormant1', 'staff', 1000, '$y$j9T$s$h', 1001, 0, 2000);"),
	        SK_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)step);

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), (int64_t)sq_migrations_n);
	assert_int_equal(raw_int(f->path, "SELECT dormant_reset FROM users WHERE id = 9"), 0);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	assert_int_equal(store_user_get(t, "dormant1", &u), SK_OK);
	assert_int_equal(u.last_login, 2000);
	/* Inactive since 2000 (its last login): dormant before 2001, not before 2000. */
	assert_int_equal(store_report_dormant(t, 2001, NULL, 1, count_user, &n), SK_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(store_report_dormant(t, 2000, NULL, 1, count_user, &n), SK_OK);
	assert_int_equal(n, 0);
	/* Enabled again at 5000: the clock starts there. */
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_dormant_reset(t, 9, 5000), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	assert_int_equal(store_report_dormant(t, 4000, NULL, 1, count_user, &n), SK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_report_dormant(t, 5001, "staff", 1, count_user, &n), SK_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(store_report_dormant(t, 5001, "other", 1, count_user, &n), SK_OK);
	assert_int_equal(n, 0);
	store_release(t);
	store_close(s);
}

/* The reconciliation reads on either backend (R-LIFE-3): accounts without a staff number,
 * unlinking with "" (any number of unlinked users), the dormancy clock from creation and from
 * a reset. */
static void
test_r_life_3_store_reconciliation_reads(void **state)
{
	struct fixture *f = *state;
	struct sk_store *s = NULL;
	struct sk_store_txn *t = NULL;
	struct user_hr h;
	int64_t a, b;
	int n = 0;

	assert_int_equal(store_open(f->path, &s), SK_OK);
	assert_int_equal(store_acquire(s, &t), SK_OK);
	add_user(t, "ueda", &a);
	add_user(t, "ono", &b);
	assert_int_equal(store_report_unlinked_users(t, count_user, &n), SK_OK);
	assert_int_equal(n, 2);
	memset(&h, 0, sizeof(h));
	h.user_id = a;
	snprintf(h.staff_no, sizeof(h.staff_no), "7007");
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	h.user_id = b;
	h.staff_no[0] = '\0';   /* unlinked: may be set on any number of users */
	assert_int_equal(store_user_hr_set(t, &h), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	n = 0;
	assert_int_equal(store_report_unlinked_users(t, count_user, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_user_hr_get(t, a, &h), SK_OK);
	assert_string_equal(h.staff_no, "7007");
	assert_string_equal(h.name, "ueda");
	/* Created at 1000, never logged in: dormant before 1001. */
	n = 0;
	assert_int_equal(store_report_dormant(t, 1001, NULL, 1, count_user, &n), SK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_user_dormant_reset(t, a, 3000), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	n = 0;
	assert_int_equal(store_report_dormant(t, 2000, "staff", 1, count_user, &n), SK_OK);
	assert_int_equal(n, 1);
	store_release(t);
	store_close(s);
}

/* Several brokers on PostgreSQL: a due event one broker is applying (its transaction holds
 * the row) is skipped by another broker's scheduler, which takes the next one; after the first
 * commits it as applied, nobody gets it again. */
static void
test_r_life_1_store_due_event_taken_by_one_broker(void **state)
{
	struct fixture *f = *state;
	struct sk_store *a = NULL, *b = NULL;
	struct sk_store_txn *ta = NULL, *tb = NULL;
	struct hr_event_rec e, got_a, got_b;
	char fsha[HR_ID_HEX];

	if (!sk_test_store_is_pg())
		skip();   /* one broker per SQLite file */
	memset(fsha, 'f', 64);
	fsha[64] = '\0';
	assert_int_equal(store_open(f->path, &a), SK_OK);
	assert_int_equal(store_open(f->path, &b), SK_OK);
	assert_int_equal(store_acquire(a, &ta), SK_OK);
	assert_int_equal(store_acquire(b, &tb), SK_OK);
	assert_int_equal(store_begin(ta), SK_OK);
	assert_int_equal(store_hr_file_add(ta, fsha, 2, 5000), SK_OK);
	make_event(&e, "a", "4004", "leave", "2026-04-01", 2);
	assert_int_equal(store_hr_event_insert(ta, &e), SK_OK);
	make_event(&e, "b", "4005", "leave", "2026-04-02", 3);
	assert_int_equal(store_hr_event_insert(ta, &e), SK_OK);
	assert_int_equal(store_commit(ta), SK_OK);

	assert_int_equal(store_begin(ta), SK_OK);
	assert_int_equal(store_hr_event_next_due(ta, "2027-01-01", &got_a), SK_OK);
	assert_string_equal(got_a.staff_no, "4004");
	assert_int_equal(store_begin(tb), SK_OK);
	assert_int_equal(store_hr_event_next_due(tb, "2027-01-01", &got_b), SK_OK);
	assert_string_equal(got_b.staff_no, "4005");   /* 4004 is being applied by a */
	store_rollback(tb);
	assert_int_equal(store_hr_event_set_applied(ta, got_a.event_id, 6000), SK_OK);
	assert_int_equal(store_commit(ta), SK_OK);
	assert_int_equal(store_begin(tb), SK_OK);
	assert_int_equal(store_hr_event_next_due(tb, "2027-01-01", &got_b), SK_OK);
	assert_string_equal(got_b.staff_no, "4005");
	store_rollback(tb);
	store_release(ta);
	store_release(tb);
	store_close(a);
	store_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_r_life_1_store_upgrade_from_schema_1_keeps_data,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_life_1_store_hr_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_life_1_store_user_hr_set_keeps_or_changes_staff_no,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_life_1_store_hr_bulk_cache_bounded_and_restored,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_life_1_store_due_event_taken_by_one_broker,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_life_3_store_reconciliation_reads, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_life_3_store_upgrade_adds_dormant_reset, setup,
		                                teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
