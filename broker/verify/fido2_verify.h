/* Broker side of FIDO2 authentication: verifies an assertion (libfido2 fido_assert_verify)
 * against a stored credential, the relying party id and the challenge the broker issued;
 * enforces user presence and verification per profile; detects cloned keys through the
 * signature counter; and says which factor classes the assertion proved (R-MFA-1).
 *
 * Factor classes:
 *   UP (touch)                                   -> possession
 *   UV by the key's PIN                          -> possession + knowledge
 *   UV by built-in verification (fingerprint)    -> possession + inherence, only when the
 *        credential's attestation chained to a configured root at enrolment (chain_verified) and
 *        its AAGUID is in the inherence allow-list; otherwise nothing beyond possession. An
 *        AAGUID without a verified chain is only what the key says about itself.
 * The UV flag is signed by the key; how UV was done is the client's claim (CTAP does not
 * sign it). A false claim can only swap knowledge for inherence on a key that is both
 * allow-listed and verified, never add a class, and possession is always one of the two.
 *
 * Also here: the AAGUID list type and the authenticator-data parser that fido2_attest
 * shares. */
#ifndef FIDO2_VERIFY_H
#define FIDO2_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk_records.h"   /* the credential sizes the store keeps */
#include "skf_common.h"   /* enum skf_uv, enum skf_uv_method: one definition for both sides */

#define FIDO2_CLASS_KNOWLEDGE 0x01u
#define FIDO2_CLASS_POSSESSION 0x02u
#define FIDO2_CLASS_INHERENCE 0x04u

#define FIDO2_AAGUID_STR 37           /* 8-4-4-4-12 hex digits and the NUL */
#define FIDO2_AAGUID_LIST_MAX 64
#define FIDO2_CDH_LEN 32
#define FIDO2_RP_ID_MAX 253
#define FIDO2_AUTHDATA_MAX 2048       /* CBOR-encoded authenticator data */
#define FIDO2_SIG_MAX 512
#define FIDO2_RP_HASH_LEN 32
#define FIDO2_FLAG_UP 0x01u
#define FIDO2_FLAG_UV 0x04u
#define FIDO2_FLAG_AT 0x40u
#define FIDO2_FLAG_ED 0x80u

struct fido2_aaguid_list {
	size_t n;
	unsigned char id[FIDO2_AAGUID_LIST_MAX][FIDO2_AAGUID_LEN];
};

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case) or 32 hex digits. */
int fido2_aaguid_parse(const char *s, unsigned char out[FIDO2_AAGUID_LEN]);
void fido2_aaguid_format(const unsigned char id[FIDO2_AAGUID_LEN], char out[FIDO2_AAGUID_STR]);
void fido2_aaguid_list_init(struct fido2_aaguid_list *l);
/* Adds one AAGUID in text form; SK_ERR_RANGE when the list is full. */
int fido2_aaguid_list_add(struct fido2_aaguid_list *l, const char *s);
bool fido2_aaguid_list_contains(const struct fido2_aaguid_list *l,
                                const unsigned char id[FIDO2_AAGUID_LEN]);

/* The fixed part of authenticator data, from its CBOR byte-string form. The byte string must
 * be the whole input, definite, and at least 37 bytes; for an assertion (attested == false)
 * nothing may follow the fixed part unless the ED flag says extensions follow. */
struct fido2_authdata {
	unsigned char rp_id_hash[FIDO2_RP_HASH_LEN];
	uint8_t flags;
	uint32_t sign_count;
};
int fido2_authdata_parse(const unsigned char *cbor, size_t len, bool attested,
                         struct fido2_authdata *out);
/* true when SHA-256(rp_id) equals hash (constant time). */
bool fido2_rp_id_matches(const char *rp_id, const unsigned char hash[FIDO2_RP_HASH_LEN]);

/* A credential as the broker stored it at enrolment (from fido2_attest's result). */
struct fido2_stored_cred {
	const unsigned char *cred_id;
	size_t cred_id_len;
	int cose_type;                 /* COSE_ES256 (-7), COSE_EDDSA (-8), COSE_RS256 (-257) */
	const unsigned char *pubkey;   /* libfido2's form: ES256 x|y (64), EdDSA 32, RS256 n|e */
	size_t pubkey_len;
	unsigned char aaguid[FIDO2_AAGUID_LEN];
	bool chain_verified;           /* its attestation chained to a configured root at
	                                * enrolment: only then is its AAGUID more than the key's
	                                * own word */
	uint32_t sign_count;           /* last accepted */
};

struct fido2_verify_req {
	const char *rp_id;
	const unsigned char *cdh;      /* the challenge the broker issued, FIDO2_CDH_LEN */
	size_t cdh_len;
	const unsigned char *cred_id;  /* as the client reports it: must be the stored one */
	size_t cred_id_len;
	const unsigned char *authdata; /* CBOR byte string, as the key returned it */
	size_t authdata_len;
	const unsigned char *sig;
	size_t sig_len;
	bool require_up;
	bool require_uv;
	enum skf_uv_method uv_method;                   /* the client's claim */
	const struct fido2_aaguid_list *inherence_aaguids;  /* NULL: no key counts as inherence */
};

enum fido2_verdict {
	FIDO2_VERDICT_OK = 0,
	FIDO2_VERDICT_MALFORMED,        /* lengths, CBOR, unknown key type */
	FIDO2_VERDICT_WRONG_CREDENTIAL, /* the assertion names another credential */
	FIDO2_VERDICT_WRONG_RP,
	FIDO2_VERDICT_BAD_SIGNATURE,
	FIDO2_VERDICT_CLONE_SUSPECTED,  /* signed counter did not increase: flag + audit */
	FIDO2_VERDICT_UP_MISSING,
	FIDO2_VERDICT_UV_MISSING,
};

struct fido2_verify_result {
	enum fido2_verdict verdict;
	const char *reason;            /* English, static; for the audit log */
	unsigned classes;              /* FIDO2_CLASS_* proven; 0 unless verdict OK */
	bool up, uv;                   /* signed flags (valid once the signature checked out) */
	uint32_t sign_count;           /* the signed counter: store it when verdict OK */
};

/* SK_OK and verdict OK when the assertion is good: store res->sign_count. Otherwise
 * SK_ERR_DENIED (clone suspected, UP or UV missing, wrong credential or RP),
 * SK_ERR_CRYPTO (bad signature) or SK_ERR_PROTO (malformed), with res->verdict and
 * res->reason. On FIDO2_VERDICT_CLONE_SUSPECTED the caller flags the credential and audits. */
int fido2_verify_assertion(const struct fido2_stored_cred *cred,
                           const struct fido2_verify_req *req,
                           struct fido2_verify_result *res);

const char *fido2_verdict_name(enum fido2_verdict v);

#endif
