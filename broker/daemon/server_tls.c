/* The TLS listener (server_tls.h).
 *
 * Why a relay thread and a socket pair: the event loop, the worker pool and the session
 * watchers read and write plain descriptors (server.c, server_pool.c); TLS is ended here and
 * the loop is handed the other end of a socket pair, so framing, dispatch and every limit
 * are the Unix socket's, unchanged. The connection's identity is not a uid but the
 * terminal's certificate (is_terminal, terminal, terminal_fp in struct broker_conn): the
 * dispatcher gives it the module role only (dispatch.c: conn_roles) and checks the
 * certificate's revocation before each request.
 *
 * Refused at the handshake: no client certificate, one not signed by tls_client_ca, one on
 * tls_crl, one revoked with sekimori terminal revoke, and any protocol but TLS 1.3. */
#include "server_tls.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit_event.h"
#include "server_conn.h"
#include "server_slots.h"
#include "sk_conf_tls.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "store.h"

static struct {
	SSL_CTX *ctx;
	int fd;
	struct broker *b;
	void (*adopt)(struct server_conn *);
	pthread_t acceptor;
	int acceptor_running;
	atomic_int stop;
	atomic_int relays;     /* handshake and relay threads alive */
} tls = { .fd = -1 };

static void
log_ssl(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	sk_logerr("%s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/* A CRL file (PEM, one or more) into the context's store, checked for the leaf. */
static int
load_crl(SSL_CTX *ctx, const char *path)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP *lu = X509_STORE_add_lookup(st, X509_LOOKUP_file());

	if (lu == NULL || X509_load_crl_file(lu, path, X509_FILETYPE_PEM) <= 0) {
		log_ssl("tls_crl");
		return SK_ERR_CONFIG;
	}
	X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	return SK_OK;
}

static int
make_ctx(const struct sk_tls_conf *t)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		log_ssl("TLS context");
		return SK_ERR_CONFIG;
	}
	/* TLS 1.3 only; no session tickets, so every connection shows its certificate. */
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_num_tickets(ctx, 0)) {
		log_ssl("TLS 1.3");
		goto fail;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
		log_ssl("tls_cert");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_ssl("tls_key");
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, t->client_ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(t->client_ca)) == NULL) {
		log_ssl("tls_client_ca");
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	if (t->crl[0] != '\0' && load_crl(ctx, t->crl) != SK_OK)
		goto fail;
	tls.ctx = ctx;
	return SK_OK;
fail:
	SSL_CTX_free(ctx);
	return SK_ERR_CONFIG;
}

int
server_tls_listen(struct broker *b)
{
	const struct sk_tls_conf *t = &b->conf.tls;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai = NULL;
	char host[SK_TLS_HOSTPORT_MAX], port[8];
	int one = 1, r, fd;

	if (t->listen[0] == '\0')
		return SK_OK;
	if (sk_tls_split_hostport(t->listen, host, sizeof(host), port, sizeof(port)) != 0) {
		sk_logerr("listen_tls '%s' is not HOST:PORT", t->listen);
		return SK_ERR_CONFIG;
	}
	if ((r = make_ctx(t)) != SK_OK)
		return r;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		sk_logerr("listen_tls %s: %s", t->listen, gai_strerror(r));
		return SK_ERR_CONFIG;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		sk_logerr("listen_tls %s: %s", t->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return SK_ERR_IO;
	}
	freeaddrinfo(ai);
	tls.fd = fd;
	tls.b = b;
	sk_log(LOG_INFO, "listening for terminals on %s (TLS 1.3, client certificates required)",
	       t->listen);
	return SK_OK;
}

/* The certificate's identity: SHA-256 of its DER form and its serial in lower-case hex,
 * its subject's commonName with anything but printable ASCII replaced by '?'. */
static int
identify(X509 *cert, struct broker_conn *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	BIGNUM *bn;
	char *hex;
	int n;

	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		return SK_ERR_CRYPTO;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(c->terminal_fp + 2 * i, 3, "%02x", md[i]);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL)) == NULL)
		return SK_ERR_CRYPTO;
	hex = BN_bn2hex(bn);
	BN_free(bn);
	if (hex == NULL)
		return SK_ERR_CRYPTO;
	for (size_t i = 0; hex[i] != '\0'; i++)
		if (hex[i] >= 'A' && hex[i] <= 'F')
			hex[i] = (char)(hex[i] - 'A' + 'a');
	/* BN_bn2hex writes whole octets ("0a"): the form kept has no leading zero. */
	{
		const char *h = hex;

		while (*h == '0' && h[1] != '\0')
			h++;
		n = snprintf(c->terminal_serial, sizeof(c->terminal_serial), "%s", h);
	}
	OPENSSL_free(hex);
	if (n < 0 || (size_t)n >= sizeof(c->terminal_serial))
		return SK_ERR_CRYPTO;
	c->terminal[0] = '\0';
	(void)X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, c->terminal,
	                                sizeof(c->terminal));
	for (char *p = c->terminal; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return SK_OK;
}

/* Records the handshake and reads the revocation, in one transaction. */
static int
check_terminal(struct broker_conn *c, int *revoked)
{
	int r;

	*revoked = 1;
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_terminal_seen(c->db, c->terminal_fp, c->terminal_serial, c->terminal,
	                        broker_now());
	if (r == SK_OK)
		r = store_terminal_revoked(c->db, c->terminal_fp, c->terminal_serial, revoked);
	if (r == SK_OK && *revoked &&
	    broker_audit(c, "terminal.refused", NULL, "deny",
	                 audit_field(NULL, "reason", "terminal_revoked")) != SK_OK)
		r = SK_ERR_AUDIT;
	if (r == SK_OK)
		r = store_commit(c->db);
	else
		store_rollback(c->db);
	return r;
}

static int
write_all_fd(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Bytes both ways until either side closes, an error, or the connection's lifetime ends. */
static void
relay(SSL *ssl, int net, int local, int64_t until)
{
	unsigned char buf[16384];

	for (;;) {
		struct pollfd p[2] = { { .fd = net, .events = POLLIN },
		                       { .fd = local, .events = POLLIN } };
		int64_t left = until - sk_now_ms();
		int n;

		if (left <= 0 || atomic_load(&tls.stop))
			break;
		if (SSL_pending(ssl) > 0) {
			p[0].revents = POLLIN;
		} else if ((n = poll(p, 2, left > 500 ? 500 : (int)left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		} else if (n == 0) {
			continue;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = SSL_read(ssl, buf, sizeof(buf));
			if (n <= 0 || write_all_fd(local, buf, (size_t)n) != 0)
				break;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(local, buf, sizeof(buf));

			if (k <= 0 || SSL_write(ssl, buf, (int)k) != (int)k)
				break;
		}
	}
	explicit_bzero(buf, sizeof(buf));
}

struct tls_job {
	int fd;
	char addr[64];
};

static void
refuse(struct tls_job *j, const char *why)
{
	server_note_refusal(tls.b, SERVER_TLS_UID, "a TLS connection from %s: %s", j->addr, why);
}

static void
set_timeouts(int fd, int64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void *
conn_thread(void *arg)
{
	struct tls_job *j = arg;
	struct broker *b = tls.b;
	struct server_conn *sc = NULL;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	int sv[2] = { -1, -1 }, revoked = 1, adopted = 0;
	int64_t accepted = sk_now_ms();

	set_timeouts(j->fd, b->conf.tls.handshake_timeout_ms);
	if ((ssl = SSL_new(tls.ctx)) == NULL || SSL_set_fd(ssl, j->fd) != 1) {
		log_ssl("TLS connection");
		goto out;
	}
	if (SSL_accept(ssl) != 1) {
		char e[160];

		ERR_error_string_n(ERR_peek_last_error(), e, sizeof(e));
		refuse(j, SSL_get_verify_result(ssl) != X509_V_OK ?
		          X509_verify_cert_error_string(SSL_get_verify_result(ssl)) : e);
		ERR_clear_error();
		goto out;
	}
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK) {
		refuse(j, "no verified client certificate");
		goto out;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		goto out;
	sc->accepted_ms = accepted;
	sc->conn.b = b;
	sc->conn.fd = -1;
	sc->conn.state = CONN_IDLE;
	sc->conn.peer_uid = SERVER_TLS_UID;
	sc->conn.peer_gid = (gid_t)-1;
	sc->conn.is_terminal = 1;
	sc->peer_known = 1;   /* no uid to look up: the certificate is the identity */
	if (identify(cert, &sc->conn) != SK_OK) {
		refuse(j, "unreadable client certificate");
		goto out;
	}
	snprintf(sc->conn.terminal_addr, sizeof(sc->conn.terminal_addr), "%s", j->addr);
	if (store_acquire(b->store, &sc->conn.db) != SK_OK ||
	    check_terminal(&sc->conn, &revoked) != SK_OK || revoked) {
		refuse(j, revoked ? "terminal revoked" : "store unavailable");
		goto out;
	}
	store_release(sc->conn.db);
	sc->conn.db = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		sk_logerr("socketpair: %s", strerror(errno));
		goto out;
	}
	set_timeouts(j->fd, b->conf.request_timeout_ms);
	sc->conn.fd = sv[0];
	adopted = 1;
	tls.adopt(sc);   /* the loop owns sc now, and gives the slot back when it closes it */
	sc = NULL;
	relay(ssl, j->fd, sv[1], accepted + (int64_t)b->conf.connection_lifetime * 1000);
	(void)SSL_shutdown(ssl);
out:
	if (sc != NULL) {
		store_release(sc->conn.db);
		explicit_bzero(sc, sizeof(*sc));
		free(sc);
	}
	if (!adopted)
		slots_give_back(b, SERVER_TLS_UID);
	X509_free(cert);
	SSL_free(ssl);
	if (sv[1] >= 0)
		close(sv[1]);
	close(j->fd);
	free(j);
	atomic_fetch_sub(&tls.relays, 1);
	return NULL;
}

static void
describe(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t cap)
{
	char host[48], port[8];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host), port, sizeof(port),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%s:%s", host, port);
}

static void
on_accept(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *why = NULL;
	struct tls_job *j;
	pthread_attr_t attr;
	pthread_t tid;
	int fd = accept4(tls.fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC), one = 1;

	if (fd < 0)
		return;
	if (slots_take(tls.b, SERVER_TLS_UID, &why) != SK_OK) {
		char addr[64];

		describe(&ss, len, addr, sizeof(addr));
		server_note_refusal(tls.b, SERVER_TLS_UID, "a TLS connection from %s: %s reached",
		                    addr, why);
		close(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		slots_give_back(tls.b, SERVER_TLS_UID);
		close(fd);
		return;
	}
	j->fd = fd;
	describe(&ss, len, j->addr, sizeof(j->addr));
	atomic_fetch_add(&tls.relays, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, conn_thread, j) != 0) {
		atomic_fetch_sub(&tls.relays, 1);
		slots_give_back(tls.b, SERVER_TLS_UID);
		close(fd);
		free(j);
		sk_logerr("pthread_create failed for a TLS connection");
	}
	pthread_attr_destroy(&attr);
}

static void *
acceptor(void *arg)
{
	(void)arg;
	while (!atomic_load(&tls.stop)) {
		struct pollfd p = { .fd = tls.fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			on_accept();
	}
	return NULL;
}

int
server_tls_start(struct broker *b, void (*adopt)(struct server_conn *))
{
	(void)b;
	if (tls.fd < 0)
		return SK_OK;
	tls.adopt = adopt;
	atomic_store(&tls.stop, 0);
	if (pthread_create(&tls.acceptor, NULL, acceptor, NULL) != 0) {
		sk_logerr("pthread_create failed for the TLS listener");
		return SK_ERR_NOMEM;
	}
	tls.acceptor_running = 1;
	return SK_OK;
}

void
server_tls_stop(void)
{
	if (!tls.acceptor_running)
		return;
	atomic_store(&tls.stop, 1);
	pthread_join(tls.acceptor, NULL);
	tls.acceptor_running = 0;
	close(tls.fd);
	tls.fd = -1;
	/* Relays see the stop within their poll interval; a handshake within its timeout. */
	for (int i = 0; i < 200 && atomic_load(&tls.relays) > 0; i++)
		usleep(50000);
	if (atomic_load(&tls.relays) == 0) {
		SSL_CTX_free(tls.ctx);
		tls.ctx = NULL;
	}
}
