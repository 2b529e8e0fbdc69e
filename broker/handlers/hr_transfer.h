/* An HR transfer's revocations (hr_transfer.c): the grants, delegations and holdings of roles
 * tied to the department the user leaves. */
#ifndef BROKER_HR_TRANSFER_H
#define BROKER_HR_TRANSFER_H
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "store.h"

/* Inside the caller's transaction, after the user's new department was written: for every
 * role whose departments list old_dept and not e->dept, ends user's open grants of it,
 * revokes their nominated or approved delegations of it, and audits each
 * ("hr.transfer_revoked", with the HR file's hash), a configured holding too. *n counts the
 * records. Nothing when old_dept is "" or equals e->dept. */
int hr_transfer_revoke(struct broker_conn *c, const struct hr_event_rec *e, const char *user,
                       const char *old_dept, int64_t now, size_t *n);

#endif
