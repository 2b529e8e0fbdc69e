/* The module side of the device plug-in (pamsk_devices.h): the FIDO2 and card rows of the
 * factor table, which load pam_sekimori_devices.so the first time a plan asks for one of
 * them and hand the step to it. A transaction that plans no device step (password, TOTP,
 * the unix stack) never loads libfido2, libpcsclite or libcrypto.
 *
 * Where the plug-in is looked for, and the file checks it must pass: pamsk_plugin.h
 * ("_devices.so"). It stays loaded until the module
 * is unloaded (pam_end() of the last handle that uses it), when a destructor dlclose()s it.
 * When it cannot be loaded, a device step ends with PAM_AUTHINFO_UNAVAIL after telling the
 * user the service is unavailable (fail closed). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pamsk.h"
#include "pamsk_devices.h"
#include "pamsk_plugin.h"
#include "sk_log.h"
#include "sk_proto.h"

static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static void *devices_handle;
static const struct pamsk_devices *devices_table;

static const struct pamsk_devices_host devices_host = {
	.abi = PAMSK_DEVICES_ABI,
	.pamsk_size = sizeof(struct pamsk),
	.card_watch_remember = pamsk_card_watch_remember,
};

static const struct pamsk_devices *
load(void)
{
	pamsk_devices_entry_fn entry;
	const struct pamsk_devices *t;
	void *h = pamsk_plugin_open(PAMSK_DEVICES_SUFFIX, "device plug-in");

	if (h == NULL)
		return NULL;
	entry = (pamsk_devices_entry_fn)dlsym(h, PAMSK_DEVICES_ENTRY);
	if (entry == NULL || (t = entry(&devices_host)) == NULL || t->abi != PAMSK_DEVICES_ABI ||
	    t->fido2 == NULL || t->card == NULL) {
		sk_logerr("device plug-in does not belong to this module's build");
		dlclose(h);
		return NULL;
	}
	devices_handle = h;
	return t;
}

const struct pamsk_devices *
pamsk_devices_get(void)
{
	const struct pamsk_devices *t;

	pthread_mutex_lock(&devices_lock);
	if (devices_table == NULL)
		devices_table = load();
	t = devices_table;
	pthread_mutex_unlock(&devices_lock);
	return t;
}

__attribute__((destructor)) static void
devices_unload(void)
{
	if (devices_handle != NULL)
		dlclose(devices_handle);
	devices_handle = NULL;
	devices_table = NULL;
}

static int
unavailable(struct pamsk *m)
{
	pamsk_say_unavailable(m);
	return PAM_AUTHINFO_UNAVAIL;
}

static int
collect_fido2(struct pamsk *m, const struct skc_auth_begin_out *begin,
              struct skc_auth_finish_in *finish)
{
	const struct pamsk_devices *t = pamsk_devices_get();

	return t == NULL ? unavailable(m) : t->fido2(m, begin, finish);
}

static int
collect_card(struct pamsk *m, const struct skc_auth_begin_out *begin,
             struct skc_auth_finish_in *finish)
{
	const struct pamsk_devices *t = pamsk_devices_get();

	return t == NULL ? unavailable(m) : t->card(m, begin, finish);
}

const struct pamsk_factor pamsk_factor_fido2 = { SK_METHOD_FIDO2, collect_fido2 };
const struct pamsk_factor pamsk_factor_card = { SK_METHOD_CARD, collect_card };
