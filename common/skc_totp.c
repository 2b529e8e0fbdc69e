/* The TOTP family's typed calls (skc_totp.h). */
#include "skc_totp.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

int
skc_totp_enroll_begin(struct sk_client *c, const struct skc_totp_enroll_begin_in *in,
                      struct skc_totp_enroll_begin_out *out)
{
	struct skc_req q;
	struct sk_msg *reply = NULL;
	int r;

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
	r = skc_exchange(c, &q, &reply, &out->res);
	if (r == SK_OK && out->res.status == SK_ST_OK &&
	    (sk_msg_get_uint(reply, SK_K_ENROLL_ID, &out->enroll_id) != SK_OK ||
	     sk_msg_get_text(reply, SK_K_URI, out->uri, sizeof(out->uri)) != SK_OK ||
	     strncmp(out->uri, "otpauth://", 10) != 0)) {
		explicit_bzero(out->uri, sizeof(out->uri));
		sk_logerr("the broker's TOTP_ENROLL_BEGIN reply is malformed");
		r = SK_ERR_PROTO;
	}
	sk_msg_free(reply);   /* wipes the reply's copy of the URI */
	return r;
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
	return skc_exchange_verdict(c, &q, &out->res);
}

int
skc_totp_remove(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_TOTP_REMOVE, in, out);
}
