/* Typed calls of the FIDO2 family (common/skc_fido2.c) against a socketpair peer that plays
 * the broker: BEGIN's challenge, user handle, relying party and exclusion list come back
 * decoded within the device side's bounds, FINISH sends the attestation and reads the new
 * factor's id, and every reply outside those bounds fails closed (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "skc_fido2.h"
#include "skc_peer.h"

static unsigned char challenge[SKC_FIDO2_CDH_LEN];
static const unsigned char handle[] = { 0xa1, 0xa2, 0xa3, 0xa4 };

/* A BEGIN reply; the `bad` one is broken the way that test names. */
enum bad { GOOD, SHORT_CHALLENGE, LONG_HANDLE, TOO_MANY_IDS, LONG_TIMEOUT, BAD_UV, NO_RP };

static struct sk_msg *
begin_reply(enum bad bad, size_t n_ids)
{
	struct sk_msg *m = skc_peer_reply(SK_ST_OK);
	unsigned char ids[SKC_FIDO2_MAX_ALLOW + 1][SKC_FIDO2_MAX_ALLOW + 1];
	unsigned char big[SKC_FIDO2_USER_ID_MAX + 1];
	const unsigned char *items[SKC_FIDO2_MAX_ALLOW + 1];
	size_t lens[SKC_FIDO2_MAX_ALLOW + 1];

	memset(big, 0xbb, sizeof(big));
	for (size_t i = 0; i < SKC_FIDO2_MAX_ALLOW + 1; i++) {
		memset(ids[i], (int)(0x10 + i), sizeof(ids[i]));
		items[i] = ids[i];
		lens[i] = i + 1;   /* each its own length */
	}
	assert_int_equal(sk_msg_put_bytes(m, SK_K_FIDO2_CHALLENGE, challenge,
	                                  bad == SHORT_CHALLENGE ? 31 : sizeof(challenge)), SK_OK);
	assert_int_equal(sk_msg_put_bytes(m, SK_K_USER_HANDLE, bad == LONG_HANDLE ? big : handle,
	                                  bad == LONG_HANDLE ? sizeof(big) : sizeof(handle)), SK_OK);
	if (bad != NO_RP)
		assert_int_equal(sk_msg_put_text(m, SK_K_RP_ID, "login.example.org"), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_CRED_IDS, items, lens,
	                                        bad == TOO_MANY_IDS ? SKC_FIDO2_MAX_ALLOW + 1 :
	                                        n_ids), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_TIMEOUT_MS, bad == LONG_TIMEOUT ?
	                                 SKC_FIDO2_TIMEOUT_MAX + 1 : 15000), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_UV, bad == BAD_UV ? 3 : 2), SK_OK);
	return m;
}

static void
test_fido2_enroll_begin_reads_the_challenge_and_the_exclusions(void **state)
{
	struct skc_fido2_enroll_begin_in in = { .actor = "admin1", .user = "gina", .uv = 0 };
	struct skc_fido2_enroll_begin_out *out = calloc(1, sizeof(*out));
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	assert_non_null(out);
	memset(challenge, 0x5c, sizeof(challenge));
	skc_peer_open(&p);
	skc_peer_answer(&p, begin_reply(GOOD, 3));
	assert_int_equal(skc_fido2_enroll_begin(&p.client, &in, out), SK_OK);
	assert_int_equal(out->res.status, SK_ST_OK);
	assert_memory_equal(out->challenge, challenge, sizeof(challenge));
	assert_int_equal(out->user_handle_len, sizeof(handle));
	assert_memory_equal(out->user_handle, handle, sizeof(handle));
	assert_string_equal(out->rp_id, "login.example.org");
	assert_int_equal(out->n_exclude, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(out->exclude_len[i], i + 1);
		assert_int_equal(out->exclude[i][0], 0x10 + i);
	}
	assert_int_equal(out->timeout_ms, 15000);
	assert_int_equal(out->uv, 2);
	req = skc_peer_request(&p, SK_REQ_FIDO2_ENROLL_BEGIN);
	skc_assert_text(req, SK_K_USER, "gina");
	skc_assert_uint(req, SK_K_UV, 0);
	sk_msg_free(req);

	/* Not configured: a verdict with its reason, no challenge needed. */
	{
		struct sk_msg *reply = skc_peer_reply(SK_ST_BAD_REQUEST);

		assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_NOT_CONFIGURED),
		                 SK_OK);
		skc_peer_answer(&p, reply);
	}
	assert_int_equal(skc_fido2_enroll_begin(&p.client, &in, out), SK_OK);
	assert_int_equal(out->res.status, SK_ST_BAD_REQUEST);
	assert_int_equal(out->res.reason, SK_REASON_NOT_CONFIGURED);
	skc_peer_close(&p);
	free(out);
}

/* R-INPUT-1: a challenge of the wrong length, a user handle longer than CTAP allows, more
 * credential ids than a request may carry, a device wait over ten minutes, a UV outside
 * 0..2, no relying party: the CLI never runs the key on such an answer. */
static void
test_r_input_1_fido2_enroll_begin_out_of_bounds_fails_closed(void **state)
{
	static const enum bad bads[] = { SHORT_CHALLENGE, LONG_HANDLE, TOO_MANY_IDS, LONG_TIMEOUT,
	                                 BAD_UV, NO_RP };
	struct skc_fido2_enroll_begin_in in = { .user = "gina", .uv = 1 };
	struct skc_fido2_enroll_begin_out *out = calloc(1, sizeof(*out));

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct skc_peer p;

		skc_peer_open(&p);
		skc_peer_answer(&p, begin_reply(bads[i], 2));
		assert_int_equal(skc_fido2_enroll_begin(&p.client, &in, out), SK_ERR_PROTO);
		skc_peer_close(&p);
	}
	free(out);
}

static void
test_fido2_enroll_finish_sends_the_attestation(void **state)
{
	static const unsigned char authdata[] = { 0x58, 0x25, 1, 2, 3 };
	static const unsigned char attstmt[] = { 0xa2, 0x63, 'a', 'l', 'g' };
	struct skc_fido2_enroll_finish_in in = {
		.actor = "admin1", .user = "gina", .fmt = "packed", .cose_alg = 7,
		.authdata = authdata, .authdata_len = sizeof(authdata),
		.attstmt = attstmt, .attstmt_len = sizeof(attstmt),
	};
	struct skc_fido2_enroll_finish_out out;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;

	(void)state;
	assert_int_equal(sk_msg_put_uint(reply, SK_K_FACTOR_ID, 12), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_fido2_enroll_finish(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.factor_id, 12);
	req = skc_peer_request(&p, SK_REQ_FIDO2_ENROLL_FINISH);
	skc_assert_text(req, SK_K_FMT, "packed");
	skc_assert_uint(req, SK_K_COSE_ALG, 7);
	skc_assert_bytes(req, SK_K_AUTHDATA, authdata, sizeof(authdata));
	skc_assert_bytes(req, SK_K_ATTSTMT, attstmt, sizeof(attstmt));
	sk_msg_free(req);

	/* "none" attestation: no statement; the policy's refusal with its detail. */
	in.fmt = "none";
	in.attstmt = NULL;
	in.attstmt_len = 0;
	reply = skc_peer_reply(SK_ST_DENIED);
	assert_int_equal(sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_FIDO2_REFUSED), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_MESSAGE, "attestation required"), SK_OK);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_fido2_enroll_finish(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_int_equal(out.res.reason, SK_REASON_FIDO2_REFUSED);
	assert_string_equal(out.res.message, "attestation required");
	req = skc_peer_request(&p, SK_REQ_FIDO2_ENROLL_FINISH);
	skc_assert_absent(req, SK_K_ATTSTMT);
	sk_msg_free(req);

	/* R-INPUT-1: OK without the factor id is malformed. */
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_fido2_enroll_finish(&p.client, &in, &out), SK_ERR_PROTO);
	skc_peer_close(&p);
}

static void
test_fido2_list_and_remove(void **state)
{
	struct skc_user_in lin = { .user = "gina" };
	struct skc_fido2_remove_in rin = { .user = "gina", .factor_id = 12 };
	struct skc_json_out jout;
	struct skc_reply_out rout;
	struct skc_peer p;
	struct sk_msg *reply = skc_peer_reply(SK_ST_OK), *req;

	(void)state;
	assert_int_equal(sk_msg_put_text(reply, SK_K_JSON, "[{\"id\":12}]"), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_fido2_list(&p.client, &lin, &jout), SK_OK);
	assert_int_equal(json_object_array_length(jout.doc), 1);
	json_object_put(jout.doc);
	req = skc_peer_request(&p, SK_REQ_FIDO2_LIST);
	skc_assert_text(req, SK_K_USER, "gina");
	sk_msg_free(req);

	skc_peer_answer(&p, skc_peer_reply(SK_ST_NOT_FOUND));
	assert_int_equal(skc_fido2_remove(&p.client, &rin, &rout), SK_OK);
	assert_int_equal(rout.res.status, SK_ST_NOT_FOUND);
	req = skc_peer_request(&p, SK_REQ_FIDO2_REMOVE);
	skc_assert_uint(req, SK_K_FACTOR_ID, 12);
	sk_msg_free(req);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fido2_enroll_begin_reads_the_challenge_and_the_exclusions),
		cmocka_unit_test(test_r_input_1_fido2_enroll_begin_out_of_bounds_fails_closed),
		cmocka_unit_test(test_fido2_enroll_finish_sends_the_attestation),
		cmocka_unit_test(test_fido2_list_and_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
