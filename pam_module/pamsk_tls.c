/* The module side of the TLS plug-in (pamsk_tls.h): loaded on first use, once per process,
 * and kept until the module is unloaded, like the device plug-in (pamsk_devices.c). */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "pamsk.h"
#include "pamsk_plugin.h"
#include "pamsk_tls.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static void *tls_handle;
static const struct pamsk_tls *tls_table;

static const struct pamsk_tls *
load(void)
{
	pamsk_tls_entry_fn entry;
	const struct pamsk_tls *t;
	void *h = pamsk_plugin_open(PAMSK_TLS_SUFFIX, "TLS plug-in");

	if (h == NULL)
		return NULL;
	entry = (pamsk_tls_entry_fn)dlsym(h, PAMSK_TLS_ENTRY);
	if (entry == NULL || (t = entry(PAMSK_TLS_ABI)) == NULL || t->abi != PAMSK_TLS_ABI ||
	    t->open == NULL) {
		sk_logerr("TLS plug-in does not belong to this module's build");
		dlclose(h);
		return NULL;
	}
	tls_handle = h;
	return t;
}

static const struct pamsk_tls *
tls_get(void)
{
	const struct pamsk_tls *t;

	pthread_mutex_lock(&tls_lock);
	if (tls_table == NULL)
		tls_table = load();
	t = tls_table;
	pthread_mutex_unlock(&tls_lock);
	return t;
}

__attribute__((destructor)) static void
tls_unload(void)
{
	if (tls_handle != NULL)
		dlclose(tls_handle);
	tls_handle = NULL;
	tls_table = NULL;
}

int
pamsk_tls_connect(struct pamsk *m)
{
	const struct sk_tls_conf *conf = &m->conf.tls;
	const struct pamsk_tls_params p = {
		.cert = conf->client_cert, .key = conf->client_key, .ca = conf->ca,
	};
	const struct pamsk_tls *t = tls_get();

	if (t == NULL)
		return SK_ERR_UNAVAILABLE;
	for (size_t i = 0; i < conf->n_brokers; i++) {
		int64_t now = sk_now_ms();

		if (t->open(&p, conf->brokers[i], now + conf->connect_timeout_ms, &m->client) ==
		    SK_OK) {
			/* The request gets its own request_timeout_ms after the handshake. */
			m->client.timeout_ms = (int)m->conf.request_timeout_ms;
			m->client.opened_ms = 0;
			m->client.answered_ms = 0;
			sk_logdebug("connected to broker %s over TLS", conf->brokers[i]);
			return SK_OK;
		}
	}
	sk_logerr("no broker answered over TLS (%zu tried)", conf->n_brokers);
	return SK_ERR_UNAVAILABLE;
}
