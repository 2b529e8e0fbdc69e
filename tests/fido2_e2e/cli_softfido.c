/* TEST-ONLY: the strong definition of the CLI's device hook, linked only into
 * sekimori_softfido (tests/fido2_e2e); the installed CLI keeps its empty weak default. */
#include "sfp_devices.h"

void cli_fido2_extra_devices(struct skf_devlist *l);

void
cli_fido2_extra_devices(struct skf_devlist *l)
{
	sfp_add_devices(l);
}
