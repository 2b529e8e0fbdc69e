/* The audit log attacked from outside a running system, as an auditor would check it with the
 * real broker and CLI (R-LOG-1, R-LOG-3).
 *
 * - Log cut back and the anchor rewritten by someone without the audit key: before, the
 *   anchor held only seq and mac (both readable in the log), so `audit verify` said intact.
 * - Log cut back and an old, genuine anchor put back: only the copy of the anchor in syslog
 *   ("audit anchor=SEQ:MAC") can show it, through `audit verify --anchor`.
 * - The live log deleted: before, the broker compared sizes only and went on writing into
 *   the deleted file.
 * R-TEST-1: generated users only. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 3\nunlock_time = 0\n"
	"totp_window = 2\n";

static void
path_of(const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", fx.dir, name);

	assert_true(n > 0 && (size_t)n < outsz);
}

static size_t
read_all(const char *path, char *buf, size_t bufsz)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, bufsz - 1, f);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void
write_all(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
copy(const char *from, const char *to)
{
	static char buf[1 << 20];
	size_t n = read_all(from, buf, sizeof(buf));

	write_all(to, buf, n);
}

/* The last "audit anchor=SEQ:MAC" the broker logged (its stderr is broker.log). */
static void
last_syslog_anchor(char *out, size_t outsz)
{
	static char buf[1 << 20];
	char path[700];
	const char *p, *last = NULL;
	size_t n;

	path_of("broker.log", path, sizeof(path));
	read_all(path, buf, sizeof(buf));
	for (p = buf; (p = strstr(p, "audit anchor=")) != NULL; p++)
		last = p + strlen("audit anchor=");
	assert_non_null(last);
	n = strcspn(last, " \n");
	assert_true(n < outsz);
	memcpy(out, last, n);
	out[n] = '\0';
}

/* Keeps the first `records` lines of the log. */
static void
cut_log(size_t records)
{
	static char buf[1 << 20];
	char path[700];
	size_t n, i, off = 0;

	path_of("log/audit.jsonl", path, sizeof(path));
	n = read_all(path, buf, sizeof(buf));
	for (i = 0; i < records; i++) {
		char *nl = memchr(buf + off, '\n', n - off);

		assert_non_null(nl);
		off = (size_t)(nl - buf) + 1;
	}
	write_all(path, buf, off);
}

static size_t
count_records(void)
{
	static char buf[1 << 20];
	char path[700];
	size_t n, i, lines = 0;

	path_of("log/audit.jsonl", path, sizeof(path));
	n = read_all(path, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* Starts the broker expecting it to refuse; returns what it logged. */
static void
start_refused(void)
{
	char log[700];
	int status;
	pid_t pid;

	path_of("broker.log", log, sizeof(log));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		execl(getenv("SK_SEKIMORID"), "sekimorid", "-c", fx.conf, "-f", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

/* R-LOG-3: cutting the log back and writing the anchor for its new end, without the audit
 * key, is reported by `audit verify` and stops the broker; an old genuine anchor put back
 * passes the local check but not `audit verify --anchor` with the anchor from syslog. */
static void
test_r_log_3_truncation_with_rewritten_anchor_is_reported(void **state)
{
	char pw[64], out[8192], remote[128], args[256], anchor[700], saved[700], text[256];
	char logsaved[700], logpath[700], whole[700], mac[65];
	size_t old_records, all;
	static char line[1 << 20];

	(void)state;
	path_of("state/audit.anchor", anchor, sizeof(anchor));
	path_of("anchor.old", saved, sizeof(saved));
	path_of("log.saved", logsaved, sizeof(logsaved));
	path_of("anchor.whole", whole, sizeof(whole));
	path_of("log/audit.jsonl", logpath, sizeof(logpath));
	skfx_add_user(&fx, "trunc1", "mynumber", pw, sizeof(pw));
	skfx_stop_broker(&fx);
	old_records = count_records();
	copy(anchor, saved);
	skfx_restart(&fx);
	skfx_add_user(&fx, "trunc2", "mynumber", pw, sizeof(pw));
	skfx_add_user(&fx, "trunc3", "mynumber", pw, sizeof(pw));
	skfx_stop_broker(&fx);
	all = count_records();
	assert_true(all > old_records);
	last_syslog_anchor(remote, sizeof(remote));
	assert_int_equal(strtoull(remote, NULL, 10), all);
	snprintf(args, sizeof(args), "audit verify --anchor %s", remote);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit log intact"));
	copy(logpath, logsaved);
	copy(anchor, whole);

	/* Without the key: seq and mac of the new last record, as the log shows them. */
	cut_log(old_records);
	read_all(logpath, line, sizeof(line));
	{
		char *end = strrchr(line, '\n');

		assert_non_null(end);
		*end = '\0';
		assert_true(strlen(line) > 66);
		memcpy(mac, end - 66, 64);
		mac[64] = '\0';
	}
	/* In the old format, and with a made-up tag. */
	snprintf(text, sizeof(text), "seq=%020zu mac=%s\n", old_records, mac);
	write_all(anchor, text, strlen(text));
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "DAMAGED"));
	snprintf(text, sizeof(text), "seq=%020zu mac=%s tag=%s\n", old_records, mac, mac);
	write_all(anchor, text, strlen(text));
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "anchor forged"));
	start_refused();

	/* A genuine old anchor put back: whole to the local check, cut to the remote one. */
	copy(saved, anchor);
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "truncated"));
	assert_non_null(strstr(out, "the remote anchor says"));
	/* And the store, which committed the later records, stops the broker. */
	start_refused();
	path_of("broker.log", text, sizeof(text));
	read_all(text, line, sizeof(line));
	assert_non_null(strstr(line, "log and anchor were cut back"));
	/* A malformed --anchor is a usage error. */
	assert_int_equal(skfx_cli(&fx, "audit verify --anchor 12:zz", NULL, out, sizeof(out)), 2);

	/* Log and anchor put back whole: the broker starts again. */
	copy(logsaved, logpath);
	copy(whole, anchor);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	skfx_restart(&fx);
}

/* R-LOG-1: the live log deleted under the broker: the next decision denies, the event is in
 * syslog, and the old file can be copied back from /proc before the restart. */
static void
test_r_log_1_deleted_live_log_denies_and_is_reported(void **state)
{
	char pw[64], seed[64], code[16], args[1024], out[8192], logpath[700], proc[128];
	static char text[1 << 20];
	struct skpd d;
	const char *p;

	(void)state;
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	skfx_add_user(&fx, "del1", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "del1", seed, sizeof(seed));
	skfx_first_login(&fx, "del1", pw, seed, "Yuki-Furu-2026-x");
	path_of("log/audit.jsonl", logpath, sizeof(logpath));
	assert_int_equal(unlink(logpath), 0);

	skfx_totp_code(seed, 60, code, sizeof(code));
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "del1", NULL,
	                                       "Yuki-Furu-2026-x", code), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "unavailable"));
	/* Still refused: not one record went into the deleted file. */
	assert_int_not_equal(skfx_cli(&fx, "user add del2 --profile mynumber", NULL, out,
	                              sizeof(out)), 0);
	path_of("broker.log", args, sizeof(args));
	read_all(args, text, sizeof(text));
	p = strstr(text, "was deleted");
	assert_non_null(p);
	p = strstr(p, "/proc/");
	assert_non_null(p);
	assert_true(strcspn(p, ")") < sizeof(proc));
	memcpy(proc, p, strcspn(p, ")"));
	proc[strcspn(p, ")")] = '\0';
	/* The recovery the alert names: copy the open file back, then restart. */
	copy(proc, logpath);
	skfx_stop_broker(&fx);
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Audit log intact"));
	skfx_restart(&fx);
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "del1", NULL,
	                                   "Yuki-Furu-2026-x", code), PAM_SUCCESS);
}

static int
setup(void **state)
{
	(void)state;
	skfx_start(&fx, "C", profiles);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_3_truncation_with_rewritten_anchor_is_reported),
		cmocka_unit_test(test_r_log_1_deleted_live_log_denies_and_is_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
