/* sk-cardemu: a test card for vsmartcard-vpcd that speaks enough JPKI and PIV for Sekimori's
 * tests and for OpenSC's drivers. Test keys and certificates only (R-TEST-1).
 *
 * Shared pieces: the parsed command, the card state, and the response helpers. The JPKI and PIV
 * applications live in cardemu_jpki.c and cardemu_piv.c; the vpcd link, options and state file
 * in cardemu_main.c. */
#ifndef CARDEMU_H
#define CARDEMU_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define EMU_OBJ_MAX 8192      /* largest object (certificate) the card holds */
#define EMU_CHAIN_MAX 2048    /* largest chained command */
#define EMU_PIN_MAX 16

enum emu_kind { EMU_JPKI = 1, EMU_PIV = 2 };

struct emu_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	size_t le;             /* 1..256 when has_le */
	int has_le;
};

struct emu_resp {
	uint8_t data[EMU_OBJ_MAX + 16];
	size_t len;
	uint16_t sw;
};

struct emu_blob {
	uint8_t *der;
	size_t len;
};

/* One PIN: value, tries, verified flag. */
struct emu_pin {
	char value[EMU_PIN_MAX + 1];
	int tries, max_tries, verified;
};

struct emu_counters {
	unsigned long apdus, resets, pin_status, pin_verify_data, pin_wrong, sign_ops,
		      wrong_length, get_response, chained, unknown;
};

struct emu_card {
	enum emu_kind kind;
	uint8_t atr[33];
	size_t atr_len;
	int short_read_6c;      /* READ BINARY asking past the end: 6Cxx (1) or short 90 00 (0) */
	const char *fault;      /* a deliberate misbehaviour for robustness tests, or NULL */
	uint16_t blocked_sw;    /* status word of a blocked PIN: 6983 or 63C0 */
	struct emu_pin pin;     /* JPKI auth PIN or the PIV PIN */
	struct emu_pin sign_pin;/* JPKI signature PIN (EF 001B); OpenSC queries it */
	/* JPKI */
	int ap_selected;
	uint16_t cur_ef;
	struct emu_blob auth_cert, ca_cert;
	EVP_PKEY *auth_key;
	uint8_t token[32];
	/* PIV */
	int piv_selected;
	struct emu_blob cert_9a, cert_9e;
	int has_chuid;          /* --chuid-guid given: GET DATA 5FC102 answers a CHUID */
	uint8_t chuid_guid[16];
	EVP_PKEY *key_9a, *key_9e;
	uint8_t chain[EMU_CHAIN_MAX];
	size_t chain_len;
	uint8_t chain_hdr[3];   /* INS P1 P2 of the chain in progress */
	int chaining;
	/* Response chaining (61xx) */
	uint8_t pending[EMU_OBJ_MAX + 16];
	size_t pending_len, pending_off;
	struct emu_counters count;
};

/* Deliberate faults (--fault NAME) that test the host's handling of untrusted answers:
 *   cert-huge     JPKI EF 000A starts 30 82 7F FF (a 32 kB certificate)
 *   sig-short     JPKI signature one byte short
 *   obj-overrun   PIV object: the 53 length runs 16 bytes past the data
 *   compressed    PIV certificate info 71 01 01 (gzip)
 *   endless-61    GET RESPONSE never ends (61 00 with data, forever)
 *   extra-data    answers carry one byte more than Le allows */
int emu_fault(const struct emu_card *c, const char *name);

/* Card state after power-on or reset: nothing verified, default application. */
void emu_reset(struct emu_card *c);

/* Answers data (any length up to EMU_OBJ_MAX) honouring Le: what does not fit is left for
 * GET RESPONSE and announced with 61xx. */
void emu_answer_long(struct emu_card *c, const struct emu_apdu *a, const uint8_t *data,
		     size_t len, struct emu_resp *r);

/* PIN check shared by both applications: no data = status query; otherwise compare. */
void emu_verify(struct emu_card *c, struct emu_pin *pin, const uint8_t *data, size_t len,
		struct emu_resp *r);

/* Parses one command APDU and answers it (GET RESPONSE handled here, the rest by the
 * application). Malformed commands get 67 00. */
void emu_process(struct emu_card *c, const uint8_t *cmd, size_t len, struct emu_resp *r);

void emu_jpki_apdu(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r);
void emu_piv_apdu(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r);

#endif
