/* Typed calls of the session family (common/skc_session.c) against a socketpair peer that
 * plays the broker: SESSION_OPEN's login report comes back decoded and bounded, the agent's
 * SESSION_WATCH tells a registration from an order, and whatever is malformed fails closed
 * (R-INPUT-1). R-CARD-3: the card login's certificate goes with SESSION_OPEN. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "sk_conf.h"
#include "sk_err.h"
#include "sk_proto.h"
#include "skc_peer.h"
#include "skc_session.h"

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const unsigned char cert[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x01 };

static struct sk_msg *
open_reply(void)
{
	struct sk_msg *m = skc_peer_reply(SK_ST_OK);

	assert_int_equal(sk_msg_put_uint(m, SK_K_SESSION_ID, 42), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_LAST_LOGIN, 1700000000), SK_OK);
	assert_int_equal(sk_msg_put_text(m, SK_K_LAST_FROM, "198.51.100.4"), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_LAST_LOGOUT, 1700000600), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_FAILURES, 3), SK_OK);
	assert_int_equal(sk_msg_put_uint(m, SK_K_IDLE_TIMEOUT, 900), SK_OK);
	return m;
}

static void
test_r_card_3_session_open_sends_the_card_and_reads_the_report(void **state)
{
	struct skc_peer p;
	struct skc_session_open_in in = {
		.login = { .user = "alice", .service = "sshd", .rhost = "", .tty = "ssh" },
		.pid = 4321, .card_cert = cert, .card_cert_len = sizeof(cert),
	};
	struct skc_session_open_out out;
	struct sk_msg *reply = open_reply(), *req;

	(void)state;
	assert_int_equal(sk_msg_put_uint(reply, SK_K_CARD_REMOVAL, SK_CARD_REMOVAL_END), SK_OK);
	assert_int_equal(sk_msg_put_text(reply, SK_K_CERT_HASH, HASH), SK_OK);
	skc_peer_open(&p);
	skc_peer_answer(&p, reply);
	assert_int_equal(skc_session_open(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.session_id, 42);
	assert_int_equal(out.last_login, 1700000000);
	assert_string_equal(out.last_from, "198.51.100.4");
	assert_int_equal(out.last_logout, 1700000600);
	assert_int_equal(out.failures, 3);
	assert_int_equal(out.idle_timeout, 900);
	assert_int_equal(out.card_removal, SK_CARD_REMOVAL_END);
	assert_string_equal(out.card_hash, HASH);
	req = skc_peer_request(&p, SK_REQ_SESSION_OPEN);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_uint(req, SK_K_PID, 4321);
	skc_assert_bytes(req, SK_K_CERT, cert, sizeof(cert));
	sk_msg_free(req);

	/* A password login: no certificate; a reply without the optional fields. */
	in.card_cert = NULL;
	in.card_cert_len = 0;
	skc_peer_answer(&p, open_reply());
	assert_int_equal(skc_session_open(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.card_removal, -1);
	assert_string_equal(out.card_hash, "");
	req = skc_peer_request(&p, SK_REQ_SESSION_OPEN);
	skc_assert_absent(req, SK_K_CERT);
	sk_msg_free(req);
	skc_peer_close(&p);
}

/* R-INPUT-1: no session id, a card_removal outside the enum, a hash of the wrong type, a
 * last_from longer than a host name, a message longer than a message: no session is opened
 * on such an answer. */
static void
test_r_input_1_session_open_malformed_reply_fails_closed(void **state)
{
	struct skc_session_open_in in = { .login = { .user = "alice" }, .pid = 1 };
	struct skc_session_open_out out;
	char longhost[SK_HOST_MAX + 1];

	(void)state;
	memset(longhost, 'h', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	for (int kind = 0; kind < 5; kind++) {
		struct skc_peer p;
		struct sk_msg *reply;

		if (kind == 0) {
			reply = skc_peer_reply(SK_ST_OK);
		} else if (kind == 4) {
			reply = skc_peer_reply(SK_ST_OK);
			assert_int_equal(sk_msg_put_uint(reply, SK_K_SESSION_ID, 42), SK_OK);
			assert_int_equal(sk_msg_put_text(reply, SK_K_LAST_FROM, longhost), SK_OK);
		} else {
			reply = open_reply();
			if (kind == 1)
				assert_int_equal(sk_msg_put_uint(reply, SK_K_CARD_REMOVAL, 3), SK_OK);
			if (kind == 2)
				assert_int_equal(sk_msg_put_bytes(reply, SK_K_CERT_HASH, "x", 1), SK_OK);
			if (kind == 3)
				assert_int_equal(sk_msg_put_text(reply, SK_K_MESSAGE, longhost), SK_OK);
		}
		skc_peer_open(&p);
		skc_peer_answer(&p, reply);
		assert_int_equal(skc_session_open(&p.client, &in, &out), SK_ERR_PROTO);
		skc_peer_close(&p);
	}
}

/* A refusal is a verdict: DENIED (the card was revoked since the login) comes back as such,
 * with no session fields required. */
static void
test_session_open_refusal_is_a_verdict(void **state)
{
	struct skc_session_open_in in = { .login = { .user = "alice" }, .pid = 1 };
	struct skc_session_open_out out;
	struct skc_peer p;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_DENIED));
	assert_int_equal(skc_session_open(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_DENIED);
	assert_int_equal(out.session_id, 0);
	skc_peer_close(&p);
}

static void
test_session_close_and_event_name_the_session(void **state)
{
	struct skc_session_close_in cin = { .user = "alice", .session_id = 42 };
	struct skc_session_event_in ein = {
		.session = { .user = "alice", .session_id = 42, .card_hash = HASH },
		.event = "card_removed",
	};
	struct skc_reply_out out;
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_session_close(&p.client, &cin, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	req = skc_peer_request(&p, SK_REQ_SESSION_CLOSE);
	skc_assert_text(req, SK_K_USER, "alice");
	skc_assert_uint(req, SK_K_SESSION_ID, 42);
	sk_msg_free(req);

	skc_peer_answer(&p, skc_peer_reply(SK_ST_NOT_FOUND));
	assert_int_equal(skc_session_event(&p.client, &ein, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_NOT_FOUND);
	req = skc_peer_request(&p, SK_REQ_SESSION_EVENT);
	skc_assert_text(req, SK_K_EVENT, "card_removed");
	skc_assert_text(req, SK_K_CERT_HASH, HASH);
	skc_assert_uint(req, SK_K_SESSION_ID, 42);
	sk_msg_free(req);

	/* Without a card: no hash. */
	ein.session.card_hash = "";
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_session_event(&p.client, &ein, &out), SK_OK);
	req = skc_peer_request(&p, SK_REQ_SESSION_EVENT);
	skc_assert_absent(req, SK_K_CERT_HASH);
	sk_msg_free(req);
	skc_peer_close(&p);
}

static struct sk_msg *
order(uint64_t action, const char *cause)
{
	struct sk_msg *m = skc_peer_reply(SK_ST_OK);

	assert_int_equal(sk_msg_put_uint(m, SK_K_SESSION_ACTION, action), SK_OK);
	if (cause != NULL)
		assert_int_equal(sk_msg_put_text(m, SK_K_EVENT, cause), SK_OK);
	return m;
}

/* R-CARD-3: the agent registers, then the broker's order arrives on the same connection. */
static void
test_r_card_3_session_watch_registers_then_reads_the_order(void **state)
{
	struct skc_session_watch_in in = {
		.session = { .user = "alice", .session_id = 42, .card_hash = HASH },
		.action = SK_CARD_REMOVAL_LOCK,
	};
	struct skc_session_watch_out out;
	struct skc_peer p;
	struct sk_msg *req;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, skc_peer_reply(SK_ST_OK));
	assert_int_equal(skc_session_watch(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_int_equal(out.ordered, 0);
	req = skc_peer_request(&p, SK_REQ_SESSION_WATCH);
	skc_assert_uint(req, SK_K_SESSION_ACTION, SK_CARD_REMOVAL_LOCK);
	skc_assert_text(req, SK_K_CERT_HASH, HASH);
	sk_msg_free(req);

	skc_peer_answer(&p, order(SK_CARD_REMOVAL_END, "card_revoked"));
	assert_int_equal(skc_session_watch_order(&p.client, 5000, &out), SK_OK);
	assert_int_equal(out.ordered, 1);
	assert_int_equal(out.action, SK_CARD_REMOVAL_END);
	assert_string_equal(out.cause, "card_revoked");
	skc_peer_close(&p);

	/* An order in the first answer. */
	skc_peer_open(&p);
	skc_peer_answer(&p, order(SK_CARD_REMOVAL_LOCK, "card_revoked"));
	assert_int_equal(skc_session_watch(&p.client, &in, &out), SK_OK);
	assert_int_equal(out.ordered, 1);
	assert_int_equal(out.action, SK_CARD_REMOVAL_LOCK);
	skc_peer_close(&p);
}

/* R-INPUT-1: an order with an action outside LOCK/END or without a cause is malformed; a
 * connection that broke is unavailable (the agent registers again). */
static void
test_r_input_1_session_watch_malformed_order_fails_closed(void **state)
{
	struct skc_session_watch_out out;
	struct skc_peer p;

	(void)state;
	skc_peer_open(&p);
	skc_peer_answer(&p, order(SK_CARD_REMOVAL_NONE, "card_revoked"));
	assert_int_equal(skc_session_watch_order(&p.client, 5000, &out), SK_ERR_PROTO);
	skc_peer_answer(&p, order(SK_CARD_REMOVAL_END, NULL));
	assert_int_equal(skc_session_watch_order(&p.client, 5000, &out), SK_ERR_PROTO);
	skc_peer_answer(&p, sk_msg_new(SK_REQ_SESSION_WATCH));
	assert_int_equal(skc_session_watch_order(&p.client, 5000, &out), SK_ERR_PROTO);
	close(p.fd);
	p.fd = -1;
	assert_int_equal(skc_session_watch_order(&p.client, 5000, &out), SK_ERR_UNAVAILABLE);
	skc_peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_card_3_session_open_sends_the_card_and_reads_the_report),
		cmocka_unit_test(test_r_input_1_session_open_malformed_reply_fails_closed),
		cmocka_unit_test(test_session_open_refusal_is_a_verdict),
		cmocka_unit_test(test_session_close_and_event_name_the_session),
		cmocka_unit_test(test_r_card_3_session_watch_registers_then_reads_the_order),
		cmocka_unit_test(test_r_input_1_session_watch_malformed_order_fails_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
