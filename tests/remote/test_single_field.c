/* Single-field mode (pam_sekimori(8) single_field=) through real libpam and a real broker:
 * the password and the one-time code arrive in one answer, split at the last separator or
 * as a fixed-length suffix. The password check sees the password alone (a login succeeds
 * only then; a wrong code is refused as bad_otp, not bad_password), the code never appears
 * in the audit log or the broker's log, and a field of the wrong form is a counted failure
 * with nothing of it sent. Requirement IDs: R-MFA-3 (front ends with one field), R-MFA-1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\nmethods = password, totp\ntotp_window = 2\n"
	"deny = 5\nunlock_time = 0\norigins = local, radius, openvpn\n"
	"[profile totpfirst]\n"
	"classes = knowledge, possession\nmethods = totp, password\ntotp_window = 2\n"
	"origins = local, radius\n";

static struct sk_fixture fx;
/* The password holds the separator, so only a split at the last one is right. */
static const char *pw = "Sakura+Namiki-2026";

static void
line(const char *service, const char *profile, const char *extra)
{
	char args[1024];

	snprintf(args, sizeof(args), "profile=%s conf=%s frontend=radius %s", profile, fx.conf,
	         extra);
	skpd_write_service(fx.pamdir, service, args, NULL);
}

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s frontend=local", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);   /* the first login */
	line("sk-sep", "mynumber", "single_field=separator:+");
	line("sk-suffix", "mynumber", "single_field=suffix:6");
	line("sk-first", "totpfirst", "single_field=suffix:6");
	line("sk-two", "mynumber", "");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

struct account {
	char name[32], temp[64], seed[64];
};

static void
ready(struct account *a, const char *name, const char *profile)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
	skfx_add_user(&fx, a->name, profile, a->temp, sizeof(a->temp));
	skfx_enroll_totp(&fx, a->name, a->seed, sizeof(a->seed));
	skfx_first_login(&fx, a->name, a->temp, a->seed, pw);
}

/* One answer only: the conversation has nothing more to give. */
static int
auth_one(struct skpd *d, const char *service, const char *user, const char *field)
{
	return skpd_authenticate(d, fx.pamdir, service, user, NULL, field, NULL);
}

static int
file_has(const char *name, const char *needle)
{
	char path[700], buf[1 << 16];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int
audited(const char *user, const char *result, const char *reason)
{
	char u[64], r[64], why[64];

	snprintf(u, sizeof(u), "\"user\":\"%s\"", user);
	snprintf(r, sizeof(r), "\"result\":\"%s\"", result);
	snprintf(why, sizeof(why), "\"reason\":\"%s\"", reason);
	return skfx_audit_count(&fx, "\"event\":\"auth\"", u, r, why, (const char *)NULL);
}

static void
test_r_mfa_3_separator_split_at_last(void **state)
{
	struct account a;
	struct skpd d;
	char code[16], field[128];

	(void)state;
	ready(&a, "sep1", "mynumber");
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	snprintf(field, sizeof(field), "%s+%s", pw, code);
	assert_int_equal(auth_one(&d, "sk-sep", a.name, field), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Password and one-time code: "));
	assert_false(skpd_contains(&d, "One-time code: \n"));   /* asked once only */
	assert_int_equal(audited("sep1", "allow", "ok"), 2);      /* + the first login */
	assert_false(file_has("log/audit.jsonl", code));
	assert_false(file_has("log/audit.jsonl", field));
	assert_false(file_has("broker.log", code));
}

static void
test_r_mfa_3_suffix_and_wrong_code(void **state)
{
	struct account a;
	struct skpd d;
	char code[16], field[128];

	(void)state;
	ready(&a, "suf1", "mynumber");
	/* A code from an hour ago: the password part is right, so the refusal is bad_otp. */
	skfx_totp_code(a.seed, -3600, code, sizeof(code));
	snprintf(field, sizeof(field), "%s%s", pw, code);
	assert_int_equal(auth_one(&d, "sk-suffix", a.name, field), PAM_AUTH_ERR);
	assert_int_equal(audited("suf1", "deny", "bad_otp"), 1);
	assert_int_equal(audited("suf1", "deny", "bad_password"), 0);
	assert_false(file_has("log/audit.jsonl", code));
	/* The right code in the same form logs in. */
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	snprintf(field, sizeof(field), "%s%s", pw, code);
	assert_int_equal(auth_one(&d, "sk-suffix", a.name, field), PAM_SUCCESS);
	assert_false(file_has("log/audit.jsonl", code));
	assert_false(file_has("broker.log", code));
}

/* methods = totp, password: the field is asked at the first of the two steps. */
static void
test_r_mfa_3_code_step_first(void **state)
{
	struct account a;
	struct skpd d;
	char code[16], field[128];

	(void)state;
	ready(&a, "first1", "totpfirst");
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	snprintf(field, sizeof(field), "%s%s", pw, code);
	assert_int_equal(auth_one(&d, "sk-first", a.name, field), PAM_SUCCESS);
}

/* A field without the configured form: refused and counted, nothing of it forwarded (the
 * password alone would otherwise meet the password check). */
static void
test_r_mfa_3_malformed_field_counted(void **state)
{
	struct account a;
	struct skpd d;
	char code[16], field[128];

	(void)state;
	ready(&a, "bad1", "mynumber");
	assert_int_equal(auth_one(&d, "sk-sep", a.name, pw + 7), PAM_AUTH_ERR);   /* no '+' */
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	snprintf(field, sizeof(field), "%s+%sx", pw, code);                      /* not digits */
	assert_int_equal(auth_one(&d, "sk-sep", a.name, field), PAM_AUTH_ERR);
	assert_int_equal(auth_one(&d, "sk-suffix", a.name, "12345"), PAM_AUTH_ERR); /* too short */
	assert_int_equal(audited("bad1", "deny", "bad_password"), 3);
	assert_true(skpd_contains(&d, "2 more failed attempts will lock this account."));
}

/* Without single_field= the same profile asks two questions, as before. */
static void
test_r_mfa_3_two_prompts_without_mode(void **state)
{
	struct account a;
	struct skpd d;
	char code[16];

	(void)state;
	ready(&a, "two1", "mynumber");
	skfx_totp_code(a.seed, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-two", a.name, NULL, pw, code),
	                 PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Password: "));
	assert_true(skpd_contains(&d, "? One-time code: "));
}

/* Bad values of the argument make the line fail as misconfigured. */
static void
test_r_mfa_3_bad_argument_refused(void **state)
{
	static const char *bad[] = { "single_field=separator:", "single_field=separator:1",
	                             "single_field=suffix:5", "single_field=suffix:9",
	                             "single_field=suffix:66", "single_field=both" };
	struct skpd d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line("sk-badarg", "mynumber", bad[i]);
		assert_int_equal(auth_one(&d, "sk-badarg", "anyone", "x"), PAM_SERVICE_ERR);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_mfa_3_separator_split_at_last),
		cmocka_unit_test(test_r_mfa_3_suffix_and_wrong_code),
		cmocka_unit_test(test_r_mfa_3_code_step_first),
		cmocka_unit_test(test_r_mfa_3_malformed_field_counted),
		cmocka_unit_test(test_r_mfa_3_two_prompts_without_mode),
		cmocka_unit_test(test_r_mfa_3_bad_argument_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
