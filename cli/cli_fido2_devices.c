/* The FIDO2 keys enrolment may use beyond those libfido2 finds by itself: none in the shipped
 * CLI. A file of its own so that a test build replaces the whole file
 * (tests/fido2_e2e/cli_softfido.c) and the installed CLI carries no test code. */
#include "cli.h"

void
cli_fido2_extra_devices(struct skf_devlist *l)
{
	(void)l;
}
