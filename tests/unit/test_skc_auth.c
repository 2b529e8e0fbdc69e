/* The typed authentication calls (common/skc_auth.c) against a scripted broker on the other
 * end of a socket pair: what they send, and that every reply field they hand back is
 * decoded within its bounds or refused (R-INPUT-1). A malformed answer fails the call
 * before the module asks the user anything; a secret too long is refused, never cut, and
 * never sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "skc_auth.h"

/* The broker's side: reads one request, keeps it, answers reply (or hangs up for NULL). */
struct fake_broker {
	int fd;
	struct sk_msg *reply;
	struct sk_msg *got;
	pthread_t thread;
};

static void *
serve_one(void *arg)
{
	struct fake_broker *b = arg;

	if (sk_msg_recv(b->fd, &b->got, 5000) == SK_OK && b->reply != NULL)
		(void)sk_msg_send(b->fd, b->reply, 5000);
	close(b->fd);
	return NULL;
}

static void
start(struct fake_broker *b, struct sk_client *c, struct sk_msg *reply)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(b, 0, sizeof(*b));
	b->fd = sv[1];
	b->reply = reply;
	c->fd = sv[0];
	c->timeout_ms = 5000;
	c->opened_ms = 0;
	assert_int_equal(pthread_create(&b->thread, NULL, serve_one, b), 0);
}

static void
stop(struct fake_broker *b, struct sk_client *c)
{
	sk_client_close(c);
	assert_int_equal(pthread_join(b->thread, NULL), 0);
	sk_msg_free(b->reply);
	sk_msg_free(b->got);
}

static struct sk_msg *
reply_with(unsigned status)
{
	struct sk_msg *r = sk_msg_new(SK_MSG_REPLY);

	assert_non_null(r);
	assert_int_equal(sk_msg_put_uint(r, SK_K_STATUS, status), SK_OK);
	return r;
}

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

static const struct skc_auth_begin_in begin_in = {
	.who = { .user = "alice", .service = "sshd", .rhost = "", .tty = "pts/1", .profile = "p1" },
};

/* A good plan: steps, banner and the FIDO2 step's fields, decoded; the request names the
 * user, service, tty and profile. */
static void
test_begin_decodes_the_plan(void **state)
{
	static const uint64_t steps[] = { SK_METHOD_PASSWORD, SK_METHOD_FIDO2 };
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	struct sk_msg *r = reply_with(SK_ST_OK);
	struct fake_broker b;
	struct sk_client c;

	(void)state;
	assert_non_null(out);
	put_steps(r, steps, 2);
	assert_int_equal(sk_msg_put_text(r, SK_K_BANNER, "Authorised use only"), SK_OK);
	put_fido2(r, 32, 3);
	start(&b, &c, r);
	assert_int_equal(skc_auth_begin(&c, &begin_in, out), SK_OK);
	stop(&b, &c);
	assert_int_equal(out->v.status, SK_ST_OK);
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

static int
begin_against(struct sk_msg *r, struct skc_auth_begin_out *out, struct sk_msg **got)
{
	struct fake_broker b;
	struct sk_client c;
	int rc;

	start(&b, &c, r);
	rc = skc_auth_begin(&c, &begin_in, out);
	sk_client_close(&c);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	sk_msg_free(b.reply);
	if (got != NULL)
		*got = b.got;
	else
		sk_msg_free(b.got);
	return rc;
}

/* R-INPUT-1: a plan the module cannot trust fails the call as a whole. */
static void
test_begin_refuses_malformed_plans(void **state)
{
	static const uint64_t fido[] = { SK_METHOD_FIDO2 }, card[] = { SK_METHOD_CARD },
	                      unknown[] = { SK_METHOD_PASSWORD, SK_METHOD_SLOTS };
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	struct sk_msg *r, *got = NULL;
	unsigned char ch[16] = { 0 };
	char text[64];

	(void)state;
	assert_non_null(out);
	/* A FIDO2 challenge that is not 32 bytes. */
	r = reply_with(SK_ST_OK);
	put_steps(r, fido, 1);
	put_fido2(r, 31, 1);
	assert_int_equal(begin_against(r, out, &got), SK_ERR_PROTO);
	/* The request named who logs in. */
	assert_non_null(got);
	assert_int_equal(sk_msg_type(got), SK_REQ_AUTH_BEGIN);
	assert_int_equal(sk_msg_get_text(got, SK_K_USER, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "alice");
	assert_int_equal(sk_msg_get_text(got, SK_K_PROFILE, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "p1");
	sk_msg_free(got);
	/* More credential ids than a login may offer. */
	r = reply_with(SK_ST_OK);
	put_steps(r, fido, 1);
	put_fido2(r, 32, SKC_FIDO2_MAX_ALLOW + 1);
	assert_int_equal(begin_against(r, out, NULL), SK_ERR_PROTO);
	/* A FIDO2 step without its fields. */
	r = reply_with(SK_ST_OK);
	put_steps(r, fido, 1);
	assert_int_equal(begin_against(r, out, NULL), SK_ERR_PROTO);
	/* A method id beyond every table. */
	r = reply_with(SK_ST_OK);
	put_steps(r, unknown, 2);
	assert_int_equal(begin_against(r, out, NULL), SK_ERR_PROTO);
	/* A card kind that does not exist. */
	r = reply_with(SK_ST_OK);
	put_steps(r, card, 1);
	assert_int_equal(sk_msg_put_bytes(r, SK_K_CARD_CHALLENGE, ch, sizeof(ch)), SK_OK);
	assert_int_equal(sk_msg_put_uint(r, SK_K_CARD_KIND, 9), SK_OK);
	assert_int_equal(sk_msg_put_bytes_array(r, SK_K_CARD_KEYS, NULL, NULL, 0), SK_OK);
	assert_int_equal(begin_against(r, out, NULL), SK_ERR_PROTO);
	/* An OK without steps. */
	assert_int_equal(begin_against(reply_with(SK_ST_OK), out, NULL), SK_ERR_PROTO);
	/* A refusal is an answer: the call succeeds and says so. */
	r = reply_with(SK_ST_LOCKED);
	assert_int_equal(sk_msg_put_uint(r, SK_K_LOCKED_UNTIL, 1234567), SK_OK);
	assert_int_equal(begin_against(r, out, NULL), SK_OK);
	assert_int_equal(out->v.status, SK_ST_LOCKED);
	assert_int_equal(out->v.locked_until, 1234567);
	assert_int_equal(out->n_steps, 0);
	free(out);
}

/* A broker that hangs up is unavailable (fail closed). */
static void
test_hang_up_is_unavailable(void **state)
{
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));

	(void)state;
	assert_non_null(out);
	assert_int_equal(begin_against(NULL, out, NULL), SK_ERR_UNAVAILABLE);
	free(out);
}

/* AUTH_FINISH carries each collected step's evidence and the stack token, and hands back
 * the verdict. A password too long is refused before anything is sent. */
static void
test_finish_sends_evidence(void **state)
{
	struct skc_auth_finish_in *in = calloc(1, sizeof(*in));
	struct skc_auth_finish_out out;
	struct sk_msg *r = reply_with(SK_ST_DENIED);
	struct fake_broker b;
	struct sk_client c;
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
	char text[SK_PASSWORD_MAX + 1];
	uint64_t v;
	size_t len;
	struct pollfd p;
	int sv[2], flag;

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
	assert_int_equal(sk_msg_put_uint(r, SK_K_REMAINING, 2), SK_OK);
	start(&b, &c, r);
	assert_int_equal(skc_auth_finish(&c, in, &out), SK_OK);
	sk_client_close(&c);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	assert_int_equal(out.v.status, SK_ST_DENIED);
	assert_true(out.v.has_remaining);
	assert_int_equal(out.v.remaining, 2);
	assert_int_equal(sk_msg_type(b.got), SK_REQ_AUTH_FINISH);
	assert_int_equal(sk_msg_get_text(b.got, SK_K_PASSWORD, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "correct horse");
	assert_int_equal(sk_msg_get_text(b.got, SK_K_OTP, text, sizeof(text)), SK_OK);
	assert_string_equal(text, "123456");
	assert_int_equal(sk_msg_get_uint(b.got, SK_K_DEVICE_FAIL, &v), SK_OK);
	assert_int_equal(v, 7);
	assert_int_equal(sk_msg_get_uint(b.got, SK_K_CARD_FAIL, &v), SK_OK);
	assert_int_equal(v, SK_REASON_CARD_PIN_WRONG);
	assert_int_equal(sk_msg_get_bytes(b.got, SK_K_ATTEMPT_TOKEN, token, sizeof(token), &len),
	                 SK_OK);
	assert_int_equal(len, sizeof(token));
	assert_int_equal(token[0], 0x42);
	/* AUTH_FINISH continues the connection's AUTH_BEGIN: it names nobody itself, and sends
	 * nothing that was not collected. */
	assert_int_equal(sk_msg_get_text(b.got, SK_K_USER, text, sizeof(text)), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_bool(b.got, SK_K_STACK_KNOWLEDGE, &flag), SK_ERR_NOTFOUND);
	assert_int_equal(sk_msg_get_bytes(b.got, SK_K_CRED_ID, token, sizeof(token), &len),
	                 SK_ERR_NOTFOUND);
	sk_msg_free(b.reply);
	sk_msg_free(b.got);

	/* Too long: refused, never cut, and nothing reaches the broker. */
	memset(in->password, 'a', sizeof(in->password));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.fd = sv[0];
	c.timeout_ms = 1000;
	c.opened_ms = 0;
	assert_int_equal(skc_auth_finish(&c, in, &out), SK_ERR_RANGE);
	p.fd = sv[1];
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 0);
	close(sv[0]);
	close(sv[1]);
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
	struct sk_msg *r = reply_with(SK_ST_OK);
	struct fake_broker b;
	struct sk_client c;
	size_t len = 0;
	int flag = 0;

	(void)state;
	memset(token, 0x17, sizeof(token));
	assert_int_equal(sk_msg_put_bytes(r, SK_K_ATTEMPT_TOKEN, token, sizeof(token)), SK_OK);
	start(&b, &c, r);
	assert_int_equal(skc_preauth(&c, &pin, &pout), SK_OK);
	stop(&b, &c);
	assert_int_equal(pout.v.status, SK_ST_OK);
	assert_true(pout.has_token);
	assert_memory_equal(pout.token, token, sizeof(token));
	/* A token of the wrong size is no token. */
	r = reply_with(SK_ST_OK);
	assert_int_equal(sk_msg_put_bytes(r, SK_K_ATTEMPT_TOKEN, token, 8), SK_OK);
	start(&b, &c, r);
	assert_int_equal(skc_preauth(&c, &pin, &pout), SK_OK);
	stop(&b, &c);
	assert_false(pout.has_token);

	memcpy(fin.token, token, sizeof(token));
	start(&b, &c, reply_with(SK_ST_DENIED));
	assert_int_equal(skc_authfail(&c, &fin, &fout), SK_OK);
	sk_client_close(&c);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	assert_int_equal(fout.v.status, SK_ST_DENIED);
	assert_int_equal(sk_msg_type(b.got), SK_REQ_AUTHFAIL);
	assert_int_equal(sk_msg_get_bytes(b.got, SK_K_ATTEMPT_TOKEN, token, sizeof(token), &len),
	                 SK_OK);
	assert_int_equal(len, sizeof(token));
	assert_int_equal(sk_msg_get_bool(b.got, SK_K_ABANDONED, &flag), SK_OK);
	assert_true(flag);
	sk_msg_free(b.reply);
	sk_msg_free(b.got);
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
