#include "sk_err.h"

const char *
sk_strerror(int err)
{
	switch (err) {
	case SK_OK: return "ok";
	case SK_ERR_INTERNAL: return "internal error";
	case SK_ERR_NOMEM: return "out of memory";
	case SK_ERR_IO: return "i/o error";
	case SK_ERR_PROTO: return "malformed input";
	case SK_ERR_RANGE: return "value out of range";
	case SK_ERR_NOTFOUND: return "not found";
	case SK_ERR_DENIED: return "denied";
	case SK_ERR_CRYPTO: return "cryptographic failure";
	case SK_ERR_STORE: return "store error";
	case SK_ERR_CONFIG: return "configuration error";
	case SK_ERR_TIMEOUT: return "timed out";
	case SK_ERR_EXISTS: return "already exists";
	case SK_ERR_AUDIT: return "audit write failed";
	case SK_ERR_UNAVAILABLE: return "service unavailable";
	case SK_ERR_ARG: return "invalid argument";
	case SK_ERR_BUSY: return "busy";
	case SK_ERR_VERSION: return "protocol version mismatch";
	case SK_ERR_PIN_WRONG: return "wrong PIN";
	case SK_ERR_PIN_LAST_TRY: return "one PIN try left: PIN not sent";
	case SK_ERR_PIN_BLOCKED: return "PIN blocked";
	case SK_ERR_PIN_FORMAT: return "PIN has the wrong form";
	case SK_ERR_PIN_CANCELLED: return "PIN entry cancelled";
	case SK_ERR_CARD_REMOVED: return "card removed";
	case SK_ERR_CARD_FOREIGN: return "no card holds the user's key: no PIN sent";
	case SK_ERR_PIN_EMPTY: return "empty PIN: not sent";
	default: return "unknown error";
	}
}
