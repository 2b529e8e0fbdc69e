/* sekimori terminal revoke | list (issue 12, item 4; admin_terminal.c). */
#ifndef BROKER_ADMIN_TERMINAL_H
#define BROKER_ADMIN_TERMINAL_H
#include "broker.h"

/* TERMINAL_REVOKE: SK_K_TERMINAL_FP or SK_K_TERMINAL_SERIAL (exactly one); the reply's
 * SK_K_TERMINAL_COUNT; audited "admin.terminal_revoke". */
int admin_terminal_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* TERMINAL_LIST: {"terminals": [{"fingerprint", "serial", "cn", "first_seen", "last_seen",
 * "revoked", "revoked_at", "revoked_by"}], "total", "truncated"}; at most 200 entries. */
int admin_terminal_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

#endif
