/* FIDO2 end to end, the policy around the key (issue 7): a profile that requires inherence
 * logs in with a fingerprint key (R-MFA-1); inherence without a verified attestation chain
 * stops the broker at start, and a key enrolled without one never proves inherence; a
 * key's PIN tries are protected as a card's are (R-LOGIN-1).
 * The same broker, keys, CLI and PAM module as test_fido2_login.c (f2e.h). */
#include <sys/wait.h>

#include "f2e.h"

/* R-MFA-1 (issue 7 item 7): a profile that requires inherence (classes = possession,
 * inherence) logs in the owner of a fingerprint key of an allow-listed model, whose
 * attestation chained to the root: the planner counts on the sensor, and only the sensor's
 * answer satisfies the profile. A PIN-only key cannot: nothing can be planned for its
 * owner, who is answered like an unknown name (no_factors in the audit). */
static void
test_r_mfa_1_inherence_profile_bio_login(void **state)
{
	char pw[64], pw2[64], key[512], pinkey[512];
	struct skpd d;
	struct tallies before, after;

	(void)state;
	skfx_add_user(&fx, "bio2", "bio", pw, sizeof(pw));
	make_key("bio2", KEY_BIO, key, sizeof(key));
	enroll_ok(&fx, "bio2", key, "--uv required", NULL);
	before = key_tallies(key);
	plug(key);
	assert_int_equal(login(&fx, &d, "sk-bio", "bio2", NULL, NULL, NULL, NULL), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "i Touch the fingerprint sensor of your security key."));
	assert_false(skpd_contains(&d, "not registered"));
	after = key_tallies(key);
	assert_int_equal(after.builtin_uvs, before.builtin_uvs + 1);
	assert_int_equal(after.pin_tokens, before.pin_tokens);
	assert_int_equal(audit_auth(&fx, "bio2", "allow", "\"classes\":\"possession,inherence\""),
	                 1);
	assert_int_equal(audit_auth(&fx, "bio2", "allow", "\"profile\":\"bio\""), 1);

	skfx_add_user(&fx, "bio3", "bio", pw2, sizeof(pw2));
	make_key("bio3", KEY_PIN, pinkey, sizeof(pinkey));
	enroll_ok(&fx, "bio3", pinkey, "--uv required", PIN_GOOD "\n");
	plug(pinkey);
	assert_int_equal(login(&fx, &d, "sk-bio", "bio3", NULL, pw2, PIN_GOOD, NULL), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Security key PIN"));
	assert_int_equal(audit_auth(&fx, "bio3", "deny", "\"reason\":\"no_factors\""), 1);
	assert_int_equal(audit_auth(&fx, "bio3", "allow", (const char *)NULL), 0);
}

/* Runs sekimorid on a configuration text; returns its exit status, its stderr in out. */
static int
broker_on(const char *conf_text, char *out, size_t outsz)
{
	char dir[256], path[400], cmd[1024];
	FILE *p;
	size_t n;
	int st;

	sk_test_mkdtemp(dir, sizeof(dir));
	sk_test_write_file(dir, "sekimori.conf", conf_text, path, sizeof(path));
	/* A broker that accepted the file would run on: timeout ends it (exit 124). */
	snprintf(cmd, sizeof(cmd), "timeout 20 '%s' -c '%s' -f 2>&1 </dev/null",
	         getenv("SK_SEKIMORID"), path);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	sk_test_rmtree(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Seven lines of [broker] that keep a broker that did start inside its temporary folder. */
#define HDR "[broker]\nsocket = sekimorid.sock\nstore = sekimori.db\naudit_log = audit.jsonl\n" \
	"audit_anchor = audit.anchor\nkey_dir = keys\ndefault_profile = p\n"

/* R-MFA-1 (issue 7 item 8): inherence rests on a verified attestation chain. A
 * configuration that grants inherence without attestation_roots (the default), or a
 * profile that requires inherence it can never get, stops the broker at start with the
 * file and line. Nothing is started: no socket, no store. */
static void
test_r_mfa_1_inherence_without_roots_refused(void **state)
{
	static const char *const bad[][2] = {
		{ HDR
		  "[profile p]\nmethods = password, fido2\n"
		  "[fido2]\nrp_id = sekimori.test\n"
		  "inherence_aaguids = " AAGUID_BIO "\n",
		  "sekimori.conf:12: [fido2] inherence_aaguids needs attestation_roots" },
		{ HDR
		  "[profile p]\nclasses = possession, inherence\nmethods = fido2, password\n"
		  "fido2_uv = required\n"
		  "[fido2]\nrp_id = sekimori.test\n",
		  "sekimori.conf:8: profile 'p' requires inherence, which needs [fido2] rp_id and "
		  "attestation_roots" },
		{ HDR
		  "[profile p]\nmethods = password, totp\n"
		  "[profile q]\nmin_classes = 3\nmethods = password, fido2, totp\n"
		  "fido2_uv = required\n"
		  "[fido2]\nrp_id = sekimori.test\nattestation_roots = /nonexistent/roots.pem\n",
		  "sekimori.conf:10: profile 'q' requires inherence, but [fido2] inherence_aaguids "
		  "names no model" },
		{ HDR
		  "[profile p]\nclasses = possession, inherence\nmethods = fido2, password\n"
		  "[fido2]\nrp_id = sekimori.test\nattestation_roots = /nonexistent/roots.pem\n"
		  "inherence_aaguids = " AAGUID_BIO "\n",
		  "sekimori.conf:8: profile 'p' requires inherence, which only a key's built-in "
		  "verification proves: set fido2_uv = required" },
	};
	char out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(broker_on(bad[i][0], out, sizeof(out)), 1);
		if (strstr(out, bad[i][1]) == NULL)
			fail_msg("case %zu: expected \"%s\" in:\n%s", i, bad[i][1], out);
		assert_non_null(strstr(out, "configuration refused: "));
	}
}

/* R-MFA-1 (issue 7 item 8): a key enrolled while the broker had no attestation roots was
 * never vouched for; its AAGUID is only its own claim. When the roots and the inherence
 * list come later, that credential still proves no inherence, even from a sensor whose
 * model is on the list: the planner does not count on it, and its answer proves
 * possession only. */
static struct sk_fixture early;   /* a broker that had no roots at first */

/* Stops it even after a failed assertion, so that ctest does not wait on it. */
static int
unplug_and_stop_early(void **state)
{
	if (early.broker > 0)
		skfx_finish(&early);
	return unplug(state);
}

static void
test_r_mfa_1_unattested_key_never_inherence(void **state)
{
	char pw[64], key[512], args[1024];
	struct skpd d;
	json_object *doc;
	FILE *f;

	(void)state;
	skfx_start(&early, "C",
	           "[profile mynumber]\nmethods = password, totp\n"
	           "[profile fido]\nmethods = fido2, password\nfido2_uv = required\n"
	           "[fido2]\nrp_id = sekimori.test\n");
	skfx_add_user(&early, "early1", "fido", pw, sizeof(pw));
	make_key("early1", KEY_BIO, key, sizeof(key));
	enroll_ok(&early, "early1", key, "--uv required", NULL);
	doc = list_keys(&early, "early1");
	assert_false(json_object_get_boolean(field(json_object_array_get_idx(doc, 0), "trusted")));
	json_object_put(doc);

	/* Later: roots, the sensor model on the inherence list, a profile that requires it. */
	skfx_stop_broker(&early);
	assert_non_null(f = fopen(early.conf, "a"));
	fprintf(f, "attestation_roots = %s/ca.pem\ninherence_aaguids = " AAGUID_BIO "\n"
	        "[profile bio]\nclasses = possession, inherence\nmethods = fido2, password\n"
	        "fido2_uv = required\n", kdir);
	assert_int_equal(fclose(f), 0);
	skfx_restart(&early);
	snprintf(args, sizeof(args), "profile=fido conf=%s", early.conf);
	skpd_write_service(early.pamdir, "sk-fido", args, NULL);
	snprintf(args, sizeof(args), "profile=bio conf=%s", early.conf);
	skpd_write_service(early.pamdir, "sk-bio", args, NULL);

	plug(key);
	/* Two classes of any kind: the sensor answers, but proves possession only. */
	assert_int_equal(login(&early, &d, "sk-fido", "early1", NULL, NULL, NULL, NULL),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "Touch the fingerprint sensor of your security key."));
	assert_int_equal(audit_auth(&early, "early1", "deny",
	                            "\"reason\":\"classes_not_satisfied\""), 1);
	assert_int_equal(audit_auth(&early, "early1", "deny", "inherence"), 0);
	/* Inherence required: nothing can be planned for early1 (no_factors, not counted). */
	assert_int_equal(login(&early, &d, "sk-bio", "early1", NULL, pw, NULL, NULL), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Touch the fingerprint sensor"));
	assert_int_equal(audit_auth(&early, "early1", "deny", "\"reason\":\"no_factors\""), 1);
	skfx_finish(&early);
}

/* Issue 7 item 11: a key's PIN tries are protected as a card's are. With one try left no
 * PIN is asked and the person is told why; three wrong PINs in a row (the key stays plugged
 * in between the logins) and the key takes no PIN until it is re-inserted, which is what
 * the person is told, not that the PIN is blocked. No try is spent while it waits. */
static void
test_r_login_1_fido2_pin_tries_protected(void **state)
{
	char pw[64], key[512];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "tries1", "pinp", pw, sizeof(pw));
	make_key("tries1", KEY_PIN, key, sizeof(key));
	enroll_ok(&fx, "tries1", key, "--uv required", PIN_GOOD "\n");
	plug(key);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(login(&fx, &d, "sk-pin", "tries1", NULL, PIN_WRONG, NULL, NULL),
		                 PAM_AUTH_ERR);
		assert_true(skpd_contains(&d, "! The security key PIN is wrong."));
	}
	assert_int_equal(login(&fx, &d, "sk-pin", "tries1", NULL, PIN_WRONG, NULL, NULL),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! The security key PIN was wrong three times in a row. "
	                              "Remove the key, insert it again and try once more."));
	assert_false(skpd_contains(&d, "blocked"));
	assert_int_equal(key_pin_retries(key), 5);
	/* still plugged in: even the right PIN is refused by the key, and costs no try */
	assert_int_equal(login(&fx, &d, "sk-pin", "tries1", NULL, PIN_GOOD, NULL, NULL),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "Remove the key, insert it again"));
	assert_int_equal(key_pin_retries(key), 5);
	key_change(key, KEY_REPLUG, 0);
	assert_int_equal(login(&fx, &d, "sk-pin", "tries1", NULL, PIN_GOOD, NULL, NULL),
	                 PAM_SUCCESS);
	assert_int_equal(key_pin_retries(key), 8);

	/* The last try is kept: not asked for. */
	key_change(key, KEY_PIN_RETRIES, 1);
	assert_int_equal(login(&fx, &d, "sk-pin", "tries1", NULL, PIN_GOOD, NULL, NULL),
	                 PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Security key PIN"));
	assert_true(skpd_contains(&d, "! Only one PIN attempt is left on this security key"));
	assert_int_equal(key_pin_retries(key), 1);
	assert_int_equal(audit_auth(&fx, "tries1", "deny", "\"reason\":\"fido2_no_evidence\""), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_r_mfa_1_inherence_profile_bio_login, unplug),
		cmocka_unit_test(test_r_mfa_1_inherence_without_roots_refused),
		cmocka_unit_test_teardown(test_r_mfa_1_unattested_key_never_inherence,
		                          unplug_and_stop_early),
		cmocka_unit_test_teardown(test_r_login_1_fido2_pin_tries_protected, unplug),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
