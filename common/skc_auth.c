/* The authentication requests, encoded and decoded in one place (see skc_auth.h). */
#include "skc_auth.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"

static int
put_who(struct sk_msg *req, const struct skc_auth_who *w)
{
	if ((w->user != NULL && sk_msg_put_text(req, SK_K_USER, w->user) != SK_OK) ||
	    sk_msg_put_text(req, SK_K_SERVICE, w->service ? w->service : "") != SK_OK ||
	    sk_msg_put_text(req, SK_K_RHOST, w->rhost ? w->rhost : "") != SK_OK ||
	    sk_msg_put_text(req, SK_K_TTY, w->tty ? w->tty : "") != SK_OK ||
	    (w->profile != NULL && w->profile[0] != '\0' &&
	     sk_msg_put_text(req, SK_K_PROFILE, w->profile) != SK_OK) ||
	    (w->frontend != 0 && sk_msg_put_uint(req, SK_K_FRONTEND, w->frontend) != SK_OK))
		return SK_ERR_NOMEM;
	return SK_OK;
}

/* A typed secret: over-long answers are refused, never cut into something else. */
static int
put_secret(struct sk_msg *req, unsigned key, int has, const char *s, size_t cap)
{
	if (!has)
		return SK_OK;
	if (strnlen(s, cap) >= cap)
		return SK_ERR_RANGE;
	return sk_msg_put_text(req, key, s);
}

static void
read_verdict(const struct sk_msg *reply, struct skc_auth_verdict *v)
{
	uint64_t x;

	memset(v, 0, sizeof(*v));
	v->status = sk_reply_status(reply);
	if (sk_msg_get_uint(reply, SK_K_REASON, &x) == SK_OK && x <= 0xffff)
		v->reason = (unsigned)x;
	(void)sk_msg_get_uint(reply, SK_K_LOCKED_UNTIL, &v->locked_until);
	v->has_remaining = sk_msg_get_uint(reply, SK_K_REMAINING, &v->remaining) == SK_OK;
	if (sk_msg_get_uint(reply, SK_K_CLASSES, &x) == SK_OK)
		v->classes = (unsigned)(x & 7u);
}

/* Sends req (freed here, which wipes it) and reads the verdict; the reply is the caller's. */
static int
call(struct sk_client *c, struct sk_msg *req, int built, struct sk_msg **reply,
     struct skc_auth_verdict *v)
{
	int r = built;

	*reply = NULL;
	if (r == SK_OK)
		r = sk_client_call(c, req, reply, 0);   /* SK_ERR_UNAVAILABLE on any failure */
	sk_msg_free(req);
	if (r == SK_OK)
		read_verdict(*reply, v);
	return r;
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
	    timeout > 600000 ||
	    sk_msg_get_array_len(reply, SK_K_CRED_IDS, &f->n_cred_ids) != SK_OK ||
	    f->n_cred_ids == 0 || f->n_cred_ids > SKC_CRED_IDS_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < f->n_cred_ids; i++)
		if (sk_msg_get_array_bytes(reply, SK_K_CRED_IDS, i, f->cred_ids[i], SKC_CRED_ID_MAX,
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

int
skc_auth_begin(struct sk_client *c, const struct skc_auth_begin_in *in,
               struct skc_auth_begin_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_AUTH_BEGIN), *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = call(c, req, req == NULL ? SK_ERR_NOMEM : put_who(req, &in->who), &reply, &out->v);
	if (r == SK_OK && out->v.status == SK_ST_OK)
		r = read_plan(reply, out);
	sk_msg_free(reply);
	return r;
}

static int
put_fido2(struct sk_msg *req, const struct skc_fido2_evidence *e)
{
	int r;

	if (!e->present)
		return SK_OK;
	if (e->failed)
		return sk_msg_put_uint(req, SK_K_DEVICE_FAIL, e->device_fail);
	r = sk_msg_put_bytes(req, SK_K_CRED_ID, e->cred_id, e->cred_id_len);
	if (r == SK_OK)
		r = sk_msg_put_bytes(req, SK_K_AUTHDATA, e->authdata, e->authdata_len);
	if (r == SK_OK)
		r = sk_msg_put_bytes(req, SK_K_SIG, e->sig, e->sig_len);
	if (r == SK_OK)
		r = sk_msg_put_text(req, SK_K_UV_METHOD, e->uv_method);
	return r;
}

static int
put_card(struct sk_msg *req, const struct skc_card_evidence *e)
{
	int r;

	if (!e->present)
		return SK_OK;
	if (e->failed) {
		r = sk_msg_put_uint(req, SK_K_DEVICE_FAIL, e->device_fail);
		return r == SK_OK ? sk_msg_put_uint(req, SK_K_CARD_FAIL, e->fail_reason) : r;
	}
	r = sk_msg_put_bytes(req, SK_K_CERT, e->cert, e->cert_len);
	if (r == SK_OK)
		r = sk_msg_put_bytes(req, SK_K_SIG, e->sig, e->sig_len);
	if (r == SK_OK && e->card_uid[0] != '\0')
		r = sk_msg_put_text(req, SK_K_CARD_UID, e->card_uid);
	return r;
}

static int
put_finish(struct sk_msg *req, const struct skc_auth_finish_in *in)
{
	int r = put_secret(req, SK_K_PASSWORD, in->has_password, in->password,
		               sizeof(in->password));
	if (r == SK_OK)
		r = put_secret(req, SK_K_OTP, in->has_otp, in->otp, sizeof(in->otp));
	if (r == SK_OK && in->stack_knowledge)
		r = sk_msg_put_bool(req, SK_K_STACK_KNOWLEDGE, 1);
	if (r == SK_OK)
		r = put_fido2(req, &in->fido2);
	if (r == SK_OK)
		r = put_card(req, &in->card);
	if (r == SK_OK && in->has_token)
		r = sk_msg_put_bytes(req, SK_K_ATTEMPT_TOKEN, in->token, sizeof(in->token));
	return r;
}

int
skc_auth_finish(struct sk_client *c, const struct skc_auth_finish_in *in,
                struct skc_auth_finish_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_AUTH_FINISH), *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = call(c, req, req == NULL ? SK_ERR_NOMEM : put_finish(req, in), &reply, &out->v);
	sk_msg_free(reply);
	return r;
}

int
skc_preauth(struct sk_client *c, const struct skc_preauth_in *in, struct skc_preauth_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_PREAUTH), *reply = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = call(c, req, req == NULL ? SK_ERR_NOMEM : put_who(req, &in->who), &reply, &out->v);
	if (r == SK_OK && out->v.status == SK_ST_OK) {
		out->has_token = sk_msg_get_bytes(reply, SK_K_ATTEMPT_TOKEN, out->token,
		                                  sizeof(out->token), &len) == SK_OK &&
		                 len == sizeof(out->token);
	}
	sk_msg_free(reply);
	return r;
}

static int
put_authfail(struct sk_msg *req, const struct skc_authfail_in *in)
{
	int r = put_who(req, &in->who);

	if (r == SK_OK && in->has_token)
		r = sk_msg_put_bytes(req, SK_K_ATTEMPT_TOKEN, in->token, sizeof(in->token));
	if (r == SK_OK && in->abandoned)
		r = sk_msg_put_bool(req, SK_K_ABANDONED, 1);
	return r;
}

int
skc_authfail(struct sk_client *c, const struct skc_authfail_in *in,
             struct skc_authfail_out *out)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_AUTHFAIL), *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = call(c, req, req == NULL ? SK_ERR_NOMEM : put_authfail(req, in), &reply, &out->v);
	sk_msg_free(reply);
	return r;
}
