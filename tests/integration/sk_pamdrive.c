#include "sk_pamdrive.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void
note(struct skpd *d, const char *what, const char *text)
{
	size_t len = strlen(d->transcript);

	snprintf(d->transcript + len, sizeof(d->transcript) - len, "%s%s\n", what, text);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct skpd *d = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			note(d, "? ", msg[i]->msg);
			if (d->next >= d->n_answers) {
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(d->answers[d->next++]);
			break;
		case PAM_ERROR_MSG:
			note(d, "! ", msg[i]->msg);
			break;
		default:
			note(d, "i ", msg[i]->msg);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

void
skpd_write_service(const char *confdir, const char *service, const char *module_args,
                   const char *lines)
{
	char path[1024];
	const char *module = getenv("SK_PAM_MODULE");
	FILE *f;

	assert_non_null(module);
	snprintf(path, sizeof(path), "%s/%s", confdir, service);
	f = fopen(path, "w");
	assert_non_null(f);
	if (lines != NULL) {
		fputs(lines, f);
	} else {
		const char *phases[] = { "auth", "account", "password", "session" };
		for (int i = 0; i < 4; i++)
			fprintf(f, "%-8s required %s %s\n", phases[i], module, module_args);
	}
	assert_int_equal(fclose(f), 0);
}

static void
set_answers(struct skpd *d, va_list ap)
{
	const char *a;

	d->n_answers = 0;
	d->next = 0;
	while ((a = va_arg(ap, const char *)) != NULL && d->n_answers < SKPD_ANSWERS_MAX)
		d->answers[d->n_answers++] = a;
}

void
skpd_begin(struct skpd *d, const char *confdir, const char *service, const char *user,
           const char *rhost, ...)
{
	struct pam_conv c = { conv, d };
	va_list ap;

	memset(d, 0, sizeof(*d));
	va_start(ap, rhost);
	set_answers(d, ap);
	va_end(ap);
	assert_int_equal(pam_start_confdir(service, user, &c, confdir, &d->pamh), PAM_SUCCESS);
	if (rhost != NULL)
		assert_int_equal(pam_set_item(d->pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	assert_int_equal(pam_set_item(d->pamh, PAM_TTY, "pts/7"), PAM_SUCCESS);
}

void
skpd_answers(struct skpd *d, ...)
{
	va_list ap;

	va_start(ap, d);
	set_answers(d, ap);
	va_end(ap);
}

int
skpd_end(struct skpd *d)
{
	int r = pam_end(d->pamh, d->last);

	d->pamh = NULL;
	return r;
}

int
skpd_authenticate(struct skpd *d, const char *confdir, const char *service, const char *user,
                  const char *rhost, const char *a1, const char *a2)
{
	skpd_begin(d, confdir, service, user, rhost, a1, a2, NULL);
	d->last = pam_authenticate(d->pamh, 0);
	assert_int_equal(skpd_end(d), PAM_SUCCESS);
	return d->last;
}

int
skpd_contains(const struct skpd *d, const char *needle)
{
	return strstr(d->transcript, needle) != NULL;
}

int
skpd_acct_mgmt(const char *confdir, const char *service, const char *user)
{
	struct skpd d;
	int rc;

	skpd_begin(&d, confdir, service, user, NULL, NULL);
	rc = d.last = pam_acct_mgmt(d.pamh, 0);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	return rc;
}
