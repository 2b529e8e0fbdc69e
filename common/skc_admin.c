/* The admin session family's typed calls (skc_admin.h). */
#include "skc_admin.h"

#include <string.h>

#include "sk_err.h"
#include "sk_msg.h"

static int
decode_begin(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_admin_login_begin_out *o = out;
	size_t n = 0;

	if (!skc_optional(sk_msg_get_uint(reply, SK_K_LOCKED_UNTIL, &o->locked_until)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* A plan must name what to collect, within bounds. */
	if (sk_msg_get_array_len(reply, SK_K_STEPS, &n) != SK_OK || n == 0 ||
	    n > SKC_ADMIN_STEPS_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < n; i++) {
		uint64_t m = 0;

		if (sk_msg_get_array_uint(reply, SK_K_STEPS, i, &m) != SK_OK || m > 255)
			return SK_ERR_PROTO;
		o->steps[i] = (unsigned)m;
	}
	o->n_steps = n;
	if (!skc_optional(sk_msg_get_text(reply, SK_K_BANNER, o->banner, sizeof(o->banner))))
		return SK_ERR_PROTO;
	return SK_OK;
}

int
skc_admin_login_begin(struct sk_client *c, const struct skc_admin_login_begin_in *in,
                      struct skc_admin_login_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ADMIN_LOGIN_BEGIN, NULL);
	skc_put_text_opt(&q, SK_K_USER, in->user);
	return skc_exchange(c, &q, &out->res, decode_begin, out);
}

static int
decode_finish(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_admin_login_finish_out *o = out;
	size_t len = 0;

	if (!skc_optional(sk_msg_get_uint(reply, SK_K_REMAINING, &o->remaining)) ||
	    !skc_optional(sk_msg_get_uint(reply, SK_K_LOCKED_UNTIL, &o->locked_until)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* A success without a whole token, its expiry and the person is no session. */
	if (sk_msg_get_bytes(reply, SK_K_ADMIN_TOKEN, o->token, sizeof(o->token), &len) != SK_OK ||
	    len != sizeof(o->token) ||
	    sk_msg_get_uint(reply, SK_K_ADMIN_EXPIRES, &o->expires) != SK_OK ||
	    sk_msg_get_text(reply, SK_K_USER, o->user, sizeof(o->user)) != SK_OK) {
		explicit_bzero(o->token, sizeof(o->token));
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
skc_admin_login_finish(struct sk_client *c, const struct skc_admin_login_finish_in *in,
                       struct skc_admin_login_finish_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ADMIN_LOGIN_FINISH, NULL);
	skc_put_text_opt(&q, SK_K_PASSWORD, in->password);
	skc_put_text_opt(&q, SK_K_OTP, in->otp);
	return skc_exchange(c, &q, &out->res, decode_finish, out);
}

static int
decode_session(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_admin_session_out *o = out;
	int has_user;

	if (!skc_optional(sk_msg_get_uint(reply, SK_K_ROLES, &o->roles)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	has_user = sk_msg_get_text(reply, SK_K_USER, o->user, sizeof(o->user));
	if (!skc_optional(has_user))
		return SK_ERR_PROTO;
	if (has_user == SK_ERR_NOTFOUND) {
		o->user[0] = '\0';
		return SK_OK;   /* whoami without a session */
	}
	if (sk_msg_get_uint(reply, SK_K_ADMIN_EXPIRES, &o->expires) != SK_OK ||
	    sk_msg_get_uint(reply, SK_K_ADMIN_AUTH_AT, &o->auth_at) != SK_OK)
		return SK_ERR_PROTO;
	o->has_session = 1;
	return SK_OK;
}

int
skc_admin_attach(struct sk_client *c, const struct skc_admin_attach_in *in,
                 struct skc_admin_session_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ADMIN_ATTACH, NULL);
	skc_put_bytes(&q, SK_K_ADMIN_TOKEN, in->token, SK_ADMIN_TOKEN_LEN);
	return skc_exchange(c, &q, &out->res, decode_session, out);
}

static int
session_call(struct sk_client *c, unsigned type, struct skc_admin_session_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, type, NULL);
	return skc_exchange(c, &q, &out->res, decode_session, out);
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
