/* The remote transport's settings (issue 12, item 4; doc/deployment.md "Remote terminals"):
 * the broker's TLS listener ([broker] listen_tls, tls_cert, tls_key, tls_client_ca, tls_crl)
 * and the module's brokers ([client] broker, tls_cert, tls_key, tls_ca, connect_timeout_ms). */
#ifndef SK_CONF_TLS_H
#define SK_CONF_TLS_H
#include <limits.h>
#include <stddef.h>

#define SK_TLS_BROKERS_MAX 8
#define SK_TLS_HOSTPORT_MAX 262   /* a DNS name (253) or [IPv6], ':', a port */

struct sk_tls_conf {
	/* Broker side: empty listen = no TLS listener. */
	char listen[SK_TLS_HOSTPORT_MAX];        /* HOST:PORT */
	char cert[PATH_MAX], key[PATH_MAX];      /* the broker's certificate chain and key */
	char client_ca[PATH_MAX];                /* CA certificates that sign terminal certificates */
	char crl[PATH_MAX];                      /* optional CRL (PEM) of that CA */
	unsigned handshake_timeout_ms;           /* accept to end of handshake */
	/* Client side ([client]): no broker listed = the Unix socket. */
	char brokers[SK_TLS_BROKERS_MAX][SK_TLS_HOSTPORT_MAX];   /* host:port, in order */
	size_t n_brokers;
	char client_cert[PATH_MAX], client_key[PATH_MAX];        /* this terminal's */
	char ca[PATH_MAX];                                       /* signs the brokers' certs */
	unsigned connect_timeout_ms;             /* per broker: connect and handshake */
};

/* Splits "HOST:PORT" (HOST may be "[v6]"): 0 on success, -1 when malformed. */
int sk_tls_split_hostport(const char *v, char *host, size_t hostcap, char *port,
                          size_t portcap);
/* A [broker] key of the TLS listener: 1 taken, 0 not a TLS key, -1 a bad value. dir: the
 * configuration's folder, for relative paths. */
int sk_tls_broker_key(struct sk_tls_conf *t, const char *dir, const char *k, const char *v);
/* A [client] key: 1 taken, -2 unknown key, -1 a bad value. */
int sk_tls_client_key(struct sk_tls_conf *t, const char *dir, const char *k, const char *v);
void sk_tls_defaults(struct sk_tls_conf *t);
/* After loading: what must come together (NULL when all is well, else the message). */
const char *sk_tls_check(const struct sk_tls_conf *t);

#endif
