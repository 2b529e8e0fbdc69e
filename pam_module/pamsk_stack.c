/* The stack attempt PREAUTH holds (R-LOGIN-1), kept in the PAM handle for the lines after
 * it (see pamsk_stack.h). */
#include "pamsk_stack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
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
	struct sk_msg *req = sk_msg_new(SK_REQ_AUTHFAIL), *reply = NULL;
	struct sk_client c = { .fd = -1 };
	const char *user = item_or_empty(pamh, PAM_USER);

	a->resolved = 1;
	if (req == NULL || !sk_valid_username(user) ||
	    sk_msg_put_text(req, SK_K_USER, user) != SK_OK ||
	    sk_msg_put_text(req, SK_K_SERVICE, item_or_empty(pamh, PAM_SERVICE)) != SK_OK ||
	    sk_msg_put_text(req, SK_K_RHOST, item_or_empty(pamh, PAM_RHOST)) != SK_OK ||
	    sk_msg_put_text(req, SK_K_TTY, item_or_empty(pamh, PAM_TTY)) != SK_OK ||
	    (a->profile[0] && sk_msg_put_text(req, SK_K_PROFILE, a->profile) != SK_OK) ||
	    (a->frontend && sk_msg_put_uint(req, SK_K_FRONTEND, a->frontend) != SK_OK) ||
	    sk_msg_put_bytes(req, SK_K_ATTEMPT_TOKEN, a->token, sizeof(a->token)) != SK_OK ||
	    sk_msg_put_bool(req, SK_K_ABANDONED, 1) != SK_OK) {
		sk_msg_free(req);
		return;
	}
	if (sk_client_open(&c, a->socket, a->timeout_ms) == SK_OK)
		(void)sk_client_call(&c, req, &reply, 0);
	sk_client_close(&c);
	sk_msg_free(req);
	sk_msg_free(reply);
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
pamsk_stack_keep(struct pamsk *m, const struct sk_msg *reply)
{
	struct stack_attempt *a = calloc(1, sizeof(*a));
	size_t len = 0;

	if (a == NULL)
		return PAM_BUF_ERR;
	if (sk_msg_get_bytes(reply, SK_K_ATTEMPT_TOKEN, a->token, sizeof(a->token), &len) != SK_OK ||
	    len != sizeof(a->token)) {
		free(a);
		sk_logerr("the broker's preauth answer has no attempt token");
		return PAM_SERVICE_ERR;
	}
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
pamsk_stack_put_token(struct stack_attempt *a, struct sk_msg *req)
{
	if (a == NULL || a->resolved)
		return SK_OK;
	return sk_msg_put_bytes(req, SK_K_ATTEMPT_TOKEN, a->token, sizeof(a->token));
}
