/* The [role NAME] and [grant] sections of sekimori.conf (issue 9, doc/privileged-access.md),
 * for the one parser (sk_conf.c), which calls these for the keys of those sections and, once
 * the whole file is read, for the checks that need every role. Internal to common/. */
#ifndef SK_CONF_ROLE_H
#define SK_CONF_ROLE_H
#include <stddef.h>

#include "sk_conf.h"

void sk_role_defaults(struct sk_priv_role *r, const char *name, int line);
void sk_grant_defaults(struct sk_grant_conf *g);
/* One key: 0 stored, -1 an invalid value, -2 an unknown key. dir: the file's folder, for a
 * relative notify_command. */
int sk_role_key(struct sk_priv_role *r, const char *k, const char *v);
int sk_grant_key(struct sk_grant_conf *g, const char *dir, const char *k, const char *v);
/* After the file: 0 when the roles hang together; else -1 with what is wrong in what and the
 * line it is about in *line. A role's account with a default administrator name is refused
 * here unless the role says why (default_name_reason, R-PRIV-6). */
int sk_roles_check(const struct sk_conf *c, char *what, size_t cap, int *line);

#endif
