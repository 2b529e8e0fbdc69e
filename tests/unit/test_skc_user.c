/* Typed calls of the user family (common/skc_user.c, and TOTP_REMOVE of skc_totp.c) against
 * a socketpair peer that plays the broker: every request names the administrator (actor) and
 * the user, the temporary password and the JSON documents come back decoded, and malformed
 * replies fail closed (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_peer.h"
#include "skc_totp.h"
#include "skc_user.h"

static void
test_user_add_sends_actor_and_profile_and_reads_the_password(void **state)
{
	struct skc_user_add_in in = { .actor = "admin1", .user = "carol", .profile = "staff" };
	struct skc_temp_password_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;

	(void)state;
	assert_int_equal(sk_msg_put_text(reply, SK_K_TEMP_PASSWORD, "Tmp-9xq-77"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_user_add(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_string_equal(out.temp_password, "Tmp-9xq-77");
	req = skc_peer_request(&p, SK_REQ_USER_ADD);
	skc_assert_text(req, SK_K_ACTOR, "admin1");
	skc_assert_text(req, SK_K_USER, "carol");
	skc_assert_text(req, SK_K_PROFILE, "staff");
	sk_msg_free(req);

	/* No profile, an actor that is no valid user name: both left out. */
	in.profile = NULL;
	in.actor = "not a name";
	skc_peer_answer(&p, skc_peer_reply(SK_ST_EXISTS));
	assert_int_equal(skc_user_add(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_EXISTS);
	assert_string_equal(out.temp_password, "");
	req = skc_peer_request(&p, SK_REQ_USER_ADD);
	skc_assert_absent(req, SK_K_PROFILE);
	skc_assert_absent(req, SK_K_ACTOR);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* R-INPUT-1: OK without the temporary password, or with an empty one, is malformed. */
static void
test_r_input_1_reset_password_without_password_fails_closed(void **state)
{
	struct skc_user_in in = { .user = "carol" };
	struct skc_temp_password_out out;
	struct skc_peer p;
	struct sk_msg *reply;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_user_reset_password(&p.client, &in, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_USER_RESET_PASSWORD));
	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_TEMP_PASSWORD, ""), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_user_reset_password(&p.client, &in, &out), SK_ERR_PROTO);
	skc_peer_close(&p);
}

/* Each verdict-only verb sends its own type with the user. */
static void
test_user_verbs_send_their_type(void **state)
{
	static const struct {
		int (*call)(struct sk_client *, const struct skc_user_in *, struct skc_reply_out *);
		unsigned type;
	} verbs[] = {
		{ skc_user_unlock, SK_REQ_USER_UNLOCK },
		{ skc_user_lock, SK_REQ_USER_LOCK },
		{ skc_user_disable, SK_REQ_USER_DISABLE },
		{ skc_user_enable, SK_REQ_USER_ENABLE },
		{ skc_totp_remove, SK_REQ_TOTP_REMOVE },
	};
	struct skc_user_in in = { .actor = "admin1", .user = "dave" };
	struct skc_reply_out out;
	struct skc_peer p;

	(void)state;
	skc_peer_open(&p);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		struct sk_msg *reply = skc_peer_reply(SK_ST_INVALID), *req;

		assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_INVALID_USER_NAME),
		                 SK_OK);
		skc_peer_answer(&p, reply);
		assert_int_equal(verbs[i].call(&p.client, &in, &out), SK_OK);
		assert_int_equal(out.res.status, SK_ST_INVALID);
		assert_int_equal(out.res.reason, SK_REASON_INVALID_USER_NAME);
		req = skc_peer_request(&p, verbs[i].type);
		skc_assert_text(req, SK_K_USER, "dave");
		skc_assert_text(req, SK_K_ACTOR, "admin1");
		sk_msg_free(req);
	}
	/* A user name that cannot be sent (not UTF-8): refused before anything is sent. */
	in.user = "\xc3";
	assert_int_equal(skc_user_unlock(&p.client, &in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

/* The read commands: the document is parsed; a missing or broken one is malformed. */
static void
test_r_input_1_show_and_status_parse_the_document(void **state)
{
	struct skc_user_in in = { .user = "erin" };
	struct skc_status_in all = { .actor = NULL };
	struct skc_json_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;
	json_object *v;

	(void)state;
	assert_int_equal(sk_msg_put_text(reply, SK_K_JSON, "{\"user\":\"erin\",\"failures\":2}"),
	                 SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_user_show(&p.client, &in, &out), SK_OK);
	assert_true(json_object_object_get_ex(out.doc, "failures", &v));
	assert_int_equal(json_object_get_int(v), 2);
	json_object_put(out.doc);
	req = skc_peer_request(&p, SK_REQ_USER_SHOW);
	skc_assert_text(req, SK_K_USER, "erin");
	sk_msg_free(req);

	reply = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_JSON, "{\"users\": ["), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_status(&p.client, &all, &out), SK_ERR_PROTO);
	assert_null(out.doc);
	req = skc_peer_request(&p, SK_REQ_STATUS);
	skc_assert_absent(req, SK_K_USER);
	sk_msg_free(req);

	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_user_list(&p.client, &all, &out), SK_ERR_PROTO);
	sk_msg_free(skc_peer_request(&p, SK_REQ_USER_LIST));

	/* A refusal carries no document and needs none. */
	skc_peer_answer(&p, skc_peer_reply(SK_ST_NOT_FOUND));
	assert_int_equal(skc_user_show(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_NOT_FOUND);
	assert_null(out.doc);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_add_sends_actor_and_profile_and_reads_the_password),
		cmocka_unit_test(test_r_input_1_reset_password_without_password_fails_closed),
		cmocka_unit_test(test_user_verbs_send_their_type),
		cmocka_unit_test(test_r_input_1_show_and_status_parse_the_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
