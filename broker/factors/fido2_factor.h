/* FIDO2 in a login (issue 3): the [fido2] policy the broker loads at start, the challenge it
 * issues at AUTH_BEGIN, and the verification of the assertion at AUTH_FINISH, with clone
 * detection. The factor's row is fido2_factor (factor_table.c); what the enrolment handlers
 * (handlers/admin_fido2.c) need of its loaded policy is below. */
#ifndef BROKER_FIDO2_FACTOR_H
#define BROKER_FIDO2_FACTOR_H
#include "factor.h"
#include "fido2_verify.h"

struct x509_store_st;

/* [fido2] as loaded at start (issue 3). */
struct fido2_policy {
	int enabled;                           /* rp_id configured */
	struct x509_store_st *roots;           /* attestation trust store, or NULL */
	struct fido2_aaguid_list *allowed;     /* models that may enrol, or NULL: any model */
	struct fido2_aaguid_list *inherence;   /* models whose sensor proves inherence */
};

/* The loaded policy: read-only once the broker has started. */
const struct fido2_policy *fido2_factor_policy(void);

extern const struct factor_ops fido2_factor;

#endif
