/* The password phase: change the broker-held password, with the broker checking the
 * current one, the quality rules and the history (R-CRED-1, R-CRED-3). */
#include <string.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_account.h"

static const char *
reason_text(uint64_t reason)
{
	switch (reason) {
	case SK_REASON_TOO_SHORT: return _("The new password is too short.");
	case SK_REASON_TOO_FEW_CLASSES:
		return _("The new password must mix more kinds of characters "
		         "(lower case, upper case, digits, symbols).");
	case SK_REASON_CONTAINS_USER: return _("The new password must not contain the user name.");
	case SK_REASON_REUSED: return _("The new password was used recently. Choose another.");
	case SK_REASON_BAD_CHARS: return _("The new password contains characters that are not allowed.");
	case SK_REASON_TOO_LONG: return _("The new password is too long.");
	case SK_REASON_SAME_AS_OLD: return _("The new password must differ from the current one.");
	case SK_REASON_OLD_WRONG: return _("The current password is wrong.");
	default: return _("The new password was refused.");
	}
}

/* The current password, asked for again even right after login: libpam wipes the
 * password typed during authentication, and the broker checks it here anyway. */
static char *
current_password(struct pamsk *m)
{
	const void *item = NULL;

	if (pam_get_item(m->pamh, PAM_OLDAUTHTOK, &item) == PAM_SUCCESS && item != NULL)
		return strdup(item);
	return pamsk_prompt(m, 0, _("Current password: "));
}

static char *
new_password(struct pamsk *m)
{
	char *a = pamsk_prompt(m, 0, _("New password: ")), *b;

	if (a == NULL)
		return NULL;
	b = pamsk_prompt(m, 0, _("Retype new password: "));
	if (b == NULL || strcmp(a, b) != 0) {
		if (b != NULL)
			pamsk_error(m, "%s", _("The passwords do not match."));
		pamsk_free_secret(a);
		pamsk_free_secret(b);
		return NULL;
	}
	pamsk_free_secret(b);
	return a;
}

/* One attempt: PAM_SUCCESS, PAM_AUTHTOK_ERR (try again) or a final error. */
static int
try_change(struct pamsk *m, const char *old, const char *new)
{
	struct skc_chauthtok_in in = { .login = pamsk_login(m), .old_password = old,
	                               .new_password = new };
	struct skc_chauthtok_out out;
	int r = skc_chauthtok(pamsk_client(m), &in, &out);

	if (r == SK_ERR_RANGE) {   /* longer than a password may be: nothing was sent */
		pamsk_error(m, "%s", reason_text(SK_REASON_TOO_LONG));
		return PAM_AUTHTOK_ERR;
	}
	if (!pamsk_answered(m, r))
		return PAM_AUTHINFO_UNAVAIL;
	switch (out.res.status) {
	case SK_ST_OK:
		pamsk_info(m, "%s", _("Your password has been changed."));
		return PAM_SUCCESS;
	case SK_ST_QUALITY:
		pamsk_error(m, "%s", reason_text(out.res.reason));
		return PAM_AUTHTOK_ERR;
	case SK_ST_DENIED:
		pamsk_error(m, "%s", reason_text(SK_REASON_OLD_WRONG));
		return PAM_AUTH_ERR;
	case SK_ST_LOCKED:
		pamsk_say_locked_until(m, out.locked_until);
		return PAM_AUTH_ERR;
	default:
		return pamsk_refused(m, out.res.status);
	}
}

int
pamsk_chauthtok(struct pamsk *m)
{
	char *old;
	int r = PAM_AUTHTOK_ERR;

	if (m->flags & PAM_PRELIM_CHECK)
		return PAM_SUCCESS;
	if ((old = current_password(m)) == NULL)
		return PAM_AUTHTOK_ERR;
	for (unsigned i = 0; i < m->retry && r == PAM_AUTHTOK_ERR; i++) {
		char *new = new_password(m);
		if (new == NULL)
			continue;
		r = try_change(m, old, new);
		if (r == PAM_SUCCESS)
			(void)pam_set_item(m->pamh, PAM_AUTHTOK, new);
		pamsk_free_secret(new);
	}
	pamsk_free_secret(old);
	return r;
}
