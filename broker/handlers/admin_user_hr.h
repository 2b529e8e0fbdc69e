/* A user's link to the HR system: the staff number (admin_user_hr.c). */
#ifndef BROKER_ADMIN_USER_HR_H
#define BROKER_ADMIN_USER_HR_H
#include <json-c/json.h>

#include "broker.h"
#include "store_hr.h"

/* SK_K_STAFF_NO of the request, normalised (full-width digits read as ASCII): *given = 0 when
 * absent; out "" when it is empty (unlink). SK_ERR_PROTO when it is not 1-16 digits. */
int admin_staff_arg(const struct sk_msg *req, char out[HR_STAFF_MAX], int *given);
/* Inside the caller's transaction: links user_id to staff_no ("" unlinks). SK_ERR_EXISTS
 * with *why = SK_REASON_STAFF_NO_TAKEN when another account has that number. */
int admin_staff_link(struct broker_conn *c, int64_t user_id, const char *staff_no,
                     enum sk_reason *why);
/* USER_SET_STAFF. */
int admin_user_set_staff(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* USER_RECONFIRM: clears the "to be re-confirmed" mark an HR return set; reply SK_K_JSON,
 * the factors confirmed (hr_factors_json). SK_ST_INVALID with
 * SK_REASON_NOTHING_TO_RECONFIRM when the account is not marked. */
int admin_user_reconfirm(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply);
/* {"staff_no" (null when not linked), "employment", "dept", "suspended", "reconfirm"} of
 * user_id. */
json_object *admin_user_hr_json(struct broker_conn *c, int64_t user_id);

#endif
