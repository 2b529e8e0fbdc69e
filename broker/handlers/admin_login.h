/* Administrators as themselves (issue 8, item 5): the admin login (a step-up through
 * AUTH_BEGIN/AUTH_FINISH's core under the admin profile), the admin session a connection
 * presents, and what the recovery role may touch. doc/architecture.md "Roles". */
#ifndef BROKER_ADMIN_LOGIN_H
#define BROKER_ADMIN_LOGIN_H
#include "broker.h"

int admin_login_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_login_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_attach(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_logout(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
int admin_whoami(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);

/* Whether name's account is an administrator's: its own profile is admin_profile. 1 yes,
 * 0 no (or no such account), an SK_ERR_* on a store failure. */
int admin_account_is_admin(struct broker_conn *c, const char *name);
/* The recovery role's target rule (root without an admin session): the request's target
 * is an administrator's account, or for USER_ADD the new account gets admin_profile.
 * 1 allowed, 0 not, an SK_ERR_* on a store failure. */
int admin_recovery_target_ok(struct broker_conn *c, const struct sk_msg *req);

#endif
