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
	default: return "unknown error";
	}
}
