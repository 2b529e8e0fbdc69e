/* sc_jpki: the My Number card's JPKI application, user-authentication side
 * (利用者証明用電子証明書). APDUs as checked against OpenSC (see doc notes on cards).
 *
 * Order of use: sc_jpki_select() -> sc_jpki_read_auth_cert() -> sc_jpki_pin_status() ->
 * sc_jpki_verify_pin() -> sc_jpki_sign_sha256() -> sc_jpki_logout(), all inside one
 * sc_card_begin()/sc_card_end() transaction. sc_login() does exactly this with the PIN rules;
 * use these directly only for tools and tests.
 *
 * The card's own CA certificate (EF 000B) is deliberately not offered: trust anchors come from
 * the broker's configuration, never from the card. */
#ifndef SC_JPKI_H
#define SC_JPKI_H
#include <stddef.h>
#include <stdint.h>

#include "sc_pcsc.h"

#define SC_JPKI_PIN_LEN 4           /* the auth PIN is exactly 4 ASCII digits */
#define SC_JPKI_SIG_LEN 256         /* RSA-2048 */
#define SC_JPKI_TOKEN_LEN 32        /* EF 0006, space-padded */
#define SC_JPKI_CERT_MAX 4096       /* certificates are about 1.5 kB; more is refused */

/* Selects the JPKI AP (00 A4 04 0C, AID D3 92 F0 00 26 01 00 00 00 01). Selecting it also
 * clears any PIN verified earlier. SK_ERR_NOTFOUND when the card has no JPKI AP. */
int sc_jpki_select(struct sc_card *card);

/* Reads EF 0006 (the card-kind token, e.g. "JPKIAPICCTOKEN2" for a My Number card) into
 * token as a NUL-terminated string with the trailing space padding removed. Only printable
 * ASCII is accepted. */
int sc_jpki_read_token(struct sc_card *card, char *token, size_t cap);

/* Reads the authentication certificate (EF 000A; no PIN needed). The size is taken from the
 * DER header of the first bytes and must fit cap (at most SC_JPKI_CERT_MAX); the file is then
 * read in bounded chunks and the result must be exactly one DER SEQUENCE. */
int sc_jpki_read_auth_cert(struct sc_card *card, uint8_t *der, size_t cap, size_t *der_len);

/* Asks the auth PIN (EF 0018) state with VERIFY without data, which costs no try.
 * 63Cx -> *tries = x, *verified = 0; 6983 (or 63C0) -> *tries = 0; 90 00 -> *verified = 1 and
 * *tries = -1 (unknown). */
int sc_jpki_pin_status(struct sc_card *card, int *tries, int *verified);

/* Sends the auth PIN. The PIN must be exactly 4 ASCII digits, otherwise SK_ERR_PIN_FORMAT and
 * nothing is sent. SK_OK when accepted; SK_ERR_PIN_WRONG with *tries_left (from 63Cx; -1 if the
 * card did not say); SK_ERR_PIN_BLOCKED when the card is (now) blocked. Never reads tries first:
 * callers must (sc_login does). */
int sc_jpki_verify_pin(struct sc_card *card, const char *pin, int *tries_left);

/* Signs SHA-256 hash with the auth key (EF 0017): the card receives the DigestInfo, adds
 * PKCS#1 v1.5 padding and returns a 256-byte RSA signature in one answer. Needs the PIN
 * verified in this session (SK_ERR_DENIED otherwise). */
int sc_jpki_sign_sha256(struct sc_card *card, const uint8_t hash[32], uint8_t *sig,
			size_t cap, size_t *sig_len);

/* Logs out by selecting the AP again (the card clears its security state). */
int sc_jpki_logout(struct sc_card *card);

#endif
