/* FIDO2 in a login (issue 3): the challenge the broker issues at AUTH_BEGIN, and the
 * verification of the assertion at AUTH_FINISH, with clone detection. */
#ifndef BROKER_AUTH_FIDO2_H
#define BROKER_AUTH_FIDO2_H
#include <stdint.h>

#include "broker.h"

struct fido2_outcome {
	int ok;
	unsigned classes;        /* SK_CLASS_* proven */
	const char *reason;      /* for the audit record */
	int64_t cred_row;        /* the stored credential used, 0 if none */
	uint32_t sign_count;
	int clone;               /* flag the credential (R-LOG-5: evidence kept in the audit) */
};

/* Loads the [fido2] policy: trust store and AAGUID lists. */
int auth_fido2_init(struct broker *b);
void auth_fido2_free(struct broker *b);
#define AUTH_FIDO2_USABLE 0x1u      /* FIDO2 is configured and the user has a usable key */
#define AUTH_FIDO2_INHERENCE 0x2u   /* one of them can prove inherence (plan_input) */
/* AUTH_FIDO2_* flags for the user's keys; 0 when none can be used. */
unsigned auth_fido2_usable(struct broker_conn *c, int64_t user_id);
/* Start-up check of the configuration (R-MFA-1): inherence needs attestation roots, and a
 * profile that requires inherence needs a list of sensor models and fido2_uv = required.
 * SK_ERR_CONFIG with "FILE:LINE: what" in err. */
int auth_fido2_check_conf(const struct sk_conf *conf, char *err, size_t errsz);
/* Adds the challenge, relying party, allowed credentials, UV and timeout to the reply. */
int auth_fido2_begin(struct broker_conn *c, int64_t user_id, struct sk_msg *reply);
/* The same fields for a decoy plan (auth_decoy.h): one credential id derived from the name. */
int auth_fido2_begin_decoy(struct broker_conn *c, struct sk_msg *reply);
void auth_fido2_verify(struct broker_conn *c, int64_t user_id, const struct sk_msg *req,
                       struct fido2_outcome *o);
/* Inside the decision's transaction: the new counter, or the clone flag. */
int auth_fido2_commit(struct broker_conn *c, const struct fido2_outcome *o, int64_t now);

#endif
