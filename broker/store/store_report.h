/* Reconciliation reads (issue 10, R-LIFE-3; doc/hr-import.md "Reconciliation"): accounts
 * with no HR record, HR records with no account, and dormant accounts (no successful login
 * in a number of days), plus the dormancy clock of an account. */
#ifndef BROKER_STORE_REPORT_H
#define BROKER_STORE_REPORT_H
#include <stdint.h>

#include "sk_proto.h"
#include "store_hr.h"

struct sk_store_txn;

/* One account as the reports show it. */
struct report_user {
	int64_t id;
	char name[SK_USER_MAX];
	char profile[SK_NAME_MAX];
	char staff_no[HR_STAFF_MAX];   /* "" when not linked */
	int disabled;
	int64_t created;
	int64_t last_login;            /* 0 = never */
	int64_t active_from;           /* the latest of last_login, created, dormant_reset */
};

/* Accounts whose hr_staff_no is not set, by name; fn returns non-zero to stop. */
int store_report_unlinked_users(struct sk_store_txn *t,
                                int (*fn)(void *, const struct report_user *), void *arg);
/* Staff numbers that have an applied HR event but no account linked to them, by staff
 * number, each with its latest event (by effective date, then import, then line). A staff
 * number whose hire is still pending is left out: its account comes on the hire's date. */
int store_report_unlinked_staff(struct sk_store_txn *t,
                                int (*fn)(void *, const struct hr_event_rec *), void *arg);
/* Accounts whose active_from is before `before` (epoch seconds), by name; profile NULL: any
 * profile; enabled_only: disabled accounts left out. */
int store_report_dormant(struct sk_store_txn *t, int64_t before, const char *profile,
                         int enabled_only, int (*fn)(void *, const struct report_user *),
                         void *arg);
/* Restarts the dormancy clock of an account enabled again (users.dormant_reset = now). */
int store_user_dormant_reset(struct sk_store_txn *t, int64_t user_id, int64_t now);

#endif
