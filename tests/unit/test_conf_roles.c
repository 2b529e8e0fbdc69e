/* [role NAME] and [grant] in sekimori.conf (issue 9, doc/privileged-access.md): the keys, their
 * defaults, and the refusals with file and line, R-PRIV-6's default administrator names
 * included. */
#include "conf_fixture.h"

#define ROLES "[role ciso]\nholders = kato\n"

static void
test_r_priv_1_role_keys_and_defaults(void **state)
{
	const struct sk_priv_role *r;

	(void)state;
	load_ok(ROLES "[role dba]\nservices = sudo, su\ngroups = dba\naccounts = dbadmin\n"
	        "holders = sato, suzuki\nmax_minutes = 30\napprovers = 2\napprover_role = ciso\n"
	        "two_person = yes\nbreakglass = sato\nbreakglass_minutes = 15\n"
	        "[grant]\nnotify_command = /bin/true\npending_minutes = 20\n"
	        "delegation_notify = ciso, dba\n");
	assert_int_equal(loaded_conf.n_roles, 2);
	r = sk_conf_role(&loaded_conf, "dba");
	assert_non_null(r);
	assert_int_equal(r->services.n, 2);
	assert_string_equal(r->services.v[1], "su");
	assert_true(sk_name_list_has(&r->holders, "suzuki"));
	assert_false(sk_name_list_has(&r->holders, "kato"));
	assert_int_equal(r->max_minutes, 30);
	assert_int_equal(r->approvers, 2);
	assert_string_equal(r->approver_role, "ciso");
	assert_true(r->two_person);
	assert_false(r->contractors);
	assert_int_equal(r->breakglass_minutes, 15);
	assert_string_equal(loaded_conf.grant.notify_command, "/bin/true");
	assert_int_equal(loaded_conf.grant.pending_minutes, 20);
	assert_int_equal(loaded_conf.grant.delegation_notify.n, 2);
	/* Defaults. */
	r = sk_conf_role(&loaded_conf, "ciso");
	assert_int_equal(r->max_minutes, 60);
	assert_int_equal(r->approvers, 1);
	assert_int_equal(r->breakglass_minutes, 30);
	assert_false(r->two_person);
	assert_string_equal(loaded_conf.grant.ciso_role, "ciso");
	assert_int_equal(loaded_conf.grant.notify_timeout, 10);
	assert_int_equal(loaded_conf.grant.default_admin_names.n, 3);
}

static void
test_r_priv_1_role_refusals(void **state)
{
	(void)state;
	expect_error(ROLES "[role dba]\nservice = sudo\n", 4, "unknown key 'service' in [role dba]");
	expect_error(ROLES "[role dba]\napprovers = 3\n", 4, "invalid value for 'approvers'");
	expect_error(ROLES "[role dba]\nmax_minutes = 0\n", 4, "invalid value for 'max_minutes'");
	expect_error(ROLES "[role dba]\nholders = sato, sato\n", 4, "invalid value for 'holders'");
	expect_error(ROLES "[role Dba]\nmax_minutes = 5\n", 3, "invalid role name 'Dba'");
	expect_error(ROLES "[role ciso]\nmax_minutes = 5\n", 3, "role 'ciso' defined twice");
	expect_error(ROLES "\n[role dba]\napprover_role = boss\n", 4,
	             "approver_role 'boss' is not defined");
	expect_error("[role dba]\nholders = sato\n", 0, "ciso_role 'ciso' is not defined");
	expect_error(ROLES "[grant]\nnotify_timeout = 0\n", 4, "invalid value for 'notify_timeout'");
}

/* R-PRIV-6: a role that unlocks root, admin or administrator (any case), or a name the site
 * lists, is refused at load unless the role gives the site's reason. */
static void
test_r_priv_6_default_admin_name_refused_unless_reason(void **state)
{
	(void)state;
	expect_error(ROLES "\n[role ops]\naccounts = ops1, root\n", 4,
	             "role 'ops' unlocks the account 'root', a default administrator name");
	expect_refusal(ROLES "[role ops]\naccounts = Administrator\n", "account 'Administrator'");
	expect_refusal(ROLES "[role ops]\naccounts = sysadm\n[grant]\ndefault_admin_names = sysadm\n",
	               "account 'sysadm'");
	load_ok(ROLES "[role ops]\naccounts = root\ndefault_name_reason = vendor appliance needs"
	        " root (ticket 42)\n");
	assert_string_equal(sk_conf_role(&loaded_conf, "ops")->default_name_reason,
	                    "vendor appliance needs root (ticket 42)");
	/* The site's list replaces the default one. */
	load_ok(ROLES "[role ops]\naccounts = admin\n[grant]\ndefault_admin_names = sysadm\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_priv_1_role_keys_and_defaults),
		cmocka_unit_test(test_r_priv_1_role_refusals),
		cmocka_unit_test(test_r_priv_6_default_admin_name_refused_unless_reason),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
