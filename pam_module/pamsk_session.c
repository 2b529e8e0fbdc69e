/* The session phase: tell the broker, show the last login and logout and the failures
 * since (R-LOGIN-1), and export the idle timeout as TMOUT. A privileged login (the account
 * phase let it in with a grant, issue 9) opens its session for the user who authenticated,
 * with this transaction's ticket; the broker answers with the session's deadline, and the
 * session agent is started to end the session then (pamsk_card_watch.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "skc_session.h"

#define PAMSK_SESSION_DATA "pam_sekimori_session"

static void
free_session_id(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static void
show_login_report(struct pamsk *m, const struct skc_session_open_out *o)
{
	char when[64];

	if (o->last_login == 0) {
		pamsk_info(m, "%s", _("This is the first login to this account."));
	} else {
		pamsk_format_time((int64_t)o->last_login, when, sizeof(when));
		pamsk_info(m, _("Last login: %s from %s"), when, o->last_from[0] ? o->last_from : "-");
	}
	if (o->last_logout != 0) {
		pamsk_format_time((int64_t)o->last_logout, when, sizeof(when));
		pamsk_info(m, _("Last logout: %s"), when);
	}
	if (o->failures > 0)
		pamsk_error(m, _("There were %llu failed login attempts since the last login. "
		                 "If they were not yours, report them to the administrator."),
		            (unsigned long long)o->failures);
}

int
pamsk_open_session(struct pamsk *m)
{
	struct skc_session_open_in in = { .pid = (uint64_t)getpid() };
	struct skc_session_open_out out;
	unsigned long long *keep;
	const char *who = NULL;
	char env[32];

	/* sudo's session phase names the target user (root): a privileged session is the
	 * authenticated user's. */
	if ((in.ticket = pamsk_ticket_for_session(m, &who)) != NULL)
		m->user = who;
	in.login = pamsk_login(m);

	/* The card of a card login (R-CARD-3). */
	in.card_cert = pamsk_card_watch_cert(m, &in.card_cert_len);
	if (!pamsk_answered(m, skc_session_open(pamsk_client(m), &in, &out)))
		return PAM_SESSION_ERR;
	switch (out.res.status) {
	case SK_ST_OK:
		break;
	case SK_ST_NOT_FOUND:
		/* Not an account Sekimori manages (e.g. root in sudo's session stack). */
		return PAM_IGNORE;
	case SK_ST_DENIED:
		if (out.res.reason == SK_REASON_NO_GRANT || out.res.reason == SK_REASON_NO_FRESH_MFA) {
			/* A privileged service without this transaction's checked login, or after
			 * the grant's end (issue 9). */
			pamsk_error(m, "%s", _("The privileged session is not opened: no grant or no "
			                       "multi-factor authentication in this login."));
			return PAM_SESSION_ERR;
		}
		/* The login's card was revoked (reported lost) after the login (R-CARD-3). */
		pamsk_error(m, "%s", _("The IC card used for this login has been revoked, so the "
		                       "session is not opened."));
		return PAM_SESSION_ERR;
	default:
		pamsk_say_unavailable(m);
		return PAM_SESSION_ERR;
	}
	show_login_report(m, &out);
	if (out.card_removal >= 0)
		m->card_removal = out.card_removal;
	if (out.idle_timeout > 0 &&
	    snprintf(env, sizeof(env), "TMOUT=%llu", (unsigned long long)out.idle_timeout) <
	    (int)sizeof(env))
		(void)pam_putenv(m->pamh, env);
	if ((keep = malloc(sizeof(*keep))) == NULL)
		return PAM_BUF_ERR;
	*keep = (unsigned long long)out.session_id;
	if (pam_set_data(m->pamh, PAMSK_SESSION_DATA, keep, free_session_id) != PAM_SUCCESS) {
		free(keep);
		return PAM_SESSION_ERR;
	}
	if (out.priv_ends != 0) {
		pamsk_format_time((int64_t)out.priv_ends, env, sizeof(env));
		pamsk_info(m, _("This privileged session ends at %s."), env);
	}
	return pamsk_card_watch_start(m, out.session_id, out.card_hash, &out);
}

int
pamsk_close_session(struct pamsk *m)
{
	const void *data = NULL;
	struct skc_session_close_in in = { .user = m->user };
	struct skc_reply_out out;
	const char *who = NULL;

	if (pam_get_data(m->pamh, PAMSK_SESSION_DATA, &data) != PAM_SUCCESS || data == NULL)
		return PAM_IGNORE;   /* opened in another process or not by us */
	if (pamsk_ticket_for_session(m, &who) != NULL)
		in.user = who;   /* the privileged session's user, as at the open */
	/* The session is over: the session agent must not act on a removal from now on. */
	(void)pam_set_data(m->pamh, "pam_sekimori_card_watch", NULL, NULL);
	in.session_id = *(const unsigned long long *)data;
	if (!pamsk_answered(m, skc_session_close(pamsk_client(m), &in, &out)))
		return PAM_SESSION_ERR;
	return out.res.status == SK_ST_OK ? PAM_SUCCESS : PAM_SESSION_ERR;
}
