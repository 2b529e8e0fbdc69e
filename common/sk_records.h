/* The records the broker keeps per user and per credential, as plain data: shared by the pure
 * decision code (broker/verify) and the store (broker/store), which must not depend on each
 * other (arrows run daemon -> handlers -> store/verify -> common). Only types and sizes here;
 * the rules over them are in broker/verify, how they are kept in broker/store. */
#ifndef SK_RECORDS_H
#define SK_RECORDS_H
#include <stdint.h>

#include "sk_proto.h"

/* A password hash (yescrypt, crypt(5) syntax) as stored. */
#define PASSWORD_HASH_MAX 256

/* The attempt tally (rules: broker/verify/tally.h). */
#define TALLY_TIMES_MAX 100   /* the largest deny the configuration accepts */
#define TALLY_TOKEN_LEN SK_ATTEMPT_TOKEN_LEN

/* An attempt that may reach a password check but has no verdict yet (R-LOGIN-1). It holds
 * one of the deny places from the moment it is granted, so parallel guesses cannot all
 * reach the check; a failure confirms it, a success releases it, and one that is never
 * resolved counts as a failure when it expires. */
struct tally_pending {
	unsigned char token[TALLY_TOKEN_LEN];
	int64_t created;
	int64_t expires;
};

struct tally {
	int64_t fail_count;    /* failures inside the window */
	int64_t fail_first;    /* the oldest of them (0: none) */
	int locked;
	int64_t locked_until;  /* 0 with locked = only an administrator unlocks */
	int64_t fail_times[TALLY_TIMES_MAX];   /* the failures inside the window, oldest first */
	unsigned n_times;
	struct tally_pending pending[TALLY_TIMES_MAX];   /* at most deny of them */
	unsigned n_pending;
	unsigned n_expired;    /* pending attempts the last normalize counted (not stored) */
};

/* IC cards (rules: broker/verify/card_verify.h). */
#define CARD_SPKI_HEX 65            /* 64 lowercase hex digits + NUL */
#define CARD_ISSUER_MAX 1024
#define CARD_SERIAL_MAX 132         /* optional '-', up to 64 bytes as hex, NUL */

/* The binding keys of a certificate, all printable ASCII:
 *   spki_sha256: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo (as
 *                `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`);
 *   issuer:      RFC 2253 string, non-ASCII escaped as \XX (as `-nameopt RFC2253`);
 *   serial:      uppercase hex, two digits per byte, '-' if negative (as `openssl x509 -serial`). */
struct card_binding {
	char spki_sha256[CARD_SPKI_HEX];
	char issuer[CARD_ISSUER_MAX];
	char serial[CARD_SERIAL_MAX];
};

/* FIDO2 credentials (rules: broker/verify/fido2_verify.h, fido2_attest.h). */
#define FIDO2_AAGUID_LEN 16
#define FIDO2_CRED_ID_MAX 1023
#define FIDO2_PUBKEY_MAX 512
#define FIDO2_SUBJECT_MAX 256
#define FIDO2_FMT_MAX 15

#endif
