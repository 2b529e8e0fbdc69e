/* Requests to the broker (the module's monitor_wrap). */
#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

struct sk_msg *
pamsk_request(const struct pamsk *m, unsigned type)
{
	struct sk_msg *req = sk_msg_new(type);

	if (req == NULL)
		return NULL;
	if ((m->user && sk_msg_put_text(req, SK_K_USER, m->user) != SK_OK) ||
	    sk_msg_put_text(req, SK_K_SERVICE, m->service) != SK_OK ||
	    sk_msg_put_text(req, SK_K_RHOST, m->rhost) != SK_OK ||
	    sk_msg_put_text(req, SK_K_TTY, m->tty) != SK_OK ||
	    (m->frontend && sk_msg_put_uint(req, SK_K_FRONTEND, m->frontend) != SK_OK) ||
	    (m->profile[0] && sk_msg_put_text(req, SK_K_PROFILE, m->profile) != SK_OK)) {
		sk_msg_free(req);
		return NULL;
	}
	return req;
}

int
pamsk_call(struct pamsk *m, const struct sk_msg *req, struct sk_msg **reply, int timeout_ms)
{
	int r = SK_OK;

	*reply = NULL;
	if (req == NULL)
		r = SK_ERR_NOMEM;
	else if (m->client.fd < 0)
		r = sk_client_open(&m->client, m->conf.socket_path, (int)m->conf.request_timeout_ms);
	if (r == SK_OK)
		r = sk_client_call(&m->client, req, reply, timeout_ms);
	if (r != SK_OK) {
		sk_client_close(&m->client);
		pamsk_say_unavailable(m);
		return SK_ERR_UNAVAILABLE;
	}
	return SK_OK;
}
