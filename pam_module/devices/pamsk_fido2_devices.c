/* The FIDO2 keys a login may use beyond those libfido2 finds by itself: none in the shipped
 * module. This is the module's only device seam, a file of its own so that a test build can
 * replace the whole file (tests/fido2_e2e/pam_softfido.c plugs in software authenticators)
 * while the installed module carries no test code and no weak symbol. */
#include "pamsk.h"

void
pamsk_fido2_extra_devices(struct skf_devlist *l)
{
	(void)l;
}
