/* What the IC-card tests through the real pcscd + vsmartcard-vpcd share
 * (tests/smartcard/test_smartcard_*.c): sk-cardemu as the card, broker/card_verify as the
 * verifier, and the trust stores of the test PKI. Run by harness.sh, which provides a private
 * pcscd and:
 *   SK_TEST_PKI   the test PKI made by make_test_pki.sh (R-TEST-1: generated data only)
 *   SK_CARDEMU    the emulator binary
 *   SK_TEST_WORK  a scratch directory
 * Every test starts its own emulated card (its own PIN state) and removes it at the end. All
 * certificate checks run at a fixed time, 2028-01-01T00:00:00Z, whatever the clock says. */
#ifndef SMARTCARD_FIXTURE_H
#define SMARTCARD_FIXTURE_H

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

extern const char *pki;
extern const char *emu_bin;
extern char state_path[1024];
extern pid_t emu_pid;
extern SCARDCONTEXT ctx;
extern struct card_trust *trust, *trust_crl, *trust_crl_der, *trust_crl_stale;
/* vpcd offers two readers, one per port (35963, 35964). Cards go alternately into one and the
 * other, so that pcscd noticing the last card's removal overlaps the next card's insertion. */
extern char readers[2][SC_READER_NAME_MAX];
extern int slot;                      /* the reader of the current (or last) card */
extern int stale;                     /* a reader whose card was pulled, not yet seen empty */
extern char reader[SC_READER_NAME_MAX];   /* = readers[slot] */

/* ---- the emulated card ---------------------------------------------------------------- */

/* Waits until pcscd has seen the last pulled card go. */
void
emu_settle(void);

/* Starts sk-cardemu with --type and the given options (NULL-terminated) in the next reader
 * (same_reader: in the current one) and waits until pcscd sees the card. The emulator dies
 * with this process (PDEATHSIG), never outlives the test. */
void
emu_start_in(int same_reader, const char *type, va_list ap);

void
emu_start(const char *type, ...);

void
emu_jpki(const char *cert, const char *key, ...);

/* The emulator has exited (or been killed): reap it; pcscd will report the reader empty. */
void
emu_gone(void);

/* The card is pulled. */
void
emu_stop(void);

/* A counter from the emulator's state file. */
long
emu_state(const char *key);

/* ---- helpers ---------------------------------------------------------------------------- */

struct pin_ctx {
	const char *pin;
	int calls;
	int tries_seen;
	int cancel;
};

int
pin_cb(void *arg, int tries_left, char *pin, size_t cap);

int
card_login(enum sc_card_kind kind, struct pin_ctx *p, const char *rdr, uint8_t chal[32],
      struct sc_login_result *res);

/* DER of a PEM certificate file from the PKI. */
size_t
pem_der(const char *name, uint8_t *out, size_t cap);

/* ---- setup ------------------------------------------------------------------------------ */
int
group_setup(void **state);

int
group_teardown(void **state);

int
teardown(void **state);

/* The card in the reader sent the certificate of the PKI file pem. */
void expect_cert(const struct sc_login_result *res, const char *pem);

/* The broker accepts the login res signed for chal (trust store without a CRL). */
void expect_login_verifies(const struct sc_login_result *res, const uint8_t chal[32]);

/* A login with key kind on the card in the reader (a fresh challenge) must end in r, with
 * tries_left tries left; its result stays in res for the checks that follow. */
void expect_login_tries(enum sc_card_kind kind, struct pin_ctx *p, struct sc_login_result *res,
                        int r, int tries_left);

/* A PIV card with an RSA key in 9A and an EC key in 9E. */
void emu_piv_rsa_and_9e(void);

#endif
