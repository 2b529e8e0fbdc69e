/* TEST-ONLY: the strong definition of the PAM module's device hook, linked only into
 * pam_sekimori_softfido.so (tests/fido2_e2e); the installed module keeps its empty weak
 * default. */
#include "sfp_devices.h"

void pamsk_fido2_extra_devices(struct skf_devlist *l);

void
pamsk_fido2_extra_devices(struct skf_devlist *l)
{
	sfp_add_devices(l);
}
