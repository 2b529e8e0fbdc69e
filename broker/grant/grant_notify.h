/* The notification command of [grant] notify_command (issue 9, doc/privileged-access.md):
 * exec'd directly, no shell, for break-glass activations, grant requests and delegations.
 * It runs on a thread of its own after the decision has committed and been answered, so it
 * can never hold up or change a decision; it is killed after notify_timeout seconds; a
 * failure (cannot start, non-zero exit, killed) is logged and audited ("grant.notify_failed").
 *
 * The command gets argv = { command, EVENT, ID } and only this environment:
 *   PATH=/usr/sbin:/usr/bin:/sbin:/bin, SEKIMORI_EVENT, SEKIMORI_ID, SEKIMORI_ROLE,
 *   SEKIMORI_USER (whom it is about), SEKIMORI_ACTOR (who did it), SEKIMORI_REASON,
 *   SEKIMORI_NOTIFY_ROLES and SEKIMORI_NOTIFY_USERS (space-separated: the roles that
 *   delegation_notify names and their holders; empty for other events).
 * stdin, stdout and stderr are /dev/null. */
#ifndef BROKER_GRANT_NOTIFY_H
#define BROKER_GRANT_NOTIFY_H
#include <stdint.h>

#include "broker.h"
#include "store_grant.h"

#define GRANT_NOTIFY_MAX_RUNNING 16   /* at once; a further one is dropped, logged, audited */

struct grant_notice {
	char event[48];
	int64_t id;
	char role[SK_NAME_MAX];
	char user[SK_USER_MAX];
	char actor[SK_USER_MAX];
	char reason[GRANT_TEXT_MAX];
	char notify_roles[GRANT_LIST_MAX];
	char notify_users[GRANT_LIST_MAX * 2];
};

/* Starts the command for n (copied) when notify_command is set; returns at once. */
void grant_notify(struct broker *b, const struct grant_notice *n);
/* Notifications still running (tests wait for 0). */
unsigned grant_notify_running(void);

#endif
