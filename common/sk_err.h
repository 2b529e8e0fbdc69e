/* One error code set for every Sekimori component.
 * Functions return SK_OK (0) or a negative SK_ERR_* code; every error path logs
 * "function: what failed" through sk_log before returning. */
#ifndef SK_ERR_H
#define SK_ERR_H

enum sk_err {
	SK_OK = 0,
	SK_ERR_INTERNAL = -1,    /* a bug or an impossible state */
	SK_ERR_NOMEM = -2,
	SK_ERR_IO = -3,          /* read, write, socket, file */
	SK_ERR_PROTO = -4,       /* malformed or out-of-range input (R-INPUT-1) */
	SK_ERR_RANGE = -5,       /* a value too long or too large for its buffer */
	SK_ERR_NOTFOUND = -6,
	SK_ERR_DENIED = -7,      /* policy or permission says no */
	SK_ERR_CRYPTO = -8,      /* OpenSSL, libfido2 or signature failure */
	SK_ERR_STORE = -9,       /* SQLite store */
	SK_ERR_CONFIG = -10,
	SK_ERR_TIMEOUT = -11,
	SK_ERR_EXISTS = -12,
	SK_ERR_AUDIT = -13,      /* audit write failed: the decision must be deny */
	SK_ERR_UNAVAILABLE = -14,/* broker unreachable */
	SK_ERR_ARG = -15,        /* invalid argument from a caller in this process */
	SK_ERR_BUSY = -16,
	SK_ERR_VERSION = -17,    /* protocol version mismatch */
	/* Smart-card outcomes a caller must tell apart to keep a citizen's card usable (R-CARD-*):
	 * the PAM module shows them to the user; none of them means "the login succeeded". */
	SK_ERR_PIN_WRONG = -18,      /* the PIN was sent and the card refused it; tries reported beside */
	SK_ERR_PIN_LAST_TRY = -19,   /* one try left: NOT sent (a blocked My Number card can only be
	                              * reset at the municipal counter) */
	SK_ERR_PIN_BLOCKED = -20,    /* no tries left: nothing sent */
	SK_ERR_PIN_FORMAT = -21,     /* the PIN has the wrong form (length, characters): NOT sent */
	SK_ERR_PIN_CANCELLED = -22,  /* the PIN callback declined (user cancelled): nothing sent */
	SK_ERR_CARD_REMOVED = -23,   /* the card was removed or reset by someone else mid-operation */
	SK_ERR_CARD_FOREIGN = -24,   /* no card holds a key bound to this user (a citizen's card at a
	                              * counter, a colleague's card): no PIN asked for or sent */
	SK_ERR_PIN_EMPTY = -25,      /* the PIN callback gave an empty PIN: nothing sent, no try spent */
};

/* A short English name for an error code, for logs (never shown to staff). */
const char *sk_strerror(int err);

#endif
