/* The load generator's PAM mode: the same decisions as the protocol mode (load_client.c),
 * made by libpam and the built pam_sekimori.so in this process, one PAM transaction (auth
 * only) per decision. The service is the shipped stack with pam_permit.so standing in for
 * pam_unix, so the module's preauth, authfail and final lines all run as in production; the
 * knowledge factor costs nothing, as in the protocol mode. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

struct answer {
	const char *code;
	int asked;
	char said[160];    /* the module's error messages, for an unexpected result */
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct answer *a = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			/* One prompt, the code's; a second one is not part of this stack. */
			if (a->asked++ > 0 || (r[i].resp = strdup(a->code)) == NULL) {
				for (int k = 0; k < i; k++)
					free(r[k].resp);
				free(r);
				return PAM_CONV_ERR;
			}
		} else if (msg[i]->msg_style == PAM_ERROR_MSG) {
			size_t len = strlen(a->said);

			snprintf(a->said + len, sizeof(a->said) - len, "%s | ", msg[i]->msg);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

void
load_pam_write_service(const struct bench_env *e)
{
	char path[700], text[4096];
	int n;

	n = snprintf(text, sizeof(text),
	             "auth requisite %1$s conf=%2$s profile=" LOAD_PROFILE " preauth\n"
	             "auth [success=1 default=bad] pam_permit.so\n"
	             "auth [default=die] %1$s conf=%2$s profile=" LOAD_PROFILE " authfail\n"
	             "auth required %1$s conf=%2$s profile=" LOAD_PROFILE "\n",
	             e->module, e->conf);
	if (n < 0 || (size_t)n >= sizeof(text))
		bench_die("PAM service text too long");
	snprintf(path, sizeof(path), "%s/" LOAD_SERVICE, e->pamdir);
	bench_write_file(path, text);
}

enum load_outcome
load_pam_decide(const struct bench_env *e, const char *user, enum load_kind kind,
                const char *code, char *why, size_t whysz)
{
	struct answer a = { .code = code };
	struct pam_conv c = { conv, &a };
	pam_handle_t *h = NULL;
	int r;

	if ((r = pam_start_confdir(LOAD_SERVICE, user, &c, e->pamdir, &h)) != PAM_SUCCESS) {
		snprintf(why, whysz, "pam_start_confdir: %d", r);
		return OUT_UNEXPECTED;
	}
	r = pam_authenticate(h, 0);
	if (r != PAM_SUCCESS && r != PAM_AUTH_ERR && r != PAM_AUTHINFO_UNAVAIL)
		snprintf(why, whysz, "pam_authenticate: %s; module said: %s", pam_strerror(h, r),
		         a.said);
	else if ((r == PAM_SUCCESS) != (kind == LOAD_RIGHT) && r != PAM_AUTHINFO_UNAVAIL)
		snprintf(why, whysz, "pam_authenticate: %s for a %s code; module said: %s",
		         pam_strerror(h, r), kind == LOAD_RIGHT ? "right" : "wrong", a.said);
	pam_end(h, r);
	if (r == PAM_AUTHINFO_UNAVAIL)
		return OUT_REFUSED;
	if ((kind == LOAD_RIGHT && r == PAM_SUCCESS) || (kind == LOAD_WRONG && r == PAM_AUTH_ERR)) {
		if (a.asked == 1)
			return OUT_EXPECTED;
		snprintf(why, whysz, "the code was asked for %d times", a.asked);
	}
	return OUT_UNEXPECTED;
}
