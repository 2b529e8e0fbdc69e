/* RADIUS challenge mode's two requests, encoded and decoded in one place (skc_radius.h); the
 * verdict and the secrets as for the PAM module's login (skc_auth.c). */
#include "skc_radius.h"

#include <string.h>

#include "sk_err.h"

/* A CHALLENGE must carry a State of exactly SKC_RADIUS_STATE_LEN bytes. */
static int
decode_begin(const struct sk_msg *reply, const struct skc_result *res, void *arg)
{
	struct skc_radius_begin_out *out = arg;
	size_t len = 0;

	if (skc_decode_auth_verdict(reply, &out->v) != SK_OK)
		return SK_ERR_PROTO;
	if (res->status != SK_ST_CHALLENGE)
		return SK_OK;
	if (sk_msg_get_bytes(reply, SK_K_RADIUS_STATE, out->state, sizeof(out->state),
	                     &len) != SK_OK || len != sizeof(out->state))
		return SK_ERR_PROTO;
	if (sk_msg_get_text_opt(reply, SK_K_BANNER, out->banner, sizeof(out->banner)) != SK_OK)
		out->banner[0] = '\0';
	return SK_OK;
}

static int
decode_continue(const struct sk_msg *reply, const struct skc_result *res, void *arg)
{
	(void)res;
	return skc_decode_auth_verdict(reply, &((struct skc_radius_continue_out *)arg)->v);
}

int
skc_radius_begin(struct sk_client *c, const struct skc_radius_begin_in *in,
                 struct skc_radius_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_RADIUS_BEGIN, NULL);
	skc_req_login(&q, &in->who);
	skc_put_text_opt(&q, SK_K_NAS, in->nas);
	skc_put_secret(&q, SK_K_PASSWORD, 1, in->password, sizeof(in->password));
	return skc_exchange(c, &q, &out->res, decode_begin, out);
}

int
skc_radius_continue(struct sk_client *c, const struct skc_radius_continue_in *in,
                    struct skc_radius_continue_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_RADIUS_CONTINUE, NULL);
	skc_put_bytes(&q, SK_K_RADIUS_STATE, in->state, sizeof(in->state));
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text(&q, SK_K_SERVICE, in->service != NULL ? in->service : "");
	skc_put_text(&q, SK_K_RHOST, in->rhost != NULL ? in->rhost : "");
	skc_put_text_opt(&q, SK_K_NAS, in->nas);
	skc_put_secret(&q, SK_K_OTP, 1, in->code, sizeof(in->code));
	return skc_exchange(c, &q, &out->res, decode_continue, out);
}
