/* The TLS plug-in (issue 12, item 4): what pam_sekimori.so and pam_sekimori_tls.so say to
 * each other. The module links no TLS library (integration_module_links): when [client]
 * lists tls:// brokers, it dlopen()s pam_sekimori_tls.so (libssl) from its own folder with
 * the checks of pamsk_plugin.h, and the plug-in gives it a connected sk_client transport.
 * Both files are built from the same tree at the same time; the ABI number is checked. */
#ifndef PAMSK_TLS_H
#define PAMSK_TLS_H
#include <stdint.h>

#include "sk_client.h"

#define PAMSK_TLS_ABI 1u
#define PAMSK_TLS_ENTRY "pamsk_tls_entry"
#define PAMSK_TLS_SUFFIX "_tls.so"

struct pamsk_tls_params {
	const char *cert, *key;   /* this terminal's certificate (chain) and key, PEM */
	const char *ca;           /* CA certificates that sign the brokers' certificates, PEM */
};

struct pamsk_tls {
	unsigned abi;
	/* Connects to hostport ("HOST:PORT") and completes a TLS 1.3 handshake, verifying the
	 * broker's certificate against ca and HOST (its DNS name or IP address), all before
	 * deadline_ms (sk_now_ms() based; name resolution is not bounded by it). On SK_OK c's
	 * fd, tr and tr_ctx are set; otherwise SK_ERR_UNAVAILABLE (logged) and c untouched. */
	int (*open)(const struct pamsk_tls_params *p, const char *hostport, int64_t deadline_ms,
	            struct sk_client *c);
};

typedef const struct pamsk_tls *(*pamsk_tls_entry_fn)(unsigned abi);

/* Module side: connects m's client to the first [client] broker that completes a
 * handshake within connect_timeout_ms, trying them in order. SK_OK, or SK_ERR_UNAVAILABLE
 * (the plug-in could not be loaded, or no broker answered). */
struct pamsk;
int pamsk_tls_connect(struct pamsk *m);

#endif
