/* Bulk enrolment end to end (issue 11 item 4, doc/bulk-enrol.md): the real CLI reads a
 * generated file of a few thousand users (R-TEST-1: names are one fixed word and a sequence
 * number), a real sekimorid adds them in one transaction, real libpam logs a sample in with
 * the temporary password written to the passwords' file and forces its change (R-CRED-1).
 * A bad row refuses the whole file (R-LIFE-1), the same file twice changes nothing. */
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"
#include "sk_totp.h"

static struct sk_fixture fx;

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n"
	"totp_window = 2\n";

#define OUT_MAX (1024 * 1024)
#define USERS 3000

static char out[OUT_MAX];

static int
cli(const char *fmt, ...)
{
	char args[1200];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = skfx_cli(&fx, args, NULL, out, sizeof(out));
	if (rc != 0)
		fprintf(stderr, "sekimori %s -> %d: %.2000s\n", args, rc, out);
	return rc;
}

/* A generated file of n users "PREFIXi" (profile mynumber, staff STAFF0+i), comma-separated,
 * with a comment line first; bad_line > 0 replaces that physical line with a bad row. */
static char *
generated(const char *prefix, int n, unsigned long staff0, int bad_line, size_t *len)
{
	size_t cap = (size_t)n * 64 + 128, l = 0;
	char *text = malloc(cap);

	assert_non_null(text);
	l += (size_t)snprintf(text + l, cap - l, "# user,profile,staff number\n");
	for (int i = 0; i < n; i++) {
		if (bad_line == i + 2)   /* line 1 is the comment */
			l += (size_t)snprintf(text + l, cap - l, "bad user %d,mynumber,\n", i);
		else
			l += (size_t)snprintf(text + l, cap - l, "%s%d,%s,%lu\n", prefix, i,
			                      i % 2 ? "mynumber" : "", staff0 + (unsigned long)i);
	}
	*len = l;
	return text;
}

static void
write_file(const char *name, const char *text, char *path, size_t pathsz)
{
	sk_test_write_file(fx.dir, name, text, path, pathsz);
}

/* The password the passwords' file gives user. */
static void
password_of(const char *pwfile, const char *user, char *pw, size_t n)
{
	char line[256], want[80];
	FILE *f = fopen(pwfile, "r");
	int found = 0;

	assert_non_null(f);
	snprintf(want, sizeof(want), "%s\t", user);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, want, strlen(want)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(pw, n, "%s", line + strlen(want));
			found++;
		}
	fclose(f);
	assert_int_equal(found, 1);
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, n = 0;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* How often needle occurs in the audit log (an admin.user_import record names many users). */
static int
audit_occurrences(const char *needle)
{
	char path[700], line[8300];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		for (const char *p = line; (p = strstr(p, needle)) != NULL; p += strlen(needle))
			n++;
	fclose(f);
	return n;
}

/* A count on the store behind the broker's back, SQLite or PostgreSQL (skfx_store_sql: the
 * statement goes through sh -c in double quotes, so a dollar sign is written \\$). */
static int64_t
store_count(const char *sql)
{
	char res[256], *end = NULL;
	long long n;

	if (skfx_store_sql(&fx, sql, res, sizeof(res)) != 0)
		fail_msg("store SQL failed: %s: %s", sql, res);
	n = strtoll(res, &end, 10);
	if (end == res || (*end != '\0' && *end != '\n'))
		fail_msg("not a count: %s: %s", sql, res);
	return n;
}

/* 3,000 users in one import: every one added with its audit record and its staff number,
 * the passwords' file is 0600 with one line each; a sample logs in through PAM with the
 * written password and is made to change it; the same file again changes nothing. */
static void
test_r_cred_1_bulk_import_thousands_log_in_and_must_change(void **state)
{
	char path[700], pwfile[700], temp[64], seed[64], code[16], user[32];
	const char *newpw = "Bulk-Generated-Pass-2026";
	int records;
	struct stat st;
	struct skpd d;
	size_t len;
	char *text = generated("bulk", USERS, 200000, 0, &len);

	(void)state;
	write_file("users.csv", text, path, sizeof(path));
	free(text);
	snprintf(pwfile, sizeof(pwfile), "%s/passwords.tsv", fx.dir);
	assert_int_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "Added 3000 user(s)."));
	assert_null(strstr(out, "\t"));   /* no password on the terminal when a file got them */
	assert_int_equal(stat(pwfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_lines(pwfile), USERS);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'bulk%'"), USERS);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'bulk%' AND "
	                             "pw_temporary = 1 AND pw_hash LIKE '\\$sktmp1\\$%'"), USERS);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name = 'bulk7' AND "
	                             "hr_staff_no = '200007' AND profile = 'mynumber'"), 1);
	/* An empty profile is the configuration's default_profile (mynumber in the fixture). */
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name = 'bulk8' AND "
	                             "profile = 'mynumber' AND hr_staff_no = '200008'"), 1);
	/* Every user named once in the admin.user_import records, 64 at most in one record. */
	assert_int_equal(audit_occurrences("{\"user\":\"bulk"), USERS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_import\"", "\"user\":\"bulk7\""
	                                  ",\"profile\":\"mynumber\",\"line\":9,\"staff_no\":\"200007\"}",
	                                  "\"import_file\"", NULL), 1);
	/* At most 64 users in one record (fewer when their entries reach 5,000 bytes). */
	records = skfx_audit_count(&fx, "\"event\":\"admin.user_import\"", NULL);
	assert_true(records >= (USERS + 63) / 64 && records <= USERS / 16);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_import_file\"",
	                                  "\"users\":3000", NULL), 1);

	/* A sample through real PAM: the written password works once and must be changed. */
	for (int i = 1; i < USERS; i += 1499) {
		snprintf(user, sizeof(user), "bulk%d", i);
		password_of(pwfile, user, temp, sizeof(temp));
		assert_int_equal(strlen(temp), 22);   /* PASSWORD_BULK_TEMP_LEN: >= 128 bits */
		skfx_enroll_totp(&fx, user, seed, sizeof(seed));
		skfx_first_login(&fx, user, temp, seed, newpw);   /* asserts PAM_NEW_AUTHTOK_REQD */
		/* The chosen password is yescrypt with the production parameters. */
		{
			char q[200];

			snprintf(q, sizeof(q), "SELECT count(*) FROM users WHERE name = '%s' AND "
			         "pw_temporary = 0 AND pw_hash LIKE '\\$y\\$j9T\\$%%'", user);
			assert_int_equal(store_count(q), 1);
		}
		skfx_totp_code(seed, 60, code, sizeof(code));
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", user, NULL, newpw, code),
		                 PAM_SUCCESS);
		skfx_totp_code(seed, 90, code, sizeof(code));
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", user, NULL, temp, code),
		                 PAM_AUTH_ERR);
	}

	/* The same file again: refused as imported, nothing changes; the new passwords' file is
	 * not left behind. */
	snprintf(pwfile, sizeof(pwfile), "%s/passwords-again.tsv", fx.dir);
	assert_int_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "was imported before; nothing changed"));
	assert_int_equal(access(pwfile, F_OK), -1);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'bulk%'"), USERS);
	assert_int_equal(audit_occurrences("{\"user\":\"bulk"), USERS);
}

/* One bad row among hundreds refuses the whole file with its line named; a row the broker
 * refuses (a user that exists) does the same; nobody of either file is added. The records
 * the rolled-back commit had appended are followed by an audit.not_committed marker. */
static void
test_r_life_1_bad_row_refuses_the_whole_import(void **state)
{
	char path[700], pwfile[700], pw[64];
	size_t len;
	int rolled;
	char *text = generated("badrow", 500, 300000, 301, &len);

	(void)state;
	write_file("bad.csv", text, path, sizeof(path));
	free(text);
	snprintf(pwfile, sizeof(pwfile), "%s/bad-passwords.tsv", fx.dir);
	assert_int_not_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "line 301: invalid user name"));
	assert_non_null(strstr(out, "refused as a whole"));
	assert_int_equal(access(pwfile, F_OK), -1);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'badrow%'"), 0);

	/* Valid for the CLI, refused by the broker at commit: row 251 names a user that exists. */
	skfx_add_user(&fx, "taken249", "mynumber", pw, sizeof(pw));
	text = generated("badrow", 500, 300000, 0, &len);
	{
		char *p = strstr(text, "badrow249,");

		assert_non_null(p);
		memcpy(p, "taken249,", 9);
		memmove(p + 9, p + 10, strlen(p + 10) + 1);
	}
	write_file("taken.csv", text, path, sizeof(path));
	free(text);
	rolled = skfx_audit_count(&fx, "\"event\":\"audit.not_committed\"", "rolled_back", NULL);
	assert_int_not_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "at line 251"));
	assert_non_null(strstr(out, "already taken"));
	assert_int_equal(access(pwfile, F_OK), -1);
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'badrow%'"), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"audit.not_committed\"", "rolled_back",
	                                  NULL), rolled + 1);

	/* The administrators' profile is refused in a bulk file: its line is named. */
	text = generated("badrow", 100, 300000, 0, &len);
	{
		char *p = strstr(text, "badrow41,mynumber,");

		assert_non_null(p);
		assert_int_equal(strlen(SKFX_ADMIN_PROFILE), strlen("mynumber"));
		memcpy(p + 9, SKFX_ADMIN_PROFILE, strlen(SKFX_ADMIN_PROFILE));
	}
	write_file("admin-profile.csv", text, path, sizeof(path));
	free(text);
	assert_int_not_equal(cli("user import %s", path), 0);
	assert_non_null(strstr(out, "at line 43"));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'badrow%'"), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_import_file\"", "\"users\":500",
	                                  NULL), 0);
}

/* The passwords' file is never one that exists: such a run adds nobody and leaves the file. */
static void
test_r_cred_1_passwords_file_never_overwritten(void **state)
{
	char path[700], pwfile[700], back[64];
	size_t len;
	char *text = generated("keep", 10, 400000, 0, &len);
	FILE *f;

	(void)state;
	write_file("keep.csv", text, path, sizeof(path));
	free(text);
	write_file("existing.tsv", "precious\n", pwfile, sizeof(pwfile));
	assert_int_not_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "cannot be created"));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'keep%'"), 0);
	f = fopen(pwfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(back, sizeof(back), f));
	fclose(f);
	assert_string_equal(back, "precious\n");
	/* Without --out the passwords are printed once, one "user<TAB>password" line each. */
	assert_int_equal(cli("user import %s", path), 0);
	assert_non_null(strstr(out, "keep9\t"));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'keep%'"), 10);
}

/* The synthetic TOTP seed of row i (20 bytes, R-TEST-1), base32 into b32. */
static void
seed_of(int i, char *b32, size_t n)
{
	unsigned char seed[20];

	for (size_t k = 0; k < sizeof(seed); k++)
		seed[k] = (unsigned char)(i * 31 + (int)k * 17 + 5);
	assert_int_equal(sk_base32_encode(seed, sizeof(seed), b32, n), SK_OK);
}

/* n users "PREFIXi" each with a TOTP seed: every third with 8 digits, 60 s and SHA256, the
 * others with the columns empty (6, 30, SHA1); bad_line replaces that line's seed. */
static char *
generated_totp(const char *prefix, int n, unsigned long staff0, int bad_line)
{
	size_t cap = (size_t)n * 128 + 128, l = 0;
	char *text = malloc(cap), b32[64];

	assert_non_null(text);
	l += (size_t)snprintf(text + l, cap - l, "# user,profile,staff,seed,digits,period,algo\n");
	for (int i = 0; i < n; i++) {
		seed_of(i, b32, sizeof(b32));
		if (bad_line == i + 2)
			snprintf(b32, sizeof(b32), "%s", "MFRGG");   /* 3 bytes: below 128 bits */
		l += (size_t)snprintf(text + l, cap - l, "%s%d,mynumber,%lu,%s,%s\n", prefix, i,
		                      staff0 + (unsigned long)i, b32,
		                      i % 3 == 0 ? "8,60,sha256" : ",,");
	}
	return text;
}

/* Issue 11 item 4: thousands of users with their existing TOTP seeds in one import. The dry
 * run has the broker check every row and adds nobody; the import enrols every token
 * confirmed, sealed (the seed is not in the store nor in the audit log), with its
 * parameters in each user's audit entry; a sample logs in through PAM with a code of its
 * old seed; a bad seed among them refuses the file; the same file again changes nothing and
 * another file naming an imported user is refused with its line. */
#define TOTP_USERS 2000
static void
test_r_mfa_1_user_import_totp_seeds_sealed_and_audited(void **state)
{
	char path[700], path2[700], pwfile[700], temp[64], b32[64], code[16], q[256];
	const char *newpw = "Totp-Import-Pass-2026";
	struct skpd d;
	char *text = generated_totp("tot", TOTP_USERS, 500000, 0);

	(void)state;
	write_file("totp.csv", text, path, sizeof(path));
	free(text);

	assert_int_equal(cli("user import %s --dry-run", path), 0);
	assert_non_null(strstr(out, "Dry run: 2000 user(s), 2000 with a TOTP seed, checked by the"
	                            " broker; nobody was added."));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'tot%'"), 0);

	snprintf(pwfile, sizeof(pwfile), "%s/totp-passwords.tsv", fx.dir);
	assert_int_equal(cli("user import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "Added 2000 user(s)."));
	assert_non_null(strstr(out, "TOTP tokens enrolled: 2000"));
	assert_int_equal(store_count("SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id"
	                             " WHERE u.name LIKE 'tot%' AND t.confirmed = 1"), TOTP_USERS);
	assert_int_equal(store_count("SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id"
	                             " WHERE u.name = 'tot3' AND t.algorithm = 'SHA256' AND"
	                             " t.digits = 8 AND t.period = 60"), 1);
	assert_int_equal(store_count("SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id"
	                             " WHERE u.name = 'tot4' AND t.algorithm = 'SHA1' AND"
	                             " t.digits = 6 AND t.period = 30"), 1);
	/* Sealed: tot4's seed bytes are not in its stored blob, nor its base32 in the log. */
	snprintf(q, sizeof(q), sk_test_store_is_pg()
	         ? "SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id WHERE"
	           " u.name = 'tot4' AND position('\\x%02x%02x%02x%02x%02x%02x%02x%02x'::bytea"
	           " IN t.sealed) = 0"
	         : "SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id WHERE"
	           " u.name = 'tot4' AND instr(t.sealed, x'%02x%02x%02x%02x%02x%02x%02x%02x') = 0",
	         (4 * 31 + 5) & 255, (4 * 31 + 22) & 255, (4 * 31 + 39) & 255, (4 * 31 + 56) & 255,
	         (4 * 31 + 73) & 255, (4 * 31 + 90) & 255, (4 * 31 + 107) & 255,
	         (4 * 31 + 124) & 255);
	assert_int_equal(store_count(q), 1);
	seed_of(4, b32, sizeof(b32));
	assert_int_equal(audit_occurrences(b32), 0);
	/* One entry per user, with the token's parameters and factor id. */
	assert_int_equal(audit_occurrences("{\"user\":\"tot"), TOTP_USERS);
	assert_int_equal(audit_occurrences("\"totp\":{\"factor\":"), TOTP_USERS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_import\"",
	                                  "{\"user\":\"tot3\",\"profile\":\"mynumber\",\"line\":5,"
	                                  "\"staff_no\":\"500003\",\"totp\":{\"factor\":",
	                                  "\"algorithm\":\"SHA256\",\"digits\":8,\"period\":60}}",
	                                  NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_import_file\"",
	                                  "\"users\":2000", "\"totp\":2000", NULL), 1);
	/* tot4 logs in with a code of the seed it already had: the password must change. */
	password_of(pwfile, "tot4", temp, sizeof(temp));
	skfx_first_login(&fx, "tot4", temp, b32, newpw);
	skfx_totp_code(b32, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "tot4", NULL, newpw, code),
	                 PAM_SUCCESS);

	/* The same file again: imported before, nothing changes. */
	assert_int_equal(cli("user import %s", path), 0);
	assert_non_null(strstr(out, "was imported before; nothing changed"));
	assert_int_equal(store_count("SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id"
	                             " WHERE u.name LIKE 'tot%'"), TOTP_USERS);

	/* A bad seed on line 702 of 1,000: refused with its line, nobody added. */
	text = generated_totp("tbad", 1000, 600000, 702);
	write_file("totp-bad.csv", text, path2, sizeof(path2));
	free(text);
	assert_int_not_equal(cli("user import %s", path2), 0);
	assert_non_null(strstr(out, "line 702: invalid TOTP seed (base32, 16 to 64 bytes)"));
	assert_non_null(strstr(out, "nobody was added"));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'tbad%'"), 0);

	/* Another file naming tot9 (imported) at line 11: refused at commit, nobody added. */
	text = generated_totp("tbad", 20, 600000, 0);
	{
		char *p = strstr(text, "tbad9,");

		assert_non_null(p);
		memcpy(p, "tot9,", 5);
		memmove(p + 5, p + 6, strlen(p + 6) + 1);
	}
	write_file("totp-taken.csv", text, path2, sizeof(path2));
	free(text);
	assert_int_not_equal(cli("user import %s", path2), 0);
	assert_non_null(strstr(out, "at line 11"));
	assert_non_null(strstr(out, "already taken"));
	assert_int_equal(store_count("SELECT count(*) FROM users WHERE name LIKE 'tbad%'"), 0);
	assert_int_equal(store_count("SELECT count(*) FROM totp t JOIN users u ON u.id = t.user_id"
	                             " WHERE u.name = 'tot9'"), 1);
}

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_cred_1_bulk_import_thousands_log_in_and_must_change),
		cmocka_unit_test(test_r_life_1_bad_row_refuses_the_whole_import),
		cmocka_unit_test(test_r_cred_1_passwords_file_never_overwritten),
		cmocka_unit_test(test_r_mfa_1_user_import_totp_seeds_sealed_and_audited),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
