/* The user family's typed calls (skc_user.h). */
#include "skc_user.h"

#include <string.h>

#include "sk_err.h"

int
skc_status(struct sk_client *c, const struct skc_status_in *in, struct skc_json_out *out)
{
	const struct skc_user_in all = { .actor = in->actor };

	return skc_user_json(c, SK_REQ_STATUS, &all, out);
}

int
skc_user_list(struct sk_client *c, const struct skc_status_in *in, struct skc_json_out *out)
{
	const struct skc_user_in all = { .actor = in->actor };

	return skc_user_json(c, SK_REQ_USER_LIST, &all, out);
}

int
skc_user_show(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out)
{
	return skc_user_json(c, SK_REQ_USER_SHOW, in, out);
}

static int
decode_temp_password(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_temp_password_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_text(reply, SK_K_TEMP_PASSWORD, o->temp_password,
	                    sizeof(o->temp_password)) != SK_OK || o->temp_password[0] == '\0')
		return SK_ERR_PROTO;
	return SK_OK;
}

int
skc_user_add(struct sk_client *c, const struct skc_user_add_in *in,
             struct skc_temp_password_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_USER_ADD, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text_opt(&q, SK_K_PROFILE, in->profile);
	if (in->contractor)
		skc_put_bool(&q, SK_K_CONTRACTOR, 1);
	skc_put_text_opt(&q, SK_K_STAFF_NO, in->staff_no);
	return skc_exchange(c, &q, &out->res, decode_temp_password, out);
}

int
skc_user_reset_password(struct sk_client *c, const struct skc_user_in *in,
                        struct skc_temp_password_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_USER_RESET_PASSWORD, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	return skc_exchange(c, &q, &out->res, decode_temp_password, out);
}

int
skc_user_unlock(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_USER_UNLOCK, in, out);
}

int
skc_user_lock(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_USER_LOCK, in, out);
}

int
skc_user_disable(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_USER_DISABLE, in, out);
}

int
skc_user_enable(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out)
{
	return skc_user_verdict(c, SK_REQ_USER_ENABLE, in, out);
}

int
skc_user_reconfirm(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out)
{
	return skc_user_json(c, SK_REQ_USER_RECONFIRM, in, out);
}

int
skc_user_set_staff(struct sk_client *c, const struct skc_user_set_staff_in *in,
                   struct skc_reply_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_USER_SET_STAFF, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text(&q, SK_K_STAFF_NO, in->staff_no);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}
