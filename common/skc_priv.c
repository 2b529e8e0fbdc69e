/* The privileged-session family's typed calls (skc_priv.h). */
#include "skc_priv.h"

#include <string.h>

#include "sk_err.h"

static int
decode_end_all(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_priv_end_all_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return sk_msg_get_uint(reply, SK_K_PRIV_COUNT, &o->ended) == SK_OK ? SK_OK : SK_ERR_PROTO;
}

int
skc_priv_end_all(struct sk_client *c, const struct skc_priv_end_all_in *in,
                 struct skc_priv_end_all_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_PRIV_END_ALL, in->actor);
	return skc_exchange(c, &q, &out->res, decode_end_all, out);
}
