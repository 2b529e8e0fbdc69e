#include "sk_client.h"

#include <unistd.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_proto.h"

int
sk_client_open(struct sk_client *c, const char *socket_path, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
	return sk_connect_unix(socket_path, &c->fd);
}

int
sk_client_call(struct sk_client *c, const struct sk_msg *req, struct sk_msg **reply,
               int timeout_ms)
{
	int r;

	*reply = NULL;
	if (c->fd < 0)
		return SK_ERR_UNAVAILABLE;
	if (timeout_ms <= 0)
		timeout_ms = c->timeout_ms;
	r = sk_msg_send(c->fd, req, c->timeout_ms);
	if (r == SK_OK)
		r = sk_msg_recv(c->fd, reply, timeout_ms);
	if (r == SK_OK && sk_msg_type(*reply) != SK_MSG_REPLY) {
		sk_msg_free(*reply);
		*reply = NULL;
		r = SK_ERR_PROTO;
	}
	if (r != SK_OK) {
		sk_logerr("broker did not answer: %s", sk_strerror(r));
		return SK_ERR_UNAVAILABLE;
	}
	return SK_OK;
}

void
sk_client_close(struct sk_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

unsigned
sk_reply_status(const struct sk_msg *reply)
{
	uint64_t st;

	if (reply == NULL || sk_msg_get_uint(reply, SK_K_STATUS, &st) != SK_OK || st > 255)
		return SK_ST_ERROR;
	return (unsigned)st;
}
