/* sekimori.conf (sekimori.conf(5)): defaults, a full valid file, every class of error named
 * as "FILE:LINE: what" with the right line, relative paths, multi-line messages, and the
 * profile merge where the stricter setting wins (R-PRIV-5). Profile validation enforces
 * R-MFA-1 / R-MFA-2: every profile must be able to demand two different classes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_conf.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

static char dir[512];
static char path[700];
static char err[512];
static struct sk_conf conf;

static int
setup(void **state)
{
	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sk_test_rmtree(dir);
	return 0;
}

static int
load(const char *text)
{
	sk_test_write_file(dir, "sekimori.conf", text, path, sizeof(path));
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return sk_conf_load(path, &conf, err, sizeof(err));
}

static void
load_ok(const char *text)
{
	int r = load(text);

	if (r != SK_OK)
		fail_msg("configuration refused (%d): %s", r, err);
	assert_string_equal(err, "");
}

/* The file must be refused with SK_ERR_CONFIG and a message containing what. */
static void
expect_refusal(const char *text, const char *what)
{
	int r = load(text);

	if (r != SK_ERR_CONFIG)
		fail_msg("expected a refusal ('%s'), got %d", what, r);
	if (strstr(err, what) == NULL)
		fail_msg("expected '%s' in the error, got '%s'", what, err);
}

/* The last error must start with "PATH:LINE: ". */
static void
expect_line(int line)
{
	char prefix[800];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("expected the error to name line %d ('%s...'), got '%s'", line, prefix, err);
}

static void
expect_error(const char *text, int line, const char *what)
{
	expect_refusal(text, what);
	expect_line(line);
}

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

/* ---- Defaults and valid files ---------------------------------------------------------- */

static void
test_defaults(void **state)
{
	const struct sk_profile *p;

	(void)state;
	sk_conf_defaults(&conf);
	assert_string_equal(conf.socket_path, "/run/sekimori/sekimorid.sock");
	assert_string_equal(conf.socket_group, "");
	assert_string_equal(conf.admin_group, "sekimori-admin");
	assert_string_equal(conf.admin_profile, "privileged");
	assert_int_equal(conf.admin_session_minutes, 15);
	assert_int_equal(conf.fresh_mfa_minutes, 5);
	assert_string_equal(conf.auditor_group, "");
	assert_string_equal(conf.store_path, "/var/lib/sekimori/sekimori.db");
	assert_string_equal(conf.audit_log, "/var/log/sekimori/audit.jsonl");
	assert_string_equal(conf.audit_anchor, "/var/lib/sekimori/audit.anchor");
	assert_string_equal(conf.key_dir, "/etc/sekimori/keys");
	assert_string_equal(conf.language, "ja");
	assert_string_equal(conf.totp_issuer, "Sekimori");
	assert_string_equal(conf.default_profile, "standard");
	assert_int_equal(conf.max_clients, 256);
	assert_int_equal(conf.auth_timeout, 300);
	assert_int_equal(conf.request_timeout_ms, 15000);
	assert_int_equal(conf.fido2.timeout, 30);
	assert_string_equal(conf.fido2.rp_id, "");
	assert_int_equal(conf.card.timeout, 30);
	assert_string_equal(conf.card.trust_anchors, "");
	assert_int_equal(conf.n_profiles, 0);

	/* A file with only a [broker] section keeps every default. */
	load_ok("[broker]\n");
	assert_int_equal(conf.max_clients, 256);
	assert_string_equal(conf.store_path, "/var/lib/sekimori/sekimori.db");
	assert_int_equal(conf.n_profiles, 0);

	/* A profile with one key gets the documented defaults for the rest. */
	load_ok("[profile standard]\ntotp_window = 1\n");
	assert_int_equal(conf.n_profiles, 1);
	p = sk_conf_profile(&conf, "standard");
	assert_non_null(p);
	assert_string_equal(p->name, "standard");
	assert_int_equal(p->required_classes, 0);
	assert_int_equal(p->min_classes, 2);
	assert_int_equal(p->n_methods, 2);
	assert_int_equal(p->methods[0], SK_METHOD_PASSWORD);
	assert_int_equal(p->methods[1], SK_METHOD_TOTP);
	assert_int_equal(p->knowledge, SK_KNOWLEDGE_BROKER);
	assert_int_equal(p->deny, 5);
	assert_int_equal(p->fail_interval, 900);
	assert_int_equal(p->unlock_time, 600);
	assert_int_equal(p->idle_timeout, 900);
	assert_int_equal(p->pw_min_length, 12);
	assert_int_equal(p->pw_min_classes, 3);
	assert_int_equal(p->pw_history, 5);
	assert_int_equal(p->pw_max_age_days, 0);
	assert_int_equal(p->totp_window, 1);
	assert_int_equal(p->allow_remote, 1);
	assert_int_equal(p->fido2_uv, 1);
	assert_int_equal(p->fido2_up, 1);
	assert_int_equal(p->card_removal, SK_CARD_REMOVAL_LOCK);
	assert_string_equal(p->message, "");
	assert_null(sk_conf_profile(&conf, "other"));
}

static const char full_file[] =
	"# Generated test configuration: every key set to a value that is not its default.\n"
	"; comments of both kinds\n"
	"[broker]\n"
	"socket = /tmp/sk-full/sekimorid.sock\n"
	"socket_group = sk-sock\n"
	"admin_group = sk-admins\n"
	"admin_profile = sk-admin\n"
	"admin_session_minutes = 30\n"
	"fresh_mfa_minutes = 2\n"
	"auditor_group = sk-audit\n"
	"store = /tmp/sk-full/state/sekimori.db\n"
	"audit_log = /tmp/sk-full/log/audit.jsonl\n"
	"audit_anchor = /tmp/sk-full/state/audit.anchor\n"
	"key_dir = /tmp/sk-full/keys\n"
	"locale_dir = /tmp/sk-full/locale\n"
	"language = C\n"
	"totp_issuer = Test-Town\n"
	"default_profile = mynumber\n"
	"max_clients = 4096\n"
	"auth_timeout = 5\n"
	"request_timeout_ms = 600000\n"
	"\n"
	"[fido2]\n"
	"rp_id = sekimori.test.invalid\n"
	"attestation_roots = /tmp/sk-full/fido2-roots.pem\n"
	"allowed_aaguids = 00000000-0000-0000-0000-000000000001\n"
	"inherence_aaguids = 00000000-0000-0000-0000-000000000002\n"
	"timeout = 300\n"
	"[card]\n"
	"trust_anchors = /tmp/sk-full/card-ca.pem\n"
	"crl = /tmp/sk-full/card.crl\n"
	"lock_command = /tmp/sk-full/lock.sh\n"
	"timeout = 1\n"
	"\n"
	"[profile mynumber]\n"
	"classes = knowledge , possession,inherence\n"
	"min_classes = 3\n"
	"methods = card, fido2,password ,  totp\n"
	"knowledge = broker\n"
	"deny = 100\n"
	"fail_interval = 2592000\n"
	"unlock_time = 0\n"
	"idle_timeout = 86400\n"
	"password_min_length = 128\n"
	"password_min_classes = 4\n"
	"password_history = 24\n"
	"password_max_age = 3650\n"
	"totp_window = 10\n"
	"remote = NO\n"
	"fido2_uv = required\n"
	"fido2_up = false\n"
	"card_removal = end\n"
	"message = この端末はマイナンバー利用事務系です。\n"
	"message = 権限のない利用は禁止されています。\n"
	"[profile stack]\n"
	"methods = password, totp\n"
	"knowledge = stack\n"
	"deny = 1\n"
	"fail_interval = 1\n"
	"unlock_time = 2592000\n"
	"idle_timeout = 0\n"
	"password_min_length = 8\n"
	"password_min_classes = 1\n"
	"password_history = 0\n"
	"password_max_age = 0\n"
	"totp_window = 0\n"
	"remote = Yes\n"
	"fido2_uv = discouraged\n"
	"fido2_up = 1\n"
	"card_removal = none\n";

static void
test_full_valid_file(void **state)
{
	const struct sk_profile *p;

	(void)state;
	load_ok(full_file);
	assert_string_equal(conf.path, path);
	assert_string_equal(conf.socket_path, "/tmp/sk-full/sekimorid.sock");
	assert_string_equal(conf.socket_group, "sk-sock");
	assert_string_equal(conf.admin_group, "sk-admins");
	assert_string_equal(conf.admin_profile, "sk-admin");
	assert_int_equal(conf.admin_session_minutes, 30);
	assert_int_equal(conf.fresh_mfa_minutes, 2);
	assert_string_equal(conf.auditor_group, "sk-audit");
	assert_string_equal(conf.store_path, "/tmp/sk-full/state/sekimori.db");
	assert_string_equal(conf.audit_log, "/tmp/sk-full/log/audit.jsonl");
	assert_string_equal(conf.audit_anchor, "/tmp/sk-full/state/audit.anchor");
	assert_string_equal(conf.key_dir, "/tmp/sk-full/keys");
	assert_string_equal(conf.locale_dir, "/tmp/sk-full/locale");
	assert_string_equal(conf.language, "C");
	assert_string_equal(conf.totp_issuer, "Test-Town");
	assert_string_equal(conf.default_profile, "mynumber");
	assert_int_equal(conf.max_clients, 4096);
	assert_int_equal(conf.auth_timeout, 5);
	assert_int_equal(conf.request_timeout_ms, 600000);
	assert_string_equal(conf.fido2.rp_id, "sekimori.test.invalid");
	assert_string_equal(conf.fido2.attestation_roots, "/tmp/sk-full/fido2-roots.pem");
	assert_string_equal(conf.fido2.allowed_aaguids, "00000000-0000-0000-0000-000000000001");
	assert_string_equal(conf.fido2.inherence_aaguids, "00000000-0000-0000-0000-000000000002");
	assert_int_equal(conf.fido2.timeout, 300);
	assert_string_equal(conf.card.trust_anchors, "/tmp/sk-full/card-ca.pem");
	assert_string_equal(conf.card.crl, "/tmp/sk-full/card.crl");
	assert_string_equal(conf.card.lock_command, "/tmp/sk-full/lock.sh");
	assert_int_equal(conf.card.timeout, 1);
	assert_int_equal(conf.n_profiles, 2);

	p = sk_conf_profile(&conf, "mynumber");
	assert_non_null(p);
	assert_int_equal(p->required_classes,
	                 SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION | SK_CLASS_INHERENCE);
	assert_int_equal(p->min_classes, 3);
	assert_int_equal(p->n_methods, 4);
	assert_int_equal(p->methods[0], SK_METHOD_CARD);
	assert_int_equal(p->methods[1], SK_METHOD_FIDO2);
	assert_int_equal(p->methods[2], SK_METHOD_PASSWORD);
	assert_int_equal(p->methods[3], SK_METHOD_TOTP);
	assert_int_equal(p->knowledge, SK_KNOWLEDGE_BROKER);
	assert_int_equal(p->deny, 100);
	assert_int_equal(p->fail_interval, 2592000);
	assert_int_equal(p->unlock_time, 0);
	assert_int_equal(p->idle_timeout, 86400);
	assert_int_equal(p->pw_min_length, 128);
	assert_int_equal(p->pw_min_classes, 4);
	assert_int_equal(p->pw_history, 24);
	assert_int_equal(p->pw_max_age_days, 3650);
	assert_int_equal(p->totp_window, 10);
	assert_int_equal(p->allow_remote, 0);
	assert_int_equal(p->fido2_uv, 2);
	assert_int_equal(p->fido2_up, 0);
	assert_int_equal(p->card_removal, SK_CARD_REMOVAL_END);
	assert_string_equal(p->message, "この端末はマイナンバー利用事務系です。\n"
	                                "権限のない利用は禁止されています。");

	p = sk_conf_profile(&conf, "stack");
	assert_non_null(p);
	assert_int_equal(p->knowledge, SK_KNOWLEDGE_STACK);
	assert_int_equal(p->deny, 1);
	assert_int_equal(p->fail_interval, 1);
	assert_int_equal(p->unlock_time, 2592000);
	assert_int_equal(p->idle_timeout, 0);
	assert_int_equal(p->pw_min_length, 8);
	assert_int_equal(p->pw_min_classes, 1);
	assert_int_equal(p->pw_history, 0);
	assert_int_equal(p->pw_max_age_days, 0);
	assert_int_equal(p->totp_window, 0);
	assert_int_equal(p->allow_remote, 1);
	assert_int_equal(p->fido2_uv, 0);
	assert_int_equal(p->fido2_up, 1);
	assert_int_equal(p->card_removal, SK_CARD_REMOVAL_NONE);
}

/* The configuration shipped in conf/ loads as it is. */
static void
test_shipped_file_loads(void **state)
{
	const char *src = getenv("SK_SOURCE_DIR");
	char shipped[PATH_MAX];

	(void)state;
	if (src == NULL)
		fail_msg("SK_SOURCE_DIR is not set (run the tests through ctest)");
	snprintf(shipped, sizeof(shipped), "%s/conf/sekimori.conf", src);
	if (sk_conf_load(shipped, &conf, err, sizeof(err)) != SK_OK)
		fail_msg("%s", err);
	assert_non_null(sk_conf_profile(&conf, conf.default_profile));
	for (size_t i = 0; i < conf.n_profiles; i++)
		assert_true(conf.profiles[i].min_classes >= 2);
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
		{ "broker", "max_clients", "0" }, { "broker", "max_clients", "4097" },
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
		         sk_conf_profile(&conf, "a")->deny);
	assert_int_equal(r, SK_ERR_CONFIG);
	assert_non_null(strstr(err, "profile 'a' defined twice"));
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
	assert_int_equal(sk_conf_load("/nonexistent/sekimori.conf", &conf, err, sizeof(err)),
	                 SK_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/sekimori.conf"));
	assert_non_null(strstr(err, "No such file"));
	/* More than SK_PROFILES_MAX profiles. */
	for (int i = 0; i <= SK_PROFILES_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "[profile p%d]\ndeny = 3\n", i);
	assert_int_equal(load(text), SK_ERR_CONFIG);
	assert_non_null(strstr(err, "too many profiles"));
	/* A socket path longer than sun_path. */
	memset(text, 0, sizeof(text));
	off = (size_t)snprintf(text, sizeof(text), "[broker]\nsocket = /");
	memset(text + off, 's', 120);
	text[off + 120] = '\n';   /* the buffer was zeroed: still terminated */
	expect_error(text, 2, "invalid value for 'socket'");
	/* The error text always fits the caller's buffer. */
	{
		char small[16];
		sk_test_write_file(dir, "small.conf", "[broker]\ncolour = blue\n", path, sizeof(path));
		assert_int_equal(sk_conf_load(path, &conf, small, sizeof(small)), SK_ERR_CONFIG);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

/* ---- Paths and messages ---------------------------------------------------------------- */

static void
test_relative_paths(void **state)
{
	char want[1024], cwd[PATH_MAX];

	(void)state;
	load_ok("[broker]\nsocket = sekimorid.sock\nstore = state/sekimori.db\n"
	        "audit_log = log/audit.jsonl\naudit_anchor = /abs/audit.anchor\nkey_dir = ./keys\n"
	        "locale_dir = ../locale\n"
	        "[fido2]\nattestation_roots = roots.pem\n[card]\ntrust_anchors = ca/ca.pem\n"
	        "crl = /abs/card.crl\n");
	snprintf(want, sizeof(want), "%s/sekimorid.sock", dir);
	assert_string_equal(conf.socket_path, want);
	snprintf(want, sizeof(want), "%s/state/sekimori.db", dir);
	assert_string_equal(conf.store_path, want);
	snprintf(want, sizeof(want), "%s/log/audit.jsonl", dir);
	assert_string_equal(conf.audit_log, want);
	assert_string_equal(conf.audit_anchor, "/abs/audit.anchor");
	snprintf(want, sizeof(want), "%s/./keys", dir);
	assert_string_equal(conf.key_dir, want);
	snprintf(want, sizeof(want), "%s/../locale", dir);
	assert_string_equal(conf.locale_dir, want);
	snprintf(want, sizeof(want), "%s/roots.pem", dir);
	assert_string_equal(conf.fido2.attestation_roots, want);
	snprintf(want, sizeof(want), "%s/ca/ca.pem", dir);
	assert_string_equal(conf.card.trust_anchors, want);
	assert_string_equal(conf.card.crl, "/abs/card.crl");

	/* A bare file name: the current folder. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(sk_conf_load("sekimori.conf", &conf, err, sizeof(err)), SK_OK);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(conf.store_path, "./state/sekimori.db");
	assert_string_equal(conf.path, "sekimori.conf");
}

static void
test_multiline_message(void **state)
{
	char text[8192];
	const struct sk_profile *pr;
	size_t off;
	int line;

	(void)state;
	load_ok("[profile standard]\n"
	        "message = 一行目: 許可された職員以外の利用を禁止します。\n"
	        "deny = 3\n"
	        "message = 二行目\n"
	        "message = third line\n");
	pr = sk_conf_profile(&conf, "standard");
	assert_non_null(pr);
	assert_string_equal(pr->message,
	                    "一行目: 許可された職員以外の利用を禁止します。\n二行目\nthird line");
	/* Continuation lines (starting with a blank) add lines too. */
	load_ok("[profile standard]\nmessage = first\n  second\n\tthird\ndeny = 4\n");
	assert_string_equal(sk_conf_profile(&conf, "standard")->message, "first\nsecond\nthird");
	/* Profiles keep their own messages. */
	load_ok("[profile standard]\nmessage = A\n[profile other]\nmessage = B\n[profile standard2]\n"
	        "message = C\n");
	assert_string_equal(sk_conf_profile(&conf, "standard")->message, "A");
	assert_string_equal(sk_conf_profile(&conf, "other")->message, "B");
	assert_string_equal(sk_conf_profile(&conf, "standard2")->message, "C");

	/* At most SK_MESSAGE_MAX - 1 bytes in all: 13 lines of 150 bytes fit (1962 bytes with
	 * the newlines), the 14th is refused at its own line. */
	off = (size_t)snprintf(text, sizeof(text), "[profile standard]\n");
	for (line = 2; line <= 15; line++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "message = ");
		memset(text + off, 'm', 150);
		off += 150;
		text[off++] = '\n';
		text[off] = '\0';
	}
	expect_error(text, 15, "invalid value for 'message'");
	/* "[profile standard]\n" is 19 bytes, each message line 161: keep 13 lines. */
	assert_int_equal(strncmp(text + 19 + 13 * 161, "message = ", 10), 0);
	text[19 + 13 * 161] = '\0';
	load_ok(text);
	assert_int_equal(strlen(sk_conf_profile(&conf, "standard")->message), 13 * 150 + 12);
}

/* ---- Merge: the stricter setting wins (R-PRIV-5) ------------------------------------------ */

static const char merge_file[] =
	"[broker]\ndefault_profile = standard\n"
	"[profile standard]\n"
	"classes = knowledge\n"
	"min_classes = 2\n"
	"methods = password, fido2, totp, card\n"
	"deny = 10\nfail_interval = 900\nunlock_time = 600\nidle_timeout = 900\n"
	"password_min_length = 10\npassword_min_classes = 3\npassword_history = 3\n"
	"password_max_age = 0\ntotp_window = 2\nremote = yes\n"
	"fido2_uv = preferred\nfido2_up = no\ncard_removal = lock\n"
	"message = staff terminal\n"
	"[profile privileged]\n"
	"classes = possession\n"
	"min_classes = 3\n"
	"methods = card, totp, fido2, password\n"
	"knowledge = stack\n"
	"deny = 3\nfail_interval = 3600\nunlock_time = 0\nidle_timeout = 300\n"
	"password_min_length = 14\npassword_min_classes = 4\npassword_history = 10\n"
	"password_max_age = 60\ntotp_window = 1\nremote = no\n"
	"fido2_uv = required\nfido2_up = yes\ncard_removal = end\n"
	"message = privileged ID\n"
	"[profile narrow]\n"
	"methods = totp, password\n"
	"unlock_time = 1800\nidle_timeout = 0\npassword_max_age = 90\n";

static void
test_merge_stricter_wins(void **state)
{
	const struct sk_profile *line, *user;
	struct sk_profile m;

	(void)state;
	load_ok(merge_file);
	line = sk_conf_profile(&conf, "standard");
	user = sk_conf_profile(&conf, "privileged");
	assert_non_null(line);
	assert_non_null(user);
	memset(&m, 0xa5, sizeof(m));
	sk_profile_merge(line, user, &m);
	assert_string_equal(m.name, "standard");
	assert_int_equal(m.required_classes, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION);
	assert_int_equal(m.min_classes, 3);
	/* The intersection, in the line's order. */
	assert_int_equal(m.n_methods, 4);
	assert_int_equal(m.methods[0], SK_METHOD_PASSWORD);
	assert_int_equal(m.methods[1], SK_METHOD_FIDO2);
	assert_int_equal(m.methods[2], SK_METHOD_TOTP);
	assert_int_equal(m.methods[3], SK_METHOD_CARD);
	assert_int_equal(m.deny, 3);
	assert_int_equal(m.fail_interval, 3600);
	assert_int_equal(m.unlock_time, 0);           /* admin-only wins */
	assert_int_equal(m.idle_timeout, 300);
	assert_int_equal(m.pw_min_length, 14);
	assert_int_equal(m.pw_min_classes, 4);
	assert_int_equal(m.pw_history, 10);
	assert_int_equal(m.pw_max_age_days, 60);      /* 0 = never expires is the weaker */
	assert_int_equal(m.totp_window, 1);
	assert_int_equal(m.allow_remote, 0);
	assert_int_equal(m.fido2_uv, 2);
	assert_int_equal(m.fido2_up, 1);
	assert_int_equal(m.card_removal, SK_CARD_REMOVAL_END);
	/* knowledge and message stay the line's. */
	assert_int_equal(m.knowledge, SK_KNOWLEDGE_BROKER);
	assert_string_equal(m.message, "staff terminal");

	/* The other way round, every strictness setting comes out the same. */
	sk_profile_merge(user, line, &m);
	assert_string_equal(m.name, "privileged");
	assert_int_equal(m.required_classes, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION);
	assert_int_equal(m.min_classes, 3);
	assert_int_equal(m.n_methods, 4);
	assert_int_equal(m.methods[0], SK_METHOD_CARD);   /* now the privileged line's order */
	assert_int_equal(m.methods[1], SK_METHOD_TOTP);
	assert_int_equal(m.methods[2], SK_METHOD_FIDO2);
	assert_int_equal(m.methods[3], SK_METHOD_PASSWORD);
	assert_int_equal(m.deny, 3);
	assert_int_equal(m.fail_interval, 3600);
	assert_int_equal(m.unlock_time, 0);
	assert_int_equal(m.idle_timeout, 300);
	assert_int_equal(m.pw_max_age_days, 60);
	assert_int_equal(m.totp_window, 1);
	assert_int_equal(m.allow_remote, 0);
	assert_int_equal(m.fido2_uv, 2);
	assert_int_equal(m.card_removal, SK_CARD_REMOVAL_END);
	assert_int_equal(m.knowledge, SK_KNOWLEDGE_STACK);
}

static void
test_merge_edges(void **state)
{
	const struct sk_profile *std, *narrow;
	struct sk_profile m;

	(void)state;
	load_ok(merge_file);
	std = sk_conf_profile(&conf, "standard");
	narrow = sk_conf_profile(&conf, "narrow");
	assert_non_null(narrow);
	/* Methods: only those in both, in the line's order. */
	sk_profile_merge(std, narrow, &m);
	assert_int_equal(m.n_methods, 2);
	assert_int_equal(m.methods[0], SK_METHOD_PASSWORD);
	assert_int_equal(m.methods[1], SK_METHOD_TOTP);
	/* Both unlock times set: the longer. idle 0 (no timeout) loses to any timeout;
	 * max age 0 (never) loses to any age. */
	assert_int_equal(m.unlock_time, 1800);
	assert_int_equal(m.idle_timeout, 900);
	assert_int_equal(m.pw_max_age_days, 90);
	assert_int_equal(m.deny, 5);
	sk_profile_merge(narrow, std, &m);
	assert_int_equal(m.methods[0], SK_METHOD_TOTP);
	assert_int_equal(m.methods[1], SK_METHOD_PASSWORD);
	assert_int_equal(m.idle_timeout, 900);
	/* No user profile, or the same one: the line's profile as it is. */
	memset(&m, 0, sizeof(m));
	sk_profile_merge(std, NULL, &m);
	assert_memory_equal(&m, std, sizeof(m));
	memset(&m, 0, sizeof(m));
	sk_profile_merge(std, std, &m);
	assert_memory_equal(&m, std, sizeof(m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_valid_file),
		cmocka_unit_test(test_shipped_file_loads),
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
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_multiline_message),
		cmocka_unit_test(test_merge_stricter_wins),
		cmocka_unit_test(test_merge_edges),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
