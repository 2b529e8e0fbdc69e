/* card_verify: the broker side of the IC-card challenge-response (JPKI and PIV).
 *
 * The workstation sends what the card produced (sc_login(), smartcard/sc_login.h): the card's
 * certificate (DER) and a signature over SHA-256(challenge). Both are untrusted. Here the broker
 *   - checks the certificate chains to the configured trust anchors (a PEM CA file; never a CA
 *     certificate that came from the card), with validity dates at a given time, and against
 *     an imported CRL file when one is configured (X509_V_FLAG_CRL_CHECK);
 *   - checks the signature over the challenge it issued: RSA PKCS#1 v1.5 with SHA-256 (RSA of at
 *     least 2048 bits) or ECDSA P-256 with SHA-256 (DER signature);
 *   - derives the binding keys that tie the certificate to a staff member (R-CARD-1):
 *     SHA-256 of the SubjectPublicKeyInfo, issuer DN and serial. A new certificate for the same
 *     user means a replaced card (R-CARD-4); the suspend list (R-CARD-3) is the caller's check.
 *
 * Offline by design: the My Number network segment is usually isolated and J-LIS gives CRLs
 * only to registered verifiers, so nothing here goes online.
 *
 * A loaded trust set may be shared by threads (OpenSSL's X509_STORE is safe for concurrent
 * verification); reload it by loading a new one and freeing the old. */
#ifndef CARD_VERIFY_H
#define CARD_VERIFY_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sk_records.h"   /* struct card_binding and its sizes */

#define CARD_CERT_MAX 8192

/* Distinct refusals (besides the SK_ERR_* codes for bad input and internal failures). They sit
 * apart from the SK_ERR_* codes of common/sk_err.h. */
enum card_verify_err {
	CARD_VERIFY_BAD_SIGNATURE = -200,  /* the signature does not verify with the cert's key */
	CARD_VERIFY_UNTRUSTED = -201,      /* no chain to a trust anchor (or unusable key/usage) */
	CARD_VERIFY_EXPIRED = -202,        /* a certificate in the chain has expired at `at` */
	CARD_VERIFY_NOT_YET_VALID = -203,  /* a certificate in the chain is not yet valid at `at` */
	CARD_VERIFY_REVOKED = -204,        /* listed in the configured CRL */
	CARD_VERIFY_CRL_UNUSABLE = -205,   /* a CRL is configured but none is valid for the issuer
					    * at `at` (missing, expired, bad signature): fail closed */
};

struct card_trust;

/* Loads the trust anchors (every certificate in the PEM file ca_file; at least one) and, when
 * crl_file is neither NULL nor "", the CRLs in it (PEM, one or more; or one DER CRL). With a
 * CRL file, revocation is checked for the end certificate and a certificate whose issuer has
 * no valid CRL in the file is refused (CARD_VERIFY_CRL_UNUSABLE).
 * SK_ERR_CONFIG when a file cannot be read or holds nothing usable. */
int card_verify_trust_load(const char *ca_file, const char *crl_file, struct card_trust **out);
void card_verify_trust_free(struct card_trust *trust);

/* Chain, dates at `at`, CRL. Also refuses a certificate whose keyUsage extension, when
 * present, lacks digitalSignature. SK_OK or a CARD_VERIFY_* code; SK_ERR_PROTO for a cert that
 * is not exactly one DER certificate of at most CARD_CERT_MAX bytes. */
int card_verify_chain(const struct card_trust *trust, const uint8_t *cert, size_t cert_len,
		      time_t at);

/* The signature over the challenge with the certificate's key (no chain check).
 * SK_OK, CARD_VERIFY_BAD_SIGNATURE (also for a signature whose length cannot fit the key),
 * CARD_VERIFY_UNTRUSTED (key type or size not accepted). */
int card_verify_signature(const uint8_t *cert, size_t cert_len, const uint8_t *challenge,
			  size_t challenge_len, const uint8_t *sig, size_t sig_len);

/* The binding keys of a certificate (no trust decision). */
int card_verify_binding(const uint8_t *cert, size_t cert_len, struct card_binding *out);

/* Everything a login needs, in this order: chain (card_verify_chain), signature
 * (card_verify_signature), binding keys into *binding (may be NULL). The caller then compares
 * the binding with the one enrolled for the user and checks its suspend list. */
int card_verify_login(const struct card_trust *trust, const uint8_t *cert, size_t cert_len,
		      const uint8_t *challenge, size_t challenge_len, const uint8_t *sig,
		      size_t sig_len, time_t at, struct card_binding *binding);

/* A short English name for a CARD_VERIFY_* (or SK_ERR_*) code, for logs. */
const char *card_verify_strerror(int err);

#endif
