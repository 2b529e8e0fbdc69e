#include "admin_session_stop.h"

#include <string.h>

#include "account.h"
#include "audit_event.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

#define ENDED_MAX 16   /* sessions of one person named in the audit; more are ended too */

size_t
admin_sessions_end_user(struct broker_conn *c, const char *name, const char *cause)
{
	uint64_t ids[ENDED_MAX];
	size_t n = admin_session_end_name(name, broker_now(), ids, ENDED_MAX);

	for (size_t i = 0; i < n; i++) {
		json_object *f = audit_field(NULL, "reason", cause);

		if (i < ENDED_MAX)
			f = audit_field_int(f, "session", (int64_t)ids[i]);
		if (broker_audit(c, "admin.session_end", name, "end", f) != SK_OK)
			sk_logerr("the admin session of %s was ended (%s) but not audited", name,
			          cause);
	}
	if (n > 0)
		sk_log(LOG_NOTICE, "%s: %zu admin session(s) ended (%s)", name, n, cause);
	return n;
}

int
admin_session_standing(struct broker_conn *c, const struct admin_session_view *v,
                       enum sk_reason *why)
{
	struct user_rec u;
	const char *reason = "";
	int64_t now = broker_now();
	int r = store_user_get(c->db, v->name, &u);

	*why = SK_REASON_NONE;
	if (r == SK_OK) {
		if (u.disabled) {
			*why = SK_REASON_ADMIN_SESSION_INVALID;
			reason = "account_disabled";
		} else if (u.tally.locked && (u.tally.locked_until == 0 ||
		                              u.tally.locked_until > now)) {
			*why = SK_REASON_ADMIN_SESSION_INVALID;
			reason = "account_locked";
		} else {
			r = account_entry_check(c, u.id, why, &reason);
		}
	}
	explicit_bzero(&u, sizeof(u));
	if (r != SK_OK) {
		*why = SK_REASON_ADMIN_SESSION_INVALID;
		return r;
	}
	if (*why == SK_REASON_NONE)
		return SK_OK;
	(void)admin_session_end(v->id);
	if (broker_audit(c, "admin.session_end", v->name, "deny", audit_field_int(audit_field(
	                 NULL, "reason", reason), "session", (int64_t)v->id)) != SK_OK)
		sk_logerr("the admin session of %s was ended but not audited", v->name);
	return SK_ERR_DENIED;
}
