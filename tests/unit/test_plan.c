/* Which steps a login needs (R-MFA-1: two *different* classes; R-MFA-2: more than one
 * credential). Profiles come from a real sekimori.conf parsed by sk_conf_load, so the tests
 * use the same defaults the broker does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "factor.h"
#include "plan.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

static const char conf_text[] =
	"[broker]\n"
	"default_profile = mynumber\n"
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"[profile stack]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"knowledge = stack\n"
	"[profile totpfirst]\n"
	"methods = totp, password\n"
	"[profile withfido]\n"
	"classes = knowledge, possession\n"
	"methods = password, fido2, totp\n"
	"[profile keyuv]\n"
	"methods = fido2, totp\n"
	"fido2_uv = required\n"
	"[profile withcard]\n"
	"methods = password, totp, card\n"
	"[profile inherence]\n"
	"classes = possession, inherence\n"
	"methods = password, totp, fido2\n"
	"fido2_uv = required\n"
	"[profile bio]\n"
	"classes = possession, inherence\n"
	"methods = fido2, password\n"
	"fido2_uv = required\n";

static struct sk_conf conf;

static int
setup(void **state)
{
	char dir[512], path[600], err[512];

	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	sk_test_write_file(dir, "sekimori.conf", conf_text, path, sizeof(path));
	if (sk_conf_load(path, &conf, err, sizeof(err)) != SK_OK) {
		print_error("%s\n", err);
		return -1;
	}
	sk_test_rmtree(dir);
	return 0;
}

static const struct sk_profile *
profile(const char *name)
{
	const struct sk_profile *p = sk_conf_profile(&conf, name);

	if (p == NULL)
		fail_msg("profile %s missing", name);
	return p;
}

struct outcome {
	int r;
	unsigned steps[8];
	size_t n;
	unsigned classes;
};

/* Whether the user's FIDO2 key can prove inherence (plan_input.fido2_inherence). */
static int key_has_sensor;

static struct outcome
plan(const char *name, int has_password, int has_totp, int has_fido2, unsigned card, int remote,
     size_t cap)
{
	/* What the user's credentials can prove, as each factor's can_prove reports it; the
	 * factor table's offers (factors/factor_table.c) turn them into the plan's input. */
	unsigned can[SK_METHOD_SLOTS] = {
		[SK_METHOD_PASSWORD] = has_password ? SK_CLASS_KNOWLEDGE : 0,
		[SK_METHOD_STACK] = SK_CLASS_KNOWLEDGE,
		[SK_METHOD_TOTP] = has_totp ? SK_CLASS_POSSESSION : 0,
		[SK_METHOD_FIDO2] = has_fido2 ? SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE |
		                    (key_has_sensor ? SK_CLASS_INHERENCE : 0) : 0,
		[SK_METHOD_CARD] = card,
	};
	struct plan_input in;
	struct outcome o;

	factor_plan_offers(profile(name), can, remote, &in);
	memset(&o, 0, sizeof(o));
	assert_true(cap <= 8);
	o.r = plan_build(&in, o.steps, cap, &o.n, &o.classes);
	return o;
}

static void
expect_steps(const struct outcome *o, size_t n, const unsigned *want)
{
	assert_int_equal(o->n, n);
	for (size_t i = 0; i < n; i++)
		if (o->steps[i] != want[i])
			fail_msg("step %zu is %u, expected %u", i, o->steps[i], want[i]);
}

/* R-MFA-1: password (knowledge) then TOTP (possession). */
static void
test_password_and_totp(void **state)
{
	static const unsigned want[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP };
	struct outcome o = plan("mynumber", 1, 1, 0, 0, 0, 8);

	(void)state;
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 2, want);
	assert_int_equal(o.classes, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION);
	assert_true(plan_satisfied(profile("mynumber"), o.classes));
	/* The profile's order decides the order of the prompts. */
	o = plan("totpfirst", 1, 1, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.steps[0], SK_METHOD_TOTP);
	assert_int_equal(o.steps[1], SK_METHOD_PASSWORD);
}

/* knowledge = stack: the preceding PAM module checked the password, so the step is
 * SK_METHOD_STACK and the broker's own password is not needed. */
static void
test_stack_knowledge(void **state)
{
	static const unsigned want[] = { SK_METHOD_STACK, SK_METHOD_TOTP };
	struct outcome o = plan("stack", 0, 1, 0, 0, 0, 8);

	(void)state;
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 2, want);
	assert_int_equal(o.classes, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION);
	for (size_t i = 0; i < o.n; i++)
		assert_int_not_equal(o.steps[i], SK_METHOD_PASSWORD);
	o = plan("stack", 1, 1, 0, 0, 0, 8);
	expect_steps(&o, 2, want);
}

/* R-MFA-1: a user without TOTP cannot log in with a password alone, and the reverse. */
static void
test_missing_factor_cannot_satisfy(void **state)
{
	struct outcome o = plan("mynumber", 1, 0, 0, 0, 0, 8);

	(void)state;
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_int_equal(o.classes, SK_CLASS_KNOWLEDGE);
	o = plan("mynumber", 0, 1, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_int_equal(o.classes, SK_CLASS_POSSESSION);
	o = plan("mynumber", 0, 0, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_int_equal(o.n, 0);
	o = plan("stack", 0, 0, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	/* Too little room for the steps is a failure, not a shorter plan. */
	o = plan("mynumber", 1, 1, 0, 0, 0, 1);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_int_equal(o.n, 1);
}

/* R-MFA-1: two of one class is not MFA, whatever the profile's numbers say. */
static void
test_one_class_never_satisfies(void **state)
{
	const struct sk_profile *p = profile("mynumber");
	struct sk_profile weak = *p;

	(void)state;
	assert_false(plan_satisfied(p, 0));
	assert_false(plan_satisfied(p, SK_CLASS_KNOWLEDGE));
	assert_false(plan_satisfied(p, SK_CLASS_POSSESSION));
	assert_false(plan_satisfied(p, SK_CLASS_INHERENCE));
	/* Two classes, but not the ones the profile names. */
	assert_false(plan_satisfied(p, SK_CLASS_KNOWLEDGE | SK_CLASS_INHERENCE));
	assert_true(plan_satisfied(p, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION));
	assert_true(plan_satisfied(p, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION | SK_CLASS_INHERENCE));
	/* A profile struct that slipped past validation with min_classes 1 still needs two. */
	weak.min_classes = 1;
	weak.required_classes = SK_CLASS_KNOWLEDGE;
	assert_false(plan_satisfied(&weak, SK_CLASS_KNOWLEDGE));
	weak.required_classes = 0;
	weak.min_classes = 0;
	assert_false(plan_satisfied(&weak, SK_CLASS_POSSESSION));
	assert_true(plan_satisfied(&weak, SK_CLASS_POSSESSION | SK_CLASS_INHERENCE));
	/* Bits outside the three classes do not count as classes. */
	assert_false(plan_satisfied(&weak, SK_CLASS_POSSESSION | 0x10 | 0x80));
	/* min_classes 3 needs all three. */
	weak.min_classes = 3;
	assert_false(plan_satisfied(&weak, SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION));
	assert_true(plan_satisfied(&weak, 7));
}

/* Methods the user has not enrolled, or cannot use remotely, are skipped. */
static void
test_skips_unavailable_methods(void **state)
{
	static const unsigned pw_totp[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP };
	static const unsigned pw_fido[] = { SK_METHOD_PASSWORD, SK_METHOD_FIDO2 };
	struct outcome o;

	(void)state;
	o = plan("withfido", 1, 1, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 2, pw_totp);
	o = plan("withfido", 1, 1, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 2, pw_fido);
	/* Nobody can touch a key at this machine from afar. */
	o = plan("withfido", 1, 1, 1, 0, 1, 8);
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 2, pw_totp);
	o = plan("withfido", 1, 0, 1, 0, 1, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	/* Once the classes are covered, no further step is asked for. */
	o = plan("withcard", 1, 1, 0, SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE, 0, 8);
	expect_steps(&o, 2, pw_totp);
	/* A card with a PIN covers both classes when the password is missing. */
	o = plan("withcard", 0, 0, 0, SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE, 0, 8);
	assert_int_equal(o.r, SK_OK);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.steps[0], SK_METHOD_CARD);
	/* A PIN-less card is possession only: with TOTP that is one class twice. */
	o = plan("withcard", 0, 1, 0, SK_CLASS_POSSESSION, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_int_equal(o.classes, SK_CLASS_POSSESSION);
	o = plan("withcard", 0, 1, 0, SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE, 1, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
}

/* A FIDO2 key with user verification required is planned as one step that proves
 * possession for sure; whether the second class is there is decided when it answers, by
 * plan_satisfied on the classes actually proven. */
static void
test_fido2_uv_wildcard(void **state)
{
	const struct sk_profile *p = profile("keyuv");
	struct outcome o = plan("keyuv", 0, 0, 1, 0, 0, 8);

	(void)state;
	assert_int_equal(o.r, SK_OK);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.steps[0], SK_METHOD_FIDO2);
	assert_int_equal(o.classes, SK_CLASS_POSSESSION);
	assert_false(plan_satisfied(p, o.classes));
	assert_true(plan_satisfied(p, o.classes | SK_CLASS_KNOWLEDGE));
	assert_true(plan_satisfied(p, o.classes | SK_CLASS_INHERENCE));
	/* A class the user's keys cannot prove is never assumed from the wildcard: a profile
	 * that requires inherence is not satisfied by planning password + a PIN-only key. */
	key_has_sensor = 0;
	o = plan("inherence", 1, 1, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	assert_false(plan_satisfied(profile("inherence"), o.classes));
}

/* R-MFA-1 (issue 7 item 7): classes = possession, inherence. A user with a key whose sensor
 * can prove inherence (an attested model on the inherence list) gets the key planned; it
 * proves possession for sure and inherence when it answers with its sensor. */
static void
test_r_mfa_1_inherence_profile_plans_key(void **state)
{
	static const unsigned pw_totp_key[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP,
	                                        SK_METHOD_FIDO2 };
	static const unsigned key_only[] = { SK_METHOD_FIDO2 };
	const struct sk_profile *p = profile("bio");
	struct outcome o;

	(void)state;
	key_has_sensor = 1;
	o = plan("bio", 1, 0, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 1, key_only);
	assert_int_equal(o.classes, SK_CLASS_POSSESSION);
	/* At AUTH_FINISH only the sensor's answer satisfies the profile, not the PIN's. */
	assert_true(plan_satisfied(p, o.classes | SK_CLASS_INHERENCE));
	assert_false(plan_satisfied(p, o.classes | SK_CLASS_KNOWLEDGE));
	/* The profile's order stands: password and TOTP come first, then the key is still
	 * needed for inherence although possession is already covered. */
	o = plan("inherence", 1, 1, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	expect_steps(&o, 3, pw_totp_key);
	assert_true(plan_satisfied(profile("inherence"), o.classes | SK_CLASS_INHERENCE));
	/* No key, or a key from afar: nothing can prove inherence. */
	o = plan("bio", 1, 1, 0, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	o = plan("bio", 1, 1, 1, 0, 1, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	/* A key without a (trusted) sensor cannot either. */
	key_has_sensor = 0;
	o = plan("bio", 1, 1, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_ERR_NOTFOUND);
	/* With the sensor, a profile that wants two classes of any kind may use it too. */
	key_has_sensor = 1;
	o = plan("keyuv", 0, 0, 1, 0, 0, 8);
	assert_int_equal(o.r, SK_OK);
	assert_int_equal(o.n, 1);
	key_has_sensor = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_and_totp),
		cmocka_unit_test(test_stack_knowledge),
		cmocka_unit_test(test_missing_factor_cannot_satisfy),
		cmocka_unit_test(test_one_class_never_satisfies),
		cmocka_unit_test(test_skips_unavailable_methods),
		cmocka_unit_test(test_fido2_uv_wildcard),
		cmocka_unit_test(test_r_mfa_1_inherence_profile_plans_key),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, NULL);
}
