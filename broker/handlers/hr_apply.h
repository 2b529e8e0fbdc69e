/* Applying HR events (doc/hr-import.md, issue 10): what each event does to the user, inside
 * the caller's write transaction, audited with the file hash and the event identity; and the
 * scheduler that applies pending events on their effective date in the site's time zone
 * (hr_timezone): once at broker start (catch-up, in date order), then every
 * hr_check_interval seconds. */
#ifndef BROKER_HR_APPLY_H
#define BROKER_HR_APPLY_H
#include <stddef.h>

#include <json-c/json.h>

#include "broker.h"
#include "store.h"

/* Users whose live sessions and admin sessions are ended once the transaction has committed,
 * each with the event that stopped the account (cause "hr_leave", "hr_secondment",
 * "hr_retirement"). */
#define HR_EVENT_CAUSE_MAX 24
struct hr_session_end {
	char user[SK_USER_MAX];
	char cause[HR_EVENT_CAUSE_MAX];
};
struct hr_session_ends {
	struct hr_session_end *v;
	size_t n, cap;
};
/* Orders their live sessions ended, ends their admin sessions (admin_session_stop.h, audited
 * through c), then frees the list. */
void hr_session_ends_run(struct broker_conn *c, struct hr_session_ends *s);
void hr_session_ends_free(struct hr_session_ends *s);

/* Today's date (YYYY-MM-DD) in the process's local time zone, which sekimorid and the CLI
 * set to hr_timezone at start (hr_set_timezone, before any thread). */
int hr_today(char out[HR_DATE_LEN]);
int hr_set_timezone(const char *tz);

/* Applies e (its pw_hash is the hire's temporary password) at time now, inside the open
 * transaction of c->db: the user change and its audit record ("hr.<event>"). A hire whose
 * user name is taken gives SK_ERR_EXISTS, the transaction still usable. */
int hr_apply_event(struct broker_conn *c, const struct hr_event_rec *e, int64_t now,
                   struct hr_session_ends *ends);

/* The factors user_id has now, as {"totp", "fido2", "cards", "cards_expired" (counts),
 * "totp_ids", "fido2_ids", "card_ids"}: confirmed TOTP registrations, FIDO2 credentials,
 * active cards. Written to an HR return's audit record ("factors_kept") and to `user
 * reconfirm`'s ("confirmed"). */
int hr_factors_json(struct broker_conn *c, int64_t user_id, int64_t now, json_object **out);

/* Applies every pending event due today or earlier, each in its own transaction, in date
 * order. Returns SK_OK or the first failure (the rest wait for the next run). */
int hr_apply_due(struct broker *b, size_t *applied);
/* At start: drops stale staging, applies what became due while the broker was down, then
 * starts the periodic check. hr_scheduler_stop ends it (broker exit). */
int hr_scheduler_start(struct broker *b);
void hr_scheduler_stop(void);

#endif
