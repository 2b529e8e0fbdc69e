/* Typed calls of the privileged-access family (common/skc_grant.c) against a socketpair peer
 * that plays the broker: each request carries the fields the protocol names
 * (doc/protocol.md), required texts are never sent empty, and malformed replies fail closed
 * (R-INPUT-1). Issue 9: R-SOD-1, R-PRIV-3, R-EXC-1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_grant.h"
#include "skc_peer.h"

static struct sk_msg *
grant_reply(uint64_t id, uint64_t state, uint64_t ends)
{
	struct sk_msg *m = skc_peer_reply(SK_ST_OK);

	assert_int_equal(sk_msg_put_uint(m, SK_K_GRANT_ID, id), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_GRANT_STATE, state), SK_OK);
	if (ends != 0)
		assert_int_equal(sk_msg_put_uint(m, SK_K_GRANT_ENDS, ends), SK_OK);
	return m;
}

static void
test_r_priv_7_request_sends_role_minutes_reason_ticket(void **state)
{
	struct skc_grant_request_in in = { .actor = "alice", .role = "dba", .minutes = 20,
	                                   .reason = "patch", .ticket = "CHG-1" };
	struct skc_grant_out out;
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, grant_reply(7, 0, 0));
	assert_int_equal(skc_grant_request(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.id, 7);
	assert_int_equal(out.state, 0);
	req = skc_peer_request(&p, SK_REQ_GRANT_REQUEST);
	skc_assert_text(req, SK_K_ROLE, "dba");
	skc_assert_uint(req, SK_K_MINUTES, 20);
	skc_assert_text(req, SK_K_GRANT_REASON, "patch");
	skc_assert_text(req, SK_K_TICKET, "CHG-1");
	skc_assert_absent(req, SK_K_BREAKGLASS);
	sk_msg_free(req);
	/* Break-glass: the flag, no ticket; an active grant says when it ends. */
	in.breakglass = 1;
	in.ticket = NULL;
	skc_peer_answer(&p, grant_reply(8, 2, 1700000000));
	assert_int_equal(skc_grant_request(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.ends, 1700000000);
	req = skc_peer_request(&p, SK_REQ_GRANT_REQUEST);
	{
		int b = 0;

		assert_int_equal(sk_msg_get_bool(req, SK_K_BREAKGLASS, &b), SK_OK);
		assert_true(b);
	}
	skc_assert_absent(req, SK_K_TICKET);
	sk_msg_free(req);
	/* No reason, or no minutes: nothing sent. */
	in.reason = "";
	assert_int_equal(skc_grant_request(&p.client, &in, &out), SK_ERR_RANGE);
	in.reason = "x";
	in.minutes = 0;
	assert_int_equal(skc_grant_request(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

/* R-INPUT-1: an OK without the id, an active grant without its end, a state out of range. */
static void
test_r_input_1_malformed_grant_replies_fail_closed(void **state)
{
	struct skc_grant_decide_in in = { .actor = "bob", .id = 3 };
	struct skc_grant_out out;
	struct skc_peer p;
	struct sk_msg *m;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_GRANT_APPROVE));
	skc_peer_answer(&p, grant_reply(3, 2, 0));
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_GRANT_APPROVE));
	skc_peer_answer(&p, grant_reply(3, 9, 0));
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_GRANT_APPROVE));
	m = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_GRANT_ID, "3"), SK_OK);
	skc_peer_answer(&p, m);
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_GRANT_APPROVE));
	skc_peer_close(&p);
}

/* R-SOD-1: a refusal comes back as POLICY with its reason, nothing else needed. */
static void
test_r_sod_1_approve_confirm_deny_revoke_fields(void **state)
{
	struct skc_grant_decide_in in = { .actor = "alice", .id = 5 };
	struct skc_grant_out out;
	struct skc_peer p;
	struct sk_msg *req, *m = skc_peer_reply(SK_ST_POLICY);

	(void)state;
	assert_int_equal(sk_msg_put_uint(m, SK_K_REASON, SK_REASON_SELF_APPROVAL), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, m);
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_POLICY);
	assert_int_equal(out.res.reason, SK_REASON_SELF_APPROVAL);
	req = skc_peer_request(&p, SK_REQ_GRANT_APPROVE);
	skc_assert_uint(req, SK_K_GRANT_ID, 5);
	skc_assert_absent(req, SK_K_GRANT_STEP);
	sk_msg_free(req);
	in.step = 1;
	skc_peer_answer(&p, grant_reply(5, 2, 99));
	assert_int_equal(skc_grant_approve(&p.client, &in, &out), SK_OK);
	req = skc_peer_request(&p, SK_REQ_GRANT_APPROVE);
	skc_assert_uint(req, SK_K_GRANT_STEP, 1);
	sk_msg_free(req);
	/* Deny needs a reason; revoke sends only the id. */
	in.reason = NULL;
	assert_int_equal(skc_grant_deny(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	in.reason = "no ticket";
	skc_peer_answer(&p, grant_reply(5, 3, 0));
	assert_int_equal(skc_grant_deny(&p.client, &in, &out), SK_OK);
	req = skc_peer_request(&p, SK_REQ_GRANT_DENY);
	skc_assert_text(req, SK_K_GRANT_REASON, "no ticket");
	sk_msg_free(req);
	skc_peer_answer(&p, grant_reply(5, 4, 0));
	assert_int_equal(skc_grant_revoke(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.state, 4);
	req = skc_peer_request(&p, SK_REQ_GRANT_REVOKE);
	skc_assert_absent(req, SK_K_GRANT_REASON);
	sk_msg_free(req);
	in.id = 0;
	assert_int_equal(skc_grant_revoke(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

static void
test_r_priv_3_delegation_review_list_contractor(void **state)
{
	struct skc_delegation_nominate_in nom = { .actor = "alice", .role = "dba", .user = "carol",
	                                          .reason = "leave" };
	struct skc_grant_decide_in dec = { .actor = "kato", .id = 2, .step = 0 };
	struct skc_review_close_in rc = { .actor = "kato", .id = 4, .comment = "fine" };
	struct skc_priv_list_in li = { .actor = "kato", .what = SK_PRIV_LIST_REVIEWS };
	struct skc_user_contractor_in uc = { .actor = "alice", .user = "ext1", .contractor = 1 };
	struct skc_grant_out out;
	struct skc_reply_out vout;
	struct skc_json_out jout;
	struct skc_peer p;
	struct sk_msg *req, *m;

	(void)state;
	skc_peer_open(&p);
	m = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_GRANT_ID, 2), SK_OK);
	skc_peer_answer(&p, m);
	assert_int_equal(skc_delegation_nominate(&p.client, &nom, &out), SK_OK);
	assert_int_equal(out.id, 2);
	req = skc_peer_request(&p, SK_REQ_DELEGATION_NOMINATE);
	skc_assert_text(req, SK_K_ROLE, "dba");
	skc_assert_text(req, SK_K_USER, "carol");
	skc_assert_text(req, SK_K_GRANT_REASON, "leave");
	sk_msg_free(req);
	/* OK without the delegation's id: malformed. */
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_delegation_nominate(&p.client, &nom, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_DELEGATION_NOMINATE));
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_delegation_decide(&p.client, &dec, &vout), SK_OK);
	req = skc_peer_request(&p, SK_REQ_DELEGATION_DECIDE);
	skc_assert_uint(req, SK_K_GRANT_ID, 2);
	skc_assert_uint(req, SK_K_GRANT_STEP, 0);
	sk_msg_free(req);
	dec.step = 3;
	assert_int_equal(skc_delegation_decide(&p.client, &dec, &vout), SK_ERR_RANGE);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_review_close(&p.client, &rc, &vout), SK_OK);
	req = skc_peer_request(&p, SK_REQ_REVIEW_CLOSE);
	skc_assert_uint(req, SK_K_GRANT_ID, 4);
	skc_assert_text(req, SK_K_COMMENT, "fine");
	sk_msg_free(req);
	rc.comment = "";
	assert_int_equal(skc_review_close(&p.client, &rc, &vout), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	m = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_JSON, "{\"reviews\":[],\"truncated\":false}"),
	                 SK_OK);
	skc_peer_answer(&p, m);
	assert_int_equal(skc_priv_list(&p.client, &li, &jout), SK_OK);
	assert_non_null(jout.doc);
	json_object_put(jout.doc);
	req = skc_peer_request(&p, SK_REQ_PRIV_LIST);
	skc_assert_uint(req, SK_K_LIST_WHAT, SK_PRIV_LIST_REVIEWS);
	sk_msg_free(req);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_user_contractor(&p.client, &uc, &vout), SK_OK);
	req = skc_peer_request(&p, SK_REQ_USER_CONTRACTOR);
	skc_assert_text(req, SK_K_USER, "ext1");
	{
		int b = 0;

		assert_int_equal(sk_msg_get_bool(req, SK_K_CONTRACTOR, &b), SK_OK);
		assert_true(b);
	}
	sk_msg_free(req);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_priv_7_request_sends_role_minutes_reason_ticket),
		cmocka_unit_test(test_r_input_1_malformed_grant_replies_fail_closed),
		cmocka_unit_test(test_r_sod_1_approve_confirm_deny_revoke_fields),
		cmocka_unit_test(test_r_priv_3_delegation_review_list_contractor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
