/* Whether a profile lets a login in from where it comes (R-MFA-3), and what that origin
 * adds to the classes the profile needs. Pure decisions on the profile (sk_origin.h). */
#ifndef BROKER_ORIGIN_H
#define BROKER_ORIGIN_H
#include <stdint.h>

#include "sk_conf.h"

/* The front end of a request: the PAM line's explicit kind, or for a line that names none
 * (kind 0) local without PAM_RHOST and "other" with it. SK_ERR_PROTO for an unknown kind. */
int origin_kind(uint64_t wire, const char *rhost, unsigned *kind);
/* NULL when p lets this origin in; else the audit reason (a static string):
 * origin_mismatch (frontend=local with PAM_RHOST set), local_not_allowed,
 * remote_not_allowed, address_not_allowed (PAM_RHOST outside the kind's from.KIND). */
const char *origin_refusal(const struct sk_profile *p, unsigned kind, const char *rhost);
/* Adds classes.KIND to what p requires (required_classes, and min_classes to match). */
void origin_require(struct sk_profile *p, unsigned kind);

#endif
