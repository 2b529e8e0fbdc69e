#include "sk_test_helpers.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
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

int
sk_test_store_is_pg(void)
{
	const char *v = getenv("SK_TEST_STORE");

	return v != NULL && strcmp(v, "pg") == 0;
}

void
sk_test_store_name(const char *dir, char *out, size_t outsz)
{
	static unsigned counter;
	const char *host = getenv("SK_TEST_PG_HOST"), *port = getenv("SK_TEST_PG_PORT");
	char db[64], cmd[2048], res[256];
	int n;

	if (!sk_test_store_is_pg()) {
		n = snprintf(out, outsz, "%s/sekimori.db", dir);
		assert_true(n > 0 && (size_t)n < outsz);
		return;
	}
	assert_non_null(host);
	assert_non_null(port);
	snprintf(db, sizeof(db), "sk_%ld_%u", (long)getpid(), counter++);
	n = snprintf(cmd, sizeof(cmd), "psql -X -q -v ON_ERROR_STOP=1 \"$SK_TEST_PG_URI\""
	             " -c 'CREATE DATABASE %s' 2>&1", db);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	if (sk_test_run(cmd, res, sizeof(res)) != 0)
		fail_msg("creating test database %s: %s", db, res);
	n = snprintf(out, outsz, "postgresql:///%s?host=%s&port=%s&user=postgres", db, host, port);
	assert_true(n > 0 && (size_t)n < outsz);
}

int
sk_test_pg_sql(const char *uri, const char *sql, char *out, size_t outsz)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "psql -X -q -A -t -v ON_ERROR_STOP=1 '%s' -c \"%s\" 2>&1",
	                 uri, sql);
	size_t len;
	int rc;

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	rc = sk_test_run(cmd, out, outsz);
	len = strlen(out);
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	return rc;
}
