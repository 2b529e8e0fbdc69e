/* What AUTH_BEGIN answers when the account cannot log in: an unknown user, a known one
 * without the factors the profile needs, or one whose own profile forbids this remote
 * login. Both get the same plan, the one a user with every
 * factor the broker offers would get under the PAM line's profile alone (the user's own
 * profile is not looked at), and AUTH_FINISH denies both after the same work, so the
 * answer and its timing do not tell whether a name exists (R-LOGIN-1). The audit record
 * says the truth (unknown_user or no_factors).
 *
 * What the decoy steps show that a real user's would keep from one login to the next (a
 * credential id) is derived from the broker's seed key and the name, so asking twice gives
 * the same answer, as for a real user. */
#ifndef BROKER_AUTH_DECOY_H
#define BROKER_AUTH_DECOY_H
#include <stddef.h>

#include "broker.h"
#include "plan.h"

#define AUTH_DECOY_CRED_ID_LEN 64   /* a common credential id length among real keys */

/* The plan input, under profile p, of a user who has enrolled every factor this broker
 * offers (each factor's decoy_can_prove). */
void auth_decoy_input(const struct sk_profile *p, int remote, struct plan_input *in);
/* len bytes that depend only on the broker's seed key, label and user. */
int auth_decoy_bytes(const struct broker *b, const char *label, const char *user,
                     unsigned char *out, size_t len);

#endif
