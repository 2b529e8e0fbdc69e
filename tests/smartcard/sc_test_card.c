/* The shared emulated-card test helpers (sc_test_card.h). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sc_test_card.h"
#include "sk_err.h"

#define SCT_CARD_WAIT_MS 5000

const char *
sct_pki_path(const char *name)
{
	static char buf[8][1024];
	static int i;
	const char *pki = getenv("SK_TEST_PKI");
	char *p = buf[i++ % 8];
	int n;

	assert_non_null(pki);
	n = snprintf(p, sizeof(buf[0]), "%s/%s", pki, name);
	assert_true(n > 0 && (size_t)n < sizeof(buf[0]));
	return p;
}

int
sct_readers_open(SCARDCONTEXT *ctx, char readers[SCT_READERS][SC_READER_NAME_MAX])
{
	int r = SK_ERR_UNAVAILABLE;

	for (int i = 0; i < 100 && r != SK_OK; i++) {
		struct sc_readers rl;

		if ((r = sc_ctx_open(ctx)) == SK_OK) {
			r = sc_readers_list(*ctx, &rl);
			if (r == SK_OK && rl.count != SCT_READERS)
				r = SK_ERR_NOTFOUND;
			if (r == SK_OK) {
				for (int s = 0; s < SCT_READERS; s++)
					memcpy(readers[s], rl.name[s], sizeof(readers[s]));
			} else {
				sc_ctx_close(*ctx);
			}
		}
		if (r != SK_OK)
			usleep(50000);
	}
	if (r != SK_OK) {
		fprintf(stderr, "pcscd does not show vpcd's two readers\n");
		return -1;
	}
	return 0;
}

void
sct_settle(SCARDCONTEXT ctx, char readers[SCT_READERS][SC_READER_NAME_MAX], int *stale)
{
	if (*stale >= 0)
		assert_int_equal(sc_card_wait_empty(ctx, readers[*stale], SCT_CARD_WAIT_MS), SK_OK);
	*stale = -1;
}

int
sct_extra_certs(const char *names, char *out, size_t cap)
{
	char cmd[2048];
	int n = snprintf(cmd, sizeof(cmd), "'%s/tests/card_e2e/extra_certs.sh' '%s' %s 2>&1",
	                 getenv("SK_SOURCE_DIR"), getenv("SK_TEST_PKI"), names);

	FILE *p;
	size_t got = 0;

	out[0] = '\0';
	if (n < 0 || (size_t)n >= sizeof(cmd) || (p = popen(cmd, "r")) == NULL) {
		fprintf(stderr, "extra_certs.sh could not be run\n");
		return -1;
	}
	for (size_t r = 1; r > 0 && got + 1 < cap; got += r)
		r = fread(out + got, 1, cap - 1 - got, p);
	out[got] = '\0';
	if (pclose(p) != 0) {
		fprintf(stderr, "extra_certs.sh failed: %s\n", out);
		return -1;
	}
	return 0;
}

void
sct_emu_argv_init(struct sct_emu_argv *a, const char *emu_bin, const char *type, int slot)
{
	assert_true(slot >= 0 && slot < SCT_READERS);
	memset(a, 0, sizeof(*a));
	snprintf(a->port, sizeof(a->port), "%d", SCT_VPCD_PORT + slot);
	a->n = 0;
	sct_emu_argv_add(a, emu_bin);
	sct_emu_argv_add(a, "--type");
	sct_emu_argv_add(a, type);
	sct_emu_argv_add(a, "--port");
	sct_emu_argv_add(a, a->port);
}

void
sct_emu_argv_add(struct sct_emu_argv *a, const char *arg)
{
	assert_true(a->n < sizeof(a->v) / sizeof(a->v[0]) - 1);
	a->v[a->n++] = arg;
	a->v[a->n] = NULL;
}

void
sct_emu_argv_add_list(struct sct_emu_argv *a, va_list ap)
{
	const char *arg;

	while ((arg = va_arg(ap, const char *)) != NULL)
		sct_emu_argv_add(a, arg);
}

pid_t
sct_emu_spawn(SCARDCONTEXT ctx, const char *reader, struct sct_emu_argv *a, char *found,
              size_t found_cap)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(a->v[0], (char *const *)a->v);
		_exit(127);
	}
	assert_int_equal(sc_card_wait(ctx, reader, SCT_CARD_WAIT_MS, found, found_cap), SK_OK);
	return pid;
}

void
sct_emu_kill(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

long
sct_emu_state(const char *state_file, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(state_file, "r");
	long v = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}
