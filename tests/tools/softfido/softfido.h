/* softfido: a software CTAP2 authenticator for tests, driven in-process by the REAL libfido2
 * through fido_dev_set_io_functions + fido_dev_set_transport_functions (whole CTAPHID
 * messages, no 64-byte framing). Everything it holds is generated at test time (R-TEST-1).
 *
 * It answers CTAPHID_INIT, CTAPHID_CANCEL and the CBOR commands authenticatorGetInfo,
 * authenticatorMakeCredential (ES256, and EdDSA / RS256 when configured; "packed"
 * attestation with an attestation
 * certificate issued by a test CA, or self attestation, or "none"),
 * authenticatorGetAssertion (allowList or resident credentials, up/uv options, a global
 * signature counter that increments, stays 0, or replays a lower value) and
 * authenticatorClientPIN protocol 1 (getRetries, getKeyAgreement, getPINToken: ECDH P-256,
 * AES-256-CBC with a zero IV, pinAuth = LEFT(HMAC-SHA-256(pinToken, cdh), 16)), with CTAP 2.1's
 * getPINRetries powerCycleState and getUVRetries. PIN tries: 8, and after three wrong PINs in
 * a row every PIN request is refused with PIN_AUTH_BLOCKED, without using a try, until the
 * key is power-cycled (softfido_power_cycle). Built-in verification tries: 5; a failed match
 * uses one, none left answers UV_BLOCKED and the PIN must be used; a right PIN or match
 * restores them.
 * Its "biometric" mode claims options uv=true and bioEnroll=true and verifies internally;
 * its "never touched" mode never collects user presence, so the host times out.
 * getNextAssertion is not implemented: discovery without allowList returns one credential. */
#ifndef SOFTFIDO_H
#define SOFTFIDO_H
#include <stdbool.h>
#include <stdint.h>

#include <fido.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define SOFTFIDO_AAGUID_LEN 16

enum softfido_counter {
	SOFTFIDO_COUNTER_INCREMENT = 0,  /* +1 for every signature */
	SOFTFIDO_COUNTER_ZERO,           /* always 0 (keys that do not count) */
	SOFTFIDO_COUNTER_REPLAY,         /* one less than the last value given out */
};

enum softfido_attestation {
	SOFTFIDO_ATT_PACKED = 0,  /* packed with x5c, certificate issued by ca_cert/ca_key */
	SOFTFIDO_ATT_SELF,        /* packed, signed with the credential key itself */
	SOFTFIDO_ATT_NONE,        /* fmt "none" */
};

struct softfido_opts {
	unsigned char aaguid[SOFTFIDO_AAGUID_LEN];
	bool rk;                  /* option rk */
	bool client_pin;          /* clientPIN supported (option clientPin present) */
	const char *pin;          /* PIN set (clientPin = true) or NULL; copied */
	bool builtin_uv;          /* option uv = true: verifies by itself */
	bool bio_enroll;          /* option bioEnroll = true (fingerprints enrolled) */
	bool bio_match;           /* the built-in verification succeeds */
	enum softfido_counter counter;
	uint32_t counter_start;
	bool never_touched;
	int device_timeout_ms;    /* its own wait for a touch when the host waits forever;
	                           * 0 = 30000 like real keys */
	int algs[3];              /* COSE algorithms it can make, its preference first;
	                           * all 0 = ES256 only */
	bool list_algs;           /* announce them in getInfo (CTAP 2.1 algorithms, 0x0A) */
	enum softfido_attestation att;
	X509 *ca_cert;            /* SOFTFIDO_ATT_PACKED: issuer (not taken over) */
	EVP_PKEY *ca_key;
	bool cert_aaguid_ext;     /* put id-fido-gen-ce-aaguid into the certificate */
	const unsigned char *cert_aaguid;  /* its value; NULL = aaguid */
};

struct softfido;

/* Registers an authenticator under path (what fido_dev_open receives). NULL on failure. */
struct softfido *softfido_new(const char *path, const struct softfido_opts *o);
void softfido_free(struct softfido *sf);

/* State files: an authenticator that outlives its process (the CLI enrols in one process,
 * a PAM login asserts in another). The file holds what a key keeps across power cycles:
 * its options, PIN and PIN retries, UV retries, signature counter, credentials with their
 * private keys, the attestation key and certificate, and the touch/PIN-token/built-in-UV
 * tallies. In clear: generated test keys only (R-TEST-1); written 0600 and replaced
 * atomically. The three-wrong-PINs block is kept too: a key stays plugged in from one login
 * to the next, and only softfido_power_cycle (remove and re-insert) lifts it. The key
 * agreement key and the PIN token start afresh at every load. */
int softfido_save(const struct softfido *sf, const char *file);
/* Registers an authenticator under path with the state in file. With autosave, every CBOR
 * command it answers writes the state back to file. NULL on failure. */
struct softfido *softfido_load(const char *path, const char *file, bool autosave);

/* For fido_dev_set_io_functions / fido_dev_set_transport_functions. */
const fido_dev_io_t *softfido_io(void);
const fido_dev_transport_t *softfido_transport(void);

void softfido_set_never_touched(struct softfido *sf, bool on);
void softfido_set_counter_mode(struct softfido *sf, enum softfido_counter mode);
void softfido_set_pin_retries(struct softfido *sf, int retries);
void softfido_set_bio_match(struct softfido *sf, bool match);
void softfido_set_uv_retries(struct softfido *sf, int retries);
int softfido_uv_retries(const struct softfido *sf);
/* Removed and plugged in again: lifts the three-wrong-PINs block, new key agreement key and
 * PIN token. SK_OK or SK_ERR_CRYPTO. */
int softfido_power_cycle(struct softfido *sf);
uint32_t softfido_counter(const struct softfido *sf);
int softfido_pin_retries(const struct softfido *sf);
unsigned softfido_touches(const struct softfido *sf);     /* user presence collected */
unsigned softfido_pin_tokens(const struct softfido *sf);  /* PIN tokens handed out */
unsigned softfido_builtin_uvs(const struct softfido *sf); /* built-in verifications done */

/* A test attestation CA: self-signed P-256 root. SK_OK or SK_ERR_*. */
int softfido_make_ca(const char *cn, X509 **cert, EVP_PKEY **key);
/* Writes cert as PEM to path (the trust store file the broker loads). */
int softfido_write_pem(const char *path, X509 *cert);

#endif
