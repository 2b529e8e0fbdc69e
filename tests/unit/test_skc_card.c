/* Typed calls of the IC card family (common/skc_card.c) against a socketpair peer that plays
 * the broker: ENROLL sends the card's certificates, kind and identity (R-CARD-1: the whole
 * card is bound) and reads the factor id and binding hash; REVOKE and DISPOSE name the card
 * by user or by hash (R-CARD-3, R-CARD-4); malformed replies fail closed (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_card.h"
#include "skc_peer.h"

#define HASH "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static const unsigned char cert9a[] = { 0x30, 0x82, 0x02, 0x00, 0x9a };
static const unsigned char cert9e[] = { 0x30, 0x82, 0x02, 0x00, 0x9e };

static struct sk_msg *
enrolled(uint64_t id, const char *hash)
{
	struct sk_msg *m = skc_peer_reply(SK_ST_OK);

	assert_int_equal(sk_msg_put_uint(m, SK_K_FACTOR_ID, id), SK_OK);
	if (hash != NULL)
		assert_int_equal(sk_msg_put_text(m, SK_K_CERT_HASH, hash), SK_OK);
	return m;
}

static void
test_r_card_1_enroll_sends_the_whole_card(void **state)
{
	struct skc_card_enroll_in in = {
		.actor = "admin1", .user = "hana", .cert = cert9a, .cert_len = sizeof(cert9a),
		.kind = SK_CARD_PIV_AUTH, .uid = "piv-guid:00112233445566778899aabbccddeeff",
		.other_cert = cert9e, .other_cert_len = sizeof(cert9e),
	};
	struct skc_card_enroll_out out;
	struct skc_peer p;
	struct sk_msg *req;
	unsigned char got[16];
	size_t n = 0, len = 0;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, enrolled(5, HASH));
	assert_int_equal(skc_card_enroll(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.factor_id, 5);
	assert_string_equal(out.cert_hash, HASH);
	req = skc_peer_request(&p, SK_REQ_CARD_ENROLL);
	skc_assert_text(req, SK_K_USER, "hana");
	skc_assert_bytes(req, SK_K_CERT, cert9a, sizeof(cert9a));
	skc_assert_uint(req, SK_K_CARD_KIND, SK_CARD_PIV_AUTH);
	skc_assert_text(req, SK_K_CARD_UID, "piv-guid:00112233445566778899aabbccddeeff");
	assert_int_equal(sk_msg_get_array_len(req, SK_K_CARD_CERTS, &n), SK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sk_msg_get_array_bytes(req, SK_K_CARD_CERTS, 0, got, sizeof(got), &len),
	                 SK_OK);
	assert_int_equal(len, sizeof(cert9e));
	assert_memory_equal(got, cert9e, len);
	sk_msg_free(req);

	/* JPKI: no identity, no other certificate. */
	in.kind = SK_CARD_JPKI;
	in.uid = "";
	in.other_cert = NULL;
	in.other_cert_len = 0;
	skc_peer_answer(&p, enrolled(6, HASH));
	assert_int_equal(skc_card_enroll(&p.client, &in, &out), SK_OK);
	req = skc_peer_request(&p, SK_REQ_CARD_ENROLL);
	skc_assert_absent(req, SK_K_CARD_UID);
	skc_assert_absent(req, SK_K_CARD_CERTS);
	sk_msg_free(req);

	/* A refusal with the broker's detail. */
	{
		struct sk_msg *reply = skc_peer_reply(SK_ST_EXISTS);

		assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_CERT_BOUND), SK_OK);
		assert_int_equal(sk_msg_put_text(reply, SK_K_MESSAGE, "bound to this user already"),
		                 SK_OK);
		skc_peer_answer(&p, reply);
	}
	assert_int_equal(skc_card_enroll(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_EXISTS);
	assert_int_equal(out.res.reason, SK_REASON_CERT_BOUND);
	assert_string_equal(out.res.message, "bound to this user already");
	skc_peer_close(&p);
}

/* R-INPUT-1: no hash, a hash that is not 64 lower-case hex digits, no factor id. */
static void
test_r_input_1_enroll_malformed_binding_fails_closed(void **state)
{
	static const char *const hashes[] = { NULL, "FEDCBA9876543210FEDCBA9876543210FEDCBA98765432"
	                                      "10FEDCBA9876543210", "abc",
	                                      HASH "0" };
	struct skc_card_enroll_in in = { .user = "hana", .cert = cert9a,
	                                 .cert_len = sizeof(cert9a), .kind = SK_CARD_JPKI };
	struct skc_card_enroll_out out;

	(void)state;
	for (size_t i = 0; i <= sizeof(hashes) / sizeof(hashes[0]); i++) {
		struct skc_peer p;

		skc_peer_open(&p);
		if (i < sizeof(hashes) / sizeof(hashes[0])) {
			skc_peer_answer(&p, enrolled(5, hashes[i]));
		} else {
			struct sk_msg *m = skc_peer_reply(SK_ST_OK);

			assert_int_equal(sk_msg_put_text(m, SK_K_CERT_HASH, HASH), SK_OK);
			skc_peer_answer(&p, m);
		}
		assert_int_equal(skc_card_enroll(&p.client, &in, &out), SK_ERR_PROTO);
		skc_peer_close(&p);
	}
}

static void
test_r_card_3_revoke_and_dispose_name_the_card(void **state)
{
	struct skc_card_change_in by_hash = { .actor = "admin1", .cert_hash = HASH,
	                                      .reason = "lost" };
	struct skc_card_change_in by_user = { .user = "hana", .reason = "destroyed",
	                                      .note = "shredded at the desk" };
	struct skc_reply_out out;
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_card_revoke(&p.client, &by_hash, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	req = skc_peer_request(&p, SK_REQ_CARD_REVOKE);
	skc_assert_text(req, SK_K_CERT_HASH, HASH);
	skc_assert_text(req, SK_K_CARD_REASON, "lost");
	skc_assert_absent(req, SK_K_USER);
	skc_assert_absent(req, SK_K_MESSAGE);
	sk_msg_free(req);

	skc_peer_answer(&p, skc_peer_reply(SK_ST_NOT_FOUND));
	assert_int_equal(skc_card_dispose(&p.client, &by_user, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_NOT_FOUND);
	req = skc_peer_request(&p, SK_REQ_CARD_DISPOSE);
	skc_assert_text(req, SK_K_USER, "hana");
	skc_assert_text(req, SK_K_CARD_REASON, "destroyed");
	skc_assert_text(req, SK_K_MESSAGE, "shredded at the desk");
	skc_assert_absent(req, SK_K_CERT_HASH);
	sk_msg_free(req);

	/* No reason: the request cannot be sent. */
	by_user.reason = NULL;
	assert_int_equal(skc_card_dispose(&p.client, &by_user, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
}

static void
test_card_list_reads_the_array(void **state)
{
	struct skc_user_in in = { .user = "hana" };
	struct skc_json_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK);

	(void)state;
	assert_int_equal(sk_msg_put_text(reply, SK_K_JSON, "[{\"id\":5,\"replaced_by\":6}]"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_card_list(&p.client, &in, &out), SK_OK);
	assert_true(json_object_is_type(out.doc, json_type_array));
	json_object_put(out.doc);
	sk_msg_free(skc_peer_request(&p, SK_REQ_CARD_LIST));
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_card_1_enroll_sends_the_whole_card),
		cmocka_unit_test(test_r_input_1_enroll_malformed_binding_fails_closed),
		cmocka_unit_test(test_r_card_3_revoke_and_dispose_name_the_card),
		cmocka_unit_test(test_card_list_reads_the_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
