/* The origin policy (R-MFA-3): the profile keys origins, from.KIND and classes.KIND, their
 * refusals of bad values with the line, address ranges, the merge of the line's and the
 * user's policies (the stricter wins), and the broker's decision (broker/verify/origin.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "origin.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_origin.h"
#include "sk_test_helpers.h"

static char dir[512];
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

/* Loads a file with one profile "p" (methods password, totp) plus extra lines. */
static int
load(const char *extra, char *err, size_t errsz)
{
	char text[4096], path[700];

	snprintf(text, sizeof(text),
	         "[broker]\ndefault_profile = p\n[profile p]\nmethods = password, totp\n%s", extra);
	sk_test_write_file(dir, "sekimori.conf", text, path, sizeof(path));
	return sk_conf_load(path, &conf, err, errsz);
}

static void
test_r_mfa_3_keys_parsed(void **state)
{
	char err[512] = "";
	const struct sk_profile *p;

	(void)state;
	assert_int_equal(load("origins = local, sshd, radius\n"
	                      "from.sshd = 192.0.2.0/24, 2001:db8::/32, 203.0.113.9\n"
	                      "from.openvpn = 10.8.0.0/16\n"
	                      "classes.radius = knowledge, inherence\n", err, sizeof(err)), SK_OK);
	p = sk_conf_profile(&conf, "p");
	assert_non_null(p);
	assert_true(p->origin.set);
	assert_int_equal(p->origin.kinds, (1u << SK_FRONTEND_LOCAL) | (1u << SK_FRONTEND_SSHD) |
	                                  (1u << SK_FRONTEND_RADIUS));
	assert_int_equal(p->origin.n_from[SK_FRONTEND_SSHD], 3);
	assert_int_equal(p->origin.from[SK_FRONTEND_SSHD][2].prefix, 32);
	assert_int_equal(p->origin.n_from[SK_FRONTEND_OPENVPN], 1);
	assert_int_equal(p->origin.classes[SK_FRONTEND_RADIUS],
	                 SK_CLASS_KNOWLEDGE | SK_CLASS_INHERENCE);
	assert_int_equal(p->origin.classes[SK_FRONTEND_SSHD], 0);
}

static void
test_r_mfa_3_bad_values_refused(void **state)
{
	static const char *bad[] = {
		"origins = local, telnet\n",          /* not a kind */
		"from.sshd = 192.0.2.1/24\n",         /* host bits set: wider than written */
		"from.sshd = 192.0.2.0/33\n",
		"from.sshd = 2001:db8::/129\n",
		"from.sshd = gw.example\n",           /* names are not ranges */
		"from.sshd = 192.0.2.0/\n",
		"from.local = 127.0.0.1\n",
		"from.sshd = 1.0.0.0/8, 2.0.0.0/8, 3.0.0.0/8, 4.0.0.0/8, 5.0.0.0/8, 6.0.0.0/8, "
		"7.0.0.0/8, 8.0.0.0/8, 9.0.0.0/8\n", /* more than SK_ORIGIN_NETS_MAX */
		"classes.sshd = knowledge, luck\n",
		"from.telnet = 192.0.2.0/24\n",
		"origins =\n",                       /* empty: neither "nobody" nor "any" */
		"from.sshd = ,\n",
		"classes.sshd =\n",
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (load(bad[i], err, sizeof(err)) != SK_ERR_CONFIG)
			fail_msg("accepted: %s", bad[i]);
		if (strstr(err, ":5: ") == NULL)   /* the line of the bad key */
			fail_msg("%s: %s", bad[i], err);
	}
}

static void
test_r_mfa_3_ranges(void **state)
{
	struct sk_origin_policy p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(sk_origin_parse(&p, "from.sshd", "192.0.2.128/25, 2001:db8:1::/48"), 0);
	assert_true(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "192.0.2.200"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "192.0.2.127"));
	assert_true(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "2001:db8:1:ffff::1"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "2001:db8:2::1"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "::ffff:192.0.2.200"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, "host.example"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_SSHD], 2, ""));
	assert_int_equal(sk_origin_parse(&p, "from.openvpn", "0.0.0.0/0"), 0);
	assert_true(sk_net_contains(p.from[SK_FRONTEND_OPENVPN], 1, "203.0.113.1"));
	assert_false(sk_net_contains(p.from[SK_FRONTEND_OPENVPN], 1, "2001:db8::1"));
}

/* The line lets sshd in from 192.0.2.0/24, the user's own profile only from 192.0.2.64/26
 * and the VPN from a disjoint range: the merge keeps the narrower range and drops the VPN. */
static void
test_r_mfa_3_merge_stricter_wins(void **state)
{
	struct sk_profile line, user, out;

	(void)state;
	memset(&line, 0, sizeof(line));
	memset(&user, 0, sizeof(user));
	assert_int_equal(sk_origin_parse(&line.origin, "origins", "local, sshd, openvpn, radius"), 0);
	assert_int_equal(sk_origin_parse(&line.origin, "from.sshd", "192.0.2.0/24"), 0);
	assert_int_equal(sk_origin_parse(&line.origin, "from.openvpn", "10.8.0.0/16"), 0);
	assert_int_equal(sk_origin_parse(&line.origin, "classes.sshd", "possession"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "origins", "local, sshd, openvpn"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "from.sshd", "192.0.2.64/26"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "from.openvpn", "10.9.0.0/16"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "classes.sshd", "inherence"), 0);
	sk_profile_merge(&line, &user, &out);
	assert_int_equal(out.origin.kinds, (1u << SK_FRONTEND_LOCAL) | (1u << SK_FRONTEND_SSHD));
	assert_int_equal(out.origin.n_from[SK_FRONTEND_SSHD], 1);
	assert_int_equal(out.origin.from[SK_FRONTEND_SSHD][0].prefix, 26);
	assert_int_equal(out.origin.classes[SK_FRONTEND_SSHD],
	                 SK_CLASS_POSSESSION | SK_CLASS_INHERENCE);
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_SSHD, "192.0.2.10"),
	                    "address_not_allowed");
	assert_null(origin_refusal(&out, SK_FRONTEND_SSHD, "192.0.2.70"));
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_OPENVPN, "10.8.0.1"),
	                    "remote_not_allowed");
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_RADIUS, ""), "remote_not_allowed");

	/* A profile without `origins` merges as its `remote` says. */
	memset(&user, 0, sizeof(user));
	user.allow_remote = 0;
	sk_profile_merge(&line, &user, &out);
	assert_int_equal(out.origin.kinds, 1u << SK_FRONTEND_LOCAL);
}

static void
test_r_mfa_3_decision(void **state)
{
	struct sk_profile p;
	unsigned kind;

	(void)state;
	memset(&p, 0, sizeof(p));
	/* No origins, remote = no (the default): only local. */
	assert_null(origin_refusal(&p, SK_FRONTEND_LOCAL, ""));
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_SSHD, "192.0.2.1"), "remote_not_allowed");
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_LOCAL, "192.0.2.1"), "origin_mismatch");
	p.allow_remote = 1;
	assert_null(origin_refusal(&p, SK_FRONTEND_OTHER, "192.0.2.1"));
	assert_null(origin_refusal(&p, SK_FRONTEND_RADIUS, ""));
	/* origins without local: the console is refused too. */
	assert_int_equal(sk_origin_parse(&p.origin, "origins", "openvpn"), 0);
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_LOCAL, ""), "local_not_allowed");
	assert_null(origin_refusal(&p, SK_FRONTEND_OPENVPN, "198.51.100.1"));
	/* The kind on the wire: explicit, or derived for lines without frontend=. */
	assert_int_equal(origin_kind(0, "", &kind), SK_OK);
	assert_int_equal(kind, SK_FRONTEND_LOCAL);
	assert_int_equal(origin_kind(0, "192.0.2.1", &kind), SK_OK);
	assert_int_equal(kind, SK_FRONTEND_OTHER);
	assert_int_equal(origin_kind(SK_FRONTEND_RADIUS, "", &kind), SK_OK);
	assert_int_equal(kind, SK_FRONTEND_RADIUS);
	assert_int_equal(origin_kind(SK_FRONTEND_MAX + 1, "", &kind), SK_ERR_PROTO);
	/* classes.KIND raises both the required classes and their count. */
	p.required_classes = SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION;
	p.min_classes = 2;
	assert_int_equal(sk_origin_parse(&p.origin, "classes.openvpn", "inherence"), 0);
	origin_require(&p, SK_FRONTEND_OPENVPN);
	assert_int_equal(p.required_classes,
	                 SK_CLASS_KNOWLEDGE | SK_CLASS_POSSESSION | SK_CLASS_INHERENCE);
	assert_int_equal(p.min_classes, 3);
}

/* from.radius restricts RADIUS logins to the client addresses (Calling-Station-Id) in its
 * ranges. rlm_pam's single-field path passes no address: with from.radius set it is refused
 * (fail-closed), as is a Calling-Station-Id that is not an IP address (a MAC, a number). */
static void
test_r_mfa_3_from_radius(void **state)
{
	struct sk_profile p;
	const struct sk_profile *cp;
	char err[512];

	(void)state;
	err[0] = '\0';
	assert_int_equal(load("from.radius = 192.0.2.0/24, 2001:db8:5::/48\n", err, sizeof(err)),
	                 SK_OK);
	cp = sk_conf_profile(&conf, "p");
	assert_non_null(cp);
	assert_int_equal(cp->origin.n_from[SK_FRONTEND_RADIUS], 2);
	assert_int_equal(cp->origin.from[SK_FRONTEND_RADIUS][0].prefix, 24);
	assert_int_equal(cp->origin.from[SK_FRONTEND_RADIUS][1].family, 6);

	memset(&p, 0, sizeof(p));
	assert_int_equal(sk_origin_parse(&p.origin, "origins", "local, sshd, radius"), 0);
	assert_int_equal(sk_origin_parse(&p.origin, "from.radius", "192.0.2.0/24, 2001:db8:5::/48"),
	                 0);
	assert_null(origin_refusal(&p, SK_FRONTEND_RADIUS, "192.0.2.7"));
	assert_null(origin_refusal(&p, SK_FRONTEND_RADIUS, "2001:db8:5::9"));
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_RADIUS, "198.51.100.7"),
	                    "address_not_allowed");
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_RADIUS, ""), "address_not_allowed");
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_RADIUS, "02-00-5e-00-53-01"),
	                    "address_not_allowed");
	/* The ranges are the RADIUS client's only: sshd stays open from anywhere. */
	assert_null(origin_refusal(&p, SK_FRONTEND_SSHD, "198.51.100.7"));
	/* Without from.radius a RADIUS login without an address is let in as before. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(sk_origin_parse(&p.origin, "origins", "radius"), 0);
	assert_null(origin_refusal(&p, SK_FRONTEND_RADIUS, ""));
	/* `origins` not naming radius still refuses it whatever the address. */
	assert_int_equal(sk_origin_parse(&p.origin, "origins", "sshd"), 0);
	assert_int_equal(sk_origin_parse(&p.origin, "from.radius", "192.0.2.0/24"), 0);
	assert_string_equal(origin_refusal(&p, SK_FRONTEND_RADIUS, "192.0.2.7"),
	                    "remote_not_allowed");
}

/* The line's and the user's from.radius merge like from.sshd: the narrower range wins, and
 * ranges that do not meet let no RADIUS login in. */
static void
test_r_mfa_3_from_radius_merge(void **state)
{
	struct sk_profile line, user, out;

	(void)state;
	memset(&line, 0, sizeof(line));
	memset(&user, 0, sizeof(user));
	assert_int_equal(sk_origin_parse(&line.origin, "origins", "local, radius"), 0);
	assert_int_equal(sk_origin_parse(&line.origin, "from.radius", "192.0.2.0/24"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "origins", "local, radius"), 0);
	assert_int_equal(sk_origin_parse(&user.origin, "from.radius", "192.0.2.128/25"), 0);
	sk_profile_merge(&line, &user, &out);
	assert_int_equal(out.origin.n_from[SK_FRONTEND_RADIUS], 1);
	assert_int_equal(out.origin.from[SK_FRONTEND_RADIUS][0].prefix, 25);
	assert_null(origin_refusal(&out, SK_FRONTEND_RADIUS, "192.0.2.200"));
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_RADIUS, "192.0.2.10"),
	                    "address_not_allowed");
	/* Only the user's profile restricts: its ranges apply. */
	memset(&line, 0, sizeof(line));
	assert_int_equal(sk_origin_parse(&line.origin, "origins", "local, radius"), 0);
	sk_profile_merge(&line, &user, &out);
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_RADIUS, ""), "address_not_allowed");
	/* Disjoint: RADIUS is dropped. */
	assert_int_equal(sk_origin_parse(&line.origin, "from.radius", "198.51.100.0/24"), 0);
	sk_profile_merge(&line, &user, &out);
	assert_int_equal(out.origin.kinds & (1u << SK_FRONTEND_RADIUS), 0);
	assert_string_equal(origin_refusal(&out, SK_FRONTEND_RADIUS, "192.0.2.200"),
	                    "remote_not_allowed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_mfa_3_keys_parsed),
		cmocka_unit_test(test_r_mfa_3_bad_values_refused),
		cmocka_unit_test(test_r_mfa_3_ranges),
		cmocka_unit_test(test_r_mfa_3_merge_stricter_wins),
		cmocka_unit_test(test_r_mfa_3_decision),
		cmocka_unit_test(test_r_mfa_3_from_radius),
		cmocka_unit_test(test_r_mfa_3_from_radius_merge),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
