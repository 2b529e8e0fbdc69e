/* The session phase: tell the broker, show the last login and logout and the failures
 * since (R-LOGIN-1), and export the idle timeout as TMOUT. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

#define PAMSK_SESSION_DATA "pam_sekimori_session"

static void
free_session_id(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static void
show_login_report(struct pamsk *m, const struct sk_msg *reply)
{
	uint64_t last = 0, logout = 0, failures = 0;
	char from[SK_HOST_MAX] = "", when[64];

	(void)sk_msg_get_uint(reply, SK_K_LAST_LOGIN, &last);
	(void)sk_msg_get_text(reply, SK_K_LAST_FROM, from, sizeof(from));
	(void)sk_msg_get_uint(reply, SK_K_LAST_LOGOUT, &logout);
	(void)sk_msg_get_uint(reply, SK_K_FAILURES, &failures);
	if (last == 0) {
		pamsk_info(m, "%s", _("This is the first login to this account."));
	} else {
		pamsk_format_time((int64_t)last, when, sizeof(when));
		pamsk_info(m, _("Last login: %s from %s"), when, from[0] ? from : "-");
	}
	if (logout != 0) {
		pamsk_format_time((int64_t)logout, when, sizeof(when));
		pamsk_info(m, _("Last logout: %s"), when);
	}
	if (failures > 0)
		pamsk_error(m, _("There were %llu failed login attempts since the last login. "
		                 "If they were not yours, report them to the administrator."),
		            (unsigned long long)failures);
}

int
pamsk_open_session(struct pamsk *m)
{
	struct sk_msg *req = pamsk_request(m, SK_REQ_SESSION_OPEN), *reply = NULL;
	uint64_t id = 0, idle = 0;
	unsigned long long *keep;
	char env[32], card_hash[65] = "";
	int r;

	/* The card of a card login, so that the broker records which card the session used
	 * and can find the session when that card is reported lost (R-CARD-3). */
	if (req != NULL && (sk_msg_put_uint(req, SK_K_PID, (uint64_t)getpid()) != SK_OK ||
	                    pamsk_card_watch_put_cert(m, req) != SK_OK)) {
		sk_msg_free(req);
		req = NULL;
	}
	r = pamsk_call(m, req, &reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return PAM_SESSION_ERR;
	switch (sk_reply_status(reply)) {
	case SK_ST_OK:
		break;
	case SK_ST_NOT_FOUND:
		/* Not an account Sekimori manages (e.g. root in sudo's session stack). */
		sk_msg_free(reply);
		return PAM_IGNORE;
	case SK_ST_DENIED:
		/* The login's card was revoked (reported lost) after the login (R-CARD-3). */
		sk_msg_free(reply);
		pamsk_error(m, "%s", _("The IC card used for this login has been revoked, so the "
		                       "session is not opened."));
		return PAM_SESSION_ERR;
	default:
		sk_msg_free(reply);
		pamsk_say_unavailable(m);
		return PAM_SESSION_ERR;
	}
	show_login_report(m, reply);
	(void)sk_msg_get_uint(reply, SK_K_SESSION_ID, &id);
	if (sk_msg_get_text_opt(reply, SK_K_CERT_HASH, card_hash, sizeof(card_hash)) != SK_OK)
		card_hash[0] = '\0';
	{
		uint64_t removal;
		if (sk_msg_get_uint(reply, SK_K_CARD_REMOVAL, &removal) == SK_OK && removal <= 2)
			m->card_removal = (int)removal;
	}
	if (sk_msg_get_uint(reply, SK_K_IDLE_TIMEOUT, &idle) == SK_OK && idle > 0 &&
	    snprintf(env, sizeof(env), "TMOUT=%llu", (unsigned long long)idle) < (int)sizeof(env))
		(void)pam_putenv(m->pamh, env);
	sk_msg_free(reply);
	if ((keep = malloc(sizeof(*keep))) == NULL)
		return PAM_BUF_ERR;
	*keep = (unsigned long long)id;
	if (pam_set_data(m->pamh, PAMSK_SESSION_DATA, keep, free_session_id) != PAM_SUCCESS) {
		free(keep);
		return PAM_SESSION_ERR;
	}
	return pamsk_card_watch_start(m, id, card_hash);
}

int
pamsk_close_session(struct pamsk *m)
{
	const void *data = NULL;
	struct sk_msg *req, *reply = NULL;
	int r;

	if (pam_get_data(m->pamh, PAMSK_SESSION_DATA, &data) != PAM_SUCCESS || data == NULL)
		return PAM_IGNORE;   /* opened in another process or not by us */
	/* The session is over: the session agent must not act on a removal from now on. */
	(void)pam_set_data(m->pamh, "pam_sekimori_card_watch", NULL, NULL);
	req = sk_msg_new(SK_REQ_SESSION_CLOSE);
	if (req != NULL && (sk_msg_put_text(req, SK_K_USER, m->user) != SK_OK ||
	    sk_msg_put_uint(req, SK_K_SESSION_ID, *(const unsigned long long *)data) != SK_OK)) {
		sk_msg_free(req);
		req = NULL;
	}
	r = pamsk_call(m, req, &reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return PAM_SESSION_ERR;
	r = sk_reply_status(reply) == SK_ST_OK ? PAM_SUCCESS : PAM_SESSION_ERR;
	sk_msg_free(reply);
	return r;
}
