/* Versioned schema migrations for the SQLite backend (sqlite_store.h).
 *
 * The schema version is PRAGMA user_version (0 in a new file). Step i takes the store from
 * version i-1 to i, in one BEGIN IMMEDIATE transaction together with the new version, so a
 * step runs once and a failing step leaves the store at the version before it. Two brokers
 * starting on one file queue on the write lock and read the version inside it.
 *
 * Version 1 is the schema the broker had before versions were kept (every table created with
 * IF NOT EXISTS, the card identity columns added when missing, meta 'schema' = '1'). A store
 * made by such a broker has user_version 0: step 1 is written so that it applies to it
 * without touching its data (IF NOT EXISTS, columns added only when absent).
 *
 * Adding a migration: append a step to sq_migrations. Never edit a released step: stores out
 * there ran it already. */
#include "sqlite_store.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

static const char *const v1_tables =
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

static int
has_column(sqlite3 *db, const char *table_sql, const char *column, int *has)
{
	sqlite3_stmt *st;
	int r, rc;

	*has = 0;
	if ((r = sq_prepare(db, table_sql, &st)) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);

		if (name != NULL && strcmp((const char *)name, column) == 0)
			*has = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SK_OK : SK_ERR_STORE;
}

/* The card identity columns and keys (R-CARD-1), added to stores made before them. */
static int
v1_card_identity(sqlite3 *db)
{
	static const struct {
		const char *column, *add;
	} columns[] = {
		{ "card_uid", "ALTER TABLE cards ADD COLUMN card_uid TEXT NOT NULL DEFAULT '';" },
		{ "revoked_at", "ALTER TABLE cards ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;" },
	};
	int r = SK_OK, has;

	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]) && r == SK_OK; i++) {
		r = has_column(db, "PRAGMA table_info(cards)", columns[i].column, &has);
		if (r == SK_OK && !has)
			r = sq_exec(db, columns[i].add);
	}
	if (r == SK_OK)
		r = sq_exec(db, "CREATE INDEX IF NOT EXISTS cards_uid ON cards(card_uid);"
		               "CREATE TABLE IF NOT EXISTS card_keys("
		               " spki_sha256 TEXT PRIMARY KEY,"
		               " card_id INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,"
		               " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE);");
	return r;
}

static int
v1_schema(sqlite3 *db)
{
	int r = sq_exec(db, v1_tables);

	if (r == SK_OK)
		r = v1_card_identity(db);
	if (r == SK_OK)
		r = sq_exec(db, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1');");
	return r;
}

/* Version 2: HR state (issue 10, doc/hr-import.md). A user's staff number is unique among
 * users that have one (NULL: not from HR). hr_events.effective is YYYY-MM-DD in the site's
 * time zone, so text order is date order. Written, like step 1, to apply to a store that has
 * some of it already (columns added only when absent, IF NOT EXISTS). */
static int
v2_hr(sqlite3 *db)
{
	static const struct {
		const char *column, *add;
	} columns[] = {
		{ "hr_staff_no", "ALTER TABLE users ADD COLUMN hr_staff_no TEXT;" },
		{ "hr_employment", "ALTER TABLE users ADD COLUMN hr_employment TEXT NOT NULL DEFAULT '';" },
		{ "hr_dept", "ALTER TABLE users ADD COLUMN hr_dept TEXT NOT NULL DEFAULT '';" },
		{ "hr_suspended", "ALTER TABLE users ADD COLUMN hr_suspended INTEGER NOT NULL DEFAULT 0;" },
	};
	int r = SK_OK, has;

	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]) && r == SK_OK; i++) {
		r = has_column(db, "PRAGMA table_info(users)", columns[i].column, &has);
		if (r == SK_OK && !has)
			r = sq_exec(db, columns[i].add);
	}
	if (r != SK_OK)
		return r;
	return sq_exec(db,
	        "CREATE UNIQUE INDEX IF NOT EXISTS users_hr_staff_no ON users(hr_staff_no)"
	        " WHERE hr_staff_no IS NOT NULL;"
	        "CREATE TABLE IF NOT EXISTS hr_files("
	        " sha256 TEXT PRIMARY KEY,"
	        " records INTEGER NOT NULL,"
	        " imported INTEGER NOT NULL);"
	        "CREATE TABLE IF NOT EXISTS hr_events("
	        " event_id TEXT PRIMARY KEY,"
	        " staff_no TEXT NOT NULL,"
	        " event TEXT NOT NULL,"
	        " employment TEXT NOT NULL,"
	        " dept TEXT NOT NULL,"
	        " effective TEXT NOT NULL,"
	        " file_sha256 TEXT NOT NULL REFERENCES hr_files(sha256),"
	        " line INTEGER NOT NULL,"
	        " state INTEGER NOT NULL CHECK(state IN (0, 1)),"   /* 0 pending, 1 applied */
	        " pw_hash TEXT NOT NULL DEFAULT '',"
	        " created INTEGER NOT NULL,"
	        " applied INTEGER NOT NULL DEFAULT 0);"
	        "CREATE INDEX IF NOT EXISTS hr_events_due ON hr_events(state, effective, created, line);"
	        "CREATE INDEX IF NOT EXISTS hr_events_staff ON hr_events(staff_no, event);"
	        "CREATE TABLE IF NOT EXISTS hr_staged("
	        " file_sha256 TEXT NOT NULL,"
	        " event_id TEXT NOT NULL,"
	        " staff_no TEXT NOT NULL,"
	        " event TEXT NOT NULL,"
	        " employment TEXT NOT NULL,"
	        " dept TEXT NOT NULL,"
	        " effective TEXT NOT NULL,"
	        " line INTEGER NOT NULL,"
	        " pw_hash TEXT NOT NULL DEFAULT '',"   /* a hire's temporary password (hash) */
	        " PRIMARY KEY(file_sha256, event_id));"
	        "CREATE INDEX IF NOT EXISTS hr_staged_order ON hr_staged(file_sha256, effective, line);");
}

/* Version 3: privileged access (issue 9, doc/privileged-access.md). Grants keep what their
 * role unlocked when they were requested (space-separated lists); states are enum
 * grant_state. A user may be marked a contractor (R-MFA-4, R-PRIV-4). */
static int
v3_grants(sqlite3 *db)
{
	int has, r = has_column(db, "PRAGMA table_info(users)", "contractor", &has);

	if (r == SK_OK && !has)
		r = sq_exec(db, "ALTER TABLE users ADD COLUMN contractor INTEGER NOT NULL DEFAULT 0;");
	if (r != SK_OK)
		return r;
	return sq_exec(db,
	        "CREATE TABLE IF NOT EXISTS grants("
	        " id INTEGER PRIMARY KEY,"
	        " role TEXT NOT NULL,"
	        " requester TEXT NOT NULL,"
	        " reason TEXT NOT NULL,"
	        " ticket TEXT NOT NULL DEFAULT '',"
	        " minutes INTEGER NOT NULL,"
	        " state INTEGER NOT NULL CHECK(state BETWEEN 0 AND 5),"
	        " breakglass INTEGER NOT NULL DEFAULT 0,"
	        " created INTEGER NOT NULL,"
	        " approver1 TEXT NOT NULL DEFAULT '',"
	        " approved1_at INTEGER NOT NULL DEFAULT 0,"
	        " approver2 TEXT NOT NULL DEFAULT '',"
	        " approved2_at INTEGER NOT NULL DEFAULT 0,"
	        " confirmer TEXT NOT NULL DEFAULT '',"
	        " confirmed_at INTEGER NOT NULL DEFAULT 0,"
	        " starts INTEGER NOT NULL DEFAULT 0,"
	        " ends INTEGER NOT NULL DEFAULT 0,"
	        " ended_at INTEGER NOT NULL DEFAULT 0,"
	        " ended_by TEXT NOT NULL DEFAULT '',"
	        " end_cause TEXT NOT NULL DEFAULT '',"
	        " services TEXT NOT NULL DEFAULT '',"
	        " groups TEXT NOT NULL DEFAULT '',"
	        " accounts TEXT NOT NULL DEFAULT '');"
	        "CREATE INDEX IF NOT EXISTS grants_open ON grants(state, requester);"
	        "CREATE TABLE IF NOT EXISTS delegations("
	        " id INTEGER PRIMARY KEY,"
	        " role TEXT NOT NULL,"
	        " delegate TEXT NOT NULL,"
	        " nominator TEXT NOT NULL,"
	        " reason TEXT NOT NULL,"
	        " state INTEGER NOT NULL CHECK(state BETWEEN 0 AND 3),"
	        " created INTEGER NOT NULL,"
	        " decided_by TEXT NOT NULL DEFAULT '',"
	        " decided_at INTEGER NOT NULL DEFAULT 0);"
	        "CREATE INDEX IF NOT EXISTS delegations_role ON delegations(role, delegate, state);"
	        "CREATE TABLE IF NOT EXISTS reviews("
	        " id INTEGER PRIMARY KEY,"
	        " grant_id INTEGER NOT NULL REFERENCES grants(id),"
	        " role TEXT NOT NULL,"
	        " user TEXT NOT NULL,"
	        " reason TEXT NOT NULL,"
	        " created INTEGER NOT NULL,"
	        " closed INTEGER NOT NULL DEFAULT 0,"
	        " closed_by TEXT NOT NULL DEFAULT '',"
	        " closed_at INTEGER NOT NULL DEFAULT 0,"
	        " comment TEXT NOT NULL DEFAULT '');"
	        "CREATE TABLE IF NOT EXISTS role_use("
	        " role TEXT NOT NULL,"
	        " user TEXT NOT NULL,"
	        " last_used INTEGER NOT NULL,"
	        " PRIMARY KEY(role, user));");
}

/* HR reconciliation (issue 10, doc/hr-import.md): when an administrator (user enable) or an
 * HR return last enabled the account. The dormancy of an account counts from the latest of
 * its last login, its creation and this, so that an account enabled again after a dormancy
 * suspension is not suspended again at the next check. 0: never. */
static int
v4_dormant_reset(sqlite3 *db)
{
	int has, r = has_column(db, "PRAGMA table_info(users)", "dormant_reset", &has);

	if (r == SK_OK && !has)
		r = sq_exec(db, "ALTER TABLE users ADD COLUMN dormant_reset INTEGER NOT NULL DEFAULT 0;");
	return r;
}

/* Access review and self-service removal requests (issue 10, items 6-7; store_request.h). */
static int
v_access_review(sqlite3 *db)
{
	return sq_exec(db,
	        "CREATE TABLE IF NOT EXISTS certifications("
	        " id INTEGER PRIMARY KEY,"
	        " certified_by TEXT NOT NULL,"
	        " at INTEGER NOT NULL,"
	        " comment TEXT NOT NULL DEFAULT '',"
	        " holders INTEGER NOT NULL,"
	        " grants INTEGER NOT NULL,"
	        " digest TEXT NOT NULL);"
	        "CREATE TABLE IF NOT EXISTS removal_requests("
	        " id INTEGER PRIMARY KEY,"
	        " requester TEXT NOT NULL,"
	        " kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 3),"
	        " target TEXT NOT NULL DEFAULT '',"
	        " reason TEXT NOT NULL,"
	        " state INTEGER NOT NULL CHECK(state BETWEEN 0 AND 2),"
	        " created INTEGER NOT NULL,"
	        " decided_by TEXT NOT NULL DEFAULT '',"
	        " decided_at INTEGER NOT NULL DEFAULT 0,"
	        " comment TEXT NOT NULL DEFAULT '');"
	        "CREATE INDEX IF NOT EXISTS removal_open ON removal_requests(state, requester);");
}

/* Group commit (issue 11, item 1; broker/audit/audit_durable.c): the sealed line of each
 * audit record, kept in the record's own transaction until the log has synced it, so that a
 * commit made durable before the log's records can give them back at start. */
static int
v6_audit_tail(sqlite3 *db)
{
	return sq_exec(db, "CREATE TABLE IF NOT EXISTS audit_tail("
	                   " seq INTEGER PRIMARY KEY,"
	                   " line TEXT NOT NULL);");
}

/* Remote terminals (issue 12, item 4; store_terminal.h): each client certificate seen on the
 * TLS listener, by the SHA-256 of its DER form, and its revocation. A revocation made before
 * the certificate was seen has serial and cn ''. */
static int
v7_terminals(sqlite3 *db)
{
	return sq_exec(db, "CREATE TABLE IF NOT EXISTS terminals("
	               " fingerprint TEXT PRIMARY KEY,"
	               " serial TEXT NOT NULL DEFAULT '',"
	               " cn TEXT NOT NULL DEFAULT '',"
	               " first_seen INTEGER NOT NULL DEFAULT 0,"
	               " last_seen INTEGER NOT NULL DEFAULT 0,"
	               " revoked_at INTEGER NOT NULL DEFAULT 0,"
	               " revoked_by TEXT NOT NULL DEFAULT '');"
	               "CREATE INDEX IF NOT EXISTS terminals_serial ON terminals(serial);");
}

/* Return and retirement (issue 10, item 4; doc/hr-import.md): users.hr_reconfirm is set by
 * an HR return and cleared by `sekimori user reconfirm`; until then the account phase refuses
 * the login. fido2_outstanding: the security keys a retirement removed, open (disposition
 * '') until an administrator records them collected, destroyed or lost (`sekimori fido2
 * dispose`); rows are kept, they are the record (store_outstanding.h). */
static int
v_hr_gaps(sqlite3 *db)
{
	int has, r = has_column(db, "PRAGMA table_info(users)", "hr_reconfirm", &has);

	if (r == SK_OK && !has)
		r = sq_exec(db, "ALTER TABLE users ADD COLUMN hr_reconfirm INTEGER NOT NULL DEFAULT 0;");
	if (r == SK_OK)
		r = sq_exec(db,
		        "CREATE TABLE IF NOT EXISTS fido2_outstanding("
		        " id INTEGER PRIMARY KEY,"
		        " holder TEXT NOT NULL,"
		        " cred_id INTEGER NOT NULL,"
		        " aaguid TEXT NOT NULL,"
		        " subject TEXT NOT NULL DEFAULT '',"
		        " recorded INTEGER NOT NULL,"
		        " disposition TEXT NOT NULL DEFAULT '',"
		        " note TEXT NOT NULL DEFAULT '',"
		        " disposed_by TEXT NOT NULL DEFAULT '',"
		        " disposed_at INTEGER NOT NULL DEFAULT 0);"
		        "CREATE INDEX IF NOT EXISTS fido2_outstanding_open"
		        " ON fido2_outstanding(disposition, holder);");
	return r;
}

/* Version 9: staged HR rows keyed in file order (issue 10, item 10; doc/performance.md). The
 * primary key (file_sha256, event_id) was a hash: each staged row went to its own index page,
 * and every staging transaction wrote those pages to the WAL again. A row's identity is
 * (staff_no, event, effective) (hr_event_identity hashes exactly these), so the same
 * uniqueness holds with them as the key, whose order follows the file's staff numbers.
 * Staged rows are dropped at every broker start, so the table is made anew. */
static int
v9_hr_staged_order(sqlite3 *db)
{
	return sq_exec(db,
	        "DROP TABLE IF EXISTS hr_staged;"
	        "CREATE TABLE hr_staged("
	        " file_sha256 TEXT NOT NULL,"
	        " event_id TEXT NOT NULL,"
	        " staff_no TEXT NOT NULL,"
	        " event TEXT NOT NULL,"
	        " employment TEXT NOT NULL,"
	        " dept TEXT NOT NULL,"
	        " effective TEXT NOT NULL,"
	        " line INTEGER NOT NULL,"
	        " pw_hash TEXT NOT NULL DEFAULT '',"
	        " UNIQUE(file_sha256, staff_no, event, effective));"
	        "CREATE INDEX hr_staged_order ON hr_staged(file_sha256, effective, line);");
}

const struct sq_migration sq_migrations[] = {
	{ "base schema: users, tallies, TOTP, FIDO2, cards, sessions, meta",
	  v1_schema },
	{ "HR state: staff numbers, HR files and events", v2_hr },
	{ "privileged access: grants, delegations, reviews, contractors", v3_grants },
	{ "HR reconciliation: when an account was last enabled", v4_dormant_reset },
	{ "access review: certifications, removal requests", v_access_review },
	{ "group commit: audit lines kept until the log has synced them", v6_audit_tail },
	{ "remote terminals: TLS client certificates and their revocation", v7_terminals },
	{ "HR return and retirement: factors to re-confirm, outstanding keys",
	  v_hr_gaps },
	{ "HR staging keyed in file order", v9_hr_staged_order },
};
const size_t sq_migrations_n = sizeof(sq_migrations) / sizeof(sq_migrations[0]);

int
sq_schema_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc;

	*version = 0;
	if (sq_prepare(db, "PRAGMA user_version;", &st) != SK_OK)
		return SK_ERR_STORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sk_logerr("reading the schema version: %s", sqlite3_errmsg(db));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

/* One step, inside the open transaction: the step, then the version it reaches. */
static int
apply_step(sqlite3 *db, const struct sq_migration *step, int to)
{
	char sql[64];
	int r = step->apply(db);

	if (r != SK_OK)
		return r;
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", to);
	return sq_exec(db, sql);
}

int
sq_migrate(sqlite3 *db, const char *path, const struct sq_migration *steps, size_t n)
{
	for (;;) {
		int version, r;

		if (sq_exec(db, "BEGIN IMMEDIATE;") != SK_OK)
			return SK_ERR_STORE;
		if ((r = sq_schema_version(db, &version)) != SK_OK) {
			(void)sq_exec(db, "ROLLBACK;");
			return r;
		}
		if (version < 0 || (size_t)version > n) {
			(void)sq_exec(db, "ROLLBACK;");
			/* A newer broker's store: its meaning may have changed, so nothing is read or
			 * written (fail closed). */
			sk_logerr("store %s has schema version %d, newer than this sekimorid knows (%zu):"
			          " refusing to use it; run the sekimorid that wrote it, or a newer one",
			          path, version, n);
			return SK_ERR_STORE;
		}
		if ((size_t)version == n)
			return sq_exec(db, "COMMIT;") == SK_OK ? SK_OK : SK_ERR_STORE;
		r = apply_step(db, &steps[version], version + 1);
		if (r == SK_OK)
			r = sq_exec(db, "COMMIT;");
		if (r != SK_OK) {
			if (!sqlite3_get_autocommit(db))
				(void)sq_exec(db, "ROLLBACK;");
			sk_logerr("store %s: schema migration %d (%s) failed; the store stays at"
			          " version %d", path, version + 1, steps[version].what, version);
			return SK_ERR_STORE;
		}
		sk_log(LOG_INFO, "store %s: schema at version %d (%s)", path, version + 1,
		       steps[version].what);
	}
}
