/* The administrator's session token kept by the CLI (cli_admin_token.c). */
#ifndef CLI_ADMIN_TOKEN_H
#define CLI_ADMIN_TOKEN_H
#include "skc_admin.h"

/* Writes the token atomically, mode 0600; 0, or -1 after saying why. */
int cli_admin_token_save(const unsigned char token[SK_ADMIN_TOKEN_LEN]);
void cli_admin_token_remove(void);

#endif
