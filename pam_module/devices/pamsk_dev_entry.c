/* pam_sekimori_devices.so's entry (pamsk_devices.h): checks that the module loading it was
 * built with it, and hands back the FIDO2 and card collectors. Each collector first gives
 * this plug-in's own copies of the log and message settings the module's values (the
 * plug-in carries its own copy of skcommon, whose state is per copy). */
#include "pamsk.h"
#include "pamsk_devices.h"
#include "sk_i18n.h"
#include "sk_log.h"

#define PAMSK_DEV_EXPORT __attribute__((visibility("default")))

extern const struct pamsk_factor pamsk_device_fido2, pamsk_device_card;

static const struct pamsk_devices_host *dev_host;

/* The one module function the device rows call (pamsk.h): kept in the module, where the
 * session phase reads what it remembered. */
int
pamsk_card_watch_remember(struct pamsk *m, const char *reader, const unsigned char *cert,
                          size_t cert_len)
{
	return dev_host->card_watch_remember(m, reader, cert, cert_len);
}

static void
settle(const struct pamsk *m)
{
	sk_log_set_ident("pam_sekimori");
	sk_log_set_debug(m->debug);
	sk_i18n_init(m->conf.language, m->conf.locale_dir);
}

static int
collect_fido2(struct pamsk *m, const struct skc_auth_begin_out *begin,
              struct skc_auth_finish_in *finish)
{
	settle(m);
	return pamsk_device_fido2.collect(m, begin, finish);
}

static int
collect_card(struct pamsk *m, const struct skc_auth_begin_out *begin,
             struct skc_auth_finish_in *finish)
{
	settle(m);
	return pamsk_device_card.collect(m, begin, finish);
}

static const struct pamsk_devices dev_table = {
	.abi = PAMSK_DEVICES_ABI,
	.fido2 = collect_fido2,
	.card = collect_card,
};

PAMSK_DEV_EXPORT const struct pamsk_devices *pamsk_devices_entry(
	const struct pamsk_devices_host *host);

PAMSK_DEV_EXPORT const struct pamsk_devices *
pamsk_devices_entry(const struct pamsk_devices_host *host)
{
	if (host == NULL || host->abi != PAMSK_DEVICES_ABI ||
	    host->pamsk_size != sizeof(struct pamsk) || host->card_watch_remember == NULL) {
		sk_logerr("pam_sekimori_devices.so was not built with this pam_sekimori.so");
		return NULL;
	}
	dev_host = host;
	return &dev_table;
}
