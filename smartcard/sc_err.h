/* Result codes of the smart-card library beyond the common SK_ERR_* set.
 *
 * Every sc_* function returns SK_OK, a negative SK_ERR_* code (common/sk_err.h) or one of the
 * codes below. They sit far below the SK_ERR_* range so the two sets never collide. The PIN
 * codes are outcomes a caller must tell apart to keep a citizen's card usable (R-CARD-*):
 * the PAM module shows them to the user; none of them means "the login succeeded". */
#ifndef SC_ERR_H
#define SC_ERR_H

enum sc_err {
	/* The PIN was sent and the card refused it; the tries left are reported beside the code. */
	SC_PIN_WRONG = -100,
	/* Exactly one try is left: the PIN was NOT sent (a mistake would block the card, and a
	 * blocked My Number card can only be reset at the municipal counter). */
	SC_PIN_LAST_TRY = -101,
	/* The PIN is blocked (no tries left): nothing was sent. */
	SC_PIN_BLOCKED = -102,
	/* The PIN given by the caller has the wrong form (length, characters): NOT sent. */
	SC_PIN_FORMAT = -103,
	/* The PIN callback declined to give a PIN (user cancelled): nothing was sent. */
	SC_PIN_CANCELLED = -104,
	/* The card was removed (or reset by someone else) in the middle of an operation. */
	SC_CARD_REMOVED = -105,
	/* Cards were found, but none holds a key the broker bound to this user (a citizen's card
	 * at a counter, a colleague's card): no PIN was asked for or sent to any of them. */
	SC_CARD_FOREIGN = -106,
	/* The PIN callback gave an empty PIN: nothing was sent, no try spent. */
	SC_PIN_EMPTY = -107,
};

/* A short English name for an SK_ERR_* or SC_* code, for logs (never shown to staff). */
const char *sc_strerror(int err);

#endif
