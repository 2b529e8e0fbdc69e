/* The device plug-in (issue 11, item 2): what pam_sekimori.so and pam_sekimori_devices.so
 * say to each other.
 *
 * pam_sekimori.so is loaded by every pam_start() of a service that names it, so it links
 * only what every transaction needs (libpam, libcbor for the protocol, libinih for the
 * configuration). The evidence of the two device factors -
 * FIDO2 (libfido2, and through it libcrypto, libcbor, libudev, libz) and the IC card
 * (libpcsclite, libcrypto) - is collected by pam_sekimori_devices.so, which the module
 * dlopen()s the first time a plan asks for a device step, from the folder the module itself
 * was loaded from (pamsk_devices.c). Both files are built from the same tree at the same
 * time: the plug-in checks the ABI number and the size of struct pamsk the module passes,
 * and refuses a module that does not match. */
#ifndef PAMSK_DEVICES_H
#define PAMSK_DEVICES_H
#include <stddef.h>

#include "pamsk_factor.h"

/* Raised whenever either struct below or struct pamsk changes shape. */
#define PAMSK_DEVICES_ABI 1u
/* The one symbol the plug-in exports. */
#define PAMSK_DEVICES_ENTRY "pamsk_devices_entry"
/* The plug-in's file name: the module's own file name with ".so" replaced by this suffix
 * (pam_sekimori.so -> pam_sekimori_devices.so). */
#define PAMSK_DEVICES_SUFFIX "_devices.so"

/* What the module lends the plug-in: the one module function the device rows call that
 * keeps state in the module (the card login remembered for the session phase). The
 * conversation functions (pamsk_conv.c) are compiled into the plug-in as well. */
struct pamsk_devices_host {
	unsigned abi;
	size_t pamsk_size;            /* sizeof(struct pamsk) in the module */
	int (*card_watch_remember)(struct pamsk *m, const char *reader, const unsigned char *cert,
	                           size_t cert_len);
};

/* What the plug-in gives back: the collectors of the device rows. */
struct pamsk_devices {
	unsigned abi;
	pamsk_collect_fn fido2;
	pamsk_collect_fn card;
};

/* The plug-in's entry: NULL when host does not match the plug-in's build. */
typedef const struct pamsk_devices *(*pamsk_devices_entry_fn)(
	const struct pamsk_devices_host *host);

/* Module side: the plug-in's table, loaded on first use; NULL (logged) when it cannot be
 * loaded. */
const struct pamsk_devices *pamsk_devices_get(void);

#endif
