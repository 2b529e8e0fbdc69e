/* The broker's end of a typed client call (skc_peer.h). */
#include "skc_peer.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_proto.h"

#define PEER_TIMEOUT_MS 5000

void
skc_peer_open(struct skc_peer *p)
{
	int fd[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
	memset(p, 0, sizeof(*p));
	p->client.fd = fd[0];
	p->client.timeout_ms = PEER_TIMEOUT_MS;
	p->fd = fd[1];
}

void
skc_peer_close(struct skc_peer *p)
{
	sk_client_close(&p->client);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

struct sk_msg *
skc_peer_reply(unsigned status)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);

	assert_non_null(m);
	assert_int_equal(sk_msg_put_uint(m, SK_K_STATUS, status), SK_OK);
	return m;
}

void
skc_peer_answer(struct skc_peer *p, struct sk_msg *reply)
{
	assert_int_equal(sk_msg_send(p->fd, reply, PEER_TIMEOUT_MS), SK_OK);
	sk_msg_free(reply);
}

void
skc_peer_answer_raw(struct skc_peer *p, const void *bytes, size_t n)
{
	assert_int_equal(write(p->fd, bytes, n), (ssize_t)n);
}

struct sk_msg *
skc_peer_request(struct skc_peer *p, unsigned type)
{
	struct sk_msg *m = NULL;

	assert_int_equal(sk_msg_recv(p->fd, &m, PEER_TIMEOUT_MS), SK_OK);
	assert_int_equal(sk_msg_type(m), type);
	return m;
}

void
skc_peer_assert_nothing_sent(struct skc_peer *p)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	/* The call has returned: anything it sent is already in the socket. */
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

void
skc_assert_text(const struct sk_msg *m, unsigned key, const char *want)
{
	char got[SK_TEXT_MAX + 1];

	assert_int_equal(sk_msg_get_text(m, key, got, sizeof(got)), SK_OK);
	assert_string_equal(got, want);
}

void
skc_assert_uint(const struct sk_msg *m, unsigned key, uint64_t want)
{
	uint64_t got = 0;

	assert_int_equal(sk_msg_get_uint(m, key, &got), SK_OK);
	assert_int_equal(got, want);
}

void
skc_assert_bytes(const struct sk_msg *m, unsigned key, const void *want, size_t n)
{
	unsigned char *got = malloc(SK_TEXT_MAX);
	size_t len = 0;

	assert_non_null(got);
	assert_int_equal(sk_msg_get_bytes(m, key, got, SK_TEXT_MAX, &len), SK_OK);
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
	free(got);
}

void
skc_assert_absent(const struct sk_msg *m, unsigned key)
{
	uint64_t u;

	/* Any type: a getter of the wrong type says PROTO, of an absent key NOTFOUND. */
	assert_int_equal(sk_msg_get_uint(m, key, &u), SK_ERR_NOTFOUND);
}
