/* TEST-ONLY: the PAM module's device seam, in place of
 * pam_module/devices/pamsk_fido2_devices.c (which adds no device), linked only into the
 * device plug-in pam_sekimori_softfido_devices.so (tests/fido2_e2e). */
#include "sfp_devices.h"

void pamsk_fido2_extra_devices(struct skf_devlist *l);

void
pamsk_fido2_extra_devices(struct skf_devlist *l)
{
	sfp_add_devices(l);
}
