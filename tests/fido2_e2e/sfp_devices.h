/* TEST-ONLY: software keys "plugged in" for the test builds of the PAM module and the CLI
 * (pam_sekimori_softfido.so, sekimori_softfido). Never linked into an installed target. */
#ifndef SFP_DEVICES_H
#define SFP_DEVICES_H
#include "skf_devices.h"

/* SK_SOFTFIDO_STATE = FILE[:FILE...]: each softfido state file is one plugged key, opened
 * through the real libfido2 with softfido's io/transport functions. Every command a key
 * answers is written back to its file, so the key outlives this process. Keys that do not
 * load are logged and left out, like a broken key in a USB port. */
void sfp_add_devices(struct skf_devlist *l);

#endif
