/* The session family's typed calls (skc_session.h). */
#include "skc_session.h"

#include <string.h>

#include "sk_conf.h"
#include "sk_err.h"
#include "sk_log.h"

static int
decode_open(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_session_open_out *o = out;
	uint64_t removal = UINT64_MAX;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_uint(reply, SK_K_SESSION_ID, &o->session_id) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_LAST_LOGIN, 0, &o->last_login) != SK_OK ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_LAST_FROM, o->last_from,
	                                  sizeof(o->last_from))) ||
	    sk_msg_get_uint_opt(reply, SK_K_LAST_LOGOUT, 0, &o->last_logout) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_FAILURES, 0, &o->failures) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_IDLE_TIMEOUT, 0, &o->idle_timeout) != SK_OK ||
	    !skc_optional(sk_msg_get_uint(reply, SK_K_CARD_REMOVAL, &removal)) ||
	    (removal != UINT64_MAX && removal > SK_CARD_REMOVAL_END) ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_CERT_HASH, o->card_hash,
	                                  sizeof(o->card_hash))) ||
	    sk_msg_get_uint_opt(reply, SK_K_PRIV_ENDS, 0, &o->priv_ends) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_PRIV_WARN, 0, &o->priv_warn) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_PRIV_IDLE, 0, &o->priv_idle) != SK_OK ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_PRIV_ROLE, o->priv_role,
	                                  sizeof(o->priv_role))) ||
	    sk_msg_get_uint_opt(reply, SK_K_GRANT_ID, 0, &o->priv_grant) != SK_OK ||
	    o->priv_grant > INT64_MAX)
		return SK_ERR_PROTO;
	o->card_removal = removal != UINT64_MAX ? (int)removal : -1;
	return SK_OK;
}

int
skc_session_open(struct sk_client *c, const struct skc_session_open_in *in,
                 struct skc_session_open_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	out->card_removal = -1;
	skc_req_begin(&q, SK_REQ_SESSION_OPEN, NULL);
	skc_req_login(&q, &in->login);
	skc_put_uint(&q, SK_K_PID, in->pid);
	/* The card of a card login, so that the broker records which card the session used
	 * and can find the session when that card is reported lost (R-CARD-3). */
	if (in->card_cert != NULL)
		skc_put_bytes(&q, SK_K_CERT, in->card_cert, in->card_cert_len);
	if (in->ticket != NULL)
		skc_put_bytes(&q, SK_K_AUTH_TICKET, in->ticket, SK_AUTH_TICKET_LEN);
	return skc_exchange(c, &q, &out->res, decode_open, out);
}

int
skc_session_close(struct sk_client *c, const struct skc_session_close_in *in,
                  struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_SESSION_CLOSE, NULL);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_uint(&q, SK_K_SESSION_ID, in->session_id);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

static void
put_session(struct skc_req *q, const struct skc_session_ref *s)
{
	skc_put_text(q, SK_K_USER, s->user);
	skc_put_uint(q, SK_K_SESSION_ID, s->session_id);
	skc_put_text_opt(q, SK_K_CERT_HASH, s->card_hash);
}

int
skc_session_event(struct sk_client *c, const struct skc_session_event_in *in,
                  struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_SESSION_EVENT, NULL);
	put_session(&q, &in->session);
	skc_put_text(&q, SK_K_EVENT, in->event);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

/* An order is a reply with SK_K_SESSION_ACTION (LOCK or END) and its cause in SK_K_EVENT;
 * the registration answer has neither. */
static int
decode_watch(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_session_watch_out *o = out;
	uint64_t a;
	int r;

	o->ordered = 0;
	if (res->status != SK_ST_OK)
		return SK_OK;
	r = sk_msg_get_uint(reply, SK_K_SESSION_ACTION, &a);
	if (r == SK_ERR_NOTFOUND)
		return SK_OK;
	if (r != SK_OK ||
	    (a != SK_CARD_REMOVAL_LOCK && a != SK_CARD_REMOVAL_END && a != SK_SESSION_WARN) ||
	    sk_msg_get_text(reply, SK_K_EVENT, o->cause, sizeof(o->cause)) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_PRIV_ENDS, 0, &o->priv_ends) != SK_OK ||
	    (a == SK_SESSION_WARN && o->priv_ends == 0))
		return SK_ERR_PROTO;
	o->ordered = 1;
	o->action = (unsigned)a;
	return SK_OK;
}

int
skc_session_watch(struct sk_client *c, const struct skc_session_watch_in *in,
                  struct skc_session_watch_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_SESSION_WATCH, NULL);
	put_session(&q, &in->session);
	skc_put_uint(&q, SK_K_SESSION_ACTION, in->action);
	if (in->priv_ends != 0) {
		skc_put_uint(&q, SK_K_PRIV_ENDS, in->priv_ends);
		skc_put_text_opt(&q, SK_K_PRIV_ROLE, in->priv_role);
		if (in->priv_grant != 0)
			skc_put_uint(&q, SK_K_GRANT_ID, in->priv_grant);
	}
	return skc_exchange(c, &q, &out->res, decode_watch, out);
}

int
skc_session_watch_order(struct sk_client *c, int timeout_ms, struct skc_session_watch_out *out)
{
	struct sk_msg *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->res.status = SK_ST_ERROR;
	r = c->fd >= 0 ? sk_msg_recv(c->fd, &reply, timeout_ms) : SK_ERR_UNAVAILABLE;
	if (r != SK_OK) {
		sk_msg_free(reply);
		return SK_ERR_UNAVAILABLE;
	}
	if (sk_msg_type(reply) != SK_MSG_REPLY)
		r = SK_ERR_PROTO;
	if (r == SK_OK)
		r = skc_decode_result(reply, &out->res);
	if (r == SK_OK && (r = decode_watch(reply, &out->res, out)) != SK_OK)
		sk_logerr("the broker's order is malformed");
	sk_msg_free(reply);
	return r;
}
