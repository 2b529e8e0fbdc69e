/* The module side of the device plug-in (pamsk_devices.h): the FIDO2 and card rows of the
 * factor table, which load pam_sekimori_devices.so the first time a plan asks for one of
 * them and hand the step to it. A transaction that plans no device step (password, TOTP,
 * the unix stack) never loads libfido2, libpcsclite or libcrypto.
 *
 * Where the plug-in is looked for: the folder and file name the module itself was loaded
 * from (dladdr()), ".so" replaced by "_devices.so". It must be a regular file (not a
 * symbolic link) with the same owner as the module and writable by nobody else, the trust
 * the module file itself has; otherwise it is not loaded. It stays loaded until the module
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

/* The plug-in's path from the module's own: PAMSK_DEVICES_SUFFIX in place of ".so". */
static int
plugin_path(char *out, size_t cap, struct stat *module_st)
{
	Dl_info info;
	size_t n;

	if (dladdr((const void *)plugin_path, &info) == 0 || info.dli_fname == NULL ||
	    info.dli_fname[0] != '/') {
		sk_logerr("cannot tell where pam_sekimori is loaded from");
		return -1;
	}
	n = strlen(info.dli_fname);
	if (n < 3 || strcmp(info.dli_fname + n - 3, ".so") != 0 ||
	    snprintf(out, cap, "%.*s%s", (int)(n - 3), info.dli_fname, PAMSK_DEVICES_SUFFIX) >=
	            (int)cap ||
	    stat(info.dli_fname, module_st) != 0) {
		sk_logerr("the module's path %s does not name the device plug-in", info.dli_fname);
		return -1;
	}
	return 0;
}

static const struct pamsk_devices *
load(void)
{
	char path[PATH_MAX];
	struct stat mst, st;
	pamsk_devices_entry_fn entry;
	const struct pamsk_devices *t;
	void *h;

	if (plugin_path(path, sizeof(path), &mst) != 0)
		return NULL;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != mst.st_uid ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		sk_logerr("device plug-in %s is missing, or not a regular file owned like the module "
		          "and writable by its owner only", path);
		return NULL;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		sk_logerr("device plug-in %s: %s", path, dlerror());
		return NULL;
	}
	entry = (pamsk_devices_entry_fn)dlsym(h, PAMSK_DEVICES_ENTRY);
	if (entry == NULL || (t = entry(&devices_host)) == NULL || t->abi != PAMSK_DEVICES_ABI ||
	    t->fido2 == NULL || t->card == NULL) {
		sk_logerr("device plug-in %s does not belong to this module's build", path);
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
