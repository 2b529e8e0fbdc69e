/* Broker side of FIDO2 enrolment: checks the attestation a key produced for a new credential
 * and extracts what the broker stores (credential id, COSE public key, AAGUID, counter).
 *
 * Policy: with a trust store of attestation roots configured, the attestation must be a
 * full one (packed or fido-u2f, with a certificate) whose signature verifies (libfido2
 * fido_cred_verify) and whose certificate chains to one of the roots (OpenSSL); self
 * attestation and "none" are refused. The certificate must not be a CA and, when it names an
 * AAGUID (id-fido-gen-ce-aaguid), it must be the AAGUID of the credential. Then the AAGUID
 * must be on the allow-list, when one is configured. Without a trust store the signature is
 * still checked where there is one, and the result says it is not trusted.
 * A refusal comes with a fixed English reason for the CLI and the audit log. */
#ifndef FIDO2_ATTEST_H
#define FIDO2_ATTEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "fido2_verify.h"

#define FIDO2_ATTSTMT_MAX 8192
#define FIDO2_X5C_MAX 4096
#define FIDO2_X5C_CHAIN_MAX 4   /* certificates in x5c after the attestation certificate */

/* Refusal reasons: pointer-comparable, English, marked for gettext (show them with _()). */
extern const char *const FIDO2_ATTEST_MALFORMED;       /* "attestation malformed" */
extern const char *const FIDO2_ATTEST_WRONG_RP;        /* "relying party mismatch" */
extern const char *const FIDO2_ATTEST_NO_UP;           /* "user presence missing" */
extern const char *const FIDO2_ATTEST_NO_UV;           /* "user verification missing" */
extern const char *const FIDO2_ATTEST_BAD_SIG;         /* "attestation signature invalid" */
extern const char *const FIDO2_ATTEST_FMT_UNSUPPORTED; /* "attestation format not supported" */
extern const char *const FIDO2_ATTEST_NONE_REFUSED;    /* "attestation missing (format none)" */
extern const char *const FIDO2_ATTEST_SELF_REFUSED;    /* "self attestation not accepted" */
extern const char *const FIDO2_ATTEST_UNTRUSTED;       /* "attestation certificate not trusted" */
extern const char *const FIDO2_ATTEST_CERT_INVALID;    /* "attestation certificate invalid" */
extern const char *const FIDO2_ATTEST_CERT_AAGUID;     /* "attestation certificate is for another model" */
extern const char *const FIDO2_ATTEST_AAGUID_DENIED;   /* "AAGUID not allowed" */

struct fido2_attest_policy {
	X509_STORE *roots;                        /* NULL: no trust store configured */
	const struct fido2_aaguid_list *allowed;  /* NULL: any model may enrol */
	bool require_uv;                          /* the enrolment must carry the UV flag */
};

/* Loads every certificate of a PEM file as an attestation root. SK_ERR_CONFIG when the file
 * cannot be read or holds no certificate. Free with X509_STORE_free. */
int fido2_attest_load_roots(const char *pem_path, X509_STORE **out);

/* What the CLI relays from skf_enroll. Give attstmt (preferred: it carries the algorithm and
 * the whole x5c chain) or x5c + sig. */
struct fido2_attest_req {
	const char *rp_id;
	const unsigned char *cdh;       /* the broker's own enrolment challenge, FIDO2_CDH_LEN */
	size_t cdh_len;
	const char *fmt;
	int cose_type;
	const unsigned char *authdata;  /* CBOR byte string */
	size_t authdata_len;
	const unsigned char *attstmt;   /* CBOR map, or NULL */
	size_t attstmt_len;
	const unsigned char *x5c;       /* used only without attstmt */
	size_t x5c_len;
	const unsigned char *sig;       /* used only without attstmt */
	size_t sig_len;
};

/* On success: what to store, taken from the signed authenticator data. */
struct fido2_attest_result {
	const char *reason;             /* NULL on success */
	bool trusted;                   /* certificate chained to a configured root */
	bool self_attested;             /* no certificate (packed self, or none) */
	int cose_type;
	unsigned char cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char pubkey[FIDO2_PUBKEY_MAX];
	size_t pubkey_len;
	unsigned char aaguid[FIDO2_AAGUID_LEN];
	uint32_t sign_count;
	uint8_t flags;
	char subject[FIDO2_SUBJECT_MAX];  /* attestation certificate subject, for the audit log */
};

/* SK_OK when the enrolment passes the policy. SK_ERR_DENIED (policy refusal),
 * SK_ERR_CRYPTO (signature), SK_ERR_PROTO (malformed) with res->reason set. */
int fido2_attest_verify(const struct fido2_attest_policy *policy,
                        const struct fido2_attest_req *req, struct fido2_attest_result *res);

#endif
