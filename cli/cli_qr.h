/* Terminal QR codes, for enrolling a TOTP seed into a phone's authenticator app. */
#ifndef CLI_QR_H
#define CLI_QR_H
#include <stdio.h>

/* Prints text as a QR code (error correction M, 8-bit mode) with Unicode half blocks, two
 * module rows per text line, a 4-module quiet zone, and ANSI colours forcing dark modules on
 * a light background whatever the terminal's theme. Returns SK_OK or SK_ERR_*. */
int cli_qr_print(FILE *out, const char *text);

#endif
