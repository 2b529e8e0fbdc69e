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
/* 1 when FIDO2 is configured and the user has a usable credential. */
int auth_fido2_usable(struct broker_conn *c, int64_t user_id);
/* Adds the challenge, relying party, allowed credentials, UV and timeout to the reply. */
int auth_fido2_begin(struct broker_conn *c, int64_t user_id, struct sk_msg *reply);
void auth_fido2_verify(struct broker_conn *c, int64_t user_id, const struct sk_msg *req,
                       struct fido2_outcome *o);
/* Inside the decision's transaction: the new counter, or the clone flag. */
int auth_fido2_commit(struct broker_conn *c, const struct fido2_outcome *o, int64_t now);

#endif
