/* What the sekimori.conf unit tests (tests/unit/test_conf_*.c) share: a private folder, a
 * file written there and loaded, and checks that a refusal names its cause and its line as
 * "FILE:LINE: what". */
#ifndef CONF_FIXTURE_H
#define CONF_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_conf.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

/* The private folder, the file written there, the last error and the loaded configuration. */
extern char conf_dir[512];
extern char conf_path[700];
extern char conf_err[512];
extern struct sk_conf loaded_conf;

int
setup(void **state);

int
teardown(void **state);

int
load(const char *text);

void
load_ok(const char *text);

/* The file must be refused with SK_ERR_CONFIG and a message containing what. */
void
expect_refusal(const char *text, const char *what);

/* The last error must start with "PATH:LINE: ". */
void
expect_line(int line);

void
expect_error(const char *text, int line, const char *what);

#endif
