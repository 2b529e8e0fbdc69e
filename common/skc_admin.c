#include "skc_admin.h"

#include <string.h>

#include "sk_err.h"
#include "sk_msg.h"

/* One request: send, receive, the status and the reason. The caller frees *reply. */
static int
call(struct sk_client *c, struct sk_msg *req, struct sk_msg **reply, unsigned *status,
     uint64_t *reason)
{
	int r;

	*reply = NULL;
	if (req == NULL)
		return SK_ERR_NOMEM;
	r = sk_client_call(c, req, reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return SK_ERR_UNAVAILABLE;
	*status = sk_reply_status(*reply);
	if (sk_msg_get_uint_opt(*reply, SK_K_REASON, SK_REASON_NONE, reason) != SK_OK)
		*reason = SK_REASON_NONE;
	return SK_OK;
}

int
skc_admin_login_begin(struct sk_client *c, const struct skc_admin_login_begin_in *in,
                      struct skc_admin_login_begin_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_ADMIN_LOGIN_BEGIN), *reply;
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (req != NULL && in->user != NULL && sk_msg_put_text(req, SK_K_USER, in->user) != SK_OK) {
		sk_msg_free(req);
		return SK_ERR_NOMEM;
	}
	if ((r = call(c, req, &reply, &out->status, &out->reason)) != SK_OK)
		return r;
	if (out->status == SK_ST_OK) {
		/* A plan the CLI cannot read is an empty one: nothing will be sent. */
		if (sk_msg_get_array_len(reply, SK_K_STEPS, &n) != SK_OK || n > SKC_ADMIN_STEPS_MAX)
			n = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t m = 0;

			if (sk_msg_get_array_uint(reply, SK_K_STEPS, i, &m) != SK_OK || m > 255) {
				n = 0;
				break;
			}
			out->steps[i] = (unsigned)m;
		}
		out->n_steps = n;
		if (sk_msg_get_text_opt(reply, SK_K_BANNER, out->banner, sizeof(out->banner)) != SK_OK)
			out->banner[0] = '\0';
	}
	(void)sk_msg_get_uint_opt(reply, SK_K_LOCKED_UNTIL, 0, &out->locked_until);
	sk_msg_free(reply);
	return SK_OK;
}

int
skc_admin_login_finish(struct sk_client *c, const struct skc_admin_login_finish_in *in,
                       struct skc_admin_login_finish_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_ADMIN_LOGIN_FINISH), *reply;
	size_t len = 0;
	int r = SK_OK;

	memset(out, 0, sizeof(*out));
	if (req != NULL && in->password != NULL)
		r = sk_msg_put_text(req, SK_K_PASSWORD, in->password);
	if (req != NULL && r == SK_OK && in->otp != NULL)
		r = sk_msg_put_text(req, SK_K_OTP, in->otp);
	if (r != SK_OK) {
		sk_msg_free(req);
		return SK_ERR_NOMEM;
	}
	if ((r = call(c, req, &reply, &out->status, &out->reason)) != SK_OK)
		return r;
	(void)sk_msg_get_uint_opt(reply, SK_K_REMAINING, 0, &out->remaining);
	(void)sk_msg_get_uint_opt(reply, SK_K_LOCKED_UNTIL, 0, &out->locked_until);
	if (out->status == SK_ST_OK) {
		/* A success without a whole token and a name is no session. */
		out->has_token = sk_msg_get_bytes(reply, SK_K_ADMIN_TOKEN, out->token,
		                                  sizeof(out->token), &len) == SK_OK &&
		                 len == sizeof(out->token) &&
		                 sk_msg_get_uint(reply, SK_K_ADMIN_EXPIRES, &out->expires) == SK_OK &&
		                 sk_msg_get_text(reply, SK_K_USER, out->user, sizeof(out->user)) ==
		                 SK_OK;
		if (!out->has_token) {
			explicit_bzero(out->token, sizeof(out->token));
			out->status = SK_ST_ERROR;
		}
	}
	sk_msg_free(reply);
	return SK_OK;
}

static void
session_fields(const struct sk_msg *reply, struct skc_admin_session_out *out)
{
	(void)sk_msg_get_uint_opt(reply, SK_K_ROLES, 0, &out->roles);
	out->has_session = out->status == SK_ST_OK &&
	                   sk_msg_get_text(reply, SK_K_USER, out->user, sizeof(out->user)) ==
	                   SK_OK &&
	                   sk_msg_get_uint(reply, SK_K_ADMIN_EXPIRES, &out->expires) == SK_OK &&
	                   sk_msg_get_uint(reply, SK_K_ADMIN_AUTH_AT, &out->auth_at) == SK_OK;
	if (!out->has_session)
		out->user[0] = '\0';
}

int
skc_admin_attach(struct sk_client *c, const struct skc_admin_attach_in *in,
                 struct skc_admin_session_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_ADMIN_ATTACH), *reply;
	int r;

	memset(out, 0, sizeof(*out));
	if (req != NULL && sk_msg_put_bytes(req, SK_K_ADMIN_TOKEN, in->token, SK_ADMIN_TOKEN_LEN) !=
	    SK_OK) {
		sk_msg_free(req);
		return SK_ERR_NOMEM;
	}
	if ((r = call(c, req, &reply, &out->status, &out->reason)) != SK_OK)
		return r;
	session_fields(reply, out);
	sk_msg_free(reply);
	return SK_OK;
}

static int
session_call(struct sk_client *c, unsigned type, struct skc_admin_session_out *out)
{
	struct sk_msg *reply;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = call(c, sk_msg_new(type), &reply, &out->status, &out->reason)) != SK_OK)
		return r;
	session_fields(reply, out);
	sk_msg_free(reply);
	return SK_OK;
}

int
skc_admin_whoami(struct sk_client *c, struct skc_admin_session_out *out)
{
	return session_call(c, SK_REQ_ADMIN_WHOAMI, out);
}

int
skc_admin_logout(struct sk_client *c, struct skc_admin_session_out *out)
{
	return session_call(c, SK_REQ_ADMIN_LOGOUT, out);
}
