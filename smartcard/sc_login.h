/* sc_login: one call for the PAM module — the card side of the broker's challenge-response.
 *
 * The broker issues a nonce (the challenge); sc_login() has the card sign SHA-256(challenge)
 * and returns the signature with the card's certificate; the broker then checks both with
 * card_verify() (broker/card_verify.h) against the certificate bound to the user.
 *
 * PIN safety (a blocked My Number card costs the citizen a visit to the municipal counter):
 *   0. the card must be the user's: the broker sends the SPKI SHA-256 of every key bound to
 *      the user (bound_keys); every reader holding a card is looked at, the certificate of
 *      the requested kind is read (no PIN needed) and only a card whose key is in the list is
 *      used. No such card -> SK_ERR_CARD_FOREIGN: the callback is not called and no PIN, not even
 *      the free tries query, reaches any card (a citizen's card in the next reader keeps
 *      every try);
 *   1. the tries left are read (a query that costs no try) BEFORE the PIN callback is called;
 *   2. tries == 0           -> SK_ERR_PIN_BLOCKED, the callback is not called, nothing is sent;
 *   3. tries == 1           -> SK_ERR_PIN_LAST_TRY, the callback is not called, nothing is sent;
 *   4. an empty PIN            -> SK_ERR_PIN_EMPTY, nothing sent;
 *      the PIN given back must have the card's form (JPKI: 4 digits; PIV: 4..8 digits), else
 *      SK_ERR_PIN_FORMAT and nothing is sent;
 *   5. a wrong PIN          -> SK_ERR_PIN_WRONG with result.tries_left read back from the card;
 *   6. the PIN buffer is wiped with explicit_bzero before sc_login returns, on every path;
 *   7. the card is logged out and reset before sc_login returns, so no PIN stays verified.
 * The whole exchange runs inside one PC/SC transaction: no other program's command can come
 * between the VERIFY and the signature.
 *
 * Factor classes (R-MFA-1): SC_KIND_JPKI and SC_KIND_PIV_9A prove possession + knowledge;
 * SC_KIND_PIV_9E proves possession only (no PIN; pin_cb is not used). */
#ifndef SC_LOGIN_H
#define SC_LOGIN_H
#include <stddef.h>
#include <stdint.h>

#include "sc_pcsc.h"
#include "sc_piv.h"
#include "sk_proto.h"

#define SC_CHALLENGE_MIN 16
#define SC_CHALLENGE_MAX 1024
#define SC_LOGIN_CERT_MAX 4096
#define SC_LOGIN_SIG_MAX 256
#define SC_PIN_BUF 16               /* room for the longest PIN (8) and its NUL, with slack */
#define SC_KEY_HASH_LEN 32          /* SHA-256 of a SubjectPublicKeyInfo */
#define SC_BOUND_KEYS_MAX 16

/* The protocol's card kinds (enum sk_card_kind) are the kinds here: one mapping, no copy. */
enum sc_card_kind {
	SC_KIND_JPKI = SK_CARD_JPKI,        /* My Number card, user-authentication key */
	SC_KIND_PIV_9A = SK_CARD_PIV_AUTH,  /* PIV Authentication key, PIN */
	SC_KIND_PIV_9E = SK_CARD_PIV_CARD,  /* PIV Card Authentication key, no PIN */
};

enum sc_sig_alg {
	SC_SIG_NONE = 0,
	SC_SIG_RSA_PKCS1_SHA256 = 1,    /* RSA-2048, PKCS#1 v1.5, SHA-256 */
	SC_SIG_ECDSA_SHA256 = 2,        /* ECDSA P-256 over SHA-256, DER signature */
};

/* Asks the user for the PIN. Called at most once per sc_login(), only after the card has said
 * at least two tries are left (tries_left is that number, for display). Write the PIN as a
 * NUL-terminated string of at most pin_cap - 1 bytes and return SK_OK; return SK_ERR_PIN_EMPTY or
 * SK_ERR_PIN_FORMAT when the answer was empty or too long (sc_login returns that code), anything
 * else to cancel (sc_login then returns SK_ERR_PIN_CANCELLED). sc_login wipes the buffer afterwards; the
 * callback must not keep a copy. */
typedef int (*sc_pin_cb)(void *arg, int tries_left, char *pin, size_t pin_cap);

struct sc_login_req {
	const char *reader;             /* NULL: every reader that holds a card */
	enum sc_card_kind kind;
	/* SHA-256 of the SubjectPublicKeyInfo of each key the user may use (from the broker).
	 * Only a card holding one of them is asked for anything beyond its certificate; with
	 * n_bound_keys == 0 no card matches. NULL: the first card found is used (tools and
	 * tests only; the PAM module always passes the broker's list). */
	const uint8_t (*bound_keys)[SC_KEY_HASH_LEN];
	size_t n_bound_keys;
	sc_pin_cb pin_cb;               /* required for JPKI and PIV 9A */
	void *pin_arg;
	const uint8_t *challenge;       /* SC_CHALLENGE_MIN..SC_CHALLENGE_MAX bytes from the broker */
	size_t challenge_len;
	unsigned int card_wait_ms;      /* how long to wait for a card; 0 = it must be there now */
};

struct sc_login_result {
	char reader[SC_READER_NAME_MAX];  /* the reader used (for sc_watch) */
	uint8_t cert[SC_LOGIN_CERT_MAX];  /* the card's certificate, DER (untrusted until verified) */
	size_t cert_len;
	uint8_t sig[SC_LOGIN_SIG_MAX];    /* signature over SHA-256(challenge) */
	size_t sig_len;
	enum sc_sig_alg sig_alg;
	int tries_left;                   /* PIN tries left as last read; -1 unknown or no PIN */
	char jpki_token[33];              /* JPKI card kind from EF 0006 ("JPKIAPICCTOKEN2"), or "" */
	char card_uid[SC_CARD_UID_MAX];   /* PIV: the card's identity from its CHUID, or "" */
	unsigned foreign_cards;           /* cards looked at and passed over (not the user's) */
	int identified;                   /* the card in `reader` holds a bound key (or any card,
	                                   * without bound_keys): from here on its errors count */
};

/* SHA-256 of the DER SubjectPublicKeyInfo of a DER certificate (the binding key the broker
 * stores, card_verify.h). SK_ERR_PROTO when der is not exactly one certificate. */
int sc_cert_spki_sha256(const uint8_t *der, size_t len, uint8_t out[SC_KEY_HASH_LEN]);

/* Runs the card side of a login. Returns SK_OK (cert, sig and sig_alg filled) or:
 *   SK_ERR_PIN_WRONG (tries_left), SK_ERR_PIN_LAST_TRY (tries_left = 1), SK_ERR_PIN_BLOCKED,
 *   SK_ERR_PIN_FORMAT, SK_ERR_PIN_EMPTY, SK_ERR_PIN_CANCELLED — see the PIN rules above;
 *   SK_ERR_CARD_FOREIGN     cards were there, none holds a bound key: nothing was sent;
 *   SK_ERR_TIMEOUT      no card within card_wait_ms;
 *   SK_ERR_NOTFOUND     no such reader, or the card lacks the application/key/certificate;
 *   SK_ERR_CARD_REMOVED     the card left during the exchange;
 *   SK_ERR_UNAVAILABLE  pcscd is not running;
 *   SK_ERR_PROTO        the card answered something malformed or unexpected;
 *   SK_ERR_ARG, SK_ERR_IO, SK_ERR_CRYPTO, SK_ERR_RANGE.
 * On any error cert/sig are cleared. */
int sc_login(const struct sc_login_req *req, struct sc_login_result *res);

#endif
