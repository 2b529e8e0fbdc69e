/* Building, exchanging and reading typed client calls (see skc.h). */
#include "skc.h"

#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

void
skc_req_begin(struct skc_req *q, unsigned type, const char *actor)
{
	q->m = sk_msg_new(type);
	q->err = q->m != NULL ? SK_OK : SK_ERR_NOMEM;
	/* The actor is informational: a name that is not a valid user name is left out, as
	 * the broker would refuse the whole request for it. */
	if (actor != NULL && sk_valid_username(actor))
		skc_put_text(q, SK_K_ACTOR, actor);
}

void
skc_req_login(struct skc_req *q, const struct skc_login *l)
{
	skc_put_text_opt(q, SK_K_USER, l->user);
	skc_put_text(q, SK_K_SERVICE, l->service != NULL ? l->service : "");
	skc_put_text(q, SK_K_RHOST, l->rhost != NULL ? l->rhost : "");
	skc_put_text(q, SK_K_TTY, l->tty != NULL ? l->tty : "");
	skc_put_text_opt(q, SK_K_PROFILE, l->profile);
	if (l->frontend != 0)
		skc_put_uint(q, SK_K_FRONTEND, l->frontend);
}

void
skc_put_text(struct skc_req *q, unsigned key, const char *s)
{
	if (q->err == SK_OK)
		q->err = sk_msg_put_text(q->m, key, s);
}

void
skc_put_text_opt(struct skc_req *q, unsigned key, const char *s)
{
	if (s != NULL && s[0] != '\0')
		skc_put_text(q, key, s);
}

void
skc_put_uint(struct skc_req *q, unsigned key, uint64_t v)
{
	if (q->err == SK_OK)
		q->err = sk_msg_put_uint(q->m, key, v);
}

void
skc_put_bool(struct skc_req *q, unsigned key, int v)
{
	if (q->err == SK_OK)
		q->err = sk_msg_put_bool(q->m, key, v);
}

void
skc_put_bytes(struct skc_req *q, unsigned key, const void *p, size_t len)
{
	if (q->err == SK_OK)
		q->err = sk_msg_put_bytes(q->m, key, p, len);
}

void
skc_put_bytes_array(struct skc_req *q, unsigned key, const unsigned char *const *items,
                    const size_t *lens, size_t n)
{
	if (q->err == SK_OK)
		q->err = sk_msg_put_bytes_array(q->m, key, items, lens, n);
}

int
skc_optional(int get_result)
{
	return get_result == SK_OK || get_result == SK_ERR_NOTFOUND;
}

int
skc_decode_result(const struct sk_msg *reply, struct skc_result *res)
{
	uint64_t status;

	memset(res, 0, sizeof(*res));
	res->status = SK_ST_ERROR;
	if (sk_msg_get_uint(reply, SK_K_STATUS, &status) != SK_OK || status > 255 ||
	    sk_msg_get_uint_opt(reply, SK_K_REASON, SK_REASON_NONE, &res->reason) != SK_OK ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_MESSAGE, res->message,
	                                  sizeof(res->message)))) {
		res->message[0] = '\0';
		sk_logerr("the broker's reply has no valid status, reason or message");
		return SK_ERR_PROTO;
	}
	res->status = (unsigned)status;
	return SK_OK;
}

int
skc_exchange(struct sk_client *c, struct skc_req *q, struct skc_result *res,
             skc_decoder decode, void *out)
{
	struct sk_msg *reply = NULL;
	unsigned type = q->m != NULL ? sk_msg_type(q->m) : 0;
	int r = q->err;

	memset(res, 0, sizeof(*res));
	res->status = SK_ST_ERROR;
	if (r == SK_OK)
		r = sk_client_call(c, q->m, &reply, 0);
	sk_msg_free(q->m);   /* wipes what it carried: passwords, codes, seeds */
	q->m = NULL;
	if (r == SK_ERR_UNAVAILABLE)
		sk_client_close(c);   /* the exchange broke off midway: never reuse it */
	if (r == SK_OK)
		r = skc_decode_result(reply, res);
	if (r == SK_OK && decode != NULL && (r = decode(reply, res, out)) != SK_OK)
		sk_logerr("the broker's reply to request type %u is malformed", type);
	sk_msg_free(reply);   /* wipes the reply's copy of what it carried */
	return r;
}

int
skc_user_verdict(struct sk_client *c, unsigned type, const struct skc_user_in *in,
                 struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, type, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}
