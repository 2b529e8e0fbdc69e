#include "sk_test_helpers.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

void
sk_test_mkdtemp(char *out, size_t outsz)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	n = snprintf(out, outsz, "%s/sk-test-XXXXXX", base);
	assert_true(n > 0 && (size_t)n < outsz);
	assert_non_null(mkdtemp(out));
}

void
sk_test_rmtree(const char *path)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", path);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(system(cmd), 0);
}

void
sk_test_write_file(const char *dir, const char *name, const char *text, char *out, size_t outsz)
{
	FILE *f;
	int n = snprintf(out, outsz, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < outsz);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

int
sk_test_run(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	size_t got = 0;
	int status;

	assert_non_null(p);
	while (got + 1 < outsz) {
		size_t r = fread(out + got, 1, outsz - 1 - got, p);
		if (r == 0)
			break;
		got += r;
	}
	out[got] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
