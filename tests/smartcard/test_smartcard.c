/* IC-card login through the real pcscd + vsmartcard-vpcd, with sk-cardemu as the card and
 * broker/card_verify as the verifier. Run by harness.sh, which provides a private pcscd and:
 *   SK_TEST_PKI   the test PKI made by make_test_pki.sh (R-TEST-1: generated data only)
 *   SK_CARDEMU    the emulator binary
 *   SK_TEST_WORK  a scratch directory
 * Every test starts its own emulated card (its own PIN state) and removes it at the end. All
 * certificate checks run at a fixed time, 2028-01-01T00:00:00Z, whatever the clock says.
 *
 * Requirements: R-MFA-1 (PIN + card; 9E is possession only), R-CARD-1 (binding keys),
 * R-CARD-2 (removal), R-CARD-3/4 (revocation by CRL, replaced cards have new binding keys),
 * R-INPUT-1 (malformed card answers), R-TEST-1. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "card_verify.h"
#include "sc_login.h"
#include "sc_pcsc.h"
#include "sc_test_card.h"
#include "sc_watch.h"
#include "sk_err.h"
#include "sk_log.h"

#define AT_2028 ((time_t)1830297600)
#define CARD_WAIT_MS 5000
#define END ((const char *)NULL)   /* ends the emulator option lists */

static const char *pki;
static const char *emu_bin;
static char state_path[1024];
static pid_t emu_pid = -1;
static SCARDCONTEXT ctx;
static struct card_trust *trust, *trust_crl, *trust_crl_der, *trust_crl_stale;
/* vpcd offers two readers, one per port (35963, 35964). Cards go alternately into one and the
 * other, so that pcscd noticing the last card's removal overlaps the next card's insertion. */
static char readers[2][SC_READER_NAME_MAX];
static int slot = 1;                  /* the reader of the current (or last) card */
static int stale = -1;                /* a reader whose card was pulled, not yet seen empty */
static char reader[SC_READER_NAME_MAX];   /* = readers[slot] */

/* ---- the emulated card ---------------------------------------------------------------- */

/* Waits until pcscd has seen the last pulled card go. */
static void
emu_settle(void)
{
	if (stale >= 0)
		assert_int_equal(sc_card_wait_empty(ctx, readers[stale], CARD_WAIT_MS), SK_OK);
	stale = -1;
}

/* Starts sk-cardemu with --type and the given options (NULL-terminated) in the next reader
 * (same_reader: in the current one) and waits until pcscd sees the card. The emulator dies
 * with this process (PDEATHSIG), never outlives the test. */
static void
emu_start_in(int same_reader, const char *type, va_list ap)
{
	struct sct_emu_argv a;

	assert_int_equal(emu_pid, -1);
	if (!same_reader)
		slot = 1 - slot;
	if (stale == slot)
		emu_settle();
	sct_emu_argv_init(&a, emu_bin, type, slot);
	sct_emu_argv_add(&a, "--state");
	sct_emu_argv_add(&a, state_path);
	sct_emu_argv_add_list(&a, ap);
	unlink(state_path);
	emu_pid = sct_emu_spawn(ctx, readers[slot], &a, reader, sizeof(reader));
	emu_settle();   /* tests start with exactly one card present */
}

static void
emu_start(const char *type, ...)
{
	va_list ap;

	va_start(ap, type);
	emu_start_in(0, type, ap);
	va_end(ap);
}

static void
emu_start_same_reader(const char *type, ...)
{
	va_list ap;

	va_start(ap, type);
	emu_start_in(1, type, ap);
	va_end(ap);
}

static void
emu_jpki(const char *cert, const char *key, ...)
{
	/* Only a few fixed extra options are ever used: pass them through. */
	const char *x[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	va_list ap;
	int i;

	va_start(ap, key);
	for (i = 0; i < 5; i++) {
		x[i] = va_arg(ap, const char *);
		if (x[i] == NULL)
			break;
	}
	va_end(ap);
	emu_start("jpki", "--cert", sct_pki_path(cert), "--key", sct_pki_path(key),
		  "--ca-cert", sct_pki_path("untrusted_ca.pem"), x[0], x[1], x[2], x[3], x[4], END);
}

/* The emulator has exited (or been killed): reap it; pcscd will report the reader empty. */
static void
emu_gone(void)
{
	int status;

	assert_int_equal(waitpid(emu_pid, &status, 0), emu_pid);
	emu_pid = -1;
	stale = slot;
}

/* The card is pulled. */
static void
emu_stop(void)
{
	if (emu_pid < 0)
		return;
	kill(emu_pid, SIGTERM);
	emu_gone();
}

/* A counter from the emulator's state file. */
static long
emu_state(const char *key)
{
	long v = sct_emu_state(state_path, key);

	assert_true(v >= 0);
	return v;
}

/* ---- helpers ---------------------------------------------------------------------------- */

struct pin_ctx {
	const char *pin;
	int calls;
	int tries_seen;
	int cancel;
};

static int
pin_cb(void *arg, int tries_left, char *pin, size_t cap)
{
	struct pin_ctx *p = arg;
	int n;

	p->calls++;
	p->tries_seen = tries_left;
	if (p->cancel)
		return SK_ERR_DENIED;
	n = snprintf(pin, cap, "%s", p->pin);
	return n >= 0 && (size_t)n < cap ? SK_OK : SK_ERR_RANGE;
}

static int
login(enum sc_card_kind kind, struct pin_ctx *p, const char *rdr, uint8_t chal[32],
      struct sc_login_result *res)
{
	struct sc_login_req req;

	assert_int_equal(RAND_bytes(chal, 32), 1);
	memset(&req, 0, sizeof(req));
	req.reader = rdr;
	req.kind = kind;
	req.pin_cb = p != NULL ? pin_cb : NULL;
	req.pin_arg = p;
	req.challenge = chal;
	req.challenge_len = 32;
	req.card_wait_ms = 1000;
	return sc_login(&req, res);
}

/* DER of a PEM certificate file from the PKI. */
static size_t
pem_der(const char *name, uint8_t *out, size_t cap)
{
	FILE *f = fopen(sct_pki_path(name), "r");
	X509 *x;
	unsigned char *der = NULL;
	int len;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	len = i2d_X509(x, &der);
	X509_free(x);
	assert_true(len > 0 && (size_t)len <= cap);
	memcpy(out, der, (size_t)len);
	OPENSSL_free(der);
	return (size_t)len;
}

/* One line of output from a shell command, without its newline. */
static void
run_line(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	assert_non_null(fgets(out, (int)cap, p));
	assert_int_equal(pclose(p), 0);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

/* ---- setup ------------------------------------------------------------------------------ */

static int
group_setup(void **state)
{
	const char *work = getenv("SK_TEST_WORK");
	int n;

	(void)state;
	sk_log_to_stderr(1);
	pki = getenv("SK_TEST_PKI");
	emu_bin = getenv("SK_CARDEMU");
	if (pki == NULL || emu_bin == NULL || work == NULL) {
		fprintf(stderr, "run me through harness.sh (SK_TEST_PKI, SK_CARDEMU, SK_TEST_WORK)\n");
		return -1;
	}
	n = snprintf(state_path, sizeof(state_path), "%s/cardemu.state", work);
	if (n < 0 || (size_t)n >= sizeof(state_path))
		return -1;
	if (sct_readers_open(&ctx, readers) != 0)
		return -1;
	if (card_verify_trust_load(sct_pki_path("ca.pem"), NULL, &trust) != SK_OK ||
	    card_verify_trust_load(sct_pki_path("ca.pem"), sct_pki_path("crl.pem"), &trust_crl) != SK_OK ||
	    card_verify_trust_load(sct_pki_path("ca.pem"), sct_pki_path("crl.der"), &trust_crl_der) != SK_OK ||
	    card_verify_trust_load(sct_pki_path("ca.pem"), sct_pki_path("crl_expired.pem"),
				   &trust_crl_stale) != SK_OK)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	card_verify_trust_free(trust);
	card_verify_trust_free(trust_crl);
	card_verify_trust_free(trust_crl_der);
	card_verify_trust_free(trust_crl_stale);
	sc_ctx_close(ctx);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	emu_stop();
	return 0;
}

/* ---- JPKI ------------------------------------------------------------------------------- */

/* R-MFA-1: the My Number card's auth key signs the broker's challenge after the PIN; the
 * broker verifies it with the trusted test CA. Also measures a full login through pcscd. */
static void
test_jpki_login_ok(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	struct card_binding b;
	uint8_t chal[32], der[4096];
	size_t der_len;
	long long t0, t1, best = 1 << 30, total = 0;
	int i;

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	t0 = sct_now_ms();
	/* reader NULL: the first reader that holds a card. */
	assert_int_equal(login(SC_KIND_JPKI, &p, NULL, chal, &res), SK_OK);
	t1 = sct_now_ms();
	fprintf(stderr, "JPKI login through pcscd (first): %lld ms\n", t1 - t0);
	assert_string_equal(res.reader, reader);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.tries_seen, 3);
	assert_int_equal(res.sig_alg, SC_SIG_RSA_PKCS1_SHA256);
	assert_int_equal(res.sig_len, 256);
	assert_string_equal(res.jpki_token, "JPKIAPICCTOKEN2");
	der_len = pem_der("jpki.pem", der, sizeof(der));
	assert_int_equal(res.cert_len, der_len);
	assert_memory_equal(res.cert, der, der_len);
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, &b), SK_OK);
	assert_int_equal(strlen(b.spki_sha256), 64);
	/* What the card went through: one signature, PIN back to logged out, our 6Cxx recovery
	 * used for the token, the card reset on the way out. */
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);
	assert_int_equal(emu_state("pin_tries"), 3);
	assert_int_equal(emu_state("pin_verify_data"), 1);
	assert_true(emu_state("wrong_length") >= 1);
	assert_true(emu_state("resets") >= 2);
	for (i = 0; i < 5; i++) {
		t0 = sct_now_ms();
		assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
		t1 = sct_now_ms();
		total += t1 - t0;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	fprintf(stderr, "JPKI login through pcscd: best %lld ms, mean %lld ms over 5\n", best,
		total / 5);
	assert_true(best < 1000);
}

/* A wrong PIN is refused and the tries left are reported; the right PIN then works and the
 * card's counter is restored. */
static void
test_jpki_wrong_pin(void **state)
{
	struct pin_ctx p = { "9999", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_WRONG);
	assert_int_equal(res.tries_left, 2);
	assert_int_equal(res.sig_len, 0);
	assert_int_equal(res.cert_len, 0);
	assert_int_equal(emu_state("pin_tries"), 2);
	assert_int_equal(emu_state("pin_wrong"), 1);
	assert_int_equal(emu_state("sign_ops"), 0);
	p.pin = "1234";
	p.calls = 0;
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(p.tries_seen, 2);   /* the user was told before typing */
	assert_int_equal(emu_state("pin_tries"), 3);
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
}

/* One try left: the PIN is neither asked for nor sent; the card's counter does not move. */
static void
test_jpki_last_try_refused(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--one-try-left", END);
	assert_int_equal(emu_state("pin_tries"), 1);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(res.tries_left, 1);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 1);
	assert_int_equal(emu_state("sign_ops"), 0);
	assert_int_equal(res.sig_len, 0);
}

/* Wrong PIN at two tries: the answer is "one left", and the next attempt is refused. */
static void
test_jpki_wrong_then_last_try(void **state)
{
	struct pin_ctx p = { "0000", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--tries", "2", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_WRONG);
	assert_int_equal(res.tries_left, 1);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(p.calls, 1);
	assert_int_equal(emu_state("pin_verify_data"), 1);
	assert_int_equal(emu_state("pin_tries"), 1);
}

/* A blocked card (either status word) is reported as blocked; nothing is sent. */
static void
test_jpki_blocked(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", "--blocked", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_BLOCKED);
	assert_int_equal(res.tries_left, 0);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	emu_stop();
	emu_jpki("jpki.pem", "jpki.key", "--blocked", "--blocked-sw", "63C0", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_BLOCKED);
	assert_int_equal(p.calls, 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

/* A PIN of the wrong form, or a cancelled prompt, never reaches the card. */
static void
test_jpki_pin_format_and_cancel(void **state)
{
	struct pin_ctx p = { "12345", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_FORMAT);
	p.pin = "12a4";
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_FORMAT);
	p.pin = "";   /* empty: its own outcome, not "unreadable" (issue 7 item 15) */
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_EMPTY);
	p.cancel = 1;
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_PIN_CANCELLED);
	assert_int_equal(p.calls, 4);
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 3);
}

/* ---- PIV -------------------------------------------------------------------------------- */

static void
test_piv_9a_rsa(void **state)
{
	struct pin_ctx p = { "123456", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32], der[4096];
	size_t der_len;

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
		  sct_pki_path("piv9a_rsa.key"), "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e",
		  sct_pki_path("piv9e.key"), END);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.tries_seen, 3);
	assert_int_equal(res.sig_alg, SC_SIG_RSA_PKCS1_SHA256);
	assert_int_equal(res.sig_len, 256);
	der_len = pem_der("piv9a_rsa.pem", der, sizeof(der));
	assert_int_equal(res.cert_len, der_len);
	assert_memory_equal(res.cert, der, der_len);
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
	/* 266-byte GENERAL AUTHENTICATE went out chained; the 264-byte answer and the
	 * certificate object came back through GET RESPONSE; the PIN was logged out. */
	assert_true(emu_state("chained") >= 1);
	assert_true(emu_state("get_response") >= 2);
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);
}

static void
test_piv_9a_ec(void **state)
{
	struct pin_ctx p = { "20240101", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_ec.pem"), "--key-9a",
		  sct_pki_path("piv9a_ec.key"), "--pin", "20240101", END);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(res.sig_alg, SC_SIG_ECDSA_SHA256);
	assert_true(res.sig_len >= 8 && res.sig_len <= 72);
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
	assert_int_equal(emu_state("chained"), 0);
}

/* R-MFA-1: key 9E proves possession only: no PIN is asked, queried or sent. */
static void
test_piv_9e_no_pin(void **state)
{
	struct sc_login_result res;
	uint8_t chal[32], der[4096];
	size_t der_len;

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
		  sct_pki_path("piv9a_rsa.key"), "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e",
		  sct_pki_path("piv9e.key"), END);
	assert_int_equal(login(SC_KIND_PIV_9E, NULL, reader, chal, &res), SK_OK);
	assert_int_equal(res.sig_alg, SC_SIG_ECDSA_SHA256);
	assert_int_equal(res.tries_left, -1);
	der_len = pem_der("piv9e.pem", der, sizeof(der));
	assert_int_equal(res.cert_len, der_len);
	assert_memory_equal(res.cert, der, der_len);
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
	assert_int_equal(emu_state("pin_status"), 0);
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

static void
test_piv_pin_rules(void **state)
{
	struct pin_ctx p = { "654321", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_ec.pem"), "--key-9a",
		  sct_pki_path("piv9a_ec.key"), END);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_WRONG);
	assert_int_equal(res.tries_left, 2);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_WRONG);
	assert_int_equal(res.tries_left, 1);
	p.pin = "123456";
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(p.calls, 2);
	assert_int_equal(emu_state("pin_verify_data"), 2);
	assert_int_equal(emu_state("pin_tries"), 1);
	p.pin = "123";   /* too short for PIV: never sent (and not asked: one try left) */
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_PIN_LAST_TRY);
	assert_int_equal(emu_state("pin_verify_data"), 2);
}

/* ---- the broker's refusals ------------------------------------------------------------- */

/* Logs in with a JPKI card holding cert (key other.key) and gives the verdicts of up to
 * three trust sets (NULL ends the list) in v[]. */
static void
verdicts_for(const char *cert, int v[3], const struct card_trust *t0,
	     const struct card_trust *t1, const struct card_trust *t2)
{
	const struct card_trust *ts[3] = { t0, t1, t2 };
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	int i;

	emu_jpki(cert, "other.key", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	/* The signature itself is good: only the certificate is refused. */
	assert_int_equal(card_verify_signature(res.cert, res.cert_len, chal, sizeof(chal),
					       res.sig, res.sig_len), SK_OK);
	for (i = 0; i < 3 && ts[i] != NULL; i++)
		v[i] = card_verify_login(ts[i], res.cert, res.cert_len, chal, sizeof(chal),
					 res.sig, res.sig_len, AT_2028, NULL);
	emu_stop();
}

static void
test_expired_refused(void **state)
{
	int v[3];

	(void)state;
	verdicts_for("expired.pem", v, trust, NULL, NULL);
	assert_int_equal(v[0], CARD_VERIFY_EXPIRED);
	verdicts_for("notyet.pem", v, trust, NULL, NULL);
	assert_int_equal(v[0], CARD_VERIFY_NOT_YET_VALID);
}

/* The chain must end at the configured CA, never at the CA certificate the card offers
 * (the emulated card carries the untrusted CA in EF 000B). */
static void
test_untrusted_refused(void **state)
{
	int v[3];

	(void)state;
	verdicts_for("untrusted.pem", v, trust, trust_crl, NULL);
	assert_int_equal(v[0], CARD_VERIFY_UNTRUSTED);
	assert_int_equal(v[1], CARD_VERIFY_UNTRUSTED);
}

/* R-CARD-3: a certificate listed in the imported CRL (PEM or DER) is refused; the same
 * certificate passes without the CRL; a stale CRL refuses everything (fail closed). */
static void
test_crl_revoked_refused(void **state)
{
	struct pin_ctx p = { "1234", 0, 0, 0 };
	struct sc_login_result res;
	uint8_t chal[32];
	int v[3];

	(void)state;
	verdicts_for("revoked.pem", v, trust_crl, trust_crl_der, trust);
	assert_int_equal(v[0], CARD_VERIFY_REVOKED);
	assert_int_equal(v[1], CARD_VERIFY_REVOKED);
	assert_int_equal(v[2], SK_OK);
	emu_jpki("jpki.pem", "jpki.key", END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(card_verify_login(trust_crl, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL), SK_OK);
	assert_int_equal(card_verify_login(trust_crl_stale, res.cert, res.cert_len, chal,
					   sizeof(chal), res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_CRL_UNUSABLE);
}

/* A signature that does not match the challenge, the certificate or its own bytes fails. */
static void
test_tampered_signature_refused(void **state)
{
	struct pin_ctx p = { "123456", 0, 0, 0 };
	struct sc_login_result res, ec;
	uint8_t chal[32], chal_ec[32], other[32];

	(void)state;
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
		  sct_pki_path("piv9a_rsa.key"), "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e",
		  sct_pki_path("piv9e.key"), END);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_OK);
	assert_int_equal(login(SC_KIND_PIV_9E, NULL, reader, chal_ec, &ec), SK_OK);
	/* A flipped bit in the RSA signature. */
	res.sig[100] ^= 0x01;
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal, sizeof(chal),
					   res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	res.sig[100] ^= 0x01;
	/* A replay for another challenge. */
	memcpy(other, chal, sizeof(other));
	other[0] ^= 0x80;
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, other, sizeof(other),
					   res.sig, res.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* A flipped bit inside ECDSA's s, and a truncated ECDSA signature. */
	ec.sig[ec.sig_len - 1] ^= 0x01;
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	ec.sig[ec.sig_len - 1] ^= 0x01;
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len - 1, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* The 9E signature presented with the 9A certificate. */
	assert_int_equal(card_verify_login(trust, res.cert, res.cert_len, chal_ec,
					   sizeof(chal_ec), ec.sig, ec.sig_len, AT_2028, NULL),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* And the untampered ones still pass. */
	assert_int_equal(card_verify_login(trust, ec.cert, ec.cert_len, chal_ec, sizeof(chal_ec),
					   ec.sig, ec.sig_len, AT_2028, NULL), SK_OK);
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
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_OK);
	assert_int_equal(sc_watch_wait(&w, 300), SK_ERR_TIMEOUT);
	t0 = sct_now_ms();
	kill(emu_pid, SIGTERM);
	assert_int_equal(sc_watch_wait(&w, 3000), SK_OK);
	dt = sct_now_ms() - t0;
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
	r = login(SC_KIND_JPKI, &p, reader, chal, &res);
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
	long long t0 = sct_now_ms();

	(void)state;
	emu_settle();
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_TIMEOUT);
	assert_true(sct_now_ms() - t0 >= 900);
	assert_int_equal(login(SC_KIND_JPKI, &p, "No Such Reader 99", chal, &res),
			 SK_ERR_NOTFOUND);
	emu_start("piv", "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e", sct_pki_path("piv9e.key"),
		  END);
	assert_int_equal(login(SC_KIND_JPKI, &p, reader, chal, &res), SK_ERR_NOTFOUND);
	assert_int_equal(login(SC_KIND_PIV_9A, &p, reader, chal, &res), SK_ERR_NOTFOUND);
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
		assert_int_equal(login(cases[i].kind, &p, reader, chal, &res), cases[i].want);
		assert_int_equal(res.sig_len, 0);
		assert_int_equal(res.cert_len, 0);
		emu_stop();
	}
}

/* ---- card_verify without a card ----------------------------------------------------------- */

/* R-CARD-1/4: the binding keys are what the openssl CLI says about the same certificate. */
static void
test_binding_matches_openssl(void **state)
{
	static const char *const certs[] = { "jpki.pem", "piv9a_ec.pem", "revoked.pem" };
	struct card_binding b, b2;
	uint8_t der[4096];
	char cmd[2048], line[1200];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		const char *f = sct_pki_path(certs[i]);

		len = pem_der(certs[i], der, sizeof(der));
		assert_int_equal(card_verify_binding(der, len, &b), SK_OK);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -serial", f);
		run_line(cmd, line, sizeof(line));
		assert_string_equal(line + strlen("serial="), b.serial);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -issuer -nameopt RFC2253", f);
		run_line(cmd, line, sizeof(line));
		assert_string_equal(line + strlen("issuer="), b.issuer);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -pubkey | openssl pkey "
			 "-pubin -outform DER | openssl dgst -sha256 -r", f);
		run_line(cmd, line, sizeof(line));
		assert_int_equal(strncmp(line, b.spki_sha256, 64), 0);
	}
	/* A replaced card (new key) has a new SPKI hash and serial; same issuer. */
	len = pem_der("jpki.pem", der, sizeof(der));
	assert_int_equal(card_verify_binding(der, len, &b), SK_OK);
	len = pem_der("revoked.pem", der, sizeof(der));
	assert_int_equal(card_verify_binding(der, len, &b2), SK_OK);
	assert_string_not_equal(b.spki_sha256, b2.spki_sha256);
	assert_string_not_equal(b.serial, b2.serial);
	assert_string_equal(b.issuer, b2.issuer);
}

static void
test_verify_input_checks(void **state)
{
	struct card_trust *t = NULL;
	struct card_binding b;
	uint8_t der[4096 + 1], sig[256] = { 0 }, chal[32] = { 0 };
	size_t len;

	(void)state;
	assert_int_equal(card_verify_trust_load("/nonexistent/ca.pem", NULL, &t), SK_ERR_CONFIG);
	assert_null(t);
	/* A CRL file that is not a CRL, and a CA file with no certificate. */
	assert_int_equal(card_verify_trust_load(sct_pki_path("ca.pem"), sct_pki_path("ca.key"), &t),
			 SK_ERR_CONFIG);
	assert_int_equal(card_verify_trust_load(sct_pki_path("crl.pem"), NULL, &t), SK_ERR_CONFIG);
	len = pem_der("jpki.pem", der, sizeof(der) - 1);
	/* Trailing garbage, truncation, nothing. */
	der[len] = 0x00;
	assert_int_equal(card_verify_chain(trust, der, len + 1, AT_2028), SK_ERR_PROTO);
	assert_int_equal(card_verify_chain(trust, der, len - 1, AT_2028), SK_ERR_PROTO);
	assert_int_equal(card_verify_binding(der, 0, &b), SK_ERR_PROTO);
	assert_int_equal(card_verify_signature(der, len, chal, sizeof(chal), sig, 255),
			 CARD_VERIFY_BAD_SIGNATURE);
	assert_int_equal(card_verify_signature(der, len, chal, sizeof(chal), sig, sizeof(sig)),
			 CARD_VERIFY_BAD_SIGNATURE);
	/* keyUsage without digitalSignature. */
	len = pem_der("noku.pem", der, sizeof(der));
	assert_int_equal(card_verify_chain(trust, der, len, AT_2028), CARD_VERIFY_UNTRUSTED);
	/* The CA itself is not a login certificate... but it chains; its keyUsage says no. */
	len = pem_der("ca.pem", der, sizeof(der));
	assert_int_equal(card_verify_chain(trust, der, len, AT_2028), CARD_VERIFY_UNTRUSTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_jpki_login_ok, teardown),
		cmocka_unit_test_teardown(test_jpki_wrong_pin, teardown),
		cmocka_unit_test_teardown(test_jpki_last_try_refused, teardown),
		cmocka_unit_test_teardown(test_jpki_wrong_then_last_try, teardown),
		cmocka_unit_test_teardown(test_jpki_blocked, teardown),
		cmocka_unit_test_teardown(test_jpki_pin_format_and_cancel, teardown),
		cmocka_unit_test_teardown(test_piv_9a_rsa, teardown),
		cmocka_unit_test_teardown(test_piv_9a_ec, teardown),
		cmocka_unit_test_teardown(test_piv_9e_no_pin, teardown),
		cmocka_unit_test_teardown(test_piv_pin_rules, teardown),
		cmocka_unit_test_teardown(test_expired_refused, teardown),
		cmocka_unit_test_teardown(test_untrusted_refused, teardown),
		cmocka_unit_test_teardown(test_crl_revoked_refused, teardown),
		cmocka_unit_test_teardown(test_tampered_signature_refused, teardown),
		cmocka_unit_test_teardown(test_removal_detected, teardown),
		cmocka_unit_test_teardown(test_swap_detected, teardown),
		cmocka_unit_test_teardown(test_watch_cancel, teardown),
		cmocka_unit_test_teardown(test_pulled_during_sign, teardown),
		cmocka_unit_test_teardown(test_no_card_and_wrong_card, teardown),
		cmocka_unit_test_teardown(test_r_card_1_only_bound_card_gets_pin, teardown),
		cmocka_unit_test_teardown(test_malformed_answers, teardown),
		cmocka_unit_test(test_binding_matches_openssl),
		cmocka_unit_test(test_verify_input_checks),
	};

	return cmocka_run_group_tests_name("smartcard_pcscd", tests, group_setup, group_teardown);
}
