/* Which card is there (smartcard_fixture.h): removal and swap seen by the watcher, a
 * cancelled watch, a card pulled while it signs, no card or the wrong one, the PIN only for
 * the bound card, and a card that answers nonsense.
 *
 * Requirements: R-CARD-1 (PIN only to the bound card), R-CARD-2 (removal), R-INPUT-1
 * (malformed card answers), R-TEST-1. */
#include "smartcard_fixture.h"

static void
emu_start_same_reader(const char *type, ...)
{
	va_list ap;

	va_start(ap, type);
	emu_start_in(1, type, ap);
	va_end(ap);
}

/* ---- removal (R-CARD-2) ------------------------------------------------------------------ */

static void
test_removal_detected(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	struct sc_watch w;
	uint8_t chal[32];
	long long t0, dt;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	/* Opened before the login, as sc_watch.h advises: the login's card reset must not count
	 * as a removal. */
	assert_int_equal(sc_watch_open(&w, reader), SK_OK);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(sc_watch_wait(&w, 300), SK_ERR_TIMEOUT);
	t0 = sk_now_ms();
	kill(emu_pid, SIGTERM);
	assert_int_equal(sc_watch_wait(&w, 3000), SK_OK);
	dt = sk_now_ms() - t0;
	fprintf(stderr, "card removal seen by sc_watch after %lld ms\n", dt);
	assert_true(dt < 1000);
	sc_watch_close(&w);
	emu_gone();
	emu_settle();
	/* Nothing to watch in an empty reader: gone already. */
	assert_int_equal(sc_watch_removal(reader, 100), SK_OK);
	assert_int_equal(sc_watch_open(&w, reader), SK_ERR_CARD_REMOVED);
}

/* A card swapped for another between two waits is a removal too. */
static void
test_swap_detected(void **state)
{
	struct sc_watch w;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(sc_watch_open(&w, reader), SK_OK);
	emu_stop();
	emu_settle();
	emu_start_same_reader("jpki", "--cert", sct_pki_path("expired.pem"), "--key",
			      sct_pki_path("other.key"), END);
	assert_int_equal(sc_watch_wait(&w, 1000), SK_OK);
	sc_watch_close(&w);
}

static void *
cancel_later(void *arg)
{
	usleep(200000);
	sc_watch_cancel(arg);
	return NULL;
}

static void
test_watch_cancel(void **state)
{
	struct sc_watch w;
	pthread_t th;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(sc_watch_open(&w, reader), SK_OK);
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &w), 0);
	assert_int_equal(sc_watch_wait(&w, 5000), SK_ERR_BUSY);
	pthread_join(th, NULL);
	sc_watch_close(&w);
}

/* The card leaves in the middle of the signature: no result, a clean error. */
static void
test_pulled_during_sign(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	int r;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--exit-on-ins", "2A", END);
	r = card_login(SC_KIND_JPKI, &p, reader, chal, &res);
	assert_int_equal(r, SK_ERR_CARD_REMOVED);
	assert_int_equal(res.sig_len, 0);
	assert_int_equal(res.cert_len, 0);
	assert_int_equal(emu_state("sign_ops"), 0);
	emu_gone();
}

static void
test_no_card_and_wrong_card(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	long long t0 = sk_now_ms();

	(void)state;
	emu_settle();
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_TIMEOUT);
	assert_true(sk_now_ms() - t0 >= 900);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, "No Such Reader 99", chal, &res),
			 SK_ERR_NOTFOUND);
	emu_start("piv", "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e", sct_pki_path("piv9e.key"),
		  END);
	assert_int_equal(card_login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_NOTFOUND);
	assert_int_equal(card_login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_NOTFOUND);
	assert_int_equal(p.calls, 0);
}

/* R-CARD-1 (issue 7 item 1): a card that holds none of the user's keys gets nothing about the
 * PIN, not even the free tries query, and the PIN callback is never called; the user's card
 * is found by its key. The key hash is the one the broker stores (card_verify_binding). */
static void
test_r_card_1_only_bound_card_gets_pin(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	struct sc_login_req req;
	struct card_binding b;
	uint8_t chal[32], keys[2][SC_KEY_HASH_LEN], der[4096];
	char hex[2 * SC_KEY_HASH_LEN + 1];
	size_t len;

	(void)state;
	len = pem_der("jpki.pem", der, sizeof(der));
	assert_int_equal(sc_cert_spki_sha256(der, len, keys[1]), SK_OK);
	assert_int_equal(card_verify_binding(der, len, &b), SK_OK);
	for (size_t i = 0; i < SC_KEY_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", keys[1][i]);
	assert_string_equal(hex, b.spki_sha256);
	len = pem_der("piv9a_rsa.pem", der, sizeof(der));
	assert_int_equal(sc_cert_spki_sha256(der, len, keys[0]), SK_OK);
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(RAND_bytes(chal, 32), 1);
	memset(&req, 0, sizeof(req));
	req.kind = SC_KIND_JPKI;
	req.pin_cb = pin_cb;
	req.pin_arg = &p;
	req.challenge = chal;
	req.challenge_len = 32;
	req.card_wait_ms = 1000;
	req.bound_keys = (const uint8_t (*)[SC_KEY_HASH_LEN])keys;
	req.n_bound_keys = 1;   /* someone else's key only */
	assert_int_equal(sc_login(&req, &res), SK_ERR_CARD_FOREIGN);
	assert_int_equal(res.foreign_cards, 1);
	assert_int_equal(res.cert_len, 0);
	req.n_bound_keys = 0;   /* nothing bound */
	assert_int_equal(sc_login(&req, &res), SK_ERR_CARD_FOREIGN);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_status"), 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 3);
	req.n_bound_keys = 2;   /* the user's key among them */
	assert_int_equal(sc_login(&req, &res), SK_OK);
	assert_int_equal(p.calls, 1);
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(res.foreign_cards, 0);
}

/* ---- R-INPUT-1: a card that answers nonsense -------------------------------------------- */

static void
test_malformed_answers(void **state)
{
	static const struct {
		const char *type, *fault;
		enum sc_card_kind kind;
		int want;
	} cases[] = {
		{ "jpki", "cert-huge", SC_KIND_JPKI, SK_ERR_RANGE },
		{ "jpki", "sig-short", SC_KIND_JPKI, SK_ERR_PROTO },
		{ "jpki", "extra-data", SC_KIND_JPKI, SK_ERR_PROTO },
		{ "piv", "obj-overrun", SC_KIND_PIV_9A, SK_ERR_PROTO },
		{ "piv", "compressed", SC_KIND_PIV_9A, SK_ERR_PROTO },
		{ "piv", "endless-61", SC_KIND_PIV_9A, SK_ERR_RANGE },
	};
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(cases[i].type, "jpki") == 0) {
			emu_jpki("jpki.pem", "jpki.key", "--fault", cases[i].fault, END);
			p.pin = "1234";
		} else {
			emu_start("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
				  sct_pki_path("piv9a_rsa.key"), "--fault", cases[i].fault, END);
			p.pin = "123456";
		}
		fprintf(stderr, "fault %s\n", cases[i].fault);
		assert_int_equal(card_login(cases[i].kind, &p, reader, chal, &res), cases[i].want);
		assert_int_equal(res.sig_len, 0);
		assert_int_equal(res.cert_len, 0);
		emu_stop();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_removal_detected, teardown),
		cmocka_unit_test_teardown(test_swap_detected, teardown),
		cmocka_unit_test_teardown(test_watch_cancel, teardown),
		cmocka_unit_test_teardown(test_pulled_during_sign, teardown),
		cmocka_unit_test_teardown(test_no_card_and_wrong_card, teardown),
		cmocka_unit_test_teardown(test_r_card_1_only_bound_card_gets_pin, teardown),
		cmocka_unit_test_teardown(test_malformed_answers, teardown),
	};

	return cmocka_run_group_tests_name("smartcard_pcscd_presence", tests, group_setup, group_teardown);
}
