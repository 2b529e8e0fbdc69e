/* The HR apply layer end to end (issue 10, doc/hr-import.md): the real CLI reads generated HR
 * files (R-TEST-1: staff numbers are sequence numbers, names are made up of one fixed word
 * and the number), a real sekimorid applies them, real libpam logs in. Requirement IDs:
 * R-LIFE-1 (events applied, all or nothing, idempotent, dry run), R-LIFE-2 (retirement and
 * suspension end access; dates in the future applied at their day, also after a restart). */
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sk_client.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_proto.h"
#include "skc_admin.h"
#include "skc_hr.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;

/* hr_check_interval = 1: the periodic check is seen within the test's polling bound. */
static const char *profiles =
	"hr_check_interval = 1\n"
	"[profile mynumber]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n"
	"totp_window = 2\n"
	/* Issue 9: a holder whose grant HR ends. */
	"[role dba]\nservices = sudo\nholders = 90001\n"
	"[role ciso]\nholders = 90002\n";

#define HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"
#define OUT_MAX 65536

static char out[OUT_MAX];

/* One row: generated name, fixed reading, department, job, employment, date, event. */
static size_t
row(char *buf, size_t n, unsigned long staff, const char *dept, const char *emp,
    const char *date, const char *event)
{
	int len = snprintf(buf, n, "%lu,生成%lu,セイセイ,%s,係員,%s,%s,%s\n", staff, staff, dept, emp,
	                   date, event);

	assert_true(len > 0 && (size_t)len < n);
	return (size_t)len;
}

/* A file under the fixture's folder from text; path receives its name. */
static void
write_hr(const char *name, const char *text, char *path, size_t pathsz)
{
	sk_test_write_file(fx.dir, name, text, path, pathsz);
}

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
	if (rc != 0)   /* what the CLI said, for the test log */
		fprintf(stderr, "sekimori %s -> %d: %.2000s\n", args, rc, out);
	if (rc == 0 && out[0] == '{') {   /* --json: one line, for the substring checks */
		json_object *doc = json_tokener_parse(out);

		assert_non_null(doc);
		snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(doc,
		         JSON_C_TO_STRING_PLAIN));
		json_object_put(doc);
	}
	return rc;
}

/* user show --json: 1 disabled, 0 enabled, -1 no such user. */
static int
user_disabled(const char *user)
{
	json_object *doc, *v;
	int d;

	if (cli("--json user show %s", user) != 0)
		return -1;
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "disabled", &v));
	d = json_object_get_boolean(v);
	json_object_put(doc);
	return d;
}

/* SQL on the store behind the broker's back, SQLite or PostgreSQL (skfx_store_sql). */
static void
store_sql(const char *sql)
{
	char res[1024];

	if (skfx_store_sql(&fx, sql, res, sizeof(res)) != 0)
		fail_msg("%s: %s", sql, res);
}

/* Yesterday's date (UTC) as YYYY-MM-DD, what SQLite's date('now', '-1 day') says. */
static void
yesterday(char *buf, size_t cap)
{
	time_t t = time(NULL) - 86400;
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(buf, cap, "%Y-%m-%d", &tm) == 10);
}

static int64_t
json_int(const char *text, const char *key)
{
	json_object *doc = json_tokener_parse(text), *v;
	int64_t n;

	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, key, &v));
	n = json_object_get_int64(v);
	json_object_put(doc);
	return n;
}

/* The temporary password the import showed for a hire. */
static void
hire_password(const char *text, const char *user, char *pw, size_t n)
{
	json_object *doc = json_tokener_parse(text), *hires, *v;
	int found = 0;

	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "hires", &hires));
	for (size_t i = 0; i < json_object_array_length(hires); i++) {
		json_object *h = json_object_array_get_idx(hires, i);

		assert_true(json_object_object_get_ex(h, "user", &v));
		if (strcmp(json_object_get_string(v), user) != 0)
			continue;
		assert_true(json_object_object_get_ex(h, "temp_password", &v));
		snprintf(pw, n, "%s", json_object_get_string(v));
		found = 1;
	}
	json_object_put(doc);
	assert_true(found);
}

/* Hire, transfer, leave, return and retirement, all past-dated, applied at import; a
 * future-dated retirement stays pending; the same file again, and the same events in
 * another file, change nothing. */
static void
test_r_life_1_import_applies_events_and_reimport_changes_nothing(void **state)
{
	char text[4096], path[700], path2[700];
	size_t len = 0;

	(void)state;
	len += snprintf(text, sizeof(text), "%s", HEADER);
	for (unsigned long s = 10001; s <= 10004; s++)
		len += row(text + len, sizeof(text) - len, s, "D-1", "正規職員", "2025-04-01", "採用");
	len += row(text + len, sizeof(text) - len, 10001, "D-2", "", "令和7年7月1日", "異動");
	len += row(text + len, sizeof(text) - len, 10002, "", "", "2025-06-01", "休職");
	len += row(text + len, sizeof(text) - len, 10003, "", "", "2025/06/01", "出向");
	len += row(text + len, sizeof(text) - len, 10003, "", "", "2025-09-01", "復職");
	len += row(text + len, sizeof(text) - len, 10004, "", "", "2025-10-01", "退職");
	len += row(text + len, sizeof(text) - len, 10001, "", "", "2099-03-31", "退職");
	write_hr("hr-a.csv", text, path, sizeof(path));

	assert_int_equal(cli("--json hr import %s", path), 0);
	assert_int_equal(json_int(out, "applied"), 9);
	assert_int_equal(json_int(out, "pending"), 1);
	assert_int_equal(json_int(out, "unchanged"), 0);
	assert_int_equal(user_disabled("10001"), 0);
	assert_int_equal(user_disabled("10002"), 1);   /* leave */
	assert_int_equal(user_disabled("10003"), 0);   /* secondment, then return */
	assert_int_equal(user_disabled("10004"), 1);   /* retirement */
	assert_int_equal(cli("--json hr pending"), 0);
	assert_non_null(strstr(out, "\"staff_no\":\"10001\",\"event\":\"retirement\","
	                            "\"effective\":\"2099-03-31\""));
	assert_null(strstr(out, "10004"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.hire\"", "\"hr_file\"", NULL), 4);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer\"", "\"dept\":\"D-2\"",
	                                  "\"user\":\"10001\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", "\"user\":\"10004\"",
	                                  NULL), 1);

	/* The same file: nothing changes, nothing is audited as applied again. */
	assert_int_equal(cli("hr import %s", path), 0);
	assert_non_null(strstr(out, "imported before"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.hr_import\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.hire\"", NULL), 4);

	/* Another file (other bytes) with events already known: unchanged, applied nothing. */
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 10002, "", "", "2025.06.01", "休職");
	len += row(text + len, sizeof(text) - len, 10004, "", "", "令和7年10月1日", "退職");
	write_hr("hr-a2.csv", text, path2, sizeof(path2));
	assert_int_equal(cli("--json hr import %s", path2), 0);
	assert_int_equal(json_int(out, "applied"), 0);
	assert_int_equal(json_int(out, "unchanged"), 2);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.leave\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", NULL), 1);
}

/* A file of hires past the old cap of 256 (issue 10): with --out every hire's temporary
 * password goes to a new 0600 file, one "user<TAB>password<TAB>effective" line each (a
 * future hire too); a sample logs in through PAM with it and must change it; --out naming a
 * file that exists applies nothing; --json without --out lists each hire's password. */
#define MANY_HIRES 600
/* Every record id in the log: 32 lowercase hex digits, no two alike (they are cut from
 * CSPRNG draws of 32 ids each, audit_event.c: an import of hundreds of records crosses many
 * draws). Returns how many records carry one. */
static int
check_record_ids(void)
{
	char path[700], line[8192];
	size_t n = 0, cap = 4096;
	char (*ids)[33] = malloc(cap * sizeof(*ids));
	FILE *f;

	assert_non_null(ids);
	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, "\"record_id\":\"");

		if (p == NULL)
			continue;
		p += strlen("\"record_id\":\"");
		assert_int_equal(strspn(p, "0123456789abcdef"), 32);
		assert_int_equal(p[32], '"');
		if (n == cap) {
			cap *= 2;
			assert_non_null(ids = realloc(ids, cap * sizeof(*ids)));
		}
		memcpy(ids[n], p, 32);
		ids[n][32] = '\0';
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(ids[i], ids[n]);
		n++;
	}
	fclose(f);
	free(ids);
	return (int)n;
}

static void
test_r_life_1_hires_past_256_passwords_to_file(void **state)
{
	size_t cap = (MANY_HIRES + 2) * 96, len;
	char *text = malloc(cap), path[700], pwfile[700], line[256], temp[64], seed[64];
	char user[32], effective[16];
	struct stat st;
	json_object *doc, *hires, *v;
	FILE *f;
	int lines = 0;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned long s = 0; s < MANY_HIRES; s++)
		len += row(text + len, cap - len, 80000 + s, "D-8", "regular",
		           s == 7 ? "2099-04-01" : "2025-04-01", "hire");
	write_hr("hr-many-hires.csv", text, path, sizeof(path));
	snprintf(pwfile, sizeof(pwfile), "%s/hires.tsv", fx.dir);
	assert_int_equal(cli("hr import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "Imported: 599 applied now, 1 scheduled, 0 unchanged"));
	assert_non_null(strstr(out, "Temporary passwords of 600 hire(s) written to"));
	assert_null(strstr(out, "80300"));   /* no password on the terminal */
	assert_int_equal(stat(pwfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(f = fopen(pwfile, "r"));
	temp[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char pw[64];

		assert_int_equal(sscanf(line, "%31[^\t]\t%63[^\t]\t%15[^\n]", user, pw, effective), 3);
		assert_int_equal(strlen(pw), 22);
		assert_string_equal(effective, strcmp(user, "80007") == 0 ? "2099-04-01" : "2025-04-01");
		if (strcmp(user, "80300") == 0)
			snprintf(temp, sizeof(temp), "%s", pw);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, MANY_HIRES);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.hire\"", "\"user\":\"80599\"",
	                                  NULL), 1);
	/* 600 hires in one transaction: at least 600 records, each with its own id. */
	assert_true(check_record_ids() >= MANY_HIRES);
	assert_int_equal(user_disabled("80599"), 0);
	assert_int_equal(user_disabled("80007"), -1);   /* pending: made at its date */
	skfx_enroll_totp(&fx, "80300", seed, sizeof(seed));
	skfx_first_login(&fx, "80300", temp, seed, "Hr-Many-Hires-Pass-2025");

	/* --out naming a file that exists: refused before anything is sent. */
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	len += row(text + len, cap - len, 81000, "D-8", "regular", "2025-04-01", "hire");
	write_hr("hr-one-more.csv", text, path, sizeof(path));
	assert_int_not_equal(cli("hr import %s --out %s", path, pwfile), 0);
	assert_non_null(strstr(out, "nothing was applied"));
	assert_int_equal(user_disabled("81000"), -1);

	/* --json without --out: each hire with its password. */
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned long s = 0; s < 300; s++)
		len += row(text + len, cap - len, 82000 + s, "D-8", "regular", "2025-04-01", "hire");
	write_hr("hr-json-hires.csv", text, path, sizeof(path));
	assert_int_equal(cli("--json hr import %s", path), 0);
	assert_non_null(doc = json_tokener_parse(out));
	assert_true(json_object_object_get_ex(doc, "hires", &hires));
	assert_int_equal(json_object_array_length(hires), 300);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(hires, 299), "user", &v));
	assert_string_equal(json_object_get_string(v), "82299");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(hires, 299),
	                                      "temp_password", &v));
	assert_int_equal(json_object_get_string_len(v), 22);
	json_object_put(doc);
	free(text);
}

/* One bad row among many: the file is refused with the row named, nothing is applied; an
 * event for a staff number nobody has, after hundreds of valid hires, is refused by the
 * broker's one transaction: none of the hires stays. */
static void
test_r_life_1_bad_row_among_many_applies_nothing(void **state)
{
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap), path[700];

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned long s = 30000; s < 30400; s++)
		len += row(text + len, cap - len, s, "D-3", "regular", "2025-04-01",
		           s == 30250 ? "採用" : "hire");
	/* line 2 + 300 = 302: no 30 February */
	len += row(text + len, cap - len, 30400, "D-3", "regular", "2025-02-30", "hire");
	for (unsigned long s = 30401; s < 30500; s++)
		len += row(text + len, cap - len, s, "D-3", "regular", "2025-04-01", "hire");
	write_hr("hr-bad.csv", text, path, sizeof(path));
	assert_int_not_equal(cli("hr import %s", path), 0);
	assert_non_null(strstr(out, "402"));
	assert_non_null(strstr(out, "nothing was applied"));
	assert_int_equal(user_disabled("30000"), -1);
	assert_int_equal(user_disabled("30499"), -1);

	/* Valid as a file, refused by the broker: an event for staff number 39999. */
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned long s = 31000; s < 31300; s++)
		len += row(text + len, cap - len, s, "D-3", "contractor", "2025-04-01", "hire");
	len += row(text + len, cap - len, 39999, "", "", "2025-05-01", "retirement");
	write_hr("hr-orphan.csv", text, path, sizeof(path));
	assert_int_not_equal(cli("hr import %s", path), 0);
	assert_non_null(strstr(out, "39999"));
	assert_int_equal(user_disabled("31000"), -1);
	assert_int_equal(user_disabled("31299"), -1);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"31000\"", NULL), 0);
	free(text);
}

/* --dry-run prints the plan and changes nothing: the same file imports afterwards. */
static void
test_r_life_1_dry_run_changes_nothing(void **state)
{
	char text[2048], path[700];
	size_t len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 50001, "D-5", "regular", "2025-04-01", "hire");
	len += row(text + len, sizeof(text) - len, 50001, "", "", "2099-04-01", "retirement");
	write_hr("hr-dry.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s --dry-run", path), 0);
	assert_non_null(strstr(out, "50001"));
	assert_non_null(strstr(out, "2099-04-01"));
	assert_non_null(strstr(out, "scheduled"));
	assert_int_equal(user_disabled("50001"), -1);
	assert_int_equal(cli("--json hr import %s --dry-run", path), 0);
	assert_non_null(strstr(out, "\"when\":\"now\""));
	assert_int_equal(cli("--json hr pending"), 0);
	assert_null(strstr(out, "50001"));
	assert_int_equal(skfx_audit_count(&fx, "50001", NULL), 0);
	assert_int_equal(cli("--json hr import %s", path), 0);
	assert_int_equal(json_int(out, "applied"), 1);
	assert_int_equal(user_disabled("50001"), 0);
}

/* A future-dated retirement, due while the broker was down, is applied at its start; one
 * that becomes due while it runs is applied by the periodic check. */
static void
test_r_life_2_future_retirement_applied_after_restart(void **state)
{
	char text[2048], path[700], sql[256], day[16];
	size_t len;
	int d = 0;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 60001, "D-6", "regular", "2025-04-01", "hire");
	len += row(text + len, sizeof(text) - len, 60002, "D-6", "regular", "2025-04-01", "hire");
	len += row(text + len, sizeof(text) - len, 60001, "", "", "2099-12-31", "retirement");
	len += row(text + len, sizeof(text) - len, 60002, "", "", "2099-12-30", "leave");
	write_hr("hr-future.csv", text, path, sizeof(path));
	assert_int_equal(cli("--json hr import %s", path), 0);
	assert_int_equal(json_int(out, "pending"), 2);
	assert_int_equal(user_disabled("60001"), 0);

	skfx_stop_broker(&fx);
	/* The date came while the broker was down: yesterday, whatever today is. */
	yesterday(day, sizeof(day));
	snprintf(sql, sizeof(sql), "UPDATE hr_events SET effective = '%s'"
	         " WHERE staff_no = '60001' AND event = 'retirement';", day);
	store_sql(sql);
	skfx_restart(&fx);
	assert_int_equal(user_disabled("60001"), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", "\"user\":\"60001\"",
	                                  "\"peer\":\"sekimorid\"", NULL), 1);
	assert_int_equal(cli("--json hr pending"), 0);
	assert_null(strstr(out, "\"60001\""));
	assert_non_null(strstr(out, "\"60002\""));

	/* Due while it runs: the periodic check (hr_check_interval = 1) applies it. */
	snprintf(sql, sizeof(sql), "UPDATE hr_events SET effective = '%s'"
	         " WHERE staff_no = '60002' AND event = 'leave';", day);
	store_sql(sql);
	for (int i = 0; i < 100 && (d = user_disabled("60002")) == 0; i++)
		usleep(100000);
	assert_int_equal(d, 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.leave\"", "\"user\":\"60002\"",
	                                  NULL), 1);
}

static int64_t
store_int(const char *sql)
{
	char res[256];

	if (skfx_store_sql(&fx, sql, res, sizeof(res)) != 0)
		fail_msg("%s: %s", sql, res);
	return res[0] != '\0' ? strtoll(res, NULL, 10) : -1;
}

#define KILL_USERS 256
#define KILL_DAYS 20
#define KILL_EVENTS (KILL_USERS * KILL_DAYS)
#define KILL_APPLIED "SELECT count(*) FROM hr_events WHERE event = 'transfer'" \
	" AND staff_no BETWEEN '80000' AND '80255'"

/* The broker SIGKILLed while it applies a file of 5120 transfers (once the commit's first
 * audit record is written): after the restart either every event of the file is there or
 * none is, and importing the file again completes it. */
static void
test_r_life_1_sigkill_during_import_leaves_all_or_nothing(void **state)
{
	size_t cap = 512 * 1024, len;
	char *text = malloc(cap), path[700], hires[700], dept[16], date[16];
	int64_t applied, files, moved;
	pid_t cli_pid;
	int status;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned long s = 80000; s < 80000 + KILL_USERS; s++)
		len += row(text + len, cap - len, s, "D-8", "regular", "2025-04-01", "hire");
	write_hr("hr-kill-hires.csv", text, hires, sizeof(hires));
	assert_int_equal(cli("--json hr import %s", hires), 0);
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (int day = 1; day <= KILL_DAYS; day++)
		for (unsigned long s = 80000; s < 80000 + KILL_USERS; s++) {
			snprintf(dept, sizeof(dept), "T-%d", day);
			snprintf(date, sizeof(date), "2025-05-%02d", day);
			len += row(text + len, cap - len, s, dept, "", date, "transfer");
		}
	write_hr("hr-kill.csv", text, path, sizeof(path));
	free(text);

	cli_pid = fork();
	assert_true(cli_pid >= 0);
	if (cli_pid == 0) {
		char args[800], buf[4096];

		snprintf(args, sizeof(args), "hr import %s", path);
		_exit(skfx_cli(&fx, args, NULL, buf, sizeof(buf)));
	}
	/* Bounded wait until the commit is under way: its first hr.transfer record is in the
	 * audit log (appended inside the transaction, before the commit). */
	for (int i = 0; i < 6000 && skfx_audit_count(&fx, "\"event\":\"hr.transfer\"",
	                                              "\"user\":\"80", NULL) == 0 &&
	     store_int(KILL_APPLIED) < KILL_EVENTS; i++)
		usleep(5000);
	assert_int_equal(kill(fx.broker, SIGKILL), 0);
	assert_int_equal(waitpid(fx.broker, &status, 0), fx.broker);
	fx.broker = 0;
	assert_int_equal(waitpid(cli_pid, &status, 0), cli_pid);
	/* The killed broker's socket stays: without it, the wait is for the new broker's, which
	 * it binds only after the start's HR catch-up. */
	assert_int_equal(unlink(fx.socket), 0);
	skfx_restart(&fx);

	applied = store_int(KILL_APPLIED);
	files = store_int("SELECT count(*) FROM hr_files");
	moved = store_int("SELECT count(*) FROM users WHERE hr_dept = 'T-20'");
	fprintf(stderr, "after SIGKILL: %lld of %d events, %lld files, %lld users moved\n",
	        (long long)applied, KILL_EVENTS, (long long)files, (long long)moved);
	assert_true(applied == 0 || applied == KILL_EVENTS);
	/* Killed inside the commit: records were appended, and are marked not committed now. */
	if (applied == 0) {
		assert_true(skfx_audit_count(&fx, "\"event\":\"hr.transfer\"", "\"user\":\"80",
		                             NULL) > 0);
		assert_true(skfx_audit_count(&fx, "audit.not_committed", NULL) > 0);
	}
	assert_int_equal(moved, applied == 0 ? 0 : KILL_USERS);
	assert_int_equal(store_int("SELECT count(*) FROM hr_staged"), 0);   /* dropped at start */
	/* Again: completes it, or says it was imported; either way every event is there. */
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(store_int(KILL_APPLIED), KILL_EVENTS);
	assert_int_equal(store_int("SELECT count(*) FROM users WHERE hr_dept = 'T-20'"), KILL_USERS);
	assert_int_equal(store_int("SELECT count(*) FROM hr_files"), applied == 0 ? files + 1 : files);
}

/* PAM's account phase for user: PAM_ACCT_EXPIRED for a disabled account. */
static int
acct_mgmt(const char *user)
{
	return skpd_acct_mgmt(fx.pamdir, "sk-test", user);
}

/* Issue 10 item 4 (R-LIFE-1): back from leave, the account is enabled but PAM's account
 * phase refuses it, saying why, until an administrator re-confirms its factors; a second
 * reconfirm finds nothing to confirm; then the login goes through. */
static void
reconfirm_refused_then_allowed(const char *user)
{
	struct skpd d;

	assert_int_equal(user_disabled(user), 0);
	skpd_begin(&d, fx.pamdir, "sk-test", user, NULL, NULL);
	d.last = pam_acct_mgmt(d.pamh, 0);
	assert_int_equal(d.last, PAM_ACCT_EXPIRED);
	assert_true(skpd_contains(&d, "re-confirm your authentication factors"));
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	assert_int_equal(cli("--json user show %s", user), 0);
	assert_non_null(strstr(out, "\"reconfirm\":true"));

	assert_int_equal(cli("--json user reconfirm %s", user), 0);
	assert_int_equal(json_int(out, "totp"), 1);
	assert_non_null(strstr(out, "\"totp_ids\":["));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_reconfirm\"",
	                                  "\"confirmed\":{\"totp\":1", NULL), 1);
	assert_int_not_equal(cli("user reconfirm %s", user), 0);
	assert_non_null(strstr(out, "no factors to be re-confirmed"));
	assert_int_equal(acct_mgmt(user), PAM_SUCCESS);
}

/* A hire logs in through PAM; during leave and after retirement PAM refuses the account
 * (acct_mgmt: expired; authenticate: denied), and retirement removed the TOTP factor.
 * Return lets the suspended account in again once its factors are re-confirmed. */
static void
test_r_life_2_pam_login_refused_after_leave_and_retirement(void **state)
{
	char text[2048], path[700], temp[64], seed[64], code[16];
	const char *newpw = "Hr-Generated-Pass-2025";
	struct skpd d;
	size_t len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 70001, "D-7", "regular", "2025-04-01", "hire");
	write_hr("hr-pam-hire.csv", text, path, sizeof(path));
	assert_int_equal(cli("--json hr import %s", path), 0);
	hire_password(out, "70001", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "70001", seed, sizeof(seed));
	skfx_first_login(&fx, "70001", temp, seed, newpw);
	skfx_totp_code(seed, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "70001", NULL, newpw, code),
	                 PAM_SUCCESS);
	assert_int_equal(acct_mgmt("70001"), PAM_SUCCESS);
	assert_int_equal(cli("--json user show 70001"), 0);
	assert_non_null(strstr(out, "\"totp\":[{"));

	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 70001, "", "", "2025-05-01", "休職");
	write_hr("hr-pam-leave.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(acct_mgmt("70001"), PAM_ACCT_EXPIRED);

	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 70001, "", "", "2025-06-01", "復職");
	write_hr("hr-pam-return.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.return\"", "\"user\":\"70001\"",
	                                  "\"reconfirm_required\":\"yes\"", "\"totp\":1", NULL), 1);
	reconfirm_refused_then_allowed("70001");

	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 70001, "", "", "2025-07-01", "退職");
	write_hr("hr-pam-retire.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(acct_mgmt("70001"), PAM_ACCT_EXPIRED);
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "70001", NULL, newpw, code),
	                 PAM_AUTH_ERR);
	assert_int_equal(cli("--json user show 70001"), 0);
	assert_non_null(strstr(out, "\"disabled\":true"));
	assert_non_null(strstr(out, "\"totp\":[]"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", "\"user\":\"70001\"",
	                                  "\"outstanding_cards\":[]", NULL), 1);
	/* R-LIFE-5: the report of what is to be handed back runs; 70001 had no key or card. */
	assert_int_equal(cli("--json report outstanding"), 0);
	assert_null(strstr(out, "\"user\":\"70001\""));
	assert_non_null(strstr(out, "\"keys\":["));
	assert_int_not_equal(cli("fido2 dispose 70001 --reason collected"), 0);
	/* Return does not bring a retired user back: only an HR suspension is lifted. */
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 70001, "", "", "2025-08-01", "復職");
	write_hr("hr-pam-return2.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(user_disabled("70001"), 1);
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

/* Issue 9 (R-PRIV-2, R-MFA-4): a leave ends the holder's active privileged grant at once,
 * recorded on the HR event; an HR employment of contractor (委託) makes the user a
 * contractor, which user show says. */
static void
test_r_priv_2_leave_ends_grant_and_hr_contractor_marked(void **state)
{
	char text[2048], path[700], sql[512];
	size_t len;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 90001, "D-9", "regular", "2025-04-01", "hire");
	len += row(text + len, sizeof(text) - len, 90002, "D-9", "委託", "2025-04-01", "hire");
	write_hr("hr-grant-hire.csv", text, path, sizeof(path));
	assert_int_equal(cli("--json hr import %s", path), 0);
	assert_int_equal(cli("--json user show 90002"), 0);
	assert_non_null(strstr(out, "\"contractor\":true"));
	assert_int_equal(cli("--json user show 90001"), 0);
	assert_non_null(strstr(out, "\"contractor\":false"));
	/* An active grant of 90001 (as the approval would leave it). */
	snprintf(sql, sizeof(sql), "INSERT INTO grants(role, requester, reason, minutes, state,"
	         " created, approver1, approved1_at, starts, ends, services)"
	         " VALUES('dba', '90001', 'patch', 30, 2, %lld, 'x', %lld, %lld, %lld, 'sudo');",
	         (long long)now, (long long)now, (long long)now, (long long)now + 1800);
	store_sql(sql);
	len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	len += row(text + len, sizeof(text) - len, 90001, "", "", "2025-05-01", "休職");
	write_hr("hr-grant-leave.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.leave\"", "\"user\":\"90001\"",
	                                  "\"grants_ended\":1", NULL), 1);
	assert_int_equal(cli("--json grant list"), 0);
	assert_non_null(strstr(out, "\"state\":\"revoked\""));
	assert_non_null(strstr(out, "\"end_cause\":\"hr\""));
}

/* HR_STAGE's record block (SK_K_HR_RECORD_BLOCK, doc/protocol.md): up to
 * SK_HR_STAGE_RECORDS_MAX records in one request, of them at most SK_ARRAY_MAX hires; one
 * record more, one hire more, or the block together with the old array is refused. */
static struct sk_msg *
raw_stage(const char *sha, const char *block, int with_array)
{
	struct sk_msg *m = sk_msg_new(SK_REQ_HR_STAGE);
	const unsigned char *item = (const unsigned char *)"1\ttransfer\t\tA\t2020-04-01\t1";
	size_t len = strlen((const char *)item);

	assert_non_null(m);
	assert_int_equal(sk_msg_put_text(m, SK_K_HR_FILE, sha), 0);
	assert_int_equal(sk_msg_put_bool(m, SK_K_HR_FIRST, 1), 0);
	assert_int_equal(sk_msg_put_bytes(m, SK_K_HR_RECORD_BLOCK, block, strlen(block)), 0);
	if (with_array)
		assert_int_equal(sk_msg_put_bytes_array(m, SK_K_HR_RECORDS, &item, &len, 1), 0);
	return m;
}

static unsigned
raw_status(struct sk_client *c, struct sk_msg *req)
{
	struct sk_msg *reply = NULL;
	unsigned st;

	assert_int_equal(sk_client_call(c, req, &reply, 0), 0);
	st = sk_reply_status(reply);
	sk_msg_free(req);
	sk_msg_free(reply);
	return st;
}

/* n records: the first `hires` hire staff base+1..base+hires on 2020-04-01, the rest are
 * transfers of those staff on later days (each a distinct event), or of staff base+1.. when
 * there are no hires. */
static char *
block_of(size_t n, size_t hires, unsigned long base, const char **recs, char (*text)[64])
{
	char *b = calloc(n, 64);
	size_t len = 0;

	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		size_t t = i - hires, per = hires > 0 ? hires : n;

		if (i < hires)
			snprintf(text[i], 64, "%lu\thire\tregular\tB0\t2020-04-01\t%zu", base + i + 1,
			         i + 2);
		else
			snprintf(text[i], 64, "%lu\ttransfer\tregular\tB%zu\t2021-01-%02zu\t%zu",
			         base + t % per + 1, t / per % 7 + 1, t / per + 1, i + 2);
		recs[i] = text[i];
		len += (size_t)snprintf(b + len, 64 * n - len, "%s%s", i > 0 ? "\n" : "", text[i]);
	}
	return b;
}

static void
test_r_life_1_stage_block_of_448_records_bounded(void **state)
{
	static const char *recs[SK_HR_STAGE_RECORDS_MAX + 1];
	static char text[SK_HR_STAGE_RECORDS_MAX + 1][64];
	const char *sha = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_admin_attach_in at = { token };
	struct skc_admin_session_out s;
	struct skc_hr_stage_in in = { NULL, sha, 1, recs, SK_HR_STAGE_RECORDS_MAX };
	struct skc_hr_stage_out o;
	struct skc_hr_commit_in cin = { NULL, sha, SK_HR_STAGE_RECORDS_MAX };
	struct skc_hr_commit_out co;
	struct sk_client c;
	char path[700], *b;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/sekimori-admin-session", fx.rundir);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(token, 1, sizeof(token), f), sizeof(token));
	fclose(f);
	assert_int_equal(sk_client_open(&c, fx.socket, 10000), 0);
	assert_int_equal(skc_admin_attach(&c, &at, &s), 0);
	assert_int_equal(s.res.status, SK_ST_OK);

	/* 448 records, 32 of them hires, in one request: all staged (the commit counts 448),
	 * each hire with its password. */
	b = block_of(SK_HR_STAGE_RECORDS_MAX, SK_ARRAY_MAX, 7100000, recs, text);
	free(b);
	assert_int_equal(skc_hr_stage(&c, &in, &o), 0);
	assert_int_equal(o.res.status, SK_ST_OK);
	assert_int_equal(o.n_hires, SK_ARRAY_MAX);
	assert_string_equal(o.hires[0].staff, "7100001");
	explicit_bzero(&o, sizeof(o));
	cin.count = SK_HR_STAGE_RECORDS_MAX - 1;   /* the broker counts what it staged */
	assert_int_equal(skc_hr_commit(&c, &cin, &co), 0);
	assert_int_not_equal(co.res.status, SK_ST_OK);
	json_object_put(co.doc);
	/* A refused commit keeps nothing staged: stage again, then commit the right count. */
	assert_int_equal(skc_hr_stage(&c, &in, &o), 0);
	assert_int_equal(o.res.status, SK_ST_OK);
	explicit_bzero(&o, sizeof(o));
	cin.count = SK_HR_STAGE_RECORDS_MAX;
	assert_int_equal(skc_hr_commit(&c, &cin, &co), 0);
	assert_int_equal(co.res.status, SK_ST_OK);
	assert_non_null(co.doc);
	assert_int_equal(json_int(json_object_to_json_string(co.doc), "hires"), SK_ARRAY_MAX);
	assert_int_equal(json_int(json_object_to_json_string(co.doc), "applied") +
	                 json_int(json_object_to_json_string(co.doc), "pending"),
	                 SK_HR_STAGE_RECORDS_MAX);
	json_object_put(co.doc);

	/* One record more than the bound; one hire more than the reply's array; the block
	 * together with the array; the typed call refuses to send 449. (Another file: the
	 * first one is imported now, and staging it again answers EXISTS.) */
	sha = "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b";
	b = block_of(SK_HR_STAGE_RECORDS_MAX + 1, 0, 7200000, recs, text);
	assert_int_equal(raw_status(&c, raw_stage(sha, b, 0)), SK_ST_BAD_REQUEST);
	free(b);
	b = block_of(SK_ARRAY_MAX + 1, SK_ARRAY_MAX + 1, 7300000, recs, text);
	assert_int_equal(raw_status(&c, raw_stage(sha, b, 0)), SK_ST_BAD_REQUEST);
	free(b);
	b = block_of(2, 0, 7400000, recs, text);
	assert_int_equal(raw_status(&c, raw_stage(sha, b, 1)), SK_ST_BAD_REQUEST);
	assert_int_equal(raw_status(&c, raw_stage(sha, b, 0)), SK_ST_OK);
	free(b);
	in.n = SK_HR_STAGE_RECORDS_MAX + 1;
	assert_int_equal(skc_hr_stage(&c, &in, &o), SK_ERR_RANGE);
	sk_client_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_life_1_import_applies_events_and_reimport_changes_nothing),
		cmocka_unit_test(test_r_life_1_bad_row_among_many_applies_nothing),
		cmocka_unit_test(test_r_life_1_dry_run_changes_nothing),
		cmocka_unit_test(test_r_life_1_hires_past_256_passwords_to_file),
		cmocka_unit_test(test_r_life_2_future_retirement_applied_after_restart),
		cmocka_unit_test(test_r_life_2_pam_login_refused_after_leave_and_retirement),
		cmocka_unit_test(test_r_priv_2_leave_ends_grant_and_hr_contractor_marked),
		cmocka_unit_test(test_r_life_1_sigkill_during_import_leaves_all_or_nothing),
		cmocka_unit_test(test_r_life_1_stage_block_of_448_records_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
