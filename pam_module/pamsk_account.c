/* The account phase: temporary and expired passwords must be changed now (R-CRED-1,
 * R-PRIV-5); disabled accounts are refused. On a privileged service (issue 9) the broker lets
 * the login in only with an active grant and this transaction's auth ticket (pamsk_ticket.c),
 * which proves fresh MFA in the same PAM transaction; the grant's unix groups are kept for
 * pam_sm_setcred (pamsk_groups.c). An account back from HR leave is refused, with its reason,
 * until an administrator re-confirms its factors (sekimori user reconfirm). */
#include <time.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_account.h"

#define PAMSK_WARN_DAYS 7

int
pamsk_account(struct pamsk *m)
{
	struct skc_acct_in in = { .login = pamsk_login(m), .ticket = pamsk_ticket_for_acct(m) };
	struct skc_acct_out out;
	char when[64];
	int64_t days;

	if (!pamsk_answered(m, skc_acct(pamsk_client(m), &in, &out)))
		return PAM_AUTHINFO_UNAVAIL;
	switch (out.res.status) {
	case SK_ST_OK:
		if (pamsk_groups_keep(m, &out) != PAM_SUCCESS)
			return PAM_BUF_ERR;
		days = ((int64_t)out.pw_expires - (int64_t)time(NULL)) / 86400;
		if (out.pw_expires != 0 && days >= 0 && days <= PAMSK_WARN_DAYS)
			pamsk_info(m, _("Your password expires in %lld days."), (long long)days);
		if (out.priv_ends != 0) {
			pamsk_ticket_mark_privileged(m);
			pamsk_format_time((int64_t)out.priv_ends, when, sizeof(when));
			pamsk_info(m, _("Privileged access (role %s) until %s. The session ends then."),
			           out.priv_role, when);
		}
		return PAM_SUCCESS;
	case SK_ST_DENIED:
		pamsk_error(m, "%s", out.res.reason == SK_REASON_NO_FRESH_MFA ?
		            _("This service needs multi-factor authentication in this same login; "
		              "it was not done.") :
		            _("You hold no active grant for a role that allows this service. "
		              "Request one with: sekimori grant request"));
		return PAM_PERM_DENIED;
	case SK_ST_NEW_AUTHTOK:
		pamsk_info(m, "%s", out.res.reason == SK_REASON_EXPIRED ?
		           _("Your password has expired. You must change it now.") :
		           _("You are logging in with a temporary password. You must change it now."));
		return PAM_NEW_AUTHTOK_REQD;
	case SK_ST_ACCT_DISABLED:
		pamsk_error(m, "%s", out.res.reason == SK_REASON_RECONFIRM_REQUIRED ?
		            _("You are back from leave: an administrator must re-confirm your "
		              "authentication factors with you present before you can log in.") :
		            _("This account is disabled."));
		return PAM_ACCT_EXPIRED;
	default:
		return pamsk_refused(m, out.res.status);
	}
}
