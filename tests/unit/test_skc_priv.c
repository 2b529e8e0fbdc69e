/* Typed calls of the privileged-session family and the privileged fields of the account and
 * session families (common/skc_priv.c, skc_account.c, skc_session.c, skc_auth.c; issue 9)
 * against a socketpair peer that plays the broker: the ticket travels both ways as exactly 32
 * bytes, the deadline and the warning come back decoded, and malformed replies fail closed
 * (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_account.h"
#include "skc_auth.h"
#include "skc_peer.h"
#include "skc_priv.h"
#include "skc_session.h"

static void
test_priv_end_all_sends_actor_reads_count(void **state)
{
	struct skc_priv_end_all_in in = { .actor = "admin1" };
	struct skc_priv_end_all_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;

	(void)state;
	assert_int_equal(sk_msg_put_uint(reply, SK_K_PRIV_COUNT, 7), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_priv_end_all(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.ended, 7);
	req = skc_peer_request(&p, SK_REQ_PRIV_END_ALL);
	skc_assert_text(req, SK_K_ACTOR, "admin1");
	sk_msg_free(req);
	/* R-INPUT-1: OK without the count is malformed. */
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_priv_end_all(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_PRIV_END_ALL));
	skc_peer_close(&p);
}

/* AUTH_FINISH's ticket is taken only at exactly 32 bytes; ACCT sends it and reads the grant's
 * end and role. */
static void
test_r_input_1_ticket_exact_size_and_acct_fields(void **state)
{
	unsigned char ticket[SK_AUTH_TICKET_LEN];
	struct skc_auth_finish_in fin;
	struct skc_auth_finish_out fout;
	struct skc_acct_in ain = { .login = { .user = "sato", .service = "sudo" } };
	struct skc_acct_out aout;
	struct skc_peer p;
	struct sk_msg *reply, *req;

	(void)state;
	memset(&fin, 0, sizeof(fin));
	memset(ticket, 0x5a, sizeof(ticket));
	skc_peer_open(&p);
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_AUTH_TICKET, ticket, sizeof(ticket)), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_auth_finish(&p.client, &fin, &fout), SK_OK);
	assert_true(fout.has_ticket);
	assert_memory_equal(fout.ticket, ticket, sizeof(ticket));
	sk_msg_free(skc_peer_request(&p, SK_REQ_AUTH_FINISH));
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(reply, SK_K_AUTH_TICKET, ticket, 16), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_auth_finish(&p.client, &fin, &fout), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_AUTH_FINISH));

	ain.ticket = ticket;
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_PRIV_ENDS, 1800000000), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_PRIV_ROLE, "ops"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_acct(&p.client, &ain, &aout), SK_OK);
	assert_int_equal(aout.priv_ends, 1800000000);
	assert_string_equal(aout.priv_role, "ops");
	req = skc_peer_request(&p, SK_REQ_ACCT);
	skc_assert_bytes(req, SK_K_AUTH_TICKET, ticket, sizeof(ticket));
	sk_msg_free(req);
	/* Without a ticket none is sent; a refusal carries its reason. */
	ain.ticket = NULL;
	reply = skc_peer_reply(SK_ST_DENIED);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_NO_GRANT), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_acct(&p.client, &ain, &aout), SK_OK);
	assert_int_equal(aout.res.status, SK_ST_DENIED);
	assert_int_equal(aout.res.reason, SK_REASON_NO_GRANT);
	req = skc_peer_request(&p, SK_REQ_ACCT);
	skc_assert_absent(req, SK_K_AUTH_TICKET);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* The watch: a warning is decoded with its deadline and is never taken without one; the
 * registration names the privileged deadline and role. */
static void
test_r_input_1_watch_warning_needs_deadline(void **state)
{
	struct skc_session_watch_in in = { .session = { .user = "sato", .session_id = 9 },
	                                   .action = SK_CARD_REMOVAL_END, .priv_ends = 1800000000,
	                                   .priv_role = "ops" };
	struct skc_session_watch_out out;
	struct skc_peer p;
	struct sk_msg *reply, *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_session_watch(&p.client, &in, &out), SK_OK);
	assert_false(out.ordered);
	req = skc_peer_request(&p, SK_REQ_SESSION_WATCH);
	skc_assert_uint(req, SK_K_PRIV_ENDS, 1800000000);
	skc_assert_text(req, SK_K_PRIV_ROLE, "ops");
	sk_msg_free(req);
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_SESSION_ACTION, SK_SESSION_WARN), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_EVENT, "deadline_warning"), SK_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_PRIV_ENDS, 1800000000), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_session_watch_order(&p.client, 1000, &out), SK_OK);
	assert_true(out.ordered);
	assert_int_equal(out.action, SK_SESSION_WARN);
	assert_int_equal(out.priv_ends, 1800000000);
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_SESSION_ACTION, SK_SESSION_WARN), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_EVENT, "deadline_warning"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_session_watch_order(&p.client, 1000, &out), SK_ERR_PROTO);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priv_end_all_sends_actor_reads_count),
		cmocka_unit_test(test_r_input_1_ticket_exact_size_and_acct_fields),
		cmocka_unit_test(test_r_input_1_watch_warning_needs_deadline),
	};

	return cmocka_run_group_tests_name("skc_priv", tests, NULL, NULL);
}
