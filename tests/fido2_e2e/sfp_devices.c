#include "sfp_devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "softfido.h"

#define SFP_MAX_KEYS 4
#define SFP_ENV_MAX 4096

/* The keys of the last enumeration: they must live until the device list is closed, which
 * happens after the hook returns; the next enumeration (or unloading) unplugs them. */
static struct softfido *keys[SFP_MAX_KEYS];

static void
unplug_all(void)
{
	for (size_t i = 0; i < SFP_MAX_KEYS; i++) {
		softfido_free(keys[i]);
		keys[i] = NULL;
	}
}

/* Runs when the PAM module is unloaded (pam_end) or the CLI exits. */
__attribute__((destructor)) static void
sfp_unload(void)
{
	unplug_all();
}

void
sfp_add_devices(struct skf_devlist *l)
{
	const char *env = getenv("SK_SOFTFIDO_STATE");
	char list[SFP_ENV_MAX], path[32], *save = NULL, *file;
	size_t n = 0;

	unplug_all();
	if (env == NULL || *env == '\0')
		return;
	if (snprintf(list, sizeof(list), "%s", env) >= (int)sizeof(list)) {
		sk_logerr("SK_SOFTFIDO_STATE too long");
		return;
	}
	for (file = strtok_r(list, ":", &save); file != NULL && n < SFP_MAX_KEYS;
	     file = strtok_r(NULL, ":", &save), n++) {
		(void)snprintf(path, sizeof(path), "softfido:%zu", n);
		if ((keys[n] = softfido_load(path, file, true)) == NULL) {
			sk_logerr("software key %s not plugged", file);
			continue;
		}
		if (skf_devlist_add_custom(l, path, softfido_io(), softfido_transport()) != SK_OK)
			sk_logerr("software key %s does not open", file);
	}
}
