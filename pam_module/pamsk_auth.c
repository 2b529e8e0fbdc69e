/* The auth phase: begin, collect what the broker asks for, finish (R-MFA-1, R-LOGIN-1).
 * Also the preauth/authfail hooks for stacks where a preceding module checks the password. */
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "pamsk_stack.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "sk_totp.h"

/* Adds a typed secret to the request: over-long answers are refused, never cut into
 * something else, and the copy from the conversation is wiped at once. */
static int
put_secret(struct sk_msg *finish, unsigned key, char *answer, size_t max)
{
	int r = SK_ERR_RANGE;

	if (answer == NULL)
		return SK_ERR_IO;
	if (strlen(answer) <= max)
		r = sk_msg_put_text(finish, key, answer);
	pamsk_free_secret(answer);
	return r;
}

static int
collect_step(struct pamsk *m, unsigned step, const struct sk_msg *begin, struct sk_msg *finish)
{
	int r;

	if ((step == SK_METHOD_PASSWORD || step == SK_METHOD_TOTP) &&
	    pamsk_single_field_wanted(&m->single, begin)) {
		r = pamsk_single_field_step(m, step, finish);   /* one answer for both */
		return r == SK_ERR_IO ? PAM_CONV_ERR : r == SK_OK ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	switch (step) {
	case SK_METHOD_PASSWORD:
		r = put_secret(finish, SK_K_PASSWORD, pamsk_prompt(m, 0, _("Password: ")),
		               SK_PASSWORD_MAX);
		break;
	case SK_METHOD_TOTP:
		r = put_secret(finish, SK_K_OTP, pamsk_prompt(m, 0, _("One-time code: ")),
		               SK_TOTP_CODE_MAX);
		break;
	case SK_METHOD_STACK:
		r = sk_msg_put_bool(finish, SK_K_STACK_KNOWLEDGE, 1);
		break;
	case SK_METHOD_FIDO2:
		return pamsk_collect_fido2(m, begin, finish);
	case SK_METHOD_CARD:
		return pamsk_collect_card(m, begin, finish);
	default:
		sk_logerr("the broker asked for step %u, which this module cannot collect", step);
		return PAM_SERVICE_ERR;
	}
	if (r == SK_ERR_IO)
		return PAM_CONV_ERR;
	if (r == SK_ERR_RANGE) {
		pamsk_error(m, "%s", _("Authentication failed."));
		return PAM_AUTH_ERR;
	}
	return r == SK_OK ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int
say_denied(struct pamsk *m, const struct sk_msg *reply)
{
	uint64_t left = 0, reason = 0;

	if (sk_msg_get_uint(reply, SK_K_REASON, &reason) == SK_OK &&
	    reason == SK_REASON_ATTEMPTS_PENDING) {
		pamsk_error(m, "%s", _("Too many login attempts for this account are in progress. "
		                       "Please try again later."));
		return PAM_AUTH_ERR;
	}
	pamsk_error(m, "%s", _("Authentication failed."));
	if (sk_msg_get_uint(reply, SK_K_REMAINING, &left) == SK_OK && left > 0 && left <= 3)
		pamsk_error(m, _("%llu more failed attempts will lock this account."),
		            (unsigned long long)left);
	return PAM_AUTH_ERR;
}

static int
outcome(struct pamsk *m, const struct sk_msg *reply)
{
	switch (sk_reply_status(reply)) {
	case SK_ST_OK:
		return PAM_SUCCESS;
	case SK_ST_DENIED:
		return say_denied(m, reply);
	case SK_ST_LOCKED:
		pamsk_say_locked(m, reply);
		return PAM_AUTH_ERR;
	case SK_ST_NO_FACTORS:
		pamsk_error(m, "%s", _("The factors this terminal requires are not registered for "
		                       "your account. Please contact the system administrator."));
		return PAM_AUTH_ERR;
	case SK_ST_BAD_REQUEST:
		sk_logerr("the broker refused the request (profile '%s' unknown?)", m->profile);
		pamsk_say_unavailable(m);
		return PAM_SERVICE_ERR;
	default:
		pamsk_say_unavailable(m);
		return PAM_AUTHINFO_UNAVAIL;
	}
}

static int
finish(struct pamsk *m, struct sk_msg *req)
{
	struct sk_msg *reply = NULL;
	int r = pamsk_call(m, req, &reply, 0);

	if (r != SK_OK)
		return PAM_AUTHINFO_UNAVAIL;
	r = outcome(m, reply);
	sk_msg_free(reply);
	return r;
}

static int
begin_and_collect(struct pamsk *m, struct sk_msg *finish_req)
{
	struct sk_msg *req = pamsk_request(m, SK_REQ_AUTH_BEGIN), *reply = NULL;
	char banner[SK_MESSAGE_MAX];
	size_t n = 0;
	int r;

	r = pamsk_call(m, req, &reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return PAM_AUTHINFO_UNAVAIL;
	if (sk_reply_status(reply) != SK_ST_OK) {
		r = outcome(m, reply);
		sk_msg_free(reply);
		return r == PAM_SUCCESS ? PAM_AUTH_ERR : r;
	}
	if (sk_msg_get_text(reply, SK_K_BANNER, banner, sizeof(banner)) == SK_OK)
		pamsk_info_lines(m, banner);
	r = sk_msg_get_array_len(reply, SK_K_STEPS, &n) == SK_OK && n > 0 ? PAM_SUCCESS :
	    PAM_SERVICE_ERR;
	for (size_t i = 0; i < n && r == PAM_SUCCESS; i++) {
		uint64_t step;
		r = sk_msg_get_array_uint(reply, SK_K_STEPS, i, &step) == SK_OK && step < 64 ?
		    collect_step(m, (unsigned)step, reply, finish_req) : PAM_SERVICE_ERR;
	}
	sk_msg_free(reply);
	return r;
}

static int
hook(struct pamsk *m, unsigned type)
{
	struct sk_msg *req = pamsk_request(m, type), *reply = NULL;
	struct stack_attempt *a = type == SK_REQ_AUTHFAIL ? pamsk_stack_attempt(m) : NULL;
	int r = req != NULL && pamsk_stack_put_token(a, req) != SK_OK ? SK_ERR_NOMEM : SK_OK;

	if (r == SK_OK)
		r = pamsk_call(m, req, &reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return PAM_AUTHINFO_UNAVAIL;
	if (a != NULL)
		a->resolved = 1;
	r = outcome(m, reply);
	if (type == SK_REQ_PREAUTH && r == PAM_SUCCESS)
		r = pamsk_stack_keep(m, reply);
	sk_msg_free(reply);
	/* authfail reports a failure: the stack must fail even if the broker said OK. */
	return type == SK_REQ_AUTHFAIL && r == PAM_SUCCESS ? PAM_AUTH_ERR : r;
}

int
pamsk_authenticate(struct pamsk *m)
{
	struct stack_attempt *a;
	struct sk_msg *finish_req;
	int r;

	if (m->mode == PAMSK_MODE_PREAUTH)
		return hook(m, SK_REQ_PREAUTH);
	if (m->mode == PAMSK_MODE_AUTHFAIL)
		return hook(m, SK_REQ_AUTHFAIL);
	a = pamsk_stack_attempt(m);
	if ((finish_req = sk_msg_new(SK_REQ_AUTH_FINISH)) == NULL)
		return PAM_BUF_ERR;
	r = begin_and_collect(m, finish_req);
	if (r == PAM_SUCCESS && pamsk_stack_put_token(a, finish_req) != SK_OK)
		r = PAM_BUF_ERR;
	if (r == PAM_SUCCESS) {
		/* The broker decides on AUTH_FINISH (if it cannot be reached, the attempt expires
		 * into a failure there). */
		if (a != NULL)
			a->resolved = 1;
		r = finish(m, finish_req);
	}
	sk_msg_free(finish_req);   /* wipes the evidence */
	/* Stopped before the decision (the code prompt quit, a device error): abandoned. */
	if (a != NULL && !a->resolved)
		pamsk_stack_abandon(m->pamh, a);
	return r;
}
