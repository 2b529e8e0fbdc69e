/* The module's connection to the broker. Requests go through the typed calls of
 * common/skc_*.h (the module's monitor_wrap); this file gives them the connection and the
 * login they belong to. */
#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

struct skc_login
pamsk_login(const struct pamsk *m)
{
	return (struct skc_login){ .user = m->user, .service = m->service, .rhost = m->rhost,
	                           .tty = m->tty, .profile = m->profile };
}

struct sk_client *
pamsk_client(struct pamsk *m)
{
	return sk_client_connected(&m->client, m->conf.socket_path,
	                           (int)m->conf.request_timeout_ms);
}

int
pamsk_answered(struct pamsk *m, int r)
{
	if (r == SK_OK)
		return 1;
	sk_client_close(&m->client);
	pamsk_say_unavailable(m);
	return 0;
}

struct sk_msg *
pamsk_request(const struct pamsk *m, unsigned type)
{
	struct skc_login l = pamsk_login(m);
	struct skc_req q;

	skc_req_begin(&q, type, NULL);
	skc_req_login(&q, &l);
	if (q.err != SK_OK) {
		sk_msg_free(q.m);
		return NULL;
	}
	return q.m;
}

int
pamsk_call(struct pamsk *m, const struct sk_msg *req, struct sk_msg **reply, int timeout_ms)
{
	int r = req != NULL ? sk_client_call(pamsk_client(m), req, reply, timeout_ms) :
	        SK_ERR_NOMEM;

	if (!pamsk_answered(m, r)) {
		*reply = NULL;
		return SK_ERR_UNAVAILABLE;
	}
	return SK_OK;
}
