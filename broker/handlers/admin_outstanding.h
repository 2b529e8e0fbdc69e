/* Outstanding security keys and cards (admin_outstanding.c; R-LIFE-5). */
#ifndef BROKER_ADMIN_OUTSTANDING_H
#define BROKER_ADMIN_OUTSTANDING_H
#include "broker.h"

/* FIDO2_DISPOSE: closes a user's open key records, or the one with SK_K_FACTOR_ID (of that
 * user when SK_K_USER is given too), as collected, destroyed or lost. NOT_FOUND when none is
 * open. Reply {"disposed": [ids]}. */
int admin_fido2_dispose(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* REPORT_OUTSTANDING: {"keys": [{"id", "user", "since", "credential", "aaguid", "subject"}],
 * "cards": [{"id", "user", "since", "cert", "revoke_reason"}], "truncated"}. */
int admin_report_outstanding(struct broker_conn *c, const struct sk_msg *req,
                             struct sk_msg *reply);

#endif
