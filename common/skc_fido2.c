/* The FIDO2 family's typed calls (skc_fido2.h). */
#include "skc_fido2.h"

#include <string.h>

#include "sk_err.h"

static int
decode_begin(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_fido2_enroll_begin_out *o = out;
	size_t clen = 0;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_bytes(reply, SK_K_FIDO2_CHALLENGE, o->challenge, sizeof(o->challenge),
	                     &clen) != SK_OK || clen != SKC_FIDO2_CDH_LEN ||
	    sk_msg_get_bytes(reply, SK_K_USER_HANDLE, o->user_handle, sizeof(o->user_handle),
	                     &o->user_handle_len) != SK_OK ||
	    sk_msg_get_text(reply, SK_K_RP_ID, o->rp_id, sizeof(o->rp_id)) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_TIMEOUT_MS, 30000, &o->timeout_ms) != SK_OK ||
	    o->timeout_ms > SKC_FIDO2_TIMEOUT_MAX ||
	    sk_msg_get_uint_opt(reply, SK_K_UV, 1, &o->uv) != SK_OK || o->uv > 2 ||
	    sk_msg_get_array_len(reply, SK_K_CRED_IDS, &o->n_exclude) != SK_OK ||
	    o->n_exclude > SKC_FIDO2_MAX_ALLOW)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < o->n_exclude; i++)
		if (sk_msg_get_array_bytes(reply, SK_K_CRED_IDS, i, o->exclude[i],
		                           SKC_FIDO2_CRED_ID_MAX, &o->exclude_len[i]) != SK_OK)
			return SK_ERR_PROTO;
	return SK_OK;
}

int
skc_fido2_enroll_begin(struct sk_client *c, const struct skc_fido2_enroll_begin_in *in,
                       struct skc_fido2_enroll_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_FIDO2_ENROLL_BEGIN, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_uint(&q, SK_K_UV, in->uv);
	return skc_exchange(c, &q, &out->res, decode_begin, out);
}

static int
decode_finish(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_fido2_enroll_finish_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return sk_msg_get_uint(reply, SK_K_FACTOR_ID, &o->factor_id) == SK_OK ? SK_OK :
	       SK_ERR_PROTO;
}

int
skc_fido2_enroll_finish(struct sk_client *c, const struct skc_fido2_enroll_finish_in *in,
                        struct skc_fido2_enroll_finish_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_FIDO2_ENROLL_FINISH, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text(&q, SK_K_FMT, in->fmt);
	skc_put_uint(&q, SK_K_COSE_ALG, in->cose_alg);
	skc_put_bytes(&q, SK_K_AUTHDATA, in->authdata, in->authdata_len);
	if (in->attstmt != NULL && in->attstmt_len > 0)
		skc_put_bytes(&q, SK_K_ATTSTMT, in->attstmt, in->attstmt_len);
	return skc_exchange(c, &q, &out->res, decode_finish, out);
}

int
skc_fido2_list(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out)
{
	return skc_user_json(c, SK_REQ_FIDO2_LIST, in, out);
}

int
skc_fido2_remove(struct sk_client *c, const struct skc_fido2_remove_in *in,
                 struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_FIDO2_REMOVE, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_uint(&q, SK_K_FACTOR_ID, in->factor_id);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

int
skc_fido2_dispose(struct sk_client *c, const struct skc_fido2_dispose_in *in,
                  struct skc_json_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_FIDO2_DISPOSE, in->actor);
	skc_put_text_opt(&q, SK_K_USER, in->user);
	if (in->id != 0)
		skc_put_uint(&q, SK_K_FACTOR_ID, in->id);
	skc_put_text(&q, SK_K_DISPOSAL, in->disposal);
	skc_put_text_opt(&q, SK_K_MESSAGE, in->note);
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}
