/* The privileged-access family's typed calls (skc_grant.h). */
#include "skc_grant.h"

#include <string.h>

#include "sk_err.h"

/* The grant's id and state with status OK; ends while active. */
static int
decode_grant(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_grant_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_uint(reply, SK_K_GRANT_ID, &o->id) != SK_OK || o->id == 0 ||
	    !skc_optional(sk_msg_get_uint_opt(reply, SK_K_GRANT_STATE, 0, &o->state)) ||
	    o->state > 5 || !skc_optional(sk_msg_get_uint_opt(reply, SK_K_GRANT_ENDS, 0, &o->ends)))
		return SK_ERR_PROTO;
	/* An active grant always says when it ends. */
	if (o->state == 2 && o->ends == 0)
		return SK_ERR_PROTO;
	return SK_OK;
}

int
skc_grant_request(struct sk_client *c, const struct skc_grant_request_in *in,
                  struct skc_grant_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->reason == NULL || in->reason[0] == '\0' || in->minutes == 0)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_GRANT_REQUEST, in->actor);
	skc_put_text(&q, SK_K_ROLE, in->role);
	skc_put_uint(&q, SK_K_MINUTES, in->minutes);
	skc_put_text(&q, SK_K_GRANT_REASON, in->reason);
	skc_put_text_opt(&q, SK_K_TICKET, in->ticket);
	if (in->breakglass)
		skc_put_bool(&q, SK_K_BREAKGLASS, 1);
	return skc_exchange(c, &q, &out->res, decode_grant, out);
}

static int
decide(struct sk_client *c, unsigned type, const struct skc_grant_decide_in *in,
       struct skc_grant_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->id == 0)
		return SK_ERR_RANGE;
	skc_req_begin(&q, type, in->actor);
	skc_put_uint(&q, SK_K_GRANT_ID, in->id);
	if (type == SK_REQ_GRANT_APPROVE && in->step != 0)
		skc_put_uint(&q, SK_K_GRANT_STEP, in->step);
	if (type == SK_REQ_GRANT_DENY)
		skc_put_text(&q, SK_K_GRANT_REASON, in->reason);
	return skc_exchange(c, &q, &out->res, decode_grant, out);
}

int
skc_grant_approve(struct sk_client *c, const struct skc_grant_decide_in *in,
                  struct skc_grant_out *out)
{
	return decide(c, SK_REQ_GRANT_APPROVE, in, out);
}

int
skc_grant_deny(struct sk_client *c, const struct skc_grant_decide_in *in, struct skc_grant_out *out)
{
	if (in->reason == NULL || in->reason[0] == '\0') {
		memset(out, 0, sizeof(*out));
		return SK_ERR_RANGE;
	}
	return decide(c, SK_REQ_GRANT_DENY, in, out);
}

int
skc_grant_revoke(struct sk_client *c, const struct skc_grant_decide_in *in,
                 struct skc_grant_out *out)
{
	return decide(c, SK_REQ_GRANT_REVOKE, in, out);
}

int
skc_priv_list(struct sk_client *c, const struct skc_priv_list_in *in, struct skc_json_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_PRIV_LIST, in->actor);
	skc_put_uint(&q, SK_K_LIST_WHAT, in->what);
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}

int
skc_user_contractor(struct sk_client *c, const struct skc_user_contractor_in *in,
                    struct skc_reply_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_USER_CONTRACTOR, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_bool(&q, SK_K_CONTRACTOR, in->contractor != 0);
	return skc_exchange(c, &q, &out->res, NULL, out);
}

/* A delegation's id with status OK. */
static int
decode_delegation(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_grant_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return sk_msg_get_uint(reply, SK_K_GRANT_ID, &o->id) == SK_OK && o->id != 0 ? SK_OK
	                                                                            : SK_ERR_PROTO;
}

int
skc_delegation_nominate(struct sk_client *c, const struct skc_delegation_nominate_in *in,
                        struct skc_grant_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->reason == NULL || in->reason[0] == '\0')
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_DELEGATION_NOMINATE, in->actor);
	skc_put_text(&q, SK_K_ROLE, in->role);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_text(&q, SK_K_GRANT_REASON, in->reason);
	return skc_exchange(c, &q, &out->res, decode_delegation, out);
}

int
skc_delegation_decide(struct sk_client *c, const struct skc_grant_decide_in *in,
                      struct skc_reply_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->id == 0 || in->step > 2)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_DELEGATION_DECIDE, in->actor);
	skc_put_uint(&q, SK_K_GRANT_ID, in->id);
	skc_put_uint(&q, SK_K_GRANT_STEP, in->step);
	return skc_exchange(c, &q, &out->res, NULL, out);
}

int
skc_review_close(struct sk_client *c, const struct skc_review_close_in *in,
                 struct skc_reply_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->id == 0 || in->comment == NULL || in->comment[0] == '\0')
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_REVIEW_CLOSE, in->actor);
	skc_put_uint(&q, SK_K_GRANT_ID, in->id);
	skc_put_text(&q, SK_K_COMMENT, in->comment);
	return skc_exchange(c, &q, &out->res, NULL, out);
}
