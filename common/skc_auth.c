/* The authentication requests, encoded and decoded in one place (see skc_auth.h). */
#include "skc_auth.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"

/* A typed secret: over-long answers are refused, never cut into something else. */
static void
put_secret(struct skc_req *q, unsigned key, int has, const char *s, size_t cap)
{
	if (!has || q->err != SK_OK)
		return;
	if (strnlen(s, cap) >= cap)
		q->err = SK_ERR_RANGE;
	else
		skc_put_text(q, key, s);
}

/* The verdict's fields beyond status and reason; optional ones may be absent, never
 * malformed. */
static int
decode_verdict(const struct sk_msg *reply, const struct skc_result *res,
               struct skc_auth_verdict *v)
{
	uint64_t classes = 0;
	int rem;

	memset(v, 0, sizeof(*v));
	v->status = res->status;
	v->reason = res->reason <= 0xffff ? (unsigned)res->reason : SK_REASON_NONE;
	rem = sk_msg_get_uint(reply, SK_K_REMAINING, &v->remaining);
	v->has_remaining = rem == SK_OK;
	if (!skc_optional(sk_msg_get_uint(reply, SK_K_LOCKED_UNTIL, &v->locked_until)) ||
	    !skc_optional(rem) || !skc_optional(sk_msg_get_uint(reply, SK_K_CLASSES, &classes)))
		return SK_ERR_PROTO;
	v->classes = (unsigned)(classes & 7u);
	return SK_OK;
}

/* A reply that is only a verdict (AUTH_FINISH, AUTHFAIL). */
static int
decode_only_verdict(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	return decode_verdict(reply, res, out);
}

/* Sends q; out's verdict says ERROR until a reply was decoded. */
static int
exchange(struct sk_client *c, struct skc_req *q, skc_decoder decode, void *out,
         struct skc_auth_verdict *v)
{
	struct skc_result res;

	v->status = SK_ST_ERROR;
	return skc_exchange(c, q, &res, decode, out);
}

static int
get_fido2(const struct sk_msg *reply, struct skc_fido2_challenge *f)
{
	uint64_t uv = 1, timeout = 30000;

	if (sk_msg_get_bytes(reply, SK_K_FIDO2_CHALLENGE, f->challenge, sizeof(f->challenge),
	                     &f->challenge_len) != SK_OK || f->challenge_len != 32 ||
	    sk_msg_get_text(reply, SK_K_RP_ID, f->rp_id, sizeof(f->rp_id)) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_UV, 1, &uv) != SK_OK || uv > 2 ||
	    sk_msg_get_uint_opt(reply, SK_K_TIMEOUT_MS, 30000, &timeout) != SK_OK ||
	    timeout > SKC_FIDO2_TIMEOUT_MAX ||
	    sk_msg_get_array_len(reply, SK_K_CRED_IDS, &f->n_cred_ids) != SK_OK ||
	    f->n_cred_ids == 0 || f->n_cred_ids > SKC_FIDO2_MAX_ALLOW)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < f->n_cred_ids; i++)
		if (sk_msg_get_array_bytes(reply, SK_K_CRED_IDS, i, f->cred_ids[i],
		                           SKC_FIDO2_CRED_ID_MAX,
		                           &f->cred_id_lens[i]) != SK_OK)
			return SK_ERR_PROTO;
	f->uv = (unsigned)uv;
	f->timeout_ms = (unsigned)timeout;
	return SK_OK;
}

static int
get_card(const struct sk_msg *reply, struct skc_card_challenge *k)
{
	uint64_t kind = 0;
	size_t len = 0;

	if (sk_msg_get_bytes(reply, SK_K_CARD_CHALLENGE, k->challenge, sizeof(k->challenge),
	                     &k->challenge_len) != SK_OK || k->challenge_len < 16 ||
	    sk_msg_get_uint(reply, SK_K_CARD_KIND, &kind) != SK_OK ||
	    kind < SK_CARD_JPKI || kind > SK_CARD_PIV_CARD ||
	    sk_msg_get_array_len(reply, SK_K_CARD_KEYS, &k->n_keys) != SK_OK ||
	    k->n_keys > SKC_CARD_KEYS_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < k->n_keys; i++)
		if (sk_msg_get_array_bytes(reply, SK_K_CARD_KEYS, i, k->keys[i], SKC_CARD_KEY_LEN,
		                           &len) != SK_OK || len != SKC_CARD_KEY_LEN)
			return SK_ERR_PROTO;
	k->kind = (unsigned)kind;
	return SK_OK;
}

/* The steps, the banner and the fields of each device step that is planned. */
static int
read_plan(const struct sk_msg *reply, struct skc_auth_begin_out *out)
{
	/* A banner that cannot be read is left out, as an absent one. */
	if (sk_msg_get_text_opt(reply, SK_K_BANNER, out->banner, sizeof(out->banner)) != SK_OK)
		out->banner[0] = '\0';
	if (sk_msg_get_array_len(reply, SK_K_STEPS, &out->n_steps) != SK_OK ||
	    out->n_steps == 0 || out->n_steps > SK_ARRAY_MAX) {
		sk_logerr("the broker's plan is malformed");
		return SK_ERR_PROTO;
	}
	for (size_t i = 0; i < out->n_steps; i++) {
		uint64_t step;

		if (sk_msg_get_array_uint(reply, SK_K_STEPS, i, &step) != SK_OK ||
		    step >= SK_METHOD_SLOTS) {
			sk_logerr("the broker's plan is malformed");
			return SK_ERR_PROTO;
		}
		out->steps[i] = (unsigned)step;
		if (step == SK_METHOD_FIDO2 && !out->has_fido2) {
			if (get_fido2(reply, &out->fido2) != SK_OK) {
				sk_logerr("the broker's FIDO2 challenge is malformed");
				return SK_ERR_PROTO;
			}
			out->has_fido2 = 1;
		} else if (step == SK_METHOD_CARD && !out->has_card) {
			if (get_card(reply, &out->card) != SK_OK) {
				sk_logerr("the broker's card challenge is malformed");
				return SK_ERR_PROTO;
			}
			out->has_card = 1;
		}
	}
	return SK_OK;
}

static int
decode_begin(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_auth_begin_out *o = out;
	int r = decode_verdict(reply, res, &o->v);

	if (r == SK_OK && o->v.status == SK_ST_OK)
		r = read_plan(reply, o);
	return r;
}

int
skc_auth_begin(struct sk_client *c, const struct skc_auth_begin_in *in,
               struct skc_auth_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_AUTH_BEGIN, NULL);
	skc_req_login(&q, &in->who);
	return exchange(c, &q, decode_begin, out, &out->v);
}

static void
put_fido2(struct skc_req *q, const struct skc_fido2_evidence *e)
{
	if (!e->present)
		return;
	if (e->failed) {
		skc_put_uint(q, SK_K_DEVICE_FAIL, e->device_fail);
		return;
	}
	skc_put_bytes(q, SK_K_CRED_ID, e->cred_id, e->cred_id_len);
	skc_put_bytes(q, SK_K_AUTHDATA, e->authdata, e->authdata_len);
	skc_put_bytes(q, SK_K_SIG, e->sig, e->sig_len);
	skc_put_text(q, SK_K_UV_METHOD, e->uv_method);
}

static void
put_card(struct skc_req *q, const struct skc_card_evidence *e)
{
	if (!e->present)
		return;
	if (e->failed) {
		skc_put_uint(q, SK_K_DEVICE_FAIL, e->device_fail);
		skc_put_uint(q, SK_K_CARD_FAIL, e->fail_reason);
		return;
	}
	skc_put_bytes(q, SK_K_CERT, e->cert, e->cert_len);
	skc_put_bytes(q, SK_K_SIG, e->sig, e->sig_len);
	skc_put_text_opt(q, SK_K_CARD_UID, e->card_uid);
}

static void
put_token(struct skc_req *q, int has, const unsigned char *token)
{
	if (has)
		skc_put_bytes(q, SK_K_ATTEMPT_TOKEN, token, SK_ATTEMPT_TOKEN_LEN);
}

int
skc_auth_finish(struct sk_client *c, const struct skc_auth_finish_in *in,
                struct skc_auth_finish_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_AUTH_FINISH, NULL);
	put_secret(&q, SK_K_PASSWORD, in->has_password, in->password, sizeof(in->password));
	put_secret(&q, SK_K_OTP, in->has_otp, in->otp, sizeof(in->otp));
	if (in->stack_knowledge)
		skc_put_bool(&q, SK_K_STACK_KNOWLEDGE, 1);
	put_fido2(&q, &in->fido2);
	put_card(&q, &in->card);
	put_token(&q, in->has_token, in->token);
	return exchange(c, &q, decode_only_verdict, &out->v, &out->v);
}

static int
decode_preauth(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_preauth_out *o = out;
	size_t len = 0;
	int r = decode_verdict(reply, res, &o->v);

	if (r == SK_OK && o->v.status == SK_ST_OK)
		o->has_token = sk_msg_get_bytes(reply, SK_K_ATTEMPT_TOKEN, o->token,
		                                sizeof(o->token), &len) == SK_OK &&
		               len == sizeof(o->token);
	return r;
}

int
skc_preauth(struct sk_client *c, const struct skc_preauth_in *in, struct skc_preauth_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_PREAUTH, NULL);
	skc_req_login(&q, &in->who);
	return exchange(c, &q, decode_preauth, out, &out->v);
}

int
skc_authfail(struct sk_client *c, const struct skc_authfail_in *in,
             struct skc_authfail_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_AUTHFAIL, NULL);
	skc_req_login(&q, &in->who);
	put_token(&q, in->has_token, in->token);
	if (in->abandoned)
		skc_put_bool(&q, SK_K_ABANDONED, 1);
	return exchange(c, &q, decode_only_verdict, &out->v, &out->v);
}
