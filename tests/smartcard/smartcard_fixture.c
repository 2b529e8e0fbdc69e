/* The shared IC-card test fixture (smartcard_fixture.h). */
#include "smartcard_fixture.h"

const char *pki;
const char *emu_bin;
char state_path[1024];
pid_t emu_pid = -1;
SCARDCONTEXT ctx;
struct card_trust *trust, *trust_crl, *trust_crl_der, *trust_crl_stale;
/* vpcd offers two readers, one per port (35963, 35964). Cards go alternately into one and the
 * other, so that pcscd noticing the last card's removal overlaps the next card's insertion. */
char readers[2][SC_READER_NAME_MAX];
int slot = 1;                  /* the reader of the current (or last) card */
int stale = -1;                /* a reader whose card was pulled, not yet seen empty */
char reader[SC_READER_NAME_MAX];   /* = readers[slot] */

/* ---- the emulated card ---------------------------------------------------------------- */

/* Waits until pcscd has seen the last pulled card go. */
void
emu_settle(void)
{
	sct_settle(ctx, readers, &stale);
}

/* Starts sk-cardemu with --type and the given options (NULL-terminated) in the next reader
 * (same_reader: in the current one) and waits until pcscd sees the card. The emulator dies
 * with this process (PDEATHSIG), never outlives the test. */
void
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

void
emu_start(const char *type, ...)
{
	va_list ap;

	va_start(ap, type);
	emu_start_in(0, type, ap);
	va_end(ap);
}

void
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
void
emu_gone(void)
{
	int status;

	assert_int_equal(waitpid(emu_pid, &status, 0), emu_pid);
	emu_pid = -1;
	stale = slot;
}

/* The card is pulled. */
void
emu_stop(void)
{
	if (emu_pid < 0)
		return;
	kill(emu_pid, SIGTERM);
	emu_gone();
}

/* A counter from the emulator's state file. */
long
emu_state(const char *key)
{
	long v = sct_emu_state(state_path, key);

	assert_true(v >= 0);
	return v;
}

int
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

int
card_login(enum sc_card_kind kind, struct pin_ctx *p, const char *rdr, uint8_t chal[32],
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
size_t
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

/* ---- setup ------------------------------------------------------------------------------ */

int
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

int
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

int
teardown(void **state)
{
	(void)state;
	emu_stop();
	return 0;
}

void
expect_cert(const struct sc_login_result *res, const char *pem)
{
	uint8_t der[4096];
	size_t der_len = pem_der(pem, der, sizeof(der));

	assert_int_equal(res->cert_len, der_len);
	assert_memory_equal(res->cert, der, der_len);
}

void
expect_login_verifies(const struct sc_login_result *res, const uint8_t chal[32])
{
	assert_int_equal(card_verify_login(trust, res->cert, res->cert_len, chal, 32, res->sig,
	                                   res->sig_len, AT_2028, NULL), SK_OK);
}

void
expect_login_tries(enum sc_card_kind kind, struct pin_ctx *p, struct sc_login_result *res,
                   int r, int tries_left)
{
	uint8_t chal[32];

	assert_int_equal(card_login(kind, p, reader, chal, res), r);
	assert_int_equal(res->tries_left, tries_left);
}

void
emu_piv_rsa_and_9e(void)
{
	emu_start("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
	          sct_pki_path("piv9a_rsa.key"), "--cert-9e", sct_pki_path("piv9e.pem"),
	          "--key-9e", sct_pki_path("piv9e.key"), END);
}
