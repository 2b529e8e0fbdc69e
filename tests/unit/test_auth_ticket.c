/* The authentication ticket (broker/core/auth_ticket.c, issue 9 item 3): how the account and
 * session phases of one PAM transaction know its auth phase proved the user's factors. A
 * forged, replayed, foreign or expired ticket is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "auth_ticket.h"
#include "sk_err.h"
#include "sk_log.h"

/* One ACCT per ticket: the second is a replay. SESSION_OPEN only after ACCT, once. */
static void
test_r_priv_2_ticket_passes_one_acct_and_one_session(void **state)
{
	unsigned char t[AUTH_TICKET_LEN];
	struct auth_ticket_view v;
	int64_t now = time(NULL);

	(void)state;
	assert_int_equal(auth_ticket_issue("alice", "sudo", 0x3, now, t), SK_OK);
	assert_int_equal(auth_ticket_take_session(t, "alice", "sudo", now, &v), SK_ERR_NOTFOUND);
	assert_int_equal(auth_ticket_use_acct(t, "alice", "sudo", now, &v), SK_OK);
	assert_string_equal(v.user, "alice");
	assert_int_equal(v.classes, 0x3);
	assert_int_equal(auth_ticket_use_acct(t, "alice", "sudo", now, &v), SK_ERR_NOTFOUND);
	auth_ticket_note_grant(t, 42, "dbadmin", now + 600);
	assert_int_equal(auth_ticket_take_session(t, "alice", "sudo", now, &v), SK_OK);
	assert_int_equal(v.grant_id, 42);
	assert_string_equal(v.role, "dbadmin");
	assert_int_equal(v.ends_at, now + 600);
	assert_int_equal(auth_ticket_take_session(t, "alice", "sudo", now, &v), SK_ERR_NOTFOUND);
	auth_ticket_clear();
}

/* A forged ticket (one bit off), another user's or another service's, and an expired one. */
static void
test_r_priv_2_foreign_forged_expired_refused(void **state)
{
	unsigned char t[AUTH_TICKET_LEN], forged[AUTH_TICKET_LEN];
	struct auth_ticket_view v;
	int64_t now = time(NULL);

	(void)state;
	assert_int_equal(auth_ticket_issue("bob", "sudo", 0x3, now, t), SK_OK);
	memcpy(forged, t, sizeof(t));
	forged[5] ^= 1;
	assert_int_equal(auth_ticket_use_acct(forged, "bob", "sudo", now, &v), SK_ERR_NOTFOUND);
	assert_int_equal(auth_ticket_use_acct(t, "mallory", "sudo", now, &v), SK_ERR_NOTFOUND);
	assert_int_equal(auth_ticket_use_acct(t, "bob", "sshd", now, &v), SK_ERR_NOTFOUND);
	assert_int_equal(auth_ticket_use_acct(t, "bob", "sudo", now + AUTH_TICKET_TTL + 1, &v),
	                 SK_ERR_NOTFOUND);
	/* Expired is gone for good, even at the right time afterwards. */
	assert_int_equal(auth_ticket_use_acct(t, "bob", "sudo", now, &v), SK_ERR_NOTFOUND);
	auth_ticket_clear();
}

/* The table is bounded: the oldest ticket gives way, and is refused then (never let in). */
static void
test_table_full_drops_oldest(void **state)
{
	unsigned char first[AUTH_TICKET_LEN], t[AUTH_TICKET_LEN];
	struct auth_ticket_view v;
	int64_t now = time(NULL);

	(void)state;
	assert_int_equal(auth_ticket_issue("carol", "sudo", 0x3, now - 10, first), SK_OK);
	for (int i = 0; i < AUTH_TICKETS_MAX; i++)
		assert_int_equal(auth_ticket_issue("dave", "sudo", 0x3, now, t), SK_OK);
	assert_int_equal(auth_ticket_use_acct(first, "carol", "sudo", now, &v), SK_ERR_NOTFOUND);
	assert_int_equal(auth_ticket_use_acct(t, "dave", "sudo", now, &v), SK_OK);
	auth_ticket_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_priv_2_ticket_passes_one_acct_and_one_session),
		cmocka_unit_test(test_r_priv_2_foreign_forged_expired_refused),
		cmocka_unit_test(test_table_full_drops_oldest),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests_name("auth_ticket", tests, NULL, NULL);
}
