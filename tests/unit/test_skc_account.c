/* Typed calls of the account family (common/skc_account.c) against a socketpair peer that
 * plays the broker: the request carries exactly the typed inputs, the reply's fields come
 * back decoded, and a malformed or missing reply is a failure, never a verdict (R-INPUT-1:
 * fail closed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_account.h"
#include "skc_peer.h"

static const struct skc_login login = { .user = "alice", .service = "sshd",
                                        .rhost = "192.0.2.7", .tty = "ssh",
                                        .profile = "staff" };

static void
test_acct_sends_the_login_and_reads_the_expiry(void **state)
{
	struct skc_peer p;
	struct skc_acct_in in = { .login = login };
	struct skc_acct_out out;
	struct sk_msg *reply, *req;

	(void)state;
	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_PW_EXPIRES, 1900000000), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.pw_expires, 1900000000);
	req = skc_peer_request(&p, SK_REQ_ACCT);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_text(req, SK_K_SERVICE, "sshd");
	skc_assert_text(req, SK_K_RHOST, "192.0.2.7");
	skc_assert_text(req, SK_K_TTY, "ssh");
	skc_assert_text(req, SK_K_PROFILE, "staff");
	skc_assert_absent(req, SK_K_ACTOR);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* No profile argument: no SK_K_PROFILE; PAM items it lacks go as "". */
static void
test_acct_leaves_out_an_empty_profile(void **state)
{
	struct skc_peer p;
	struct skc_acct_in in = { .login = { .user = "bob", .service = "login" } };
	struct skc_acct_out out;
	struct sk_msg *reply, *req;

	(void)state;
	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_NEW_AUTHTOK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_EXPIRED), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_NEW_AUTHTOK);
	assert_int_equal(out.res.reason, SK_REASON_EXPIRED);
	assert_int_equal(out.pw_expires, 0);
	req = skc_peer_request(&p, SK_REQ_ACCT);
	skc_assert_text(req, SK_K_RHOST, "");
	skc_assert_text(req, SK_K_TTY, "");
	skc_assert_absent(req, SK_K_PROFILE);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* R-INPUT-1: a reply without a status, with a status of the wrong type or out of range, or
 * with a field of the wrong type, is SK_ERR_PROTO: no verdict to act on. */
static void
test_r_input_1_acct_malformed_reply_fails_closed(void **state)
{
	struct skc_acct_in in = { .login = login };
	struct skc_acct_out out;

	(void)state;
	for (int kind = 0; kind < 5; kind++) {
		struct skc_peer p;
		struct sk_msg *reply = sk_msg_new(SK_MSG_REPLY);

		skc_peer_open(&p);
		if (kind == 1)
			assert_int_equal(sk_msg_put_text(reply, SK_K_STATUS, "ok"), SK_OK);
		else if (kind == 2)
			assert_int_equal(sk_msg_put_uint(reply, SK_K_STATUS, 256), SK_OK);
		else if (kind >= 3)
			assert_int_equal(sk_msg_put_uint(reply, SK_K_STATUS, SK_ST_OK), SK_OK);
		if (kind == 3)
			assert_int_equal(sk_msg_put_text(reply, SK_K_PW_EXPIRES, "soon"), SK_OK);
		if (kind == 4)
			assert_int_equal(sk_msg_put_text(reply, SK_K_REASON, "why"), SK_OK);
		skc_peer_answer(&p, reply);
		assert_int_equal(skc_acct(&p.client, &in, &out), SK_ERR_PROTO);
		skc_peer_close(&p);
	}
}

/* R-PRIV-1 (issue 9, item 1): an OK ACCT on a privileged service names the role, the grant's
 * end and its unix groups for the session; they come back as separate, valid names. */
static void
test_r_priv_1_acct_reads_the_grant_groups(void **state)
{
	struct skc_acct_in in = { .login = login };
	struct skc_acct_out out;
	struct skc_peer p;
	struct sk_msg *reply;

	(void)state;
	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_PRIV_ENDS, 1900000000), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_PRIV_ROLE, "ops"), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_PRIV_GROUPS, "adm sk-ops_2"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.priv_ends, 1900000000);
	assert_string_equal(out.priv_role, "ops");
	assert_int_equal(out.n_priv_groups, 2);
	assert_string_equal(out.priv_groups[0], "adm");
	assert_string_equal(out.priv_groups[1], "sk-ops_2");
	sk_msg_free(skc_peer_request(&p, SK_REQ_ACCT));
	skc_peer_close(&p);

	/* No groups in the reply (not privileged, or a role without groups): none. */
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.n_priv_groups, 0);
	sk_msg_free(skc_peer_request(&p, SK_REQ_ACCT));
	skc_peer_close(&p);
}

/* R-INPUT-1, R-PRIV-2: a group list the module could misread is no verdict at all: an empty
 * item, a name outside [a-z0-9_-] (a path, an option, a number list), more than 16 names, a
 * name too long, or a field of the wrong type is SK_ERR_PROTO and names no group. */
static void
test_r_input_1_acct_malformed_groups_fail_closed(void **state)
{
	static const char *const bad[] = {
		" adm", "adm ", "adm  ops", "Adm", "../etc", "adm,ops", "adm\tops",
		"g1 g2 g3 g4 g5 g6 g7 g8 g9 g10 g11 g12 g13 g14 g15 g16 g17",
		"a123456789012345678901234567890123456789012345678901234567890123",
	};
	struct skc_acct_in in = { .login = login };
	struct skc_acct_out out;

	(void)state;
	for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		struct skc_peer p;
		struct sk_msg *reply = skc_peer_reply(SK_ST_OK);

		skc_peer_open(&p);
		if (i < sizeof(bad) / sizeof(bad[0]))
			assert_int_equal(sk_msg_put_text(reply, SK_K_PRIV_GROUPS, bad[i]), SK_OK);
		else
			assert_int_equal(sk_msg_put_uint(reply, SK_K_PRIV_GROUPS, 4), SK_OK);
		skc_peer_answer(&p, reply);
		assert_int_equal(skc_acct(&p.client, &in, &out), SK_ERR_PROTO);
		assert_int_equal(out.n_priv_groups, 0);
		skc_peer_close(&p);
	}
	/* Sixteen names is the bound, not past it. */
	assert_int_equal(skc_acct_split_groups("g1 g2 g3 g4 g5 g6 g7 g8 g9 g10 g11 g12 g13 g14 "
	                                       "g15 g16", &out), SK_OK);
	assert_int_equal(out.n_priv_groups, 16);
	assert_string_equal(out.priv_groups[15], "g16");
}

/* A broker that hangs up, or answers with a request instead of a reply, is unavailable and
 * the connection is dropped (the next call reconnects). */
static void
test_acct_broker_gone_is_unavailable(void **state)
{
	struct skc_acct_in in = { .login = login };
	struct skc_acct_out out;
	struct skc_peer p;

	(void)state;
	skc_peer_open(&p);
	close(p.fd);
	p.fd = -1;
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_ERR_UNAVAILABLE);
	assert_int_equal(p.client.fd, -1);
	skc_peer_close(&p);

	skc_peer_open(&p);
	skc_peer_answer(&p, sk_msg_new(SK_REQ_ACCT));
	assert_int_equal(skc_acct(&p.client, &in, &out), SK_ERR_UNAVAILABLE);
	assert_int_equal(p.client.fd, -1);
	skc_peer_close(&p);
}

static void
test_chauthtok_sends_both_passwords_and_reads_the_lock(void **state)
{
	struct skc_peer p;
	struct skc_chauthtok_in in = { .login = login, .old_password = "Old-pass-1",
	                               .new_password = "New-pass-2" };
	struct skc_chauthtok_out out;
	struct sk_msg *reply, *req;

	(void)state;
	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_LOCKED);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_LOCKED_UNTIL, 1800000000), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_chauthtok(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_LOCKED);
	assert_int_equal(out.locked_until, 1800000000);
	req = skc_peer_request(&p, SK_REQ_CHAUTHTOK);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_text(req, SK_K_PASSWORD, "Old-pass-1");
	skc_assert_text(req, SK_K_NEW_PASSWORD, "New-pass-2");
	sk_msg_free(req);

	reply = skc_peer_reply(SK_ST_QUALITY);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_TOO_SHORT), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_chauthtok(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_QUALITY);
	assert_int_equal(out.res.reason, SK_REASON_TOO_SHORT);
	sk_msg_free(skc_peer_request(&p, SK_REQ_CHAUTHTOK));
	skc_peer_close(&p);
}

/* A password longer than SK_PASSWORD_MAX is refused, never cut, and never sent. */
static void
test_chauthtok_too_long_password_is_not_sent(void **state)
{
	char longpw[SK_PASSWORD_MAX + 2];
	struct skc_peer p;
	struct skc_chauthtok_in in = { .login = login, .old_password = "Old-pass-1",
	                               .new_password = longpw };
	struct skc_chauthtok_out out;

	(void)state;
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	skc_peer_open(&p);
	assert_int_equal(skc_chauthtok(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	in.new_password = "ok\xff";   /* not UTF-8 */
	assert_int_equal(skc_chauthtok(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acct_sends_the_login_and_reads_the_expiry),
		cmocka_unit_test(test_acct_leaves_out_an_empty_profile),
		cmocka_unit_test(test_r_input_1_acct_malformed_reply_fails_closed),
		cmocka_unit_test(test_acct_broker_gone_is_unavailable),
		cmocka_unit_test(test_r_priv_1_acct_reads_the_grant_groups),
		cmocka_unit_test(test_r_input_1_acct_malformed_groups_fail_closed),
		cmocka_unit_test(test_chauthtok_sends_both_passwords_and_reads_the_lock),
		cmocka_unit_test(test_chauthtok_too_long_password_is_not_sent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
