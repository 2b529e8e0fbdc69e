/* Which evidence a login needs: the profile's methods in order, skipping those the user has
 * not enrolled or cannot use from where they sit, until the classes are covered. */
#ifndef BROKER_PLAN_H
#define BROKER_PLAN_H
#include <stddef.h>

#include "sk_conf.h"

/* What one method can do for this user: the classes it is sure to prove (0: it cannot be
 * used), and the classes of which it may add one more when it answers (0: none). The
 * broker's factor table fills these (factors/factor_table.c: factor_plan_input). */
struct plan_offer {
	unsigned sure;
	unsigned wildcard;
};

struct plan_input {
	const struct sk_profile *profile;
	struct plan_offer offer[SK_METHOD_SLOTS];   /* by enum sk_method */
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
