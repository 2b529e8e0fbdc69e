/* Typed calls of the FIDO2 family (see skc.h): enrolment of a security key in two steps
 * (BEGIN gives the challenge, the CLI runs the key, FINISH hands the attestation to the
 * broker's policy), the list of a user's keys and their removal. */
#ifndef SKC_FIDO2_H
#define SKC_FIDO2_H
#include "skc.h"

/* The bounds of what the broker sends; fido2/skf_common.h has the same numbers for the
 * device side (cli_fido2.c checks that they agree). */
#define SKC_FIDO2_CDH_LEN 32          /* the challenge: a client data hash */
#define SKC_FIDO2_USER_ID_MAX 64      /* CTAP: a user handle is at most 64 bytes */
#define SKC_FIDO2_RP_ID_MAX 253       /* a DNS name */
#define SKC_FIDO2_MAX_ALLOW 16        /* credential ids in one list */
#define SKC_FIDO2_CRED_ID_MAX 1023    /* WebAuthn's upper bound for a credential id */
#define SKC_FIDO2_TIMEOUT_MAX 600000  /* ms: a longer device wait is malformed */

struct skc_fido2_enroll_begin_in {
	const char *actor;
	const char *user;
	uint64_t uv;                      /* enum skf_uv the administrator asks for */
};
struct skc_fido2_enroll_begin_out {
	struct skc_result res;            /* BAD_REQUEST with reason NOT_CONFIGURED: no [fido2] */
	unsigned char challenge[SKC_FIDO2_CDH_LEN];
	unsigned char user_handle[SKC_FIDO2_USER_ID_MAX];
	size_t user_handle_len;
	char rp_id[SKC_FIDO2_RP_ID_MAX + 1];
	/* The user's credentials, which the key must not enrol a second time. */
	unsigned char exclude[SKC_FIDO2_MAX_ALLOW][SKC_FIDO2_CRED_ID_MAX];
	size_t exclude_len[SKC_FIDO2_MAX_ALLOW];
	size_t n_exclude;
	uint64_t timeout_ms;              /* how long to wait for the key: 30000 when not sent */
	uint64_t uv;                      /* the stricter of the request's and the profile's
	                                   * (0..2): 1 (preferred) when not sent */
};
int skc_fido2_enroll_begin(struct sk_client *c, const struct skc_fido2_enroll_begin_in *in,
                           struct skc_fido2_enroll_begin_out *out);

struct skc_fido2_enroll_finish_in {
	const char *actor;
	const char *user;
	const char *fmt;                  /* attestation format */
	uint64_t cose_alg;                /* minus the COSE algorithm (7 = ES256, ...) */
	const unsigned char *authdata;
	size_t authdata_len;
	const unsigned char *attstmt;     /* NULL or len 0: none ("none" format) */
	size_t attstmt_len;
};
struct skc_fido2_enroll_finish_out {
	struct skc_result res;            /* DENIED: refused by the attestation policy, with
	                                   * the detail in res.message */
	uint64_t factor_id;               /* with status OK */
};
int skc_fido2_enroll_finish(struct sk_client *c, const struct skc_fido2_enroll_finish_in *in,
                            struct skc_fido2_enroll_finish_out *out);

/* FIDO2_LIST: the user's keys as the broker's JSON document. */
int skc_fido2_list(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out);

struct skc_fido2_remove_in {
	const char *actor;
	const char *user;
	uint64_t factor_id;
};
int skc_fido2_remove(struct sk_client *c, const struct skc_fido2_remove_in *in,
                     struct skc_reply_out *out);

/* FIDO2_DISPOSE: closes outstanding security keys (a retirement recorded them): all of
 * user's, or the one with outstanding id (of user when both are given); disposal collected |
 * destroyed | lost; note may be NULL. doc = {"disposed": [ids]}; status NOT_FOUND when no
 * open key matched. */
struct skc_fido2_dispose_in {
	const char *actor;
	const char *user;        /* NULL with id */
	uint64_t id;             /* 0 with user */
	const char *disposal;
	const char *note;
};
int skc_fido2_dispose(struct sk_client *c, const struct skc_fido2_dispose_in *in,
                      struct skc_json_out *out);

#endif
