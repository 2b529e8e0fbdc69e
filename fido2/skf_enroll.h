/* Enrolment of a FIDO2 key (device side, for `sekimori fido2 enroll`): makeCredential for
 * the configured relying party and the user, over the broker's enrolment challenge.
 *
 * Exactly one key must be plugged in, so nobody enrols a key they did not mean to. The
 * algorithm is ES256 when the key offers it, else EdDSA, else RS256. --uv decides user
 * verification: required (fails on a key that cannot verify), preferred, discouraged (a
 * CTAP 2.0 key with a PIN still needs the PIN to make a credential; then it is asked).
 *
 * The result carries the attestation as the key produced it; the broker checks it
 * (fido2_attest) and stores what fido2_attest extracted, never these bytes' claims. */
#ifndef SKF_ENROLL_H
#define SKF_ENROLL_H
#include "skf_common.h"
#include "skf_devices.h"

struct skf_enroll_req {
	const char *rp_id;
	const char *rp_name;             /* may be NULL */
	const unsigned char *user_id;    /* 1..SKF_USER_ID_MAX bytes, opaque (no personal data) */
	size_t user_id_len;
	const char *user_name;           /* may be NULL */
	const char *display_name;        /* may be NULL */
	const unsigned char *cdh;        /* the broker's enrolment challenge, SKF_CDH_LEN bytes */
	size_t cdh_len;
	enum skf_uv uv;
	bool resident;
	const struct skf_cred_ref *exclude;  /* credentials already enrolled (0..SKF_MAX_ALLOW) */
	size_t n_exclude;
	int timeout_ms;                  /* > 0 */
	struct skf_ui ui;
};

/* Everything the broker needs to check and store the credential (~18 KiB: allocate it). */
struct skf_enroll_result {
	char fmt[SKF_FMT_MAX];                     /* "packed", "fido-u2f", "none", ... */
	int cose_type;                             /* COSE_ES256, COSE_EDDSA, COSE_RS256 */
	unsigned char authdata[SKF_AUTHDATA_MAX];  /* CBOR byte string, as signed */
	size_t authdata_len;
	unsigned char attstmt[SKF_ATTSTMT_MAX];    /* CBOR attestation statement (alg, sig, x5c) */
	size_t attstmt_len;
	unsigned char x5c[SKF_X5C_MAX];            /* attestation certificate (DER), 0 if none */
	size_t x5c_len;
	unsigned char sig[SKF_SIG_MAX];            /* attestation signature, 0 if none */
	size_t sig_len;
	unsigned char cdh[SKF_CDH_LEN];
	unsigned char cred_id[SKF_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char aaguid[SKF_AAGUID_LEN];
	unsigned char pubkey[SKF_PUBKEY_MAX];      /* libfido2's form for cose_type */
	size_t pubkey_len;
	uint32_t sign_count;
	uint8_t flags;
	enum skf_uv_method uv_method;
	enum skf_fail fail;
	int pin_retries;
	char dev_path[SKF_PATH_MAX];
};

/* SK_OK with res filled. SK_ERR_NOTFOUND (no key), SK_ERR_BUSY (several keys),
 * SK_ERR_TIMEOUT, SK_ERR_DENIED (PIN/UV), SK_ERR_EXISTS (key already enrolled),
 * SK_ERR_IO; res->fail says why. */
int skf_enroll(struct skf_devlist *l, const struct skf_enroll_req *req,
               struct skf_enroll_result *res);

#endif
