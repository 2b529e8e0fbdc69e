/* What the device-side FIDO2 pieces (skf_devices, skf_enroll, skf_assert) share: limits for
 * everything a key sends back (R-INPUT-1: a key is untrusted input), the requirement and
 * method enums, failure reasons, and the callbacks through which the PAM module or the CLI
 * asks the person for a PIN and shows a cue. Nothing here ever logs a PIN. */
#ifndef SKF_COMMON_H
#define SKF_COMMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SKF_CDH_LEN 32          /* client data hash = the broker's challenge */
#define SKF_AAGUID_LEN 16
#define SKF_CRED_ID_MAX 1023    /* WebAuthn's upper bound for a credential id */
#define SKF_PUBKEY_MAX 512      /* libfido2's exposed form: ES256 64, EdDSA 32, RS256 259 */
#define SKF_AUTHDATA_MAX 2048   /* CBOR byte string of authenticator data */
#define SKF_SIG_MAX 512
#define SKF_X5C_MAX 4096        /* one DER certificate */
#define SKF_ATTSTMT_MAX 8192    /* CBOR attestation statement (may carry a chain) */
#define SKF_FMT_MAX 16
#define SKF_PIN_MIN 4           /* CTAP: at least 4 code points, at most 63 bytes */
#define SKF_PIN_MAX 63
#define SKF_MAX_DEVICES 8
#define SKF_MAX_ALLOW 16        /* credential ids per request */
#define SKF_RP_ID_MAX 253       /* a DNS name */
#define SKF_USER_ID_MAX 64      /* CTAP: user handle at most 64 bytes */
#define SKF_PATH_MAX 256

/* WebAuthn's userVerification requirement, as given on the CLI (--uv) or by the broker; also
 * the values of sekimori.conf's fido2_uv (struct sk_profile) and of SK_K_UV on the wire.
 * This and enum skf_uv_method are the only definitions: the broker includes this header. */
enum skf_uv {
	SKF_UV_DISCOURAGED = 0,
	SKF_UV_PREFERRED = 1,
	SKF_UV_REQUIRED = 2,
};

/* How the key verified the user. The broker turns this (with the signed UV flag and the
 * attested AAGUID) into factor classes; the wire names are skf_uv_method_name(). */
enum skf_uv_method {
	SKF_UVM_NONE = 0,
	SKF_UVM_PIN = 1,       /* clientPIN: the PIN went through this host */
	SKF_UVM_BUILTIN = 2,   /* the key verified by itself (fingerprint) without a PIN */
};

/* What the person should be told right now. */
enum skf_cue {
	SKF_CUE_TOUCH = 1,        /* "touch your security key" */
	SKF_CUE_BUILTIN_UV = 2,   /* "touch the fingerprint sensor of your key" */
};

/* Why an operation failed, for a precise message to staff (the SK_ERR_* code stays the
 * error channel). */
enum skf_fail {
	SKF_FAIL_NONE = 0,
	SKF_FAIL_NO_DEVICE,        /* no FIDO2 key plugged in */
	SKF_FAIL_SEVERAL_DEVICES,  /* enrolment needs exactly one key */
	SKF_FAIL_NO_CREDENTIAL,    /* no plugged key holds an allowed credential */
	SKF_FAIL_TIMEOUT,          /* nobody touched the key in time */
	SKF_FAIL_PIN_INVALID,
	SKF_FAIL_PIN_BLOCKED,      /* no PIN tries left: only a reset of the key helps */
	SKF_FAIL_PIN_NOT_SET,      /* UV required but the key has no PIN and no built-in UV */
	SKF_FAIL_PIN_CANCELLED,    /* the PIN prompt was cancelled or gave an unusable PIN */
	SKF_FAIL_UV_UNAVAILABLE,   /* UV required but the key cannot verify anyone */
	SKF_FAIL_UV_FAILED,        /* built-in verification (fingerprint) failed */
	SKF_FAIL_EXCLUDED,         /* the key already holds a credential for this user */
	SKF_FAIL_UNSUPPORTED,      /* no common algorithm or option */
	SKF_FAIL_DEVICE,           /* any other device or transport error */
	/* Added at the end: the numbers travel as SK_K_DEVICE_FAIL. */
	SKF_FAIL_PIN_LAST_TRY,     /* one PIN try left: kept, never asked for (like cards) */
	SKF_FAIL_PIN_POWER_CYCLE,  /* three wrong PINs in a row: remove and re-insert the key */
	SKF_FAIL_UV_LAST_TRY,      /* one built-in verification left and no PIN to use instead */
};

/* Asks for the key's PIN. retries is the number of tries the key has left (-1 unknown); it
 * is never 1 or 0: the last try is kept for the key's owner to unblock it elsewhere.
 * Write a NUL-terminated PIN into pin (pinsz bytes) and return SK_OK, or return an error to
 * cancel. The buffer is zeroed by the library after use; never copy or log it. */
typedef int skf_pin_cb(void *arg, int retries, char *pin, size_t pinsz);
/* Shows a cue; must not block. */
typedef void skf_cue_cb(void *arg, enum skf_cue cue);

struct skf_ui {
	skf_pin_cb *pin;   /* NULL: no PIN can be asked (UV by PIN impossible) */
	skf_cue_cb *cue;   /* NULL: no cue */
	void *arg;
};

/* A credential id as the broker sends it. */
struct skf_cred_ref {
	const unsigned char *id;
	size_t len;
};

/* "required" | "preferred" | "discouraged" -> enum; SK_ERR_PROTO for anything else. */
int skf_uv_parse(const char *s, enum skf_uv *out);
const char *skf_uv_name(enum skf_uv uv);
/* "none" | "pin" | "builtin": the names the PAM module sends to the broker. */
const char *skf_uv_method_name(enum skf_uv_method m);
/* The reverse, for the broker reading SK_K_UV_METHOD; SK_ERR_PROTO for anything else. */
int skf_uv_method_parse(const char *s, enum skf_uv_method *out);
/* English, for logs; marked N_() so the PAM module can show _(skf_fail_name(f)) once
 * the fido2 sources are listed in po/POTFILES. */
const char *skf_fail_name(enum skf_fail f);

#endif
