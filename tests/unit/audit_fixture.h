/* What the audit-log unit tests (tests/unit/test_audit_*.c) share: a private folder with a
 * generated key (R-TEST-1), generated events, a written log, and the tools to cut a log into
 * lines, tamper with it and check where verify finds the fault. */
#ifndef AUDIT_FIXTURE_H
#define AUDIT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "audit_log.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

#define MAX_LINES 512

struct fixture {
	char dir[PATH_MAX];
	char log[PATH_MAX];
	char anchor[PATH_MAX];
	char log2[PATH_MAX];     /* the tampered copy */
	char anchor2[PATH_MAX];
	unsigned char key[SK_AUDIT_KEY_LEN];
};

/* A whole log file split into lines (without newlines), for tampering. */
struct lines {
	char *buf;
	char *v[MAX_LINES];
	size_t n;
};

void
path_in(const struct fixture *fx, const char *name, char *out, size_t outsz);

int
setup(void **state);

int
teardown(void **state);

json_object *
make_event(unsigned i);

void
append_n(struct audit_log *log, unsigned first, unsigned count);

void
write_log(const struct fixture *fx, unsigned count);

void
copy_file(const char *from, const char *to);

void
load_lines(const char *path, struct lines *l);

void
save_lines(const char *path, char *const *v, size_t n);

void
expect_fault(const char *log, const char *anchor, const unsigned char *key, uint64_t line,
             const char *problem);

void
expect_whole(const char *log, const char *anchor, const unsigned char *key, uint64_t records);

/* Captures what sk_log writes to stderr while fn runs (the tests log to stderr). */
void
capture_stderr_begin(const struct fixture *fx, int *saved);

void
capture_stderr_end(const struct fixture *fx, int saved, char *out, size_t outsz);

#endif
