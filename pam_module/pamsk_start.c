/* Module set-up: arguments, configuration, PAM items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sk_build.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_utf8.h"

static int
parse_args(struct pamsk *m, int argc, const char **argv)
{
	snprintf(m->conf_path, sizeof(m->conf_path), "%s", SK_DEFAULT_CONF);
	snprintf(m->agent_path, sizeof(m->agent_path), "%s", SK_SESSION_AGENT);
	m->retry = 3;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int n = 0;

		if (strncmp(a, "profile=", 8) == 0 && sk_valid_name(a + 8))
			n = snprintf(m->profile, sizeof(m->profile), "%s", a + 8);
		else if (strncmp(a, "conf=", 5) == 0 && a[5] == '/')
			n = snprintf(m->conf_path, sizeof(m->conf_path), "%s", a + 5);
		else if (strncmp(a, "session_agent=", 14) == 0 && a[14] == '/')
			n = snprintf(m->agent_path, sizeof(m->agent_path), "%s", a + 14);
		else if (strncmp(a, "frontend=", 9) == 0 && sk_frontend_parse(a + 9, &m->frontend) == 0)
			n = 0;   /* sent in every request as SK_K_FRONTEND (R-MFA-3) */
		else if (strncmp(a, "single_field=", 13) == 0 &&
		         pamsk_single_field_arg(&m->single, a + 13) == 0)
			n = 0;
		else if (strcmp(a, "preauth") == 0)
			m->mode = PAMSK_MODE_PREAUTH;
		else if (strcmp(a, "authfail") == 0)
			m->mode = PAMSK_MODE_AUTHFAIL;
		else if (strcmp(a, "debug") == 0)
			m->debug = 1;
		else if (strncmp(a, "retry=", 6) == 0 && a[6] >= '1' && a[6] <= '9' && a[7] == '\0')
			m->retry = (unsigned)(a[6] - '0');
		else {
			sk_logerr("unknown or invalid module argument '%s'", a);
			return PAM_SERVICE_ERR;
		}
		if (n < 0)
			return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static const char *
item_text(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

int
pamsk_start(pam_handle_t *pamh, int flags, int argc, const char **argv, int need_user,
            struct pamsk **out)
{
	struct pamsk *m;
	char err[512];
	int r;

	*out = NULL;
	sk_log_set_ident("pam_sekimori");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return PAM_BUF_ERR;
	m->pamh = pamh;
	m->flags = flags;
	m->client.fd = -1;
	m->card_removal = -1;
	if ((r = parse_args(m, argc, argv)) != PAM_SUCCESS)
		goto fail;
	sk_log_set_debug(m->debug);
	if (sk_conf_load(m->conf_path, &m->conf, err, sizeof(err)) != SK_OK) {
		sk_log(LOG_ERR, "pam_sekimori: %s", err);
		r = PAM_SERVICE_ERR;
		goto fail;
	}
	sk_i18n_init(m->conf.language, m->conf.locale_dir);
	if (need_user) {
		if (pam_get_user(pamh, &m->user, NULL) != PAM_SUCCESS || m->user == NULL ||
		    !sk_valid_username(m->user)) {
			sk_logerr("no valid user name");
			r = PAM_USER_UNKNOWN;
			goto fail;
		}
	}
	m->service = item_text(pamh, PAM_SERVICE);
	m->rhost = item_text(pamh, PAM_RHOST);
	m->tty = item_text(pamh, PAM_TTY);
	*out = m;
	return PAM_SUCCESS;
fail:
	pamsk_end(m);
	return r;
}

void
pamsk_end(struct pamsk *m)
{
	if (m == NULL)
		return;
	sk_client_close(&m->client);
	explicit_bzero(m, sizeof(*m));
	free(m);
}
