/* sekimori.conf's profile merge (R-PRIV-5): on every PAM line the stricter setting wins. */
#include "conf_fixture.h"

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
	line = sk_conf_profile(&loaded_conf, "standard");
	user = sk_conf_profile(&loaded_conf, "privileged");
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
	std = sk_conf_profile(&loaded_conf, "standard");
	narrow = sk_conf_profile(&loaded_conf, "narrow");
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
		cmocka_unit_test(test_merge_stricter_wins),
		cmocka_unit_test(test_merge_edges),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
