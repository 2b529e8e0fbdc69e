/* The stack attempt PREAUTH holds (R-LOGIN-1), kept in the PAM handle for the lines after
 * it (see pamsk_stack.h). */
#include "pamsk_stack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "skc_auth.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "sk_utf8.h"

#define PAMSK_STACK_ATTEMPT "pam_sekimori_stack_attempt"

static const char *
item_or_empty(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS && v != NULL ? v : "";
}

/* Without a struct pamsk, so it can also run from the PAM data cleanup at pam_end. */
void
pamsk_stack_abandon(pam_handle_t *pamh, struct stack_attempt *a)
{
	struct skc_authfail_in in = {
		.who = {
			.user = item_or_empty(pamh, PAM_USER),
			.service = item_or_empty(pamh, PAM_SERVICE),
			.rhost = item_or_empty(pamh, PAM_RHOST),
			.tty = item_or_empty(pamh, PAM_TTY),
			.profile = a->profile,
			.frontend = a->frontend,   /* the abandoned record names the origin */
		},
		.has_token = 1,
		.abandoned = 1,
	};
	struct skc_authfail_out out;
	struct sk_client c = { .fd = -1 };

	a->resolved = 1;
	if (!sk_valid_username(in.who.user))
		return;
	memcpy(in.token, a->token, sizeof(in.token));
	if (sk_client_open(&c, a->socket, a->timeout_ms) == SK_OK)
		(void)skc_authfail(&c, &in, &out);
	sk_client_close(&c);
	explicit_bzero(&in, sizeof(in));
}

static void
end_stack_attempt(pam_handle_t *pamh, void *data, int error_status)
{
	struct stack_attempt *a = data;

	/* PAM_DATA_SILENT: a forked copy of the handle going away, not the login ending. */
	if (!a->resolved && !(error_status & PAM_DATA_SILENT))
		pamsk_stack_abandon(pamh, a);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

struct stack_attempt *
pamsk_stack_attempt(const struct pamsk *m)
{
	const void *data = NULL;

	if (pam_get_data(m->pamh, PAMSK_STACK_ATTEMPT, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	return (struct stack_attempt *)(uintptr_t)data;
}

int
pamsk_stack_keep(struct pamsk *m, const unsigned char token[SK_ATTEMPT_TOKEN_LEN])
{
	struct stack_attempt *a;

	if (token == NULL) {
		sk_logerr("the broker's preauth answer has no attempt token");
		return PAM_SERVICE_ERR;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return PAM_BUF_ERR;
	memcpy(a->token, token, sizeof(a->token));
	a->timeout_ms = (int)m->conf.request_timeout_ms;
	a->frontend = m->frontend;
	snprintf(a->socket, sizeof(a->socket), "%s", m->conf.socket_path);
	snprintf(a->profile, sizeof(a->profile), "%s", m->profile);
	if (pam_set_data(m->pamh, PAMSK_STACK_ATTEMPT, a, end_stack_attempt) != PAM_SUCCESS) {
		explicit_bzero(a, sizeof(*a));
		free(a);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

int
pamsk_stack_token(const struct stack_attempt *a, unsigned char token[SK_ATTEMPT_TOKEN_LEN])
{
	if (a == NULL || a->resolved)
		return 0;
	memcpy(token, a->token, SK_ATTEMPT_TOKEN_LEN);
	return 1;
}
