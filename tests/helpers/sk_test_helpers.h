/* Small helpers shared by the cmocka tests: temporary directories and files. */
#ifndef SK_TEST_HELPERS_H
#define SK_TEST_HELPERS_H
#include <stddef.h>

/* Creates a fresh private directory under $TMPDIR (or /tmp); writes its path to out. */
void sk_test_mkdtemp(char *out, size_t outsz);
/* Removes a directory tree made by sk_test_mkdtemp. */
void sk_test_rmtree(const char *path);
/* Writes text to dir/name; returns the full path in out. */
void sk_test_write_file(const char *dir, const char *name, const char *text, char *out, size_t outsz);
/* Runs a shell command and captures up to outsz-1 bytes of stdout; returns the exit status. */
int sk_test_run(const char *cmd, char *out, size_t outsz);

#endif
