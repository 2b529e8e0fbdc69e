/* Which evidence a login needs: the profile's methods in order, skipping those the user has
 * not enrolled or cannot use from where they sit, until the classes are covered. */
#ifndef BROKER_PLAN_H
#define BROKER_PLAN_H
#include <stddef.h>

#include "sk_conf.h"

struct plan_input {
	const struct sk_profile *profile;
	int has_password;
	int has_totp;
	int has_fido2;
	int fido2_inherence;      /* one of the user's keys can prove inherence: its model is on
	                           * inherence_aaguids and its attestation chained to a root */
	unsigned card_classes;    /* what the user's active card proves (0: no card) */
	int remote;               /* PAM_RHOST set: no local-only devices */
};

/* SK_OK with the steps and the classes they are sure to prove, or SK_ERR_NOTFOUND when the
 * user's enrolled factors cannot satisfy the profile. A FIDO2 step under fido2_uv = required
 * also proves one of knowledge (PIN) or inherence (built-in sensor); the plan counts on it
 * where the user's keys make that class possible, and plan_satisfied on what was really
 * proven decides at AUTH_FINISH. */
int plan_build(const struct plan_input *in, unsigned *steps, size_t cap, size_t *n,
               unsigned *classes);
/* 1 when the classes proven satisfy the profile (R-MFA-1). */
int plan_satisfied(const struct sk_profile *p, unsigned classes);

#endif
