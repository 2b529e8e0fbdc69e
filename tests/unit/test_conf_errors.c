/* sekimori.conf (sekimori.conf(5)) refused: every class of error named as "FILE:LINE: what"
 * with the right line. Profile validation enforces R-MFA-1 / R-MFA-2: every profile must be
 * able to demand two different classes. */
#include "conf_fixture.h"

/* A case whose cause is checked first for all, then the line, so that a wrong line does not
 * hide a wrong cause. */
struct err_case {
	const char *text;
	int line;
	const char *what;
};

static void
expect_errors(const struct err_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_refusal(c[i].text, c[i].what);
	for (size_t i = 0; i < n; i++) {
		expect_refusal(c[i].text, c[i].what);
		expect_line(c[i].line);
	}
}

/* ---- Errors, each naming the right line -------------------------------------------------- */

static void
test_err_unknown_key(void **state)
{
	(void)state;
	expect_error("[broker]\nmax_clients = 8\ncolour = blue\n", 3, "unknown key 'colour' in [broker]");
	expect_error("# c\n[profile p]\nmethods = password, totp\ndenny = 3\n\n", 4,
	             "unknown key 'denny' in [profile p]");
	expect_error("[fido2]\nrp_id = x.invalid\nrpid = y\n", 3, "unknown key 'rpid' in [fido2]");
	expect_error("[card]\ncrl = /x\nCRL = /y\n", 3, "unknown key 'CRL' in [card]");
	/* Keys are case-sensitive. */
	expect_error("[broker]\nMax_Clients = 8\n", 2, "unknown key 'Max_Clients'");
}

/* An unknown section is named at its header line. */
static void
test_err_unknown_section(void **state)
{
	static const struct err_case c[] = {
		{ "[broker]\nmax_clients = 8\n\n[global]\nmax_clients = 9\n", 4,
		  "unknown section [global]" },
		{ "[Broker]\nmax_clients = 9\n", 1, "unknown section [Broker]" },
		{ "[broker]\n[profile]\ndeny = 3\n", 2, "unknown section [profile]" },
	};

	(void)state;
	expect_errors(c, sizeof(c) / sizeof(c[0]));
}

static void
test_err_bad_number(void **state)
{
	static const char *const bad[] = {
		"five", "3x", "-1", "+3", " ", "0x10", "1e2", "3.0", "99999999999999999999999", "３",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], what[128];
		snprintf(text, sizeof(text), "[profile p]\nmethods = password, totp\ndeny = %s\n", bad[i]);
		snprintf(what, sizeof(what), "invalid value for 'deny'");
		expect_error(text, 3, what);
	}
	expect_error("[broker]\n\nmax_clients = many\n", 3, "invalid value for 'max_clients': 'many'");
}

static void
test_err_out_of_range(void **state)
{
	static const struct {
		const char *section, *key, *value;
	} bad[] = {
		{ "broker", "max_clients", "0" }, { "broker", "max_clients", "16385" },
		{ "broker", "workers", "0" }, { "broker", "workers", "257" },
		{ "broker", "auth_timeout", "4" }, { "broker", "auth_timeout", "3601" },
		{ "broker", "request_timeout_ms", "99" }, { "broker", "request_timeout_ms", "600001" },
		{ "broker", "language", "en" }, { "broker", "default_profile", "My Number" },
		{ "broker", "store", "" }, { "fido2", "timeout", "0" }, { "fido2", "timeout", "301" },
		{ "card", "timeout", "0" }, { "card", "timeout", "301" },
		{ "profile p", "deny", "0" }, { "profile p", "deny", "101" },
		{ "profile p", "min_classes", "0" }, { "profile p", "min_classes", "4" },
		{ "profile p", "fail_interval", "0" }, { "profile p", "fail_interval", "2592001" },
		{ "profile p", "unlock_time", "2592001" }, { "profile p", "idle_timeout", "86401" },
		{ "profile p", "password_min_length", "7" }, { "profile p", "password_min_length", "129" },
		{ "profile p", "password_min_classes", "0" }, { "profile p", "password_min_classes", "5" },
		{ "profile p", "password_history", "25" }, { "profile p", "password_max_age", "3651" },
		{ "profile p", "totp_window", "11" }, { "profile p", "remote", "maybe" },
		{ "profile p", "knowledge", "ldap" }, { "profile p", "fido2_uv", "Required" },
		{ "profile p", "fido2_up", "touch" }, { "profile p", "card_removal", "logout" },
		{ "profile p", "classes", "knowledge, biometrics" },
		{ "profile p", "classes", "knowledge, ,possession" },
		{ "profile p", "methods", "password, sms" }, { "profile p", "methods", "password, password" },
		{ "profile p", "methods", "password, stack" }, { "profile p", "methods", "password;totp" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512], what[128];
		snprintf(text, sizeof(text), "[%s]\n; line 2\n%s = %s\n", bad[i].section, bad[i].key,
		         bad[i].value);
		snprintf(what, sizeof(what), "invalid value for '%s'", bad[i].key);
		expect_error(text, 3, what);
	}
}

/* A profile may be defined only once; the second header is the line named. */
static void
test_err_duplicate_profile(void **state)
{
	static const struct err_case c[] = {
		{ "[profile a]\ndeny = 3\n[profile b]\ndeny = 4\n[profile a]\ndeny = 100\n", 5,
		  "profile 'a' defined twice" },
	};

	(void)state;
	expect_errors(c, 1);
}

/* The same profile header twice in a row is still a second definition: a later deny = 100
 * must not silently replace the earlier deny = 3 (sekimori.conf(5): "A profile may be
 * defined only once"). */
static void
test_err_duplicate_profile_adjacent(void **state)
{
	int r;

	(void)state;
	r = load("[broker]\ndefault_profile = a\n[profile a]\ndeny = 3\n[profile a]\ndeny = 100\n");
	if (r == SK_OK)
		fail_msg("accepted [profile a] twice; deny is now %u",
		         sk_conf_profile(&loaded_conf, "a")->deny);
	assert_int_equal(r, SK_ERR_CONFIG);
	assert_non_null(strstr(conf_err, "profile 'a' defined twice"));
}

/* An invalid profile name is named at its header, and the keys below it do not turn the
 * report into a different error. */
static void
test_err_invalid_profile_name(void **state)
{
	static const struct err_case c[] = {
		{ "[broker]\nmax_clients = 8\n[profile MyNumber]\ndeny = 3\n", 3,
		  "invalid profile name 'MyNumber'" },
		{ "[broker]\nmax_clients = 8\n[profile my number]\ndeny = 3\n", 3,
		  "invalid profile name 'my number'" },
		{ "[broker]\nmax_clients = 8\n[profile my.number]\ndeny = 3\n", 3,
		  "invalid profile name 'my.number'" },
		{ "[broker]\nmax_clients = 8\n[profile マイナンバー]\ndeny = 3\n", 3,
		  "invalid profile name 'マイナンバー'" },
		{ "[broker]\nmax_clients = 8\n[profile ]\ndeny = 3\n", 3, "invalid profile name ''" },
	};

	(void)state;
	expect_errors(c, sizeof(c) / sizeof(c[0]));
}

/* The first error is the one reported: the keys below a refused [profile ...] header must
 * not turn the report into a different, wrong error ("unknown key 'methods' in [broker]"
 * for a key that is not in [broker] at all), and a later bad line must not replace the
 * report of an earlier one. */
static void
test_err_first_error_reported(void **state)
{
	(void)state;
	expect_refusal("[broker]\nmax_clients = 8\n[profile Bad]\nmethods = password, totp\n"
	               "deny = 3\n", "invalid profile name 'Bad'");
	expect_error("[broker]\ncolour = blue\nflavour = red\n", 2, "unknown key 'colour'");
}

static void
test_err_key_outside_section(void **state)
{
	(void)state;
	expect_error("deny = 3\n[broker]\nmax_clients = 8\n", 1, "'deny' outside any section");
	expect_error("# header comment\n\nmax_clients = 8\n[broker]\n", 3,
	             "'max_clients' outside any section");
}

/* R-MFA-1: a profile whose methods reach one class is refused, naming its section. */
static void
test_err_profile_one_class(void **state)
{
	static const struct err_case c[] = {
		{ "[broker]\ndefault_profile = weak\n\n[profile weak]\nmethods = totp\ndeny = 3\n", 4,
		  "profile 'weak' cannot reach two different factor classes: its methods give only "
		  "possession" },
		{ "[profile standard]\nmethods = password, totp\n[profile pw]\nmethods = password\n", 3,
		  "profile 'pw' cannot reach two different factor classes: its methods give only "
		  "knowledge" },
		/* Required classes the methods cannot give. */
		{ "[profile standard]\nmethods = password, totp\n[profile bio]\n"
		  "classes = knowledge, inherence\nmethods = password, totp\n", 3,
		  "profile 'bio' cannot reach two different factor classes" },
		/* min_classes above what the methods reach. */
		{ "[profile standard]\nmin_classes = 3\nmethods = password, totp\n", 1,
		  "profile 'standard' cannot reach two different factor classes" },
	};

	(void)state;
	expect_errors(c, sizeof(c) / sizeof(c[0]));
}

/* R-MFA-2: min_classes 1 is accepted by the number parser but refused by validation. */
static void
test_err_min_classes_one(void **state)
{
	static const struct err_case c[] = {
		{ "[broker]\nmax_clients = 8\n[profile standard]\nmin_classes = 1\n"
		  "methods = password, totp\n", 3, "min_classes must be at least 2" },
	};

	(void)state;
	expect_errors(c, 1);
}

/* knowledge = stack counts the preceding module only when password is among the methods. */
static void
test_err_stack_without_password(void **state)
{
	static const struct err_case c[] = {
		{ "[profile standard]\nknowledge = stack\nmethods = totp, card\n", 1,
		  "knowledge = stack needs 'password' in methods" },
	};

	(void)state;
	expect_errors(c, 1);
}

static void
test_err_default_profile_undefined(void **state)
{
	(void)state;
	/* The built-in default "standard" must exist when any profile is defined. */
	expect_refusal("[profile other]\ndeny = 3\n", "default_profile 'standard' is not defined");
	/* Set in the file: the error names the line that sets it. */
	expect_refusal("[broker]\nmax_clients = 8\ndefault_profile = mynumber\n"
	               "[profile standard]\ndeny = 3\n", "default_profile 'mynumber' is not defined");
	expect_line(3);
}

static void
test_err_various(void **state)
{
	char text[4096];
	size_t off = 0;

	(void)state;
	/* A line that is not key = value. */
	expect_error("[broker]\nmax_clients = 8\nthis is not a key\n", 3, "syntax error");
	/* A missing file names the file. */
	assert_int_equal(sk_conf_load("/nonexistent/sekimori.conf", &loaded_conf, conf_err, sizeof(conf_err)),
	                 SK_ERR_CONFIG);
	assert_non_null(strstr(conf_err, "/nonexistent/sekimori.conf"));
	assert_non_null(strstr(conf_err, "No such file"));
	/* More than SK_PROFILES_MAX profiles. */
	for (int i = 0; i <= SK_PROFILES_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "[profile p%d]\ndeny = 3\n", i);
	assert_int_equal(load(text), SK_ERR_CONFIG);
	assert_non_null(strstr(conf_err, "too many profiles"));
	/* A socket path longer than sun_path. */
	memset(text, 0, sizeof(text));
	off = (size_t)snprintf(text, sizeof(text), "[broker]\nsocket = /");
	memset(text + off, 's', 120);
	text[off + 120] = '\n';   /* the buffer was zeroed: still terminated */
	expect_error(text, 2, "invalid value for 'socket'");
	/* The error text always fits the caller's buffer. */
	{
		char small[16];
		sk_test_write_file(conf_dir, "small.conf", "[broker]\ncolour = blue\n", conf_path, sizeof(conf_path));
		assert_int_equal(sk_conf_load(conf_path, &loaded_conf, small, sizeof(small)), SK_ERR_CONFIG);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_unknown_section),
		cmocka_unit_test(test_err_bad_number),
		cmocka_unit_test(test_err_out_of_range),
		cmocka_unit_test(test_err_duplicate_profile),
		cmocka_unit_test(test_err_duplicate_profile_adjacent),
		cmocka_unit_test(test_err_invalid_profile_name),
		cmocka_unit_test(test_err_first_error_reported),
		cmocka_unit_test(test_err_key_outside_section),
		cmocka_unit_test(test_err_profile_one_class),
		cmocka_unit_test(test_err_min_classes_one),
		cmocka_unit_test(test_err_stack_without_password),
		cmocka_unit_test(test_err_default_profile_undefined),
		cmocka_unit_test(test_err_various),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
