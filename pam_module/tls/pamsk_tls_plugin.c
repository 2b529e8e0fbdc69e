/* pam_sekimori_tls.so (pamsk_tls.h): a TLS 1.3 client for the module, with this terminal's
 * certificate. Every wait is bounded by the caller's deadline: the connect, the handshake
 * and each frame (the socket is non-blocking; poll() waits for what OpenSSL asks for). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pamsk_tls.h"
#include "sk_conf_tls.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

static int write_all_blocked(void *ctx, const void *buf, size_t n, int64_t deadline);

struct tls_conn {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

static void
log_ssl(const char *hostport, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	sk_logerr("broker %s: %s: %s", hostport, what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/* Waits until fd is ready for what want asks (POLLIN/POLLOUT) or the deadline. */
static int
wait_fd(int fd, short want, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = want };
		int64_t left = deadline - sk_now_ms();
		int n;

		if (left <= 0)
			return SK_ERR_TIMEOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return SK_OK;
		if (n < 0 && errno != EINTR)
			return SK_ERR_IO;
	}
}

/* After an SSL call returned r: SK_OK to try it again once the socket is ready, else an
 * error. */
static int
wait_ssl(struct tls_conn *t, int r, int64_t deadline)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(t->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(t->fd, POLLOUT, deadline);
	default:
		return SK_ERR_IO;
	}
}

/* OpenSSL writes with write(): a broker that hung up would raise SIGPIPE in the host
 * program (login, sshd, sudo), which may not ignore it. It is blocked in this thread while
 * OpenSSL writes, and one raised meanwhile is taken away before it is unblocked. */
struct pipe_guard {
	sigset_t old;
	int pending_before;
};

static void
pipe_block(struct pipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	g->pending_before = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void
pipe_unblock(struct pipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	if (!g->pending_before && sigismember(&pending, SIGPIPE)) {
		const struct timespec zero = { 0, 0 };

		(void)sigtimedwait(&set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static int
tls_write_all(void *ctx, const void *buf, size_t n, int64_t deadline)
{
	struct pipe_guard g;
	int r;

	pipe_block(&g);
	r = write_all_blocked(ctx, buf, n, deadline);
	pipe_unblock(&g);
	return r;
}

static int
write_all_blocked(void *ctx, const void *buf, size_t n, int64_t deadline)
{
	struct tls_conn *t = ctx;
	const unsigned char *p = buf;

	while (n > 0) {
		size_t done = 0;
		int r = SSL_write_ex(t->ssl, p, n, &done);

		if (r == 1) {
			p += done;
			n -= done;
			continue;
		}
		if ((r = wait_ssl(t, r, deadline)) != SK_OK)
			return r;
	}
	return SK_OK;
}

static int
read_all_blocked(void *ctx, void *buf, size_t n, int64_t deadline)
{
	struct tls_conn *t = ctx;
	unsigned char *p = buf;

	while (n > 0) {
		size_t done = 0;
		int r = SSL_read_ex(t->ssl, p, n, &done);

		if (r == 1) {
			p += done;
			n -= done;
			continue;
		}
		if ((r = wait_ssl(t, r, deadline)) != SK_OK)
			return r;
	}
	return SK_OK;
}

static void
tls_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static void
tls_close(void *ctx)
{
	struct tls_conn *t = ctx;

	/* A close_notify if it goes out at once; the broker needs none to end the connection. */
	if (t->ssl != NULL) {
		struct pipe_guard g;

		pipe_block(&g);
		(void)SSL_shutdown(t->ssl);
		pipe_unblock(&g);
	}
	tls_free(t);
}

/* OpenSSL may write while it reads (an alert): SIGPIPE blocked as for tls_write_all. */
static int
tls_read_all(void *ctx, void *buf, size_t n, int64_t deadline)
{
	struct pipe_guard g;
	int r;

	pipe_block(&g);
	r = read_all_blocked(ctx, buf, n, deadline);
	pipe_unblock(&g);
	return r;
}

static const struct sk_client_transport transport = {
	.write_all = tls_write_all,
	.read_all = tls_read_all,
	.close = tls_close,
};

/* A non-blocking TCP connection to one of host:port's addresses before the deadline. */
static int
tcp_connect(const char *hostport, const char *host, const char *port, int64_t deadline)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int r, fd = -1;

	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		sk_logerr("broker %s: %s", hostport, gai_strerror(r));
		return -1;
	}
	for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		int err = 0, one = 1;
		socklen_t len = sizeof(err);

		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == SK_OK &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			break;
		sk_logerr("broker %s: connect: %s", hostport,
		          err != 0 ? strerror(err) : sk_now_ms() >= deadline ? "timed out" :
		          strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static SSL_CTX *
make_ctx(const struct pamsk_tls_params *p, const char *hostport)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		log_ssl(hostport, "TLS 1.3 context");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, p->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, p->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_ssl(hostport, "tls_cert/tls_key");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_load_verify_locations(ctx, p->ca, NULL) != 1) {
		log_ssl(hostport, "tls_ca");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/* The broker's certificate must name host: as an IP address when it is one, else as a DNS
 * name. */
static int
expect_host(SSL *ssl, const char *host)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	unsigned char ip[16];

	if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, host) == 1 && SSL_set_tlsext_host_name(ssl, host) == 1 ? 0 : -1;
}

static int
tls_open(const struct pamsk_tls_params *p, const char *hostport, int64_t deadline,
         struct sk_client *c)
{
	char host[SK_TLS_HOSTPORT_MAX], port[8];
	struct pipe_guard g;
	struct tls_conn *t;
	int r;

	if (sk_tls_split_hostport(hostport, host, sizeof(host), port, sizeof(port)) != 0 ||
	    (t = calloc(1, sizeof(*t))) == NULL)
		return SK_ERR_UNAVAILABLE;
	t->fd = -1;
	if ((t->ctx = make_ctx(p, hostport)) == NULL ||
	    (t->fd = tcp_connect(hostport, host, port, deadline)) < 0 ||
	    (t->ssl = SSL_new(t->ctx)) == NULL || SSL_set_fd(t->ssl, t->fd) != 1 ||
	    expect_host(t->ssl, host) != 0) {
		tls_free(t);
		return SK_ERR_UNAVAILABLE;
	}
	pipe_block(&g);
	while ((r = SSL_connect(t->ssl)) != 1) {
		if (wait_ssl(t, r, deadline) != SK_OK) {
			long v = SSL_get_verify_result(t->ssl);

			pipe_unblock(&g);

			if (v != X509_V_OK)
				sk_logerr("broker %s: certificate: %s", hostport,
				          X509_verify_cert_error_string(v));
			else if (sk_now_ms() >= deadline)
				sk_logerr("broker %s: no TLS handshake in time", hostport);
			else
				log_ssl(hostport, "TLS handshake");
			tls_free(t);
			return SK_ERR_UNAVAILABLE;
		}
	}
	pipe_unblock(&g);
	c->fd = t->fd;
	c->tr = &transport;
	c->tr_ctx = t;
	return SK_OK;
}

static const struct pamsk_tls table = {
	.abi = PAMSK_TLS_ABI,
	.open = tls_open,
};

__attribute__((visibility("default"))) const struct pamsk_tls *
pamsk_tls_entry(unsigned abi)
{
	return abi == PAMSK_TLS_ABI ? &table : NULL;
}
