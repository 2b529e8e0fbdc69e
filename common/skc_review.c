/* The access-review and removal-request family's typed calls (skc_review.h). */
#include "skc_review.h"

#include <string.h>

#include "sk_err.h"

int
skc_access_review(struct sk_client *c, const struct skc_access_review_in *in,
                  struct skc_json_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->what > SK_REVIEW_REMOVALS_ALL)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_ACCESS_REVIEW, in->actor);
	skc_put_uint(&q, SK_K_REVIEW_WHAT, in->what);
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}

int
skc_access_certify(struct sk_client *c, const struct skc_access_certify_in *in,
                   struct skc_json_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ACCESS_CERTIFY, in->actor);
	if (in->comment != NULL && in->comment[0] != '\0')
		skc_put_text(&q, SK_K_COMMENT, in->comment);
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}

static int
decode_request(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_removal_request_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return sk_msg_get_uint(reply, SK_K_REQUEST_ID, &o->id) == SK_OK && o->id != 0 ? SK_OK
	                                                                              : SK_ERR_PROTO;
}

int
skc_removal_request(struct sk_client *c, const struct skc_removal_request_in *in,
                    struct skc_removal_request_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->kind > SK_REMOVAL_ROLE || in->reason == NULL || in->reason[0] == '\0')
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_REMOVAL_REQUEST, NULL);
	skc_put_uint(&q, SK_K_REMOVAL_KIND, in->kind);
	skc_put_text(&q, SK_K_REMOVAL_TARGET, in->target != NULL ? in->target : "");
	skc_put_text(&q, SK_K_GRANT_REASON, in->reason);
	return skc_exchange(c, &q, &out->res, decode_request, out);
}

int
skc_removal_decide(struct sk_client *c, const struct skc_removal_decide_in *in,
                   struct skc_reply_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->id == 0 || in->step > 1)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_REMOVAL_DECIDE, in->actor);
	skc_put_uint(&q, SK_K_REQUEST_ID, in->id);
	skc_put_uint(&q, SK_K_GRANT_STEP, in->step);
	if (in->comment != NULL && in->comment[0] != '\0')
		skc_put_text(&q, SK_K_COMMENT, in->comment);
	return skc_exchange(c, &q, &out->res, NULL, out);
}
