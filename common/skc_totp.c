/* The TOTP family's typed calls (skc_totp.h). */
#include "skc_totp.h"

#include <string.h>

#include "sk_err.h"

static int
decode_begin(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_totp_enroll_begin_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_uint(reply, SK_K_ENROLL_ID, &o->enroll_id) != SK_OK ||
	    sk_msg_get_text(reply, SK_K_URI, o->uri, sizeof(o->uri)) != SK_OK ||
	    strncmp(o->uri, "otpauth://", 10) != 0) {
		explicit_bzero(o->uri, sizeof(o->uri));
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
skc_totp_enroll_begin(struct sk_client *c, const struct skc_totp_enroll_begin_in *in,
                      struct skc_totp_enroll_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->secret_len > SK_TOTP_SEED_MAX)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_TOTP_ENROLL_BEGIN, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text_opt(&q, SK_K_ALGORITHM, in->algorithm);
	if (in->digits != 0)
		skc_put_uint(&q, SK_K_DIGITS, in->digits);
	if (in->period != 0)
		skc_put_uint(&q, SK_K_PERIOD, in->period);
	if (in->secret != NULL)
		skc_put_bytes(&q, SK_K_SECRET, in->secret, in->secret_len);
	return skc_exchange(c, &q, &out->res, decode_begin, out);
}

int
skc_totp_enroll_confirm(struct sk_client *c, const struct skc_totp_enroll_confirm_in *in,
                        struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_TOTP_ENROLL_CONFIRM, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_uint(&q, SK_K_ENROLL_ID, in->enroll_id);
	skc_put_text(&q, SK_K_OTP, in->code);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

int
skc_totp_remove(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_TOTP_REMOVE, in, out);
}
