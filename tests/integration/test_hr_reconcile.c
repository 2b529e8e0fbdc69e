/* Accounts and HR records reconciled (issue 10, doc/hr-import.md "Linking accounts" and
 * "Reconciliation"): the real CLI and a real sekimorid. Generated data only (R-TEST-1): staff
 * numbers are sequence numbers, names a fixed word and the number. Requirement IDs: R-ID-1
 * (an account an administrator made is linked to its person, one account per staff number),
 * R-LIFE-2 (HR events reach such an account), R-LIFE-3 (orphaned and dormant IDs found, and
 * dormant ones suspended by the broker, audited). */
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pty.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sk_fixture.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;

/* hr_check_interval = 1: the broker's periodic check runs within the tests' polling bound.
 * Profile "sleepy" suspends accounts idle for 30 days; "mynumber" never does. */
static const char *profiles =
	"hr_check_interval = 1\n"
	"[profile mynumber]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n"
	"[profile sleepy]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n"
	"dormant_suspend_days = 30\n";

#define HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"
#define OUT_MAX 65536

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

/* A one-row HR file (generated name) imported; returns the CLI's exit status. */
static int
import_one(const char *name, unsigned long staff, const char *dept, const char *emp,
           const char *date, const char *event)
{
	char text[1024], path[700];

	snprintf(text, sizeof(text), "%s%lu,生成%lu,セイセイ,%s,係員,%s,%s,%s\n", HEADER, staff, staff,
	         dept, emp, date, event);
	sk_test_write_file(fx.dir, name, text, path, sizeof(path));
	return cli("--json hr import %s", path);
}

static json_object *
user_doc(const char *user)
{
	json_object *doc;

	assert_int_equal(cli("--json user show %s", user), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	return doc;
}

/* user show's hr.staff_no: its text, or "" when null (not linked). */
static void
user_staff(const char *user, char *buf, size_t n)
{
	json_object *doc = user_doc(user), *hr, *v;

	assert_true(json_object_object_get_ex(doc, "hr", &hr));
	assert_true(json_object_object_get_ex(hr, "staff_no", &v));
	snprintf(buf, n, "%s", v != NULL ? json_object_get_string(v) : "");
	json_object_put(doc);
}

static int
user_disabled(const char *user)
{
	json_object *doc = user_doc(user), *v;
	int d;

	assert_true(json_object_object_get_ex(doc, "disabled", &v));
	d = json_object_get_boolean(v);
	json_object_put(doc);
	return d;
}

/* SQL on the store behind the broker's back, SQLite or PostgreSQL (skfx_store_sql): the
 * statement must mean the same in both. */
static void
store_sql(const char *fmt, ...)
{
	char sql[1024], res[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(sql));
	if (skfx_store_sql(&fx, sql, res, sizeof(res)) != 0)
		fail_msg("store SQL failed: %s: %s", sql, res);
}

/* Whether the JSON array doc[key] has an object whose field is value. */
static int
listed(json_object *doc, const char *key, const char *field, const char *value)
{
	json_object *arr, *v;

	assert_true(json_object_object_get_ex(doc, key, &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), field, &v) &&
		    v != NULL && strcmp(json_object_get_string(v), value) == 0)
			return 1;
	return 0;
}

/* Polls until user's disabled flag is want (the periodic check runs every second). */
static int
wait_disabled(const char *user, int want)
{
	int d = -1;

	for (int i = 0; i < 100 && (d = user_disabled(user)) != want; i++)
		usleep(100000);
	return d;
}

/* An account made with `user add --staff` (or linked later with `user set-staff`) is the one
 * HR events reach; before, an event for its staff number was refused as unknown. */
static void
test_r_id_1_user_add_staff_links_account_to_hr_events(void **state)
{
	char staff[32];

	(void)state;
	assert_int_equal(cli("--json user add genkou91001 --profile mynumber --staff 91001"), 0);
	user_staff("genkou91001", staff, sizeof(staff));
	assert_string_equal(staff, "91001");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_add\"",
	                                  "\"user\":\"genkou91001\"", "\"staff_no\":\"91001\"",
	                                  NULL), 1);
	assert_int_equal(import_one("link-leave.csv", 91001, "", "", "2025-05-01", "leave"), 0);
	assert_int_equal(user_disabled("genkou91001"), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.leave\"", "\"user\":\"genkou91001\"",
	                                  NULL), 1);

	/* One account per staff number: a second one is refused and not made. */
	assert_int_equal(cli("user add genkou91001b --staff 91001"), 1);
	assert_non_null(strstr(out, "linked to another account"));
	assert_int_not_equal(cli("--json user show genkou91001b"), 0);
	/* A hire for a linked staff number makes no second account: the file is refused. */
	assert_int_equal(import_one("link-hire.csv", 91001, "D-1", "regular", "2025-04-01", "hire"),
	                 1);
	assert_int_not_equal(cli("--json user show 91001"), 0);
	/* Not a staff number. */
	assert_int_equal(cli("user add genkou91001c --staff 12a"), 2);
}

static void
test_r_id_1_set_staff_links_later_and_clear_unlinks(void **state)
{
	char staff[32];

	(void)state;
	assert_int_equal(cli("--json user add genkou92001 --profile mynumber"), 0);
	user_staff("genkou92001", staff, sizeof(staff));
	assert_string_equal(staff, "");
	/* Before it is linked, an event for the number is refused as unknown. */
	assert_int_equal(import_one("later-1.csv", 92001, "", "", "2025-05-01", "leave"), 1);
	assert_int_equal(user_disabled("genkou92001"), 0);
	/* Full-width digits, as in HR files, are read as ASCII. */
	assert_int_equal(cli("user set-staff genkou92001 --staff ９２００１"), 0);
	user_staff("genkou92001", staff, sizeof(staff));
	assert_string_equal(staff, "92001");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_set_staff\"",
	                                  "\"user\":\"genkou92001\"", "\"staff_no\":\"92001\"",
	                                  "\"previous_staff_no\":\"\"", NULL), 1);
	assert_int_equal(import_one("later-2.csv", 92001, "", "", "2025-05-01", "leave"), 0);
	assert_int_equal(user_disabled("genkou92001"), 1);
	/* Unlinking frees the number; two unlinked accounts do not collide. */
	assert_int_equal(cli("user set-staff genkou92001 --clear"), 0);
	user_staff("genkou92001", staff, sizeof(staff));
	assert_string_equal(staff, "");
	assert_int_equal(cli("user set-staff genkou91001 --clear"), 0);
	assert_int_equal(cli("user set-staff genkou92001"), 2);
	assert_int_equal(cli("user set-staff nosuchuser92 --staff 92009"), 1);
}

/* Accounts without an HR record and HR records without an account (R-LIFE-3). */
static void
test_r_life_3_report_orphans_lists_both_sides(void **state)
{
	json_object *doc;

	(void)state;
	assert_int_equal(cli("--json user add genkou93001 --profile mynumber"), 0);
	assert_int_equal(import_one("orphan-hire.csv", 93002, "D-3", "regular", "2025-04-01", "hire"),
	                 0);
	assert_int_equal(import_one("orphan-hire2.csv", 93003, "D-3", "regular", "2025-04-01",
	                            "hire"), 0);
	/* 93003's account loses its link: its HR record has no account any more. */
	assert_int_equal(cli("user set-staff 93003 --clear"), 0);
	/* A hire still pending is not an orphan: its account comes on its date. */
	assert_int_equal(import_one("orphan-future.csv", 93004, "D-3", "regular", "2099-04-01",
	                            "hire"), 0);

	assert_int_equal(cli("--json report orphans"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_true(listed(doc, "accounts_without_hr", "user", "genkou93001"));
	assert_true(listed(doc, "accounts_without_hr", "user", "93003"));
	assert_false(listed(doc, "accounts_without_hr", "user", "93002"));
	assert_true(listed(doc, "hr_without_account", "staff_no", "93003"));
	assert_false(listed(doc, "hr_without_account", "staff_no", "93002"));
	assert_false(listed(doc, "hr_without_account", "staff_no", "93004"));
	assert_true(listed(doc, "hr_without_account", "last_event", "hire"));
	json_object_put(doc);

	/* The readable form: a table with its heading and total. */
	assert_int_equal(cli("report orphans"), 0);
	assert_non_null(strstr(out, "Accounts with no HR record: "));
	assert_non_null(strstr(out, "HR records with no account: "));
	assert_non_null(strstr(out, "STAFF NO."));
	assert_non_null(strstr(out, "genkou93001"));
	assert_non_null(strstr(out, "93003  "));
	/* hr pending as a table too. */
	assert_int_equal(cli("hr pending"), 0);
	assert_non_null(strstr(out, "EFFECTIVE"));
	assert_non_null(strstr(out, "2099-04-01  hire"));
	assert_non_null(strstr(out, "93004"));
}

/* No successful login in N days: reported; in a profile with dormant_suspend_days the broker
 * disables the account itself, audited, and an administrator's enable restarts the clock. */
static void
test_r_life_3_dormant_reported_and_suspended_per_profile(void **state)
{
	json_object *doc;

	(void)state;
	assert_int_equal(cli("--json user add genkou94001 --profile sleepy"), 0);
	assert_int_equal(cli("--json user add genkou94002 --profile mynumber"), 0);
	assert_int_equal(cli("--json user add genkou94003 --profile sleepy"), 0);
	assert_int_equal(cli("--json report dormant --days 30"), 0);
	assert_null(strstr(out, "genkou94001"));
	/* Made 40 days ago, never logged in. */
	store_sql("UPDATE users SET created = %lld WHERE name IN ('genkou94001', 'genkou94002')",
	          (long long)time(NULL) - 40 * 86400);
	assert_int_equal(wait_disabled("genkou94001", 1), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"user.dormant_suspend\"",
	                                  "\"user\":\"genkou94001\"", "\"peer\":\"sekimorid\"",
	                                  "\"dormant_suspend_days\":30", NULL), 1);

	assert_int_equal(cli("--json report dormant --days 30"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_true(listed(doc, "dormant", "user", "genkou94001"));
	assert_true(listed(doc, "dormant", "user", "genkou94002"));
	assert_false(listed(doc, "dormant", "user", "genkou94003"));
	json_object_put(doc);
	assert_int_equal(cli("report dormant --days 30"), 0);
	assert_non_null(strstr(out, "LAST LOGIN"));
	assert_non_null(strstr(out, "genkou94002"));
	assert_int_equal(cli("report dormant --days 0"), 2);
	assert_int_equal(cli("report dormant"), 2);

	/* Enabled again: not disabled again at the next checks. genkou94003 made dormant now is
	 * the proof that a check ran after the enable. */
	assert_int_equal(cli("user enable genkou94001"), 0);
	store_sql("UPDATE users SET created = %lld WHERE name = 'genkou94003'",
	          (long long)time(NULL) - 40 * 86400);
	assert_int_equal(wait_disabled("genkou94003", 1), 1);
	assert_int_equal(user_disabled("genkou94001"), 0);
	/* A profile without dormant_suspend_days never suspends. */
	assert_int_equal(user_disabled("genkou94002"), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"user.dormant_suspend\"",
	                                  "\"user\":\"genkou94001\"", NULL), 1);
}

/* The CLI run on a pseudo-terminal (stdin, stdout and stderr), as an administrator at a
 * terminal runs it, with the arguments given (NULL after the last, at most 8); its output in
 * out. Returns the exit status. */
static int
cli_on_tty(const char *first, ...)
{
	const char *cli_path = getenv("SK_CLI"), *argv[12];
	size_t len = 0, argc = 0;
	ssize_t got;
	va_list ap;
	int fd, status = -1;
	pid_t pid;

	argv[argc++] = cli_path;
	argv[argc++] = "-c";
	argv[argc++] = fx.conf;
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 11; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	assert_non_null(cli_path);
	pid = forkpty(&fd, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LANG", "C", 1);
		setenv("LC_ALL", "C", 1);
		setenv("XDG_RUNTIME_DIR", fx.rundir, 1);
		execv(cli_path, (char *const *)argv);
		_exit(127);
	}
	/* Read to the end: EIO once the child closed its side. */
	for (;;) {
		char scratch[4096];

		/* Past the buffer's end the rest is read and dropped: the child must not block. */
		if (len + 1 < sizeof(out))
			got = read(fd, out + len, sizeof(out) - 1 - len);
		else
			got = read(fd, scratch, sizeof(scratch));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (len + 1 < sizeof(out))
			len += (size_t)got;
	}
	out[len] = '\0';
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "sekimori on a terminal -> status %d: %.2000s\n", status, out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 3000 generated transfer rows of staff numbers 95001.. (R-TEST-1). */
static void
write_many(const char *name, char *path, size_t n)
{
	static char text[3000 * 80 + 256];
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);

	for (unsigned long i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "%lu,生成%lu,セイセイ,D-9,係員,regular,2025-04-01,transfer\n",
		                        95001 + i, 95001 + i);
	sk_test_write_file(fx.dir, name, text, path, n);
}

/* A long import shows its progress on a terminal (rows, rate, then the time taken), and
 * nothing of it when its output is not a terminal (item 8 of issue 10). */
static void
test_r_life_1_import_progress_on_terminal_only(void **state)
{
	char path[700];

	(void)state;
	write_many("progress.csv", path, sizeof(path));
	assert_int_equal(cli_on_tty("hr", "import", path, "--dry-run", NULL), 0);
	assert_non_null(strstr(out, "Validated: 3000 rows, "));
	assert_non_null(strstr(out, " rows/s"));
	/* The text plan is the output: no progress line in between its lines. */
	assert_null(strstr(out, "Planned: "));
	assert_non_null(strstr(out, "line 501: staff 95500: transfer"));
	assert_int_equal(cli_on_tty("--json", "hr", "import", path, "--dry-run", NULL), 0);
	assert_non_null(strstr(out, "Validated: 3000 rows, "));
	assert_non_null(strstr(out, "Planned: 3000 of 3000 rows, "));
	assert_non_null(strstr(out, "\"dry_run\""));

	/* Not a terminal: the same command says only its result. */
	/* Its 3000 plan lines are more than out holds: the last lines, and the progress words
	 * counted over all of it (grep -c prints 0 when there is none). */
	assert_int_equal(cli("hr import %s --dry-run 2>&1 | grep -c -e 'rows/s' -e Validated;"
	                     " { '%s' -c '%s' hr import %s --dry-run 2>&1 | tail -n 2; }", path,
	                     getenv("SK_CLI"), fx.conf, path), 0);
	assert_true(strncmp(out, "0\n", 2) == 0);
	assert_null(strstr(out, "rows/s"));
	assert_null(strstr(out, "Validated"));
	assert_non_null(strstr(out, "Dry run: 3000 record(s)"));

	/* A real import: the broker's part is shown as one step with the time it took. */
	assert_int_equal(cli("user add genkou96001 --staff 96001"), 0);
	assert_int_equal(import_one("progress-1.csv", 96001, "D-2", "", "2025-04-01", "transfer"), 0);
	assert_null(strstr(out, "rows/s"));
	sk_test_write_file(fx.dir, "progress-2.csv", HEADER
	                   "96001,生成96001,セイセイ,D-3,係員,,2025-05-01,transfer\n", path,
	                   sizeof(path));
	assert_int_equal(cli_on_tty("hr", "import", path, NULL), 0);
	assert_non_null(strstr(out, "Applying in the broker (one transaction): 1 of 1 rows, "));
	assert_non_null(strstr(out, "Imported: 1 applied now"));
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", profiles);
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
		cmocka_unit_test(test_r_id_1_user_add_staff_links_account_to_hr_events),
		cmocka_unit_test(test_r_id_1_set_staff_links_later_and_clear_unlinks),
		cmocka_unit_test(test_r_life_3_report_orphans_lists_both_sides),
		cmocka_unit_test(test_r_life_3_dormant_reported_and_suspended_per_profile),
		cmocka_unit_test(test_r_life_1_import_progress_on_terminal_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
