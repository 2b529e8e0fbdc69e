/* The remote transport's settings (sk_conf_tls.h). */
#include "sk_conf_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
set_path(char *dst, size_t cap, const char *dir, const char *v)
{
	int n;

	if (*v == '\0')
		return -1;
	n = v[0] == '/' ? snprintf(dst, cap, "%s", v) : snprintf(dst, cap, "%s/%s", dir, v);
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int
sk_tls_split_hostport(const char *v, char *host, size_t hostcap, char *port, size_t portcap)
{
	const char *colon, *h = v;
	size_t hlen;
	char *end;
	long p;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = v + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(v, ':')) == NULL || memchr(v, ':', (size_t)(colon - v)) != NULL)
			return -1;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0 || hlen >= hostcap || strlen(colon + 1) >= portcap)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-' || h[i] == ':'))
			return -1;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, portcap, "%ld", p);
	return 0;
}

static int
valid_hostport(const char *v)
{
	char host[SK_TLS_HOSTPORT_MAX], port[8];

	return strlen(v) < SK_TLS_HOSTPORT_MAX &&
	       sk_tls_split_hostport(v, host, sizeof(host), port, sizeof(port)) == 0;
}

static int
parse_ms(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -1;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n < lo || n > hi)
		return -1;
	*out = (unsigned)n;
	return 0;
}

void
sk_tls_defaults(struct sk_tls_conf *t)
{
	memset(t, 0, sizeof(*t));
	t->handshake_timeout_ms = 5000;
	t->connect_timeout_ms = 3000;
}

int
sk_tls_broker_key(struct sk_tls_conf *t, const char *dir, const char *k, const char *v)
{
	if (strcmp(k, "listen_tls") == 0)
		return valid_hostport(v) ? (snprintf(t->listen, sizeof(t->listen), "%s", v), 1) : -1;
	if (strcmp(k, "tls_cert") == 0)
		return set_path(t->cert, sizeof(t->cert), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_key") == 0)
		return set_path(t->key, sizeof(t->key), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_client_ca") == 0)
		return set_path(t->client_ca, sizeof(t->client_ca), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_crl") == 0)
		return set_path(t->crl, sizeof(t->crl), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_handshake_timeout_ms") == 0)
		return parse_ms(v, 100, 60000, &t->handshake_timeout_ms) ? -1 : 1;
	return 0;
}

/* broker = tls://HOST:PORT [tls://HOST:PORT ...]: separated by spaces or commas; the key may
 * also be given several times, each adding to the list in order. */
static int
add_brokers(struct sk_tls_conf *t, const char *v)
{
	char buf[SK_TLS_BROKERS_MAX * (SK_TLS_HOSTPORT_MAX + 8)], *save = NULL;
	int any = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	for (char *tok = strtok_r(buf, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (strncmp(tok, "tls://", 6) != 0 || !valid_hostport(tok + 6) ||
		    t->n_brokers >= SK_TLS_BROKERS_MAX)
			return -1;
		snprintf(t->brokers[t->n_brokers++], sizeof(t->brokers[0]), "%s", tok + 6);
		any = 1;
	}
	return any ? 0 : -1;
}

int
sk_tls_client_key(struct sk_tls_conf *t, const char *dir, const char *k, const char *v)
{
	if (strcmp(k, "broker") == 0)
		return add_brokers(t, v) ? -1 : 1;
	if (strcmp(k, "tls_cert") == 0)
		return set_path(t->client_cert, sizeof(t->client_cert), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_key") == 0)
		return set_path(t->client_key, sizeof(t->client_key), dir, v) ? -1 : 1;
	if (strcmp(k, "tls_ca") == 0)
		return set_path(t->ca, sizeof(t->ca), dir, v) ? -1 : 1;
	if (strcmp(k, "connect_timeout_ms") == 0)
		return parse_ms(v, 100, 60000, &t->connect_timeout_ms) ? -1 : 1;
	return -2;
}

const char *
sk_tls_check(const struct sk_tls_conf *t)
{
	if (t->listen[0] != '\0' &&
	    (t->cert[0] == '\0' || t->key[0] == '\0' || t->client_ca[0] == '\0'))
		return "listen_tls needs tls_cert, tls_key and tls_client_ca in [broker]";
	if (t->n_brokers > 0 &&
	    (t->client_cert[0] == '\0' || t->client_key[0] == '\0' || t->ca[0] == '\0'))
		return "a tls:// broker needs tls_cert, tls_key and tls_ca in [client]";
	return NULL;
}
