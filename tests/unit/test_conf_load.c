/* sekimori.conf (sekimori.conf(5)) as it loads: the defaults, a full valid file, the shipped
 * file, relative paths and multi-line messages. */
#include "conf_fixture.h"

/* ---- Defaults and valid files ---------------------------------------------------------- */

static void
test_defaults(void **state)
{
	const struct sk_profile *p;

	(void)state;
	sk_conf_defaults(&loaded_conf);
	assert_string_equal(loaded_conf.socket_path, "/run/sekimori/sekimorid.sock");
	assert_string_equal(loaded_conf.socket_group, "");
	assert_string_equal(loaded_conf.admin_group, "sekimori-admin");
	assert_string_equal(loaded_conf.admin_profile, "privileged");
	assert_int_equal(loaded_conf.admin_session_minutes, 15);
	assert_int_equal(loaded_conf.fresh_mfa_minutes, 5);
	assert_string_equal(loaded_conf.auditor_group, "");
	assert_string_equal(loaded_conf.store_path, "/var/lib/sekimori/sekimori.db");
	assert_string_equal(loaded_conf.audit_log, "/var/log/sekimori/audit.jsonl");
	assert_string_equal(loaded_conf.audit_anchor, "/var/lib/sekimori/audit.anchor");
	assert_string_equal(loaded_conf.key_dir, "/etc/sekimori/keys");
	assert_string_equal(loaded_conf.language, "ja");
	assert_string_equal(loaded_conf.totp_issuer, "Sekimori");
	assert_string_equal(loaded_conf.default_profile, "standard");
	assert_int_equal(loaded_conf.max_clients, 1024);
	assert_int_equal(loaded_conf.workers, 8);
	assert_int_equal(loaded_conf.auth_timeout, 300);
	assert_int_equal(loaded_conf.request_timeout_ms, 15000);
	assert_int_equal(loaded_conf.fido2.timeout, 30);
	assert_string_equal(loaded_conf.fido2.rp_id, "");
	assert_int_equal(loaded_conf.card.timeout, 30);
	assert_string_equal(loaded_conf.card.trust_anchors, "");
	assert_int_equal(loaded_conf.n_profiles, 0);

	/* A file with only a [broker] section keeps every default. */
	load_ok("[broker]\n");
	assert_int_equal(loaded_conf.max_clients, 1024);
	assert_string_equal(loaded_conf.store_path, "/var/lib/sekimori/sekimori.db");
	assert_int_equal(loaded_conf.n_profiles, 0);

	/* A profile with one key gets the documented defaults for the rest. */
	load_ok("[profile standard]\ntotp_window = 1\n");
	assert_int_equal(loaded_conf.n_profiles, 1);
	p = sk_conf_profile(&loaded_conf, "standard");
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
	assert_int_equal(p->allow_remote, 0);   /* R-MFA-3: remote access forbidden by default */
	assert_int_equal(p->origin.set, 0);
	assert_int_equal(p->fido2_uv, 1);
	assert_int_equal(p->fido2_up, 1);
	assert_int_equal(p->card_removal, SK_CARD_REMOVAL_LOCK);
	assert_string_equal(p->message, "");
	assert_null(sk_conf_profile(&loaded_conf, "other"));
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
	"workers = 3\n"
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
	assert_string_equal(loaded_conf.path, conf_path);
	assert_string_equal(loaded_conf.socket_path, "/tmp/sk-full/sekimorid.sock");
	assert_string_equal(loaded_conf.socket_group, "sk-sock");
	assert_string_equal(loaded_conf.admin_group, "sk-admins");
	assert_string_equal(loaded_conf.admin_profile, "sk-admin");
	assert_int_equal(loaded_conf.admin_session_minutes, 30);
	assert_int_equal(loaded_conf.fresh_mfa_minutes, 2);
	assert_string_equal(loaded_conf.auditor_group, "sk-audit");
	assert_string_equal(loaded_conf.store_path, "/tmp/sk-full/state/sekimori.db");
	assert_string_equal(loaded_conf.audit_log, "/tmp/sk-full/log/audit.jsonl");
	assert_string_equal(loaded_conf.audit_anchor, "/tmp/sk-full/state/audit.anchor");
	assert_string_equal(loaded_conf.key_dir, "/tmp/sk-full/keys");
	assert_string_equal(loaded_conf.locale_dir, "/tmp/sk-full/locale");
	assert_string_equal(loaded_conf.language, "C");
	assert_string_equal(loaded_conf.totp_issuer, "Test-Town");
	assert_string_equal(loaded_conf.default_profile, "mynumber");
	assert_int_equal(loaded_conf.max_clients, 4096);
	assert_int_equal(loaded_conf.workers, 3);
	assert_int_equal(loaded_conf.auth_timeout, 5);
	assert_int_equal(loaded_conf.request_timeout_ms, 600000);
	assert_string_equal(loaded_conf.fido2.rp_id, "sekimori.test.invalid");
	assert_string_equal(loaded_conf.fido2.attestation_roots, "/tmp/sk-full/fido2-roots.pem");
	assert_string_equal(loaded_conf.fido2.allowed_aaguids, "00000000-0000-0000-0000-000000000001");
	assert_string_equal(loaded_conf.fido2.inherence_aaguids, "00000000-0000-0000-0000-000000000002");
	assert_int_equal(loaded_conf.fido2.timeout, 300);
	assert_string_equal(loaded_conf.card.trust_anchors, "/tmp/sk-full/card-ca.pem");
	assert_string_equal(loaded_conf.card.crl, "/tmp/sk-full/card.crl");
	assert_string_equal(loaded_conf.card.lock_command, "/tmp/sk-full/lock.sh");
	assert_int_equal(loaded_conf.card.timeout, 1);
	assert_int_equal(loaded_conf.n_profiles, 2);

	p = sk_conf_profile(&loaded_conf, "mynumber");
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

	p = sk_conf_profile(&loaded_conf, "stack");
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
	if (sk_conf_load(shipped, &loaded_conf, conf_err, sizeof(conf_err)) != SK_OK)
		fail_msg("%s", conf_err);
	assert_non_null(sk_conf_profile(&loaded_conf, loaded_conf.default_profile));
	for (size_t i = 0; i < loaded_conf.n_profiles; i++)
		assert_true(loaded_conf.profiles[i].min_classes >= 2);
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
	snprintf(want, sizeof(want), "%s/sekimorid.sock", conf_dir);
	assert_string_equal(loaded_conf.socket_path, want);
	snprintf(want, sizeof(want), "%s/state/sekimori.db", conf_dir);
	assert_string_equal(loaded_conf.store_path, want);
	snprintf(want, sizeof(want), "%s/log/audit.jsonl", conf_dir);
	assert_string_equal(loaded_conf.audit_log, want);
	assert_string_equal(loaded_conf.audit_anchor, "/abs/audit.anchor");
	snprintf(want, sizeof(want), "%s/./keys", conf_dir);
	assert_string_equal(loaded_conf.key_dir, want);
	snprintf(want, sizeof(want), "%s/../locale", conf_dir);
	assert_string_equal(loaded_conf.locale_dir, want);
	snprintf(want, sizeof(want), "%s/roots.pem", conf_dir);
	assert_string_equal(loaded_conf.fido2.attestation_roots, want);
	snprintf(want, sizeof(want), "%s/ca/ca.pem", conf_dir);
	assert_string_equal(loaded_conf.card.trust_anchors, want);
	assert_string_equal(loaded_conf.card.crl, "/abs/card.crl");

	/* A bare file name: the current folder. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(conf_dir), 0);
	assert_int_equal(sk_conf_load("sekimori.conf", &loaded_conf, conf_err, sizeof(conf_err)), SK_OK);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(loaded_conf.store_path, "./state/sekimori.db");
	assert_string_equal(loaded_conf.path, "sekimori.conf");
}

/* A PostgreSQL store is a libpq URI kept as written (not a path below the file's folder);
 * broker_id takes [A-Za-z0-9._-], 1 to 63 of them, and defaults to a non-empty name. */
static void
test_store_uri_and_broker_id(void **state)
{
	const char *uri = "postgresql://sk@db1.example.lg.jp/sekimori?sslmode=verify-full"
	                  "&sslrootcert=/etc/sekimori/db-ca.pem";
	char text[1024];

	(void)state;
	load_ok("[broker]\nsocket = s.sock\n");
	assert_true(strlen(loaded_conf.broker_id) > 0);
	snprintf(text, sizeof(text), "[broker]\nstore = %s\nbroker_id = hall-1.b_2\n", uri);
	load_ok(text);
	assert_string_equal(loaded_conf.store_path, uri);
	assert_string_equal(loaded_conf.broker_id, "hall-1.b_2");
	load_ok("[broker]\nstore = postgres:///sekimori?host=/run/postgresql\n");
	assert_string_equal(loaded_conf.store_path, "postgres:///sekimori?host=/run/postgresql");
	assert_int_equal(load("[broker]\nbroker_id = two words\n"), SK_ERR_CONFIG);
	assert_non_null(strstr(conf_err, "invalid value for 'broker_id'"));
	assert_int_equal(load("[broker]\nbroker_id = "
	                      "a234567890123456789012345678901234567890123456789012345678901234\n"),
	                 SK_ERR_CONFIG);
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
	pr = sk_conf_profile(&loaded_conf, "standard");
	assert_non_null(pr);
	assert_string_equal(pr->message,
	                    "一行目: 許可された職員以外の利用を禁止します。\n二行目\nthird line");
	/* Continuation lines (starting with a blank) add lines too. */
	load_ok("[profile standard]\nmessage = first\n  second\n\tthird\ndeny = 4\n");
	assert_string_equal(sk_conf_profile(&loaded_conf, "standard")->message, "first\nsecond\nthird");
	/* Profiles keep their own messages. */
	load_ok("[profile standard]\nmessage = A\n[profile other]\nmessage = B\n[profile standard2]\n"
	        "message = C\n");
	assert_string_equal(sk_conf_profile(&loaded_conf, "standard")->message, "A");
	assert_string_equal(sk_conf_profile(&loaded_conf, "other")->message, "B");
	assert_string_equal(sk_conf_profile(&loaded_conf, "standard2")->message, "C");

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
	assert_int_equal(strlen(sk_conf_profile(&loaded_conf, "standard")->message), 13 * 150 + 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_valid_file),
		cmocka_unit_test(test_shipped_file_loads),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_store_uri_and_broker_id),
		cmocka_unit_test(test_multiline_message),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
