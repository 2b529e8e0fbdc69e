/* The account phase: temporary and expired passwords must be changed now (R-CRED-1,
 * R-PRIV-5); disabled accounts are refused. */
#include <time.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"

#define PAMSK_WARN_DAYS 7

int
pamsk_account(struct pamsk *m)
{
	struct sk_msg *req = pamsk_request(m, SK_REQ_ACCT), *reply = NULL;
	uint64_t reason = 0, expires = 0;
	int r = pamsk_call(m, req, &reply, 0);

	sk_msg_free(req);
	if (r != SK_OK)
		return PAM_AUTHINFO_UNAVAIL;
	switch (sk_reply_status(reply)) {
	case SK_ST_OK:
		r = PAM_SUCCESS;
		if (sk_msg_get_uint(reply, SK_K_PW_EXPIRES, &expires) == SK_OK) {
			int64_t days = ((int64_t)expires - (int64_t)time(NULL)) / 86400;
			if (days >= 0 && days <= PAMSK_WARN_DAYS)
				pamsk_info(m, _("Your password expires in %lld days."), (long long)days);
		}
		break;
	case SK_ST_NEW_AUTHTOK:
		(void)sk_msg_get_uint(reply, SK_K_REASON, &reason);
		pamsk_info(m, "%s", reason == SK_REASON_EXPIRED ?
		           _("Your password has expired. You must change it now.") :
		           _("You are logging in with a temporary password. You must change it now."));
		r = PAM_NEW_AUTHTOK_REQD;
		break;
	case SK_ST_NOT_FOUND:
		r = PAM_USER_UNKNOWN;
		break;
	case SK_ST_ACCT_DISABLED:
		pamsk_error(m, "%s", _("This account is disabled."));
		r = PAM_ACCT_EXPIRED;
		break;
	default:
		pamsk_say_unavailable(m);
		r = PAM_AUTHINFO_UNAVAIL;
	}
	sk_msg_free(reply);
	return r;
}
