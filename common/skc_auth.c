/* The authentication requests, encoded and decoded in one place (see skc_auth.h). */
#include "skc_auth.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

/* A typed secret: over-long answers are refused, never cut into something else. */
void
skc_put_secret(struct skc_req *q, unsigned key, int has, const char *s, size_t cap)
{
	if (!has || q->err != SK_OK)
		return;
	if (strnlen(s, cap) >= cap)
		q->err = SK_ERR_RANGE;
	else
		skc_put_text(q, key, s);
}

/* What every authentication reply may say besides status, reason and message. */
int
skc_decode_auth_verdict(const struct sk_msg *reply, struct skc_auth_verdict *v)
{
	uint64_t classes = 0;
	int r;

	if (!skc_optional(sk_msg_get_uint(reply, SK_K_LOCKED_UNTIL, &v->locked_until)) ||
	    !skc_optional(r = sk_msg_get_uint(reply, SK_K_REMAINING, &v->remaining)) ||
	    !skc_optional(sk_msg_get_uint(reply, SK_K_CLASSES, &classes)) || classes > 7)
		return SK_ERR_PROTO;
	v->has_remaining = r == SK_OK;
	v->classes = (unsigned)classes;
	return SK_OK;
}

static int
decode_finish(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_auth_finish_out *o = out;
	size_t len = 0;
	int r;

	if (skc_decode_auth_verdict(reply, &o->v) != SK_OK)
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	r = sk_msg_get_bytes(reply, SK_K_AUTH_TICKET, o->ticket, sizeof(o->ticket), &len);
	if (r == SK_ERR_NOTFOUND)
		return SK_OK;
	if (r != SK_OK || len != sizeof(o->ticket))
		return SK_ERR_PROTO;
	o->has_ticket = 1;
	return SK_OK;
}

static int
decode_authfail(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	(void)res;
	return skc_decode_auth_verdict(reply, &((struct skc_authfail_out *)out)->v);
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
decode_plan(const struct sk_msg *reply, const struct skc_result *res, void *arg)
{
	struct skc_auth_begin_out *out = arg;

	if (skc_decode_auth_verdict(reply, &out->v) != SK_OK)
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* A banner that cannot be read is left out, as an absent one. */
	if (sk_msg_get_text_opt(reply, SK_K_BANNER, out->banner, sizeof(out->banner)) != SK_OK)
		out->banner[0] = '\0';
	if (sk_msg_get_array_len(reply, SK_K_STEPS, &out->n_steps) != SK_OK ||
	    out->n_steps == 0 || out->n_steps > SK_ARRAY_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < out->n_steps; i++) {
		uint64_t step;

		if (sk_msg_get_array_uint(reply, SK_K_STEPS, i, &step) != SK_OK ||
		    step >= SK_METHOD_SLOTS)
			return SK_ERR_PROTO;
		out->steps[i] = (unsigned)step;
		if (step == SK_METHOD_FIDO2 && !out->has_fido2) {
			if (get_fido2(reply, &out->fido2) != SK_OK)
				return SK_ERR_PROTO;
			out->has_fido2 = 1;
		} else if (step == SK_METHOD_CARD && !out->has_card) {
			if (get_card(reply, &out->card) != SK_OK)
				return SK_ERR_PROTO;
			out->has_card = 1;
		}
	}
	return SK_OK;
}

int
skc_auth_begin(struct sk_client *c, const struct skc_auth_begin_in *in,
               struct skc_auth_begin_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_AUTH_BEGIN, NULL);
	skc_req_login(&q, &in->who);
	return skc_exchange(c, &q, &out->res, decode_plan, out);
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

int
skc_auth_finish(struct sk_client *c, const struct skc_auth_finish_in *in,
                struct skc_auth_finish_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	/* AUTH_FINISH continues the connection's AUTH_BEGIN: it names nobody itself. */
	skc_req_begin(&q, SK_REQ_AUTH_FINISH, NULL);
	skc_put_secret(&q, SK_K_PASSWORD, in->has_password, in->password, sizeof(in->password));
	skc_put_secret(&q, SK_K_OTP, in->has_otp, in->otp, sizeof(in->otp));
	if (in->stack_knowledge)
		skc_put_bool(&q, SK_K_STACK_KNOWLEDGE, 1);
	put_fido2(&q, &in->fido2);
	put_card(&q, &in->card);
	if (in->has_token)
		skc_put_bytes(&q, SK_K_ATTEMPT_TOKEN, in->token, sizeof(in->token));
	return skc_exchange(c, &q, &out->res, decode_finish, out);
}

static int
decode_preauth(const struct sk_msg *reply, const struct skc_result *res, void *arg)
{
	struct skc_preauth_out *out = arg;
	size_t len = 0;

	if (skc_decode_auth_verdict(reply, &out->v) != SK_OK)
		return SK_ERR_PROTO;
	/* A token of any other size is no token: the module refuses the stack login. */
	if (res->status == SK_ST_OK)
		out->has_token = sk_msg_get_bytes(reply, SK_K_ATTEMPT_TOKEN, out->token,
		                                  sizeof(out->token), &len) == SK_OK &&
		                 len == sizeof(out->token);
	return SK_OK;
}

int
skc_preauth(struct sk_client *c, const struct skc_preauth_in *in, struct skc_preauth_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_PREAUTH, NULL);
	skc_req_login(&q, &in->who);
	return skc_exchange(c, &q, &out->res, decode_preauth, out);
}

int
skc_authfail(struct sk_client *c, const struct skc_authfail_in *in,
             struct skc_authfail_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_AUTHFAIL, NULL);
	skc_req_login(&q, &in->who);
	if (in->has_token)
		skc_put_bytes(&q, SK_K_ATTEMPT_TOKEN, in->token, sizeof(in->token));
	if (in->abandoned)
		skc_put_bool(&q, SK_K_ABANDONED, 1);
	return skc_exchange(c, &q, &out->res, decode_authfail, out);
}
