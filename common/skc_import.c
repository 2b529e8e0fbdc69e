/* Typed client calls of sekimori migrate (skc_import.h). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_proto.h"
#include "sk_utf8.h"
#include "skc_import.h"

/* A request for `user`, with the actor when it is a valid user name. */
static struct sk_msg *
new_request(unsigned type, const char *user, const char *actor)
{
	struct sk_msg *m;

	if (user == NULL)
		return NULL;
	if ((m = sk_msg_new(type)) == NULL)
		return NULL;
	if (sk_msg_put_text(m, SK_K_USER, user) != SK_OK ||
	    (actor != NULL && sk_valid_username(actor) &&
	     sk_msg_put_text(m, SK_K_ACTOR, actor) != SK_OK)) {
		sk_msg_free(m);
		return NULL;
	}
	return m;
}

/* Sends, receives and decodes the status; the reply stays for the caller's own fields. */
static int
exchange(struct sk_client *c, struct sk_msg *req, struct sk_msg **reply,
         struct skc_reply_status *st)
{
	int r;

	*reply = NULL;
	memset(st, 0, sizeof(*st));
	if (req == NULL)
		return SK_ERR_ARG;
	r = sk_client_call(c, req, reply, 0);
	sk_msg_free(req);
	if (r != SK_OK)
		return SK_ERR_UNAVAILABLE;
	st->status = sk_reply_status(*reply);
	if (sk_msg_get_uint_opt(*reply, SK_K_REASON, SK_REASON_NONE, &st->reason) != SK_OK)
		st->reason = SK_REASON_NONE;
	return SK_OK;
}

/* factors.totp[*].confirmed of the USER_SHOW document. */
static int
json_has_confirmed_totp(const char *text)
{
	json_object *doc = json_tokener_parse(text), *factors, *totp;
	int found = 0;

	if (doc != NULL && json_object_object_get_ex(doc, "factors", &factors) &&
	    json_object_object_get_ex(factors, "totp", &totp) &&
	    json_object_is_type(totp, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(totp); i++) {
			json_object *t = json_object_array_get_idx(totp, i), *conf;
			if (json_object_object_get_ex(t, "confirmed", &conf) &&
			    json_object_get_boolean(conf))
				found = 1;
		}
	}
	json_object_put(doc);
	return found;
}

int
skc_user_totp(struct sk_client *c, const struct skc_user_totp_in *in,
              struct skc_user_totp_out *out)
{
	struct sk_msg *reply;
	char *text;
	int r;

	memset(out, 0, sizeof(*out));
	r = exchange(c, new_request(SK_REQ_USER_SHOW, in->user, in->actor), &reply, &out->st);
	if (r != SK_OK || out->st.status != SK_ST_OK) {
		sk_msg_free(reply);
		return r;
	}
	if ((text = malloc(SK_TEXT_MAX + 1)) == NULL)
		r = SK_ERR_NOMEM;
	else if (sk_msg_get_text(reply, SK_K_JSON, text, SK_TEXT_MAX + 1) != SK_OK)
		r = SK_ERR_UNAVAILABLE;   /* an OK reply without its document */
	else
		out->has_confirmed = json_has_confirmed_totp(text);
	free(text);
	sk_msg_free(reply);
	return r;
}

int
skc_totp_import_begin(struct sk_client *c, const struct skc_totp_import_begin_in *in,
                      struct skc_totp_import_begin_out *out)
{
	struct sk_msg *req = new_request(SK_REQ_TOTP_ENROLL_BEGIN, in->user, in->actor), *reply;
	int r;

	memset(out, 0, sizeof(*out));
	if (req != NULL &&
	    (sk_msg_put_text(req, SK_K_ALGORITHM, sk_totp_algo_name(in->params.algo)) != SK_OK ||
	     sk_msg_put_uint(req, SK_K_DIGITS, in->params.digits) != SK_OK ||
	     sk_msg_put_uint(req, SK_K_PERIOD, in->params.period) != SK_OK ||
	     sk_msg_put_bytes(req, SK_K_SECRET, in->seed, in->seed_len) != SK_OK)) {
		sk_msg_free(req);   /* sk_msg_free zeroes the seed it holds */
		req = NULL;
	}
	if ((r = exchange(c, req, &reply, &out->st)) != SK_OK)
		return r;
	if (out->st.status == SK_ST_OK &&
	    sk_msg_get_uint(reply, SK_K_ENROLL_ID, &out->enroll_id) != SK_OK)
		r = SK_ERR_UNAVAILABLE;
	sk_msg_free(reply);
	return r;
}

int
skc_totp_import_confirm(struct sk_client *c, const struct skc_totp_import_confirm_in *in,
                        struct skc_reply_status *out)
{
	struct sk_msg *req = new_request(SK_REQ_TOTP_ENROLL_CONFIRM, in->user, in->actor), *reply;
	int r;

	if (req != NULL && (sk_msg_put_uint(req, SK_K_ENROLL_ID, in->enroll_id) != SK_OK ||
	                    in->code == NULL || sk_msg_put_text(req, SK_K_OTP, in->code) != SK_OK)) {
		sk_msg_free(req);
		req = NULL;
	}
	if ((r = exchange(c, req, &reply, out)) != SK_OK)
		return r;
	sk_msg_free(reply);
	return r;
}
