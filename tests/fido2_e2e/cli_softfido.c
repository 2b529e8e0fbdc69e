/* TEST-ONLY: the CLI's device seam, in place of cli/cli_fido2_devices.c (which adds no
 * device), linked only into sekimori_softfido (tests/fido2_e2e). */
#include "sfp_devices.h"

void cli_fido2_extra_devices(struct skf_devlist *l);

void
cli_fido2_extra_devices(struct skf_devlist *l)
{
	sfp_add_devices(l);
}
