/* The client side of the protocol, shared by the PAM module and the CLI (in the manner of
 * OpenSSH's monitor_wrap.c: every request goes through here). */
#ifndef SK_CLIENT_H
#define SK_CLIENT_H
#include "sk_msg.h"

#include <stddef.h>
#include <stdint.h>

/* A connection that is not a plain descriptor (the module's TLS plug-in, pamsk_tls.h):
 * frames go through these instead of read/write on fd. fd is then the transport's socket,
 * kept only so that "fd < 0" still means "not connected"; close frees ctx and closes it. */
struct sk_client_transport {
	/* Exactly n bytes before deadline_ms (sk_now_ms() based): SK_OK, SK_ERR_TIMEOUT or
	 * SK_ERR_IO. */
	int (*write_all)(void *ctx, const void *buf, size_t n, int64_t deadline_ms);
	int (*read_all)(void *ctx, void *buf, size_t n, int64_t deadline_ms);
	void (*close)(void *ctx);
};

struct sk_client {
	int fd;
	int timeout_ms;
	int64_t opened_ms;   /* sk_now_ms() of the connect, until the first call */
	int64_t answered_ms; /* sk_now_ms() of the last reply (0: none yet) */
	const struct sk_client_transport *tr;   /* NULL: fd is the Unix socket */
	void *tr_ctx;
};

/* Connects within timeout_ms; SK_ERR_UNAVAILABLE when the broker cannot be reached in time
 * (nobody listens, or it has stopped accepting), SK_ERR_CONFIG for a socket path too long. */
int sk_client_open(struct sk_client *c, const char *socket_path, int timeout_ms);
/* The connection, opened on first use: sk_client_open when c->fd is -1. When the broker
 * cannot be reached c->fd stays -1, so that the typed call made with c fails with
 * SK_ERR_UNAVAILABLE and the next one tries again. Returns c. */
struct sk_client *sk_client_connected(struct sk_client *c, const char *socket_path,
                                      int timeout_ms);
/* Sends req and waits for the reply, all within timeout_ms (0 = the client's default),
 * counted for the first call after sk_client_open from the start of the connect. Any
 * failure is SK_ERR_UNAVAILABLE: the caller must treat it as deny (fail closed). */
int sk_client_call(struct sk_client *c, const struct sk_msg *req, struct sk_msg **reply,
                   int timeout_ms);
void sk_client_close(struct sk_client *c);
/* The reply's status; SK_ST_ERROR when it is missing or malformed. */
unsigned sk_reply_status(const struct sk_msg *reply);

#endif
