/* Reconciliation reports and the suspension of dormant accounts (admin_report.c). */
#ifndef BROKER_ADMIN_REPORT_H
#define BROKER_ADMIN_REPORT_H
#include <stddef.h>

#include "broker.h"

/* REPORT_ORPHANS: {"accounts_without_hr": [account], "accounts_without_hr_total",
 * "hr_without_account": [{"staff_no", "last_event", "effective", "file", "line"}],
 * "hr_without_account_total", "truncated"}; at most 100 entries per list. */
int admin_report_orphans(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* REPORT_DORMANT (SK_K_DAYS): {"days", "inactive_before", "dormant": [account], "total",
 * "truncated"}; at most 150 entries. An account is {"user", "profile", "staff_no",
 * "disabled", "created", "last_login", "inactive_since"}. */
int admin_report_dormant(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* Disables every enabled account whose profile has dormant_suspend_days > 0 and that has
 * been inactive (no successful login, creation or re-enabling) for that many days; audited
 * "user.dormant_suspend", live sessions with a session agent ended. Run by the HR scheduler. */
int dormant_suspend_due(struct broker *b, size_t *suspended);

#endif
