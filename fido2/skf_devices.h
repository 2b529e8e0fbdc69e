/* The FIDO2 keys plugged into this machine: enumerate them with libfido2's HID manifest,
 * open each, and read what it can do (authenticatorGetInfo). Tests add in-process
 * authenticators opened with their own io/transport functions instead. */
#ifndef SKF_DEVICES_H
#define SKF_DEVICES_H
#include <fido.h>

#include "skf_common.h"

#define SKF_MAX_ALGS 8
#define SKF_OPEN_TIMEOUT_MS 3000  /* opening and getInfo need no person; a key that takes
                                   * longer is broken */

struct skf_dev {
	fido_dev_t *dev;
	char path[SKF_PATH_MAX];
	bool fido2;               /* false: a U2F-only key (touch only, no PIN, no UV) */
	/* From authenticatorGetInfo; all false for a U2F-only key. */
	bool rk;                  /* resident (discoverable) credentials */
	bool pin_supported;       /* option clientPin present */
	bool pin_set;             /* option clientPin = true */
	bool builtin_uv;          /* option uv = true: the key verifies by itself */
	bool bio;                 /* bioEnroll or uvBioEnroll (or the preview name) = true */
	bool uv_not_required_mc;  /* makeCredUvNotRqd = true (CTAP 2.1) */
	bool has_aaguid;
	unsigned char aaguid[SKF_AAGUID_LEN]; /* as claimed by getInfo: never a policy input */
	int algs[SKF_MAX_ALGS];   /* COSE algorithms listed by getInfo, in the key's order */
	size_t n_algs;            /* 0: the key did not say (CTAP 2.0): ES256 is assumed */
};

struct skf_devlist {
	struct skf_dev d[SKF_MAX_DEVICES];
	size_t n;
};

void skf_devlist_init(struct skf_devlist *l);
/* Adds every plugged HID FIDO key that opens and answers getInfo; keys that fail are logged
 * and skipped. SK_OK even when none is found (l->n tells). */
int skf_devlist_enumerate(struct skf_devlist *l);
/* Adds a device opened through custom io + transport functions (tests, other transports).
 * io and t are copied by libfido2; path is handed to io->open. */
int skf_devlist_add_custom(struct skf_devlist *l, const char *path, const fido_dev_io_t *io,
                           const fido_dev_transport_t *t);
void skf_devlist_close(struct skf_devlist *l);

#endif
