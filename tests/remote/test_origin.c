/* Origin-aware policy through the real stack (R-MFA-3): PAM lines that name their front end
 * (frontend=), profiles that name the origins that may log in, their address ranges and the
 * classes each origin needs; every decision records the origin in the audit record.
 * The built module runs in real libpam (pam_start_confdir) against a real sekimorid. */
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

static const char *profiles =
	"[profile staff]\n"
	"classes = knowledge, possession\nmethods = password, totp\ntotp_window = 2\n"
	"deny = 10\nunlock_time = 0\n"
	"origins = local, sshd, openvpn, radius\n"
	"from.sshd = 192.0.2.0/24, 2001:db8::/32\n"
	"classes.radius = inherence\n"
	"[profile mynumber]\n"
	"methods = password, totp\ntotp_window = 2\n"
	/* A user's own profile: only the VPN, and only from half of its address pool. */
	"[profile vpnonly]\n"
	"methods = password, totp\ntotp_window = 2\n"
	"origins = local, openvpn\nfrom.openvpn = 198.51.100.0/25\n"
	/* pam_unix (here pam_permit or pam_deny) checks the password; the hooks count. */
	"[profile stackp]\n"
	"knowledge = stack\nmethods = password, totp\ntotp_window = 2\n"
	"origins = local, sshd\n";

static struct sk_fixture fx;
static const char *pw = "Sakura-Namiki-2026";

struct account {
	char name[32];
	char temp[64];
	char seed[64];
};

static void
line(const char *service, const char *profile, const char *frontend)
{
	char args[1024];

	snprintf(args, sizeof(args), "profile=%s conf=%s%s%s", profile, fx.conf,
	         frontend ? " frontend=" : "", frontend ? frontend : "");
	skpd_write_service(fx.pamdir, service, args, NULL);
}

/* The stack of conf/pam.d/sekimori-stack on an sshd line, with `password_module` in place of
 * pam_unix. */
static void
stack_line(const char *service, const char *password_module)
{
	const char *mod = getenv("SK_PAM_MODULE");
	char text[4096];

	snprintf(text, sizeof(text),
	         "auth requisite %s profile=stackp conf=%s frontend=sshd preauth\n"
	         "auth [success=1 default=bad] %s\n"
	         "auth [default=die] %s profile=stackp conf=%s frontend=sshd authfail\n"
	         "auth required %s profile=stackp conf=%s frontend=sshd\n",
	         mod, fx.conf, password_module, mod, fx.conf, mod, fx.conf);
	skpd_write_service(fx.pamdir, service, NULL, text);
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", profiles);
	line("sk-test", "staff", "local");          /* skfx_first_login's service */
	line("sk-sshd", "staff", "sshd");
	line("sk-vpn", "staff", "openvpn");
	line("sk-radius", "staff", "radius");
	line("sk-unnamed", "staff", NULL);          /* a line written before frontend= */
	line("sk-lo-sshd", "mynumber", "sshd");
	stack_line("sk-stack-bad", "pam_deny.so");
	stack_line("sk-stack-ok", "pam_permit.so");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

/* A user with a TOTP token who changed the temporary password on the console (+30 step
 * used; one more login with the +60 code remains). */
static void
ready(struct account *a, const char *name, const char *profile)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
	skfx_add_user(&fx, a->name, profile, a->temp, sizeof(a->temp));
	skfx_enroll_totp(&fx, a->name, a->seed, sizeof(a->seed));
	skfx_first_login(&fx, a->name, a->temp, a->seed, pw);
}

static int
auth(struct skpd *d, const char *service, const struct account *a, const char *rhost)
{
	char code[16];

	skfx_totp_code(a->seed, 60, code, sizeof(code));
	return skpd_authenticate(d, fx.pamdir, service, a->name, rhost, pw, code);
}

static int
audited(const char *user, const char *result, const char *origin, const char *reason)
{
	char u[64], r[64], o[64], why[64];

	snprintf(u, sizeof(u), "\"user\":\"%s\"", user);
	snprintf(r, sizeof(r), "\"result\":\"%s\"", result);
	snprintf(o, sizeof(o), "\"origin\":\"%s\"", origin);
	snprintf(why, sizeof(why), "\"reason\":\"%s\"", reason);
	return skfx_audit_count(&fx, "\"event\":\"auth\"", u, r, o, why, (const char *)NULL);
}

/* An allowed front end from an allowed address logs in; the record names the origin. */
static void
test_r_mfa_3_allowed_origin_recorded(void **state)
{
	struct account a, b;
	struct skpd d;

	(void)state;
	ready(&a, "ok-v4", "staff");
	assert_int_equal(auth(&d, "sk-sshd", &a, "192.0.2.5"), PAM_SUCCESS);
	assert_int_equal(audited("ok-v4", "allow", "sshd", "ok"), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"ok-v4\"", "\"rhost\":\"192.0.2.5\"",
	                                  "\"origin\":\"sshd\"", (const char *)NULL), 1);
	/* The console login of the first change was recorded as local. */
	assert_int_equal(audited("ok-v4", "allow", "local", "ok"), 1);
	ready(&b, "ok-v6", "staff");
	assert_int_equal(auth(&d, "sk-sshd", &b, "2001:db8::7"), PAM_SUCCESS);
	assert_int_equal(audited("ok-v6", "allow", "sshd", "ok"), 1);
}

/* An address outside from.sshd, or a host name (no range can vouch for it), is refused
 * before anything is asked. */
static void
test_r_mfa_3_address_outside_range_refused(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "far", "staff");
	assert_int_equal(auth(&d, "sk-sshd", &a, "198.51.100.9"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Password"));
	assert_int_equal(auth(&d, "sk-sshd", &a, "2001:db9::1"), PAM_AUTH_ERR);
	assert_int_equal(auth(&d, "sk-sshd", &a, "gw.example.invalid"), PAM_AUTH_ERR);
	assert_int_equal(audited("far", "deny", "sshd", "address_not_allowed"), 3);
	/* The right address still works: nothing was counted against the account. */
	assert_int_equal(auth(&d, "sk-sshd", &a, "192.0.2.200"), PAM_SUCCESS);
}

/* A remote login on a line that names no front end is "other", which this profile does not
 * list; the same line without PAM_RHOST is local. */
static void
test_r_mfa_3_unnamed_front_end_is_other(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "unnamed", "staff");
	assert_int_equal(auth(&d, "sk-unnamed", &a, "192.0.2.5"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Password"));
	assert_int_equal(audited("unnamed", "deny", "other", "remote_not_allowed"), 1);
	assert_int_equal(auth(&d, "sk-unnamed", &a, NULL), PAM_SUCCESS);
	assert_int_equal(audited("unnamed", "allow", "local", "ok"), 2);   /* + first login */
}

/* frontend=local while the application names a remote host: refused as contradictory. */
static void
test_r_mfa_3_local_line_with_remote_host_refused(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "mismatch", "staff");
	assert_int_equal(auth(&d, "sk-test", &a, "192.0.2.5"), PAM_AUTH_ERR);
	assert_int_equal(audited("mismatch", "deny", "local", "origin_mismatch"), 1);
}

/* A profile that says nothing about remote access refuses it (the default is no). */
static void
test_r_mfa_3_remote_denied_by_default(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "dflt", "mynumber");
	assert_int_equal(auth(&d, "sk-lo-sshd", &a, "192.0.2.5"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Password"));
	assert_int_equal(audited("dflt", "deny", "sshd", "remote_not_allowed"), 1);
}

/* classes.radius = inherence: a user with password and TOTP cannot log in through RADIUS,
 * while the VPN (no extra class) lets the same user in. */
static void
test_r_mfa_3_origin_needs_more_classes(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "radclass", "staff");
	assert_int_equal(auth(&d, "sk-radius", &a, NULL), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "factors this terminal requires are not registered"));
	assert_int_equal(audited("radclass", "deny", "radius", "no_factors"), 1);
	assert_int_equal(auth(&d, "sk-vpn", &a, "198.51.100.3"), PAM_SUCCESS);
	assert_int_equal(audited("radclass", "allow", "openvpn", "ok"), 1);
}

/* A contractor ID (R-MFA-4) gets its own profile, which narrows every line it logs in on:
 * only the VPN, only from 198.51.100.0/25, and MFA as on every profile. Its
 * refusals look like a wrong password (the plan is asked for), and the record says why. */
static void
test_r_mfa_4_contractor_profile_narrows_origins(void **state)
{
	struct account a;
	struct skpd d;

	(void)state;
	ready(&a, "contractor", "vpnonly");
	assert_int_equal(auth(&d, "sk-sshd", &a, "192.0.2.5"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "Password"));   /* hidden like an unknown name */
	assert_int_equal(audited("contractor", "deny", "sshd", "remote_not_allowed"), 1);
	assert_int_equal(auth(&d, "sk-vpn", &a, "198.51.100.200"), PAM_AUTH_ERR);
	assert_int_equal(audited("contractor", "deny", "openvpn", "address_not_allowed"), 1);
	assert_int_equal(auth(&d, "sk-vpn", &a, "198.51.100.100"), PAM_SUCCESS);
	assert_int_equal(audited("contractor", "allow", "openvpn", "ok"), 1);
}

/* Stack mode: the failure the authfail hook counts and the attempt abandoned at the code
 * prompt (reported from pam_end) are recorded with the line's origin too. */
static void
test_r_mfa_3_stack_hooks_record_origin(void **state)
{
	char temp[64], seed[64];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "stack-o", "stackp", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "stack-o", seed, sizeof(seed));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-bad", "stack-o", "192.0.2.9",
	                                   NULL, NULL), PAM_AUTH_ERR);
	assert_int_equal(audited("stack-o", "deny", "sshd", "stack_password_failed"), 1);
	/* pam_permit passes, the code prompt gets no answer: abandoned. */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stack-o", "192.0.2.9",
	                                   NULL, NULL), PAM_CONV_ERR);
	assert_int_equal(audited("stack-o", "deny", "sshd", "stack_second_step_abandoned"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_mfa_3_allowed_origin_recorded),
		cmocka_unit_test(test_r_mfa_3_address_outside_range_refused),
		cmocka_unit_test(test_r_mfa_3_unnamed_front_end_is_other),
		cmocka_unit_test(test_r_mfa_3_local_line_with_remote_host_refused),
		cmocka_unit_test(test_r_mfa_3_remote_denied_by_default),
		cmocka_unit_test(test_r_mfa_3_origin_needs_more_classes),
		cmocka_unit_test(test_r_mfa_4_contractor_profile_narrows_origins),
		cmocka_unit_test(test_r_mfa_3_stack_hooks_record_origin),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
