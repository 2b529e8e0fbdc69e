/* An admin session ends with its account (issue 10, item 4; R-LIFE-1, R-INC-1). Admin
 * sessions live in the broker's memory, apart from the live login sessions in the store; when
 * an account is suspended (HR leave, secondment), disabled (HR retirement, `sekimori user
 * disable`) or locked (`sekimori user lock`), its open admin sessions are ended at that
 * moment, each audited as admin.session_end with the cause, so the administrator's next
 * request is refused. A change the broker did not make itself (here the store written
 * directly) is caught by the one check every request on an admin session passes
 * (account_standing, broker/handlers/account.c): the session is ended at its next request.
 * Generated data only (R-TEST-1): staff numbers are sequence numbers, names a fixed word and
 * a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;
/* The same broker and folder with a runtime folder of its own: the admin session of the
 * administrator whose account is stopped, kept apart from the fixture administrator's. */
static struct sk_fixture fx2;

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n";

#define HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"
#define ADM_PASSWORD "Generated-Adm-Pass-72"

static char out[65536];


/* An administrator of their own (password, TOTP, a staff number), logged in through fx2:
 * their admin session works. */
static void
admin_in_session(const char *user, const char *staff)
{
	char temp[64], seed[64];
	long long step;

	skfx_add_user(&fx, user, SKFX_ADMIN_PROFILE, temp, sizeof(temp));
	skfx_enroll_totp(&fx, user, seed, sizeof(seed));
	step = (long long)time(NULL) / 30;   /* the enrolment used it */
	skfx_set_password(&fx, user, SKFX_ADMIN_PROFILE, temp, ADM_PASSWORD);
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user set-staff %s --staff %s", user, staff), 0);
	assert_int_equal(skfx_admin_login_as(&fx2, user, ADM_PASSWORD, seed, &step, out,
	                                     sizeof(out)), 0);
	/* A request only an admin session may send (root without one only reads). */
	assert_int_equal(skfx_clif(&fx2, out, sizeof(out), "user set-staff %s --staff %s", user, staff), 0);
}

/* One past-dated HR row (applied at import) of event for staff. */
static void
hr_event(const char *staff, const char *event)
{
	char text[1024], name[64], path[700];

	snprintf(text, sizeof(text), "%s%s,生成%s,セイセイ,,係員,,2025-05-01,%s\n", HEADER, staff,
	         staff, event);
	snprintf(name, sizeof(name), "hr-%s.csv", staff);
	sk_test_write_file(fx.dir, name, text, path, sizeof(path));
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "hr import %s", path), 0);
}

/* The admin session of user was ended with the account at that moment, audited with cause
 * before any further request of theirs; that request is refused (log in again) and ends
 * nothing more. */
static void
assert_session_ended(const char *user, const char *cause)
{
	char who[96], why[96];

	snprintf(who, sizeof(who), "\"user\":\"%s\"", user);
	snprintf(why, sizeof(why), "\"reason\":\"%s\"", cause);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"", who, why,
	                                  "\"result\":\"end\"", NULL), 1);
	assert_int_not_equal(skfx_clif(&fx2, out, sizeof(out), "user set-staff %s --staff %s", user, user + 3), 0);
	assert_non_null(strstr(out, "sekimori admin login"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"", who, NULL), 1);
}

static void
test_hr_leave_ends_admin_session_at_import(void **state)
{
	(void)state;
	admin_in_session("adm72001", "72001");
	hr_event("72001", "休職");
	assert_session_ended("adm72001", "hr_leave");
}

static void
test_hr_secondment_ends_admin_session_at_import(void **state)
{
	(void)state;
	admin_in_session("adm72002", "72002");
	hr_event("72002", "出向");
	assert_session_ended("adm72002", "hr_secondment");
}

static void
test_hr_retirement_ends_admin_session_at_import(void **state)
{
	(void)state;
	admin_in_session("adm72003", "72003");
	hr_event("72003", "退職");
	assert_session_ended("adm72003", "hr_retirement");
}

static void
test_user_disable_ends_admin_session(void **state)
{
	(void)state;
	admin_in_session("adm72004", "72004");
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user disable adm72004"), 0);
	assert_session_ended("adm72004", "user_disabled");
}

static void
test_user_lock_ends_admin_session(void **state)
{
	(void)state;
	admin_in_session("adm72005", "72005");
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user lock adm72005"), 0);
	assert_session_ended("adm72005", "user_locked");
}

/* Disabled or locked behind the broker's back (the store written directly): the one check
 * ends the session at its next request, audited with what it found. */
static void
test_stopped_account_checked_at_next_request(void **state)
{
	char one[32];

	(void)state;
	admin_in_session("adm72006", "72006");
	assert_int_equal(skfx_store_sql(&fx, "UPDATE users SET disabled = 1 WHERE name ="
	                                " 'adm72006';", one, sizeof(one)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"",
	                                  "\"user\":\"adm72006\"", NULL), 0);
	assert_int_not_equal(skfx_clif(&fx2, out, sizeof(out), "user set-staff adm72006 --staff 72006"), 0);
	assert_non_null(strstr(out, "sekimori admin login"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"",
	                                  "\"user\":\"adm72006\"", "\"result\":\"deny\"",
	                                  "\"reason\":\"account_disabled\"", NULL), 1);
	/* The fixture administrator, untouched, still works. */
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user set-staff adm72006 --staff 72006"), 0);
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", profiles);
	skfx_second_user(&fx2, &fx, "run2");
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
		cmocka_unit_test(test_hr_leave_ends_admin_session_at_import),
		cmocka_unit_test(test_hr_secondment_ends_admin_session_at_import),
		cmocka_unit_test(test_hr_retirement_ends_admin_session_at_import),
		cmocka_unit_test(test_user_disable_ends_admin_session),
		cmocka_unit_test(test_user_lock_ends_admin_session),
		cmocka_unit_test(test_stopped_account_checked_at_next_request),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
