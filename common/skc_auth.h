/* Typed client calls for the authentication requests (AUTH_BEGIN, AUTH_FINISH, PREAUTH,
 * AUTHFAIL); what they return is as skc.h says. A secret too long is refused (SK_ERR_RANGE),
 * never cut, and nothing is sent. Secrets in the inputs are the caller's to wipe
 * (explicit_bzero of the whole struct); the encoded request is wiped by skc_exchange.
 * Each planned device step's AUTH_BEGIN fields and each step's evidence are structs of
 * their own below, so a factor's wire fields are read and written here only. */
#ifndef SKC_AUTH_H
#define SKC_AUTH_H
#include <stddef.h>
#include <stdint.h>

#include "sk_conf.h"
#include "sk_proto.h"
#include "sk_totp.h"
#include "skc.h"
#include "skc_fido2.h"   /* the FIDO2 bounds, shared with enrolment */

/* Bounds of what the broker may send or the module may answer (R-INPUT-1). */
#define SKC_CHALLENGE_MAX 64         /* bytes: a FIDO2 client data hash (32), a card nonce */
#define SKC_AUTHDATA_MAX 2048
#define SKC_SIG_MAX 512
#define SKC_UV_METHOD_MAX 15
#define SKC_CARD_KEYS_MAX 16
#define SKC_CARD_KEY_LEN 32          /* SHA-256 of a SubjectPublicKeyInfo */
#define SKC_CERT_MAX 4096
#define SKC_CARD_UID_MAX 63

/* What an authentication reply may say besides status, reason and message (res). */
struct skc_auth_verdict {
	uint64_t locked_until;     /* SK_ST_LOCKED: epoch seconds, 0 = until an admin unlocks */
	int has_remaining;
	uint64_t remaining;        /* SK_ST_DENIED: attempts left before the lock */
	unsigned classes;          /* SK_ST_OK of AUTH_FINISH: classes proven */
};
/* Reads the verdict fields of any authentication reply (AUTH_*, RADIUS_*): a malformed one
 * is SK_ERR_PROTO. */
int skc_decode_auth_verdict(const struct sk_msg *reply, struct skc_auth_verdict *v);
/* Adds a typed secret (password, code) to q when has: an over-long answer sets q->err to
 * SK_ERR_RANGE, never cut into something else. */
void skc_put_secret(struct skc_req *q, unsigned key, int has, const char *s, size_t cap);

/* AUTH_BEGIN's fields for a FIDO2 step. */
struct skc_fido2_challenge {
	unsigned char challenge[SKC_CHALLENGE_MAX];
	size_t challenge_len;      /* exactly 32 */
	char rp_id[SKC_FIDO2_RP_ID_MAX + 1];
	unsigned char cred_ids[SKC_FIDO2_MAX_ALLOW][SKC_FIDO2_CRED_ID_MAX];
	size_t cred_id_lens[SKC_FIDO2_MAX_ALLOW];
	size_t n_cred_ids;         /* 1..SKC_FIDO2_MAX_ALLOW */
	unsigned uv;               /* enum skf_uv, 0..2 (default 1) */
	unsigned timeout_ms;       /* at most 600000 (default 30000) */
};

/* AUTH_BEGIN's fields for a card step (R-CARD-1: the keys a card must hold to get a PIN). */
struct skc_card_challenge {
	unsigned char challenge[SKC_CHALLENGE_MAX];
	size_t challenge_len;      /* at least 16 */
	unsigned kind;             /* enum sk_card_kind */
	unsigned char keys[SKC_CARD_KEYS_MAX][SKC_CARD_KEY_LEN];
	size_t n_keys;
};

struct skc_auth_begin_in {
	struct skc_login who;
};

struct skc_auth_begin_out {
	struct skc_result res;
	struct skc_auth_verdict v;
	/* SK_ST_OK: the steps to collect, in order, and the profile's login message. */
	unsigned steps[SK_ARRAY_MAX];
	size_t n_steps;            /* at least 1 when status is OK */
	char banner[SK_MESSAGE_MAX];   /* "" when absent or unreadable */
	/* Present when a step of that method is planned; malformed fields fail the call. */
	int has_fido2;
	struct skc_fido2_challenge fido2;
	int has_card;
	struct skc_card_challenge card;
};

/* One step's evidence for AUTH_FINISH. A device step without evidence sets failed (and
 * device_fail) so that the broker still decides, counts and records the attempt. */
struct skc_fido2_evidence {
	int present;
	int failed;                /* no evidence: device_fail says why, nothing below is sent */
	uint64_t device_fail;      /* enum skf_fail */
	unsigned char cred_id[SKC_FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char authdata[SKC_AUTHDATA_MAX];
	size_t authdata_len;
	unsigned char sig[SKC_SIG_MAX];
	size_t sig_len;
	char uv_method[SKC_UV_METHOD_MAX + 1];   /* "none" | "pin" | "builtin" */
};

struct skc_card_evidence {
	int present;
	int failed;                /* no evidence: device_fail and fail_reason say why */
	uint64_t device_fail;      /* minus the SK_ERR_* code of the card exchange */
	unsigned fail_reason;      /* enum sk_reason 15..24 */
	unsigned char cert[SKC_CERT_MAX];
	size_t cert_len;
	unsigned char sig[SKC_SIG_MAX];
	size_t sig_len;
	char card_uid[SKC_CARD_UID_MAX + 1];     /* "" for JPKI */
};

/* AUTH_FINISH continues the connection's AUTH_BEGIN: it names nobody itself. */
struct skc_auth_finish_in {
	int has_password;          /* collected: password (secret) */
	char password[SK_PASSWORD_MAX + 1];
	int has_otp;               /* collected: otp (secret) */
	char otp[SK_TOTP_CODE_MAX + 1];
	int stack_knowledge;       /* a preceding PAM module checked the password */
	struct skc_fido2_evidence fido2;
	struct skc_card_evidence card;
	int has_token;             /* the stack attempt PREAUTH holds */
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
};

struct skc_auth_finish_out {
	struct skc_result res;
	struct skc_auth_verdict v;
	/* SK_ST_OK of a module login: the ticket the account and session phases of this PAM
	 * transaction present (SK_K_AUTH_TICKET, secret: keep it in the PAM handle only). */
	int has_ticket;
	unsigned char ticket[SK_AUTH_TICKET_LEN];
};

struct skc_preauth_in {
	struct skc_login who;
};

struct skc_preauth_out {
	struct skc_result res;
	struct skc_auth_verdict v;
	int has_token;             /* SK_ST_OK: the pending attempt the broker holds */
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
};

struct skc_authfail_in {
	struct skc_login who;
	int has_token;
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
	int abandoned;             /* the stack login ended unfinished */
};

struct skc_authfail_out {
	struct skc_result res;
	struct skc_auth_verdict v;
};

int skc_auth_begin(struct sk_client *c, const struct skc_auth_begin_in *in,
                   struct skc_auth_begin_out *out);
int skc_auth_finish(struct sk_client *c, const struct skc_auth_finish_in *in,
                    struct skc_auth_finish_out *out);
int skc_preauth(struct sk_client *c, const struct skc_preauth_in *in,
                struct skc_preauth_out *out);
int skc_authfail(struct sk_client *c, const struct skc_authfail_in *in,
                 struct skc_authfail_out *out);

#endif
