/* The auth phase: begin, collect what the broker asks for, finish (R-MFA-1, R-LOGIN-1).
 * Also the preauth/authfail hooks for stacks where a preceding module checks the password.
 * Each step is collected by its factor's row (pamsk_factor_table.c); the requests are the
 * typed calls of common/skc_auth.h. */
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "pamsk_factor.h"
#include "pamsk_stack.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

static int
say_denied(struct pamsk *m, const struct skc_result *res, const struct skc_auth_verdict *v)
{
	if (res->reason == SK_REASON_ATTEMPTS_PENDING) {
		pamsk_error(m, "%s", _("Too many login attempts for this account are in progress. "
		                       "Please try again later."));
		return PAM_AUTH_ERR;
	}
	pamsk_error(m, "%s", _("Authentication failed."));
	if (v->has_remaining && v->remaining > 0 && v->remaining <= 3)
		pamsk_error(m, _("%llu more failed attempts will lock this account."),
		            (unsigned long long)v->remaining);
	return PAM_AUTH_ERR;
}

static int
outcome(struct pamsk *m, const struct skc_result *res, const struct skc_auth_verdict *v)
{
	switch (res->status) {
	case SK_ST_OK:
		return PAM_SUCCESS;
	case SK_ST_DENIED:
		return say_denied(m, res, v);
	case SK_ST_LOCKED:
		pamsk_say_locked_until(m, v->locked_until);
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

/* A PAM code for a typed call that did not get an answer. */
static int
call_failed(struct pamsk *m, int r)
{
	if (r == SK_ERR_UNAVAILABLE) {
		(void)pamsk_answered(m, r);   /* closes, tells the user */
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (r == SK_ERR_PROTO)
		return PAM_SERVICE_ERR;   /* logged where it was found malformed */
	if (r == SK_ERR_RANGE) {
		pamsk_error(m, "%s", _("Authentication failed."));
		return PAM_AUTH_ERR;
	}
	return PAM_BUF_ERR;
}

static int
begin_and_collect(struct pamsk *m, struct skc_auth_finish_in *finish)
{
	struct skc_auth_begin_out *out = calloc(1, sizeof(*out));
	struct skc_auth_begin_in in;
	int r;

	if (out == NULL)
		return PAM_BUF_ERR;
	in.who = pamsk_login(m);
	if ((r = skc_auth_begin(pamsk_client(m), &in, out)) != SK_OK) {
		free(out);
		return call_failed(m, r);
	}
	if (out->res.status != SK_ST_OK) {
		r = outcome(m, &out->res, &out->v);
		free(out);
		return r == PAM_SUCCESS ? PAM_AUTH_ERR : r;
	}
	if (out->banner[0] != '\0')
		pamsk_info_lines(m, out->banner);
	r = PAM_SUCCESS;
	for (size_t i = 0; i < out->n_steps && r == PAM_SUCCESS; i++) {
		const struct pamsk_factor *f = pamsk_factor_find(out->steps[i]);

		if (f == NULL) {
			sk_logerr("the broker asked for step %u, which this module cannot collect",
			          out->steps[i]);
			r = PAM_SERVICE_ERR;
		} else {
			r = f->collect(m, out, finish);
		}
	}
	free(out);
	return r;
}

static int
finish_call(struct pamsk *m, const struct skc_auth_finish_in *in)
{
	struct skc_auth_finish_out out;
	int r;

	if ((r = skc_auth_finish(pamsk_client(m), in, &out)) != SK_OK)
		return call_failed(m, r);
	r = outcome(m, &out.res, &out.v);
	if (r == PAM_SUCCESS && out.has_ticket)
		r = pamsk_ticket_keep(m, out.ticket);
	explicit_bzero(&out, sizeof(out));
	return r;
}

static int
preauth(struct pamsk *m)
{
	struct skc_preauth_in in;
	struct skc_preauth_out out;
	int r;

	in.who = pamsk_login(m);
	if ((r = skc_preauth(pamsk_client(m), &in, &out)) != SK_OK)
		return call_failed(m, r);
	r = outcome(m, &out.res, &out.v);
	if (r == PAM_SUCCESS)
		r = pamsk_stack_keep(m, out.has_token ? out.token : NULL);
	explicit_bzero(&out, sizeof(out));
	return r;
}

static int
authfail(struct pamsk *m)
{
	struct stack_attempt *a = pamsk_stack_attempt(m);
	struct skc_authfail_in in;
	struct skc_authfail_out out;
	int r;

	memset(&in, 0, sizeof(in));
	in.who = pamsk_login(m);
	in.has_token = pamsk_stack_token(a, in.token);
	r = skc_authfail(pamsk_client(m), &in, &out);
	explicit_bzero(&in, sizeof(in));
	if (r != SK_OK)
		return call_failed(m, r);
	if (a != NULL)
		a->resolved = 1;
	r = outcome(m, &out.res, &out.v);
	/* authfail reports a failure: the stack must fail even if the broker said OK. */
	return r == PAM_SUCCESS ? PAM_AUTH_ERR : r;
}

int
pamsk_authenticate(struct pamsk *m)
{
	struct skc_auth_finish_in *finish;
	struct stack_attempt *a;
	int r;

	if (m->mode == PAMSK_MODE_PREAUTH)
		return preauth(m);
	if (m->mode == PAMSK_MODE_AUTHFAIL)
		return authfail(m);
	a = pamsk_stack_attempt(m);
	if ((finish = calloc(1, sizeof(*finish))) == NULL)
		return PAM_BUF_ERR;
	r = begin_and_collect(m, finish);
	if (r == PAM_SUCCESS) {
		finish->has_token = pamsk_stack_token(a, finish->token);
		/* The broker decides on AUTH_FINISH (if it cannot be reached, the attempt expires
		 * into a failure there). */
		if (a != NULL)
			a->resolved = 1;
		r = finish_call(m, finish);
	}
	explicit_bzero(finish, sizeof(*finish));   /* the evidence */
	free(finish);
	/* Stopped before the decision (the code prompt quit, a device error): abandoned. */
	if (a != NULL && !a->resolved)
		pamsk_stack_abandon(m->pamh, a);
	return r;
}
