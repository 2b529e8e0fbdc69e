#include "sk_client.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_proto.h"

int
sk_client_open(struct sk_client *c, const char *socket_path, int timeout_ms)
{
	int r;

	c->timeout_ms = timeout_ms;
	c->answered_ms = 0;
	c->tr = NULL;   /* callers may pass a client they never initialised */
	c->tr_ctx = NULL;
	c->opened_ms = sk_now_ms();
	r = sk_connect_unix_by(socket_path, c->opened_ms + timeout_ms, &c->fd);
	return r == SK_ERR_TIMEOUT ? SK_ERR_UNAVAILABLE : r;
}

struct sk_client *
sk_client_connected(struct sk_client *c, const char *socket_path, int timeout_ms)
{
	if (c->fd < 0 && sk_client_open(c, socket_path, timeout_ms) != SK_OK)
		c->fd = -1;
	return c;
}

/* One request and its reply through c->tr (sk_msg_send/sk_msg_recv's framing). */
static int
call_transport(struct sk_client *c, const struct sk_msg *req, struct sk_msg **reply,
               int64_t deadline)
{
	unsigned char hdr[4], *body = NULL;
	size_t len = 0;
	int r;

	if ((r = sk_msg_encode(req, &body, &len)) != SK_OK)
		return r;
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
	r = c->tr->write_all(c->tr_ctx, hdr, sizeof(hdr), deadline);
	if (r == SK_OK)
		r = c->tr->write_all(c->tr_ctx, body, len, deadline);
	explicit_bzero(body, len);
	free(body);
	if (r == SK_OK)
		r = c->tr->read_all(c->tr_ctx, hdr, sizeof(hdr), deadline);
	if (r != SK_OK)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > SK_MSG_MAX - 4)
		return SK_ERR_PROTO;
	if ((body = malloc(len)) == NULL)
		return SK_ERR_NOMEM;
	r = c->tr->read_all(c->tr_ctx, body, len, deadline);
	if (r == SK_OK)
		r = sk_msg_decode(body, len, reply);
	explicit_bzero(body, len);
	free(body);
	return r;
}

int
sk_client_call(struct sk_client *c, const struct sk_msg *req, struct sk_msg **reply,
               int timeout_ms)
{
	int64_t start = sk_now_ms(), deadline;
	int r;

	*reply = NULL;
	if (c->fd < 0)
		return SK_ERR_UNAVAILABLE;
	if (timeout_ms <= 0)
		timeout_ms = c->timeout_ms;
	/* The first request on a new connection shares one deadline with the connect, so a
	 * broker that stalls anywhere costs at most timeout_ms in all (a PAM login waits no
	 * longer than request_timeout_ms). */
	if (c->opened_ms != 0 && c->opened_ms < start)
		start = c->opened_ms;
	c->opened_ms = 0;
	deadline = start + timeout_ms;
	if (c->tr != NULL) {
		r = call_transport(c, req, reply, deadline);
	} else {
		r = sk_msg_send(c->fd, req, (int)(deadline - sk_now_ms()));
		if (r == SK_OK)
			r = sk_msg_recv(c->fd, reply, (int)(deadline - sk_now_ms()));
	}
	if (r == SK_OK && sk_msg_type(*reply) != SK_MSG_REPLY) {
		sk_msg_free(*reply);
		*reply = NULL;
		r = SK_ERR_PROTO;
	}
	if (r != SK_OK) {
		sk_logerr("broker did not answer: %s", sk_strerror(r));
		return SK_ERR_UNAVAILABLE;
	}
	c->answered_ms = sk_now_ms();
	return SK_OK;
}

void
sk_client_close(struct sk_client *c)
{
	if (c->tr != NULL)
		c->tr->close(c->tr_ctx);
	else if (c->fd >= 0)
		close(c->fd);
	c->tr = NULL;
	c->tr_ctx = NULL;
	c->fd = -1;
	c->opened_ms = 0;
	c->answered_ms = 0;
}

unsigned
sk_reply_status(const struct sk_msg *reply)
{
	uint64_t st;

	if (reply == NULL || sk_msg_get_uint(reply, SK_K_STATUS, &st) != SK_OK || st > 255)
		return SK_ST_ERROR;
	return (unsigned)st;
}
