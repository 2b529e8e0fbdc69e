/* The typed authentication calls (common/skc_auth.c) against the broker's end of a socket
 * pair (tests/helpers/skc_peer.h): what they send, and that every reply field they hand back
 * is decoded within its bounds or refused (R-INPUT-1). A malformed answer fails the call
 * before the module asks the user anything; a secret too long is refused, never cut, and
 * never sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "skc_auth.h"
#include "skc_peer.h"

static const struct skc_auth_begin_in begin_in = {
	.who = { .user = "alice", .service = "sshd", .rhost = "", .tty = "pts/1", .profile = "p1" },
};

static void
put_steps(struct sk_msg *r, const uint64_t *steps, size_t n)
{
	assert_int_equal(sk_msg_put_uint_array(r, SK_K_STEPS, steps, n), SK_OK);
}

static void
put_fido2(struct sk_msg *r, size_t challenge_len, size_t n_ids)
{
	unsigned char ch[64], ids[20][8];
	const unsigned char *items[20];
	size_t lens[20];

	memset(ch, 0xc5, sizeof(ch));
	for (size_t i = 0; i < n_ids; i++) {
		memset(ids[i], (int)i + 1, sizeof(ids[i]));
		items[i] = ids[i];
		lens[i] = sizeof(ids[i]);
	}
	assert_int_equal(sk_msg_put_bytes(r, SK_K_FIDO2_CHALLENGE, ch, challenge_len), SK_OK);
	assert_int_equal(sk_msg_put_text(r, SK_K_RP_ID, "skc.test.invalid"), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(r, SK_K_CRED_IDS, items, lens, n_ids), SK_OK);
	assert_int_equal(sk_msg_put_uint(r, SK_K_UV, 2), SK_OK);
}

/* AUTH_BEGIN against one crafted reply; the request it sent is checked and freed. */
static int
begin_against(struct sk_msg *reply, struct skc_auth_begin_out *out)
{
	struct skc_peer p;
	struct sk_msg *req;
	int r;

	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	r = skc_auth_begin(&p.client, &begin_in, out);
	req = skc_peer_request(&p, SK_REQ_AUTH_BEGIN);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_text(req, SK_K_SERVICE, "sshd");
	skc_assert_text(req, SK_K_TTY, "pts/1");
	skc_assert_text(req, SK_K_PROFILE, "p1");
	sk_msg_free(req);
	skc_peer_close(&p);
	return r;
}

/* A good plan: steps, banner and the FIDO2 step's fields, decoded. */
static void
test_begin_decodes_the_plan(void **state)
{
	static const uint64_t steps[] = { SK_METHOD_PASSWORD, SK_METHOD_FIDO2 };
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	struct sk_msg *r = skc_peer_reply(SK_ST_OK);

	(void)state;
	assert_non_null(out);
	put_steps(r, steps, 2);
	assert_int_equal(sk_msg_put_text(r, SK_K_BANNER, "Authorised use only"), SK_OK);
	put_fido2(r, 32, 3);
	assert_int_equal(begin_against(r, out), SK_OK);
	assert_int_equal(out->res.status, SK_ST_OK);
	assert_int_equal(out->n_steps, 2);
	assert_int_equal(out->steps[0], SK_METHOD_PASSWORD);
	assert_int_equal(out->steps[1], SK_METHOD_FIDO2);
	assert_string_equal(out->banner, "Authorised use only");
	assert_true(out->has_fido2);
	assert_false(out->has_card);
	assert_int_equal(out->fido2.challenge_len, 32);
	assert_int_equal(out->fido2.challenge[31], 0xc5);
	assert_string_equal(out->fido2.rp_id, "skc.test.invalid");
	assert_int_equal(out->fido2.n_cred_ids, 3);
	assert_int_equal(out->fido2.cred_id_lens[2], 8);
	assert_int_equal(out->fido2.cred_ids[2][0], 3);
	assert_int_equal(out->fido2.uv, 2);
	assert_int_equal(out->fido2.timeout_ms, 30000);   /* absent: the default */
	free(out);
}

/* R-INPUT-1: a plan the module cannot trust fails the call as a whole. */
static void
test_begin_refuses_malformed_plans(void **state)
{
	static const uint64_t fido[] = { SK_METHOD_FIDO2 }, card[] = { SK_METHOD_CARD },
	                      unknown[] = { SK_METHOD_PASSWORD, SK_METHOD_SLOTS };
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	unsigned char ch[16] = { 0 };
	struct sk_msg *r;

	(void)state;
	assert_non_null(out);
	/* A FIDO2 challenge that is not 32 bytes. */
	r = skc_peer_reply(SK_ST_OK);
	put_steps(r, fido, 1);
	put_fido2(r, 31, 1);
	assert_int_equal(begin_against(r, out), SK_ERR_PROTO);
	/* More credential ids than a login may offer. */
	r = skc_peer_reply(SK_ST_OK);
	put_steps(r, fido, 1);
	put_fido2(r, 32, SKC_FIDO2_MAX_ALLOW + 1);
	assert_int_equal(begin_against(r, out), SK_ERR_PROTO);
	/* A FIDO2 step without its fields. */
	r = skc_peer_reply(SK_ST_OK);
	put_steps(r, fido, 1);
	assert_int_equal(begin_against(r, out), SK_ERR_PROTO);
	/* A method id beyond every table. */
	r = skc_peer_reply(SK_ST_OK);
	put_steps(r, unknown, 2);
	assert_int_equal(begin_against(r, out), SK_ERR_PROTO);
	/* A card kind that does not exist. */
	r = skc_peer_reply(SK_ST_OK);
	put_steps(r, card, 1);
	assert_int_equal(sk_msg_put_bytes(r, SK_K_CARD_CHALLENGE, ch, sizeof(ch)), SK_OK);
	assert_int_equal(sk_msg_put_uint(r, SK_K_CARD_KIND, 9), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(r, SK_K_CARD_KEYS, NULL, NULL, 0), SK_OK);
	assert_int_equal(begin_against(r, out), SK_ERR_PROTO);
	/* An OK without steps. */
	assert_int_equal(begin_against(skc_peer_reply(SK_ST_OK), out), SK_ERR_PROTO);
	/* A refusal is an answer: the call succeeds and says so. */
	r = skc_peer_reply(SK_ST_LOCKED);
	assert_int_equal(sk_msg_put_uint(r, SK_K_LOCKED_UNTIL, 1234567), SK_OK);
	assert_int_equal(begin_against(r, out), SK_OK);
	assert_int_equal(out->res.status, SK_ST_LOCKED);
	assert_int_equal(out->v.locked_until, 1234567);
	assert_int_equal(out->n_steps, 0);
	free(out);
}

/* A broker that hangs up is unavailable (fail closed). */
static void
test_hang_up_is_unavailable(void **state)
{
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	struct skc_peer p;

	(void)state;
	assert_non_null(out);
	skc_peer_open(&p);
	close(p.fd);
	p.fd = -1;
	assert_int_equal(skc_auth_begin(&p.client, &begin_in, out), SK_ERR_UNAVAILABLE);
	skc_peer_close(&p);
	free(out);
}

/* AUTH_FINISH carries each collected step's evidence and the stack token, and hands back
 * the verdict. A password too long is refused before anything is sent. */
static void
test_finish_sends_evidence(void **state)
{
	struct skc_auth_finish_in *in = calloc(1, sizeof(*in));
	struct skc_auth_finish_out out;
	struct sk_msg *r = skc_peer_reply(SK_ST_DENIED), *req;
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
	struct skc_peer p;

	(void)state;
	assert_non_null(in);
	in->has_password = 1;
	snprintf(in->password, sizeof(in->password), "%s", "correct horse");
	in->has_otp = 1;
	snprintf(in->otp, sizeof(in->otp), "%s", "123456");
	in->card.present = 1;
	in->card.failed = 1;
	in->card.device_fail = 7;
	in->card.fail_reason = SK_REASON_CARD_PIN_WRONG;
	in->has_token = 1;
	memset(in->token, 0x42, sizeof(in->token));
	memset(token, 0x42, sizeof(token));
	assert_int_equal(sk_msg_put_uint(r, SK_K_REMAINING, 2), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, r);
	assert_int_equal(skc_auth_finish(&p.client, in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_true(out.v.has_remaining);
	assert_int_equal(out.v.remaining, 2);
	req = skc_peer_request(&p, SK_REQ_AUTH_FINISH);
	skc_assert_text(req, SK_K_PASSWORD, "correct horse");
	skc_assert_text(req, SK_K_OTP, "123456");
	skc_assert_uint(req, SK_K_DEVICE_FAIL, 7);
	skc_assert_uint(req, SK_K_CARD_FAIL, SK_REASON_CARD_PIN_WRONG);
	skc_assert_bytes(req, SK_K_ATTEMPT_TOKEN, token, sizeof(token));
	/* AUTH_FINISH continues the connection's AUTH_BEGIN: it names nobody itself, and sends
	 * nothing that was not collected. */
	skc_assert_absent(req, SK_K_USER);
	skc_assert_absent(req, SK_K_STACK_KNOWLEDGE);
	skc_assert_absent(req, SK_K_CRED_ID);
	sk_msg_free(req);
	skc_peer_close(&p);

	/* Too long: refused, never cut, and nothing reaches the broker. */
	memset(in->password, 'a', sizeof(in->password));
	skc_peer_open(&p);
	assert_int_equal(skc_auth_finish(&p.client, in, &out), SK_ERR_RANGE);
	skc_peer_assert_nothing_sent(&p);
	skc_peer_close(&p);
	explicit_bzero(in, sizeof(*in));
	free(in);
}

/* PREAUTH hands back the pending attempt's token; AUTHFAIL sends it with the abandoned
 * flag. */
static void
test_preauth_and_authfail(void **state)
{
	struct skc_preauth_in pin = { .who = begin_in.who };
	struct skc_preauth_out pout;
	struct skc_authfail_in fin = { .who = begin_in.who, .has_token = 1, .abandoned = 1 };
	struct skc_authfail_out fout;
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
	struct sk_msg *r = skc_peer_reply(SK_ST_OK), *req;
	struct skc_peer p;
	int flag = 0;

	(void)state;
	memset(token, 0x17, sizeof(token));
	assert_int_equal(sk_msg_put_bytes(r, SK_K_ATTEMPT_TOKEN, token, sizeof(token)), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, r);
	assert_int_equal(skc_preauth(&p.client, &pin, &pout), SK_OK);
	sk_msg_free(skc_peer_request(&p, SK_REQ_PREAUTH));
	skc_peer_close(&p);
	assert_int_equal(pout.res.status, SK_ST_OK);
	assert_true(pout.has_token);
	assert_memory_equal(pout.token, token, sizeof(token));
	/* A token of the wrong size is no token. */
	r = skc_peer_reply(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(r, SK_K_ATTEMPT_TOKEN, token, 8), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, r);
	assert_int_equal(skc_preauth(&p.client, &pin, &pout), SK_OK);
	sk_msg_free(skc_peer_request(&p, SK_REQ_PREAUTH));
	skc_peer_close(&p);
	assert_false(pout.has_token);

	memcpy(fin.token, token, sizeof(token));
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_DENIED));
	assert_int_equal(skc_authfail(&p.client, &fin, &fout), SK_OK);
	assert_int_equal(fout.res.status, SK_ST_DENIED);
	req = skc_peer_request(&p, SK_REQ_AUTHFAIL);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_bytes(req, SK_K_ATTEMPT_TOKEN, token, sizeof(token));
	assert_int_equal(sk_msg_get_bool(req, SK_K_ABANDONED, &flag), SK_OK);
	assert_true(flag);
	sk_msg_free(req);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin_decodes_the_plan),
		cmocka_unit_test(test_begin_refuses_malformed_plans),
		cmocka_unit_test(test_hang_up_is_unavailable),
		cmocka_unit_test(test_finish_sends_evidence),
		cmocka_unit_test(test_preauth_and_authfail),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
