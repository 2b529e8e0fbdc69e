/* sc_piv: the PIV card application (NIST SP 800-73-4), keys 9A and 9E.
 *
 * Key 9A (PIV Authentication) needs the PIN: possession + knowledge.
 * Key 9E (Card Authentication) needs no PIN: possession only; the caller must count it as one
 * factor (R-MFA-1).
 *
 * Order of use: sc_piv_select() -> sc_piv_read_cert() -> [9A: sc_piv_logout(),
 * sc_piv_pin_status(), sc_piv_verify_pin()] -> sc_piv_sign_sha256() -> sc_piv_logout(), inside
 * one transaction. sc_login() does exactly this with the PIN rules. */
#ifndef SC_PIV_H
#define SC_PIV_H
#include <stddef.h>
#include <stdint.h>

#include "sc_pcsc.h"

#define SC_PIV_PIN_MIN 4
#define SC_PIV_PIN_MAX 8
#define SC_PIV_CERT_MAX 4096
#define SC_PIV_SIG_MAX 256          /* RSA-2048; an ECDSA P-256 DER signature is at most 72 */

enum sc_piv_key {
	SC_PIV_KEY_AUTH = 0x9A,         /* PIV Authentication, PIN required */
	SC_PIV_KEY_CARD_AUTH = 0x9E,    /* Card Authentication, no PIN */
};

enum sc_piv_alg {
	SC_PIV_ALG_RSA2048 = 0x07,
	SC_PIV_ALG_ECC_P256 = 0x11,
};

/* Selects the PIV application (full AID A0 00 00 03 08 00 00 10 00 01 00) and checks the
 * answer is an application property template (61 ...). SK_ERR_NOTFOUND when absent. */
int sc_piv_select(struct sc_card *card);

/* GET DATA of the certificate object of `key` (5FC105 for 9A, 5FC101 for 9E). The answer must
 * be exactly 53 { 70 cert, [71 01 00], [FE 00] } with each inner tag at most once; a compressed
 * certificate (71 01 01) is refused; the certificate must be exactly one DER SEQUENCE.
 * SK_ERR_NOTFOUND when the slot holds no certificate. */
int sc_piv_read_cert(struct sc_card *card, enum sc_piv_key key, uint8_t *der, size_t cap,
		     size_t *der_len);

#define SC_CARD_UID_MAX 64          /* "piv-fascn:" + 50 hex digits + NUL fits */

/* GET DATA of the Card Holder Unique Identifier (5FC102; no PIN needed) and the card's
 * identity from it, as text: "piv-guid:" + 32 lowercase hex digits of the GUID (tag 34), or,
 * when the GUID is absent or all zero, "piv-fascn:" + 50 hex digits of the FASC-N (tag 30).
 * It names the card, not one key on it, so that one card is bound to one person whatever key
 * is enrolled (R-CARD-1). SK_ERR_NOTFOUND when the card has no CHUID or neither field. */
int sc_piv_read_card_uid(struct sc_card *card, char *uid, size_t cap);

/* VERIFY without data for the PIV PIN (key reference 80): 63Cx -> *tries = x, *verified = 0;
 * 6983 -> *tries = 0; 90 00 -> *verified = 1, *tries = -1 (a PIN is verified already). */
int sc_piv_pin_status(struct sc_card *card, int *tries, int *verified);

/* VERIFY with the PIN padded with FF to 8 bytes. The PIN must be 4..8 ASCII digits,
 * otherwise SK_ERR_PIN_FORMAT and nothing is sent. SK_OK; SK_ERR_PIN_WRONG with *tries_left;
 * SK_ERR_PIN_BLOCKED. */
int sc_piv_verify_pin(struct sc_card *card, const char *pin, int *tries_left);

/* GENERAL AUTHENTICATE over SHA-256 hash with `key`:
 *   RSA-2048: the host builds the PKCS#1 v1.5 block (00 01 FF.. 00 DigestInfo, 256 bytes),
 *             the command is chained; the answer is the 256-byte signature (61xx-chained).
 *   ECC P-256: the raw 32-byte hash goes in; the answer is a DER ECDSA-Sig-Value.
 * The answer must be exactly 7C { 82 signature }. */
int sc_piv_sign_sha256(struct sc_card *card, enum sc_piv_key key, enum sc_piv_alg alg,
		       const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len);

/* Clears the PIN verification (00 20 FF 80, SP 800-73-4). */
int sc_piv_logout(struct sc_card *card);

#endif
