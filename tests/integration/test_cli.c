/* The sekimori CLI as an administrator meets it (issue 7, items 2, 15, 16, 17): the real CLI
 * and a real broker; the TOTP code of the default enrolment comes from oathtool reading the
 * URI the CLI printed, and the login that follows goes through real libpam and the built
 * module. Requirement IDs: R-MFA-1 (TOTP enrolment), R-INPUT-1 (values checked, refusals
 * explained), R-LIFE-1 (user registration). */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "sk_fixture.h"
#include "sk_i18n.h"
#include "sk_pamdrive.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 3\nunlock_time = 0\n"
	/* The enrolment uses the current step; the login the next one. */
	"totp_window = 2\n";

static struct sk_fixture fx;

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-cli", args, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

/* The CLI in the administrator's language (lang: "C" or "ja"), stdout and stderr together,
 * standard input from /dev/null. Returns the exit status. */
static int
cli_in(const char *lang, const char *args, char *out, size_t outsz)
{
	char cmd[4096];
	const char *locale = strcmp(lang, "ja") == 0 ? "ja_JP.UTF-8" : "C";
	int n = snprintf(cmd, sizeof(cmd), "LANGUAGE= LANG=%s LC_ALL=%s '%s' -c '%s' %s "
	                 "< /dev/null 2>&1", locale, locale, getenv("SK_CLI"), fx.conf, args);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, outsz);
}

static void
assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void
assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("did not expect \"%s\" in:\n%s", needle, text);
}

/* Reads from fd until needle has arrived (or EOF / 30 s); returns what was read. */
static void
read_until(int fd, const char *needle, char *buf, size_t cap)
{
	size_t got = 0;
	time_t deadline = time(NULL) + 30;

	buf[0] = '\0';
	while (strstr(buf, needle) == NULL && got + 1 < cap && time(NULL) < deadline) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
	}
}

/* The value of a query parameter of the otpauth URI. */
static void
uri_param(const char *uri, const char *name, char *out, size_t cap)
{
	char key[32];
	const char *p;
	size_t n;

	snprintf(key, sizeof(key), "%s=", name);
	p = strstr(uri, key);
	if (p == NULL)
		fail_msg("no %s in %s", name, uri);
	p += strlen(key);
	n = strcspn(p, "&\n ");
	assert_true(n > 0 && n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

static void
oath_code(const char *algo, const char *secret, long offset, char *code, size_t cap)
{
	char cmd[512];
	int n = snprintf(cmd, sizeof(cmd), "oathtool --totp=%s -b -N @%lld '%s'", algo,
	                 (long long)time(NULL) + offset, secret);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(sk_test_run(cmd, code, cap), 0);
	code[strcspn(code, "\n")] = '\0';
	assert_int_equal(strlen(code), 6);
}

/* `sekimori totp enroll USER --algorithm ALGO` without --secret, as the README tour does:
 * the broker makes the seed; the first code is computed by oathtool from the URI the CLI
 * printed and typed into the CLI's standard input. Returns the seed in base32. */
static void
enroll_default(const char *user, const char *algo, char *secret, size_t cap)
{
	int to_cli[2], from_cli[2], status;
	char out[8192], code[16], uri_algo[16], *uri;
	pid_t pid;

	assert_int_equal(pipe(to_cli), 0);
	assert_int_equal(pipe(from_cli), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(to_cli[0], STDIN_FILENO);
		dup2(from_cli[1], STDOUT_FILENO);
		dup2(from_cli[1], STDERR_FILENO);
		close(to_cli[1]);
		close(from_cli[0]);
		setenv("LC_ALL", "C", 1);
		execl(getenv("SK_CLI"), "sekimori", "-c", fx.conf, "totp", "enroll", user,
		      "--algorithm", algo, (char *)NULL);
		_exit(127);
	}
	close(to_cli[0]);
	close(from_cli[1]);
	read_until(from_cli[0], "period=", out, sizeof(out));
	uri = strstr(out, "otpauth://totp/");
	if (uri == NULL) {
		close(to_cli[1]);
		waitpid(pid, &status, 0);
		fail_msg("no otpauth URI from `totp enroll %s --algorithm %s`:\n%s", user, algo, out);
	}
	uri_param(uri, "secret", secret, cap);
	uri_param(uri, "algorithm", uri_algo, sizeof(uri_algo));
	assert_true(strcasecmp(uri_algo, algo) == 0);
	oath_code(algo, secret, 0, code, sizeof(code));
	assert_true(strlen(code) + 1 < sizeof(code));
	code[strlen(code) + 1] = '\0';
	code[strlen(code)] = '\n';
	assert_int_equal(write(to_cli[1], code, strlen(code)), (ssize_t)strlen(code));
	close(to_cli[1]);
	read_until(from_cli[0], "\x01never", out, sizeof(out));   /* the rest, up to EOF */
	close(from_cli[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("totp enroll exited %d:\n%s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		         out);
	assert_contains(out, "TOTP token enrolled.");
}

/* R-MFA-1: the default enrolment (no --secret) for one algorithm, then a real login. */
static void
default_enroll_and_login(const char *user, const char *algo)
{
	char temp[64], secret[160], code[16], out[8192], needle[64], args[128];
	struct skpd d;

	skfx_add_user(&fx, user, "mynumber", temp, sizeof(temp));
	enroll_default(user, algo, secret, sizeof(secret));
	/* The broker's seed has the hash's output size (20, 32 or 64 bytes): base32 of it. */
	assert_int_equal(strlen(secret), strcmp(algo, "sha1") == 0 ? 32 :
	                 strcmp(algo, "sha256") == 0 ? 52 : 103);
	snprintf(needle, sizeof(needle), "\"algorithm\":\"%s\"", strcmp(algo, "sha1") == 0 ?
	         "SHA1" : strcmp(algo, "sha256") == 0 ? "SHA256" : "SHA512");
	snprintf(args, sizeof(args), "--json user show %s", user);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	assert_contains(out, "\"confirmed\":true");
	assert_contains(out, needle);
	/* The enrolment used the current step: the login takes the next one. */
	oath_code(algo, secret, 30, code, sizeof(code));
	skpd_begin(&d, fx.pamdir, "sk-cli", user, NULL, temp, code, NULL);
	d.last = pam_authenticate(d.pamh, 0);
	if (d.last != PAM_SUCCESS)
		print_message("%s", d.transcript);
	assert_int_equal(d.last, PAM_SUCCESS);
	/* The temporary password must be changed (R-CRED-1): the account phase says so. */
	assert_int_equal(pam_acct_mgmt(d.pamh, 0), PAM_NEW_AUTHTOK_REQD);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	snprintf(needle, sizeof(needle), "\"user\":\"%s\"", user);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", needle,
	                                  "\"result\":\"allow\"", NULL), 1);
}

static void
test_r_mfa_1_default_totp_enroll_sha1(void **state)
{
	(void)state;
	default_enroll_and_login("tsha1", "sha1");
}

static void
test_r_mfa_1_default_totp_enroll_sha256(void **state)
{
	(void)state;
	default_enroll_and_login("tsha256", "sha256");
}

static void
test_r_mfa_1_default_totp_enroll_sha512(void **state)
{
	(void)state;
	default_enroll_and_login("tsha512", "sha512");
}

/* Runs args in C and ja: the exit status must be want_rc, and each language's output must
 * hold its sentence; neither may fall back to "malformed". */
static void
refusal_in_both(const char *args, int want_rc, const char *c_text, const char *ja_text)
{
	char out[8192];

	assert_int_equal(cli_in("C", args, out, sizeof(out)), want_rc);
	assert_contains(out, c_text);
	assert_lacks(out, "malformed");
	assert_lacks(out, "usage:");
	assert_int_equal(cli_in("ja", args, out, sizeof(out)), want_rc);
	assert_contains(out, ja_text);
	assert_lacks(out, "形式が正しくないため");
}

/* R-INPUT-1, item 15: a seed shorter than 16 bytes is an invalid value: exit 2. */
static void
test_r_input_1_short_secret_exits_2(void **state)
{
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "shortsec", "mynumber", pw, sizeof(pw));
	/* 16 base32 characters: 10 bytes. */
	refusal_in_both("totp enroll shortsec --secret AAAAAAAAAAAAAAAA --code 123456", 2,
	                "sekimori: refused: invalid --secret: the seed must be 16 to 64 bytes",
	                "--secret の値が正しくありません: シードは 16～64 バイトにしてください");
}

/* R-INPUT-1, item 16: --digits 7 names the digits, exit 2. */
static void
test_r_input_1_digits_7_refused_with_reason(void **state)
{
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "digits7", "mynumber", pw, sizeof(pw));
	refusal_in_both("totp enroll digits7 --digits 7 --code 123456", 2,
	                "sekimori: refused: invalid --digits (6 or 8)",
	                "sekimori: 拒否されました: --digits の値が正しくありません (6 または 8)");
}

/* R-INPUT-1: the other TOTP values the broker checks are named too, exit 2. */
static void
test_r_input_1_totp_values_refused_with_reason(void **state)
{
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "values", "mynumber", pw, sizeof(pw));
	refusal_in_both("totp enroll values --period 10 --code 123456", 2,
	                "sekimori: refused: invalid --period (15 to 300 seconds)",
	                "--period の値が正しくありません (15～300 秒)");
	refusal_in_both("totp enroll values --algorithm md5 --code 123456", 2,
	                "sekimori: refused: invalid --algorithm (sha1, sha256 or sha512)",
	                "--algorithm の値が正しくありません");
	/* Nothing was enrolled by the refused requests. */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.totp_enroll_begin\"",
	                                  "\"user\":\"values\"", NULL), 0);
}

/* R-INPUT-1, R-LIFE-1: an undefined profile is a refusal (exit 1), a malformed profile
 * name an invalid value (exit 2); both say which. */
static void
test_r_input_1_profile_refusals(void **state)
{
	(void)state;
	refusal_in_both("user add prof1 --profile nosuch", 1,
	                "sekimori: refused: unknown profile (not defined in sekimori.conf)",
	                "プロファイルが定義されていません");
	refusal_in_both("user add prof1 --profile Bad!", 2,
	                "sekimori: refused: invalid profile name",
	                "プロファイル名が正しくありません");
}

/* R-INPUT-1, R-LIFE-1, item 16: a user name the broker refuses says why, exit 2. */
static void
test_r_input_1_bad_user_name_refused_with_reason(void **state)
{
	(void)state;
	refusal_in_both("user add bad/name", 2, "sekimori: refused: invalid user name",
	                "sekimori: 拒否されました: 利用者名が正しくありません");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_add\"", "bad/name", NULL), 0);
}

/* R-INPUT-1, item 16: FIDO2 enrolment without [fido2] says "not configured" (a refusal,
 * exit 1), not "malformed". */
static void
test_r_input_1_fido2_not_configured_says_so(void **state)
{
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "nofido", "mynumber", pw, sizeof(pw));
	refusal_in_both("fido2 enroll nofido", 1,
	                "sekimori: refused: FIDO2 security keys are not configured on the broker",
	                "ブローカーに FIDO2 セキュリティキーが設定されていません");
}

/* R-INPUT-1, item 16: every reason the broker can give has its own translated sentence; a
 * reason this CLI does not know still names its number. */
static void
test_r_input_1_every_reason_has_a_sentence(void **state)
{
	static const uint64_t reasons[] = {
		SK_REASON_TOO_SHORT, SK_REASON_TOO_FEW_CLASSES, SK_REASON_CONTAINS_USER,
		SK_REASON_REUSED, SK_REASON_BAD_CHARS, SK_REASON_TOO_LONG, SK_REASON_SAME_AS_OLD,
		SK_REASON_OLD_WRONG, SK_REASON_UNKNOWN_PROFILE, SK_REASON_EXPIRED,
		SK_REASON_FIDO2_REFUSED, SK_REASON_CERT_BOUND, SK_REASON_CERT_INVALID,
		SK_REASON_NOT_CONFIGURED, SK_REASON_INVALID_USER_NAME, SK_REASON_INVALID_ALGORITHM,
		SK_REASON_INVALID_DIGITS, SK_REASON_INVALID_PERIOD, SK_REASON_INVALID_SECRET,
		SK_REASON_INVALID_UV, SK_REASON_INVALID_FACTOR_ID, SK_REASON_MALFORMED_FIELD,
		SK_REASON_UNKNOWN_REQUEST, SK_REASON_WRONG_STATE, SK_REASON_INVALID_PROFILE_NAME,
		/* Privileged access (issue 9). */
		SK_REASON_SELF_APPROVAL, SK_REASON_NOT_HOLDER, SK_REASON_NOT_APPROVER,
		SK_REASON_MINUTES_OVER, SK_REASON_CONTRACTOR, SK_REASON_UNKNOWN_ROLE,
		SK_REASON_GRANT_STATE, SK_REASON_ALREADY_APPROVED, SK_REASON_REASON_REQUIRED,
		SK_REASON_SAME_PERSON,
		/* Removal requests (issue 10). */
		SK_REASON_OWN_REQUEST, SK_REASON_REQUEST_DECIDED, SK_REASON_NOTHING_TO_REMOVE,
		SK_REASON_NO_ACCOUNT, SK_REASON_REQUEST_OPEN,
		/* Back from leave (issue 10, item 4). */
		SK_REASON_RECONFIRM_REQUIRED, SK_REASON_NOTHING_TO_RECONFIRM,
	};
	const char *english[sizeof(reasons) / sizeof(reasons[0])];
	char locale_dir[600], out[512];
	FILE *f;
	int saved;

	(void)state;
	snprintf(locale_dir, sizeof(locale_dir), "%s/locale", getenv("SK_BINARY_DIR"));
	setlocale(LC_ALL, "C");
	sk_i18n_init("C", locale_dir);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		english[i] = cli_reason_text(reasons[i]);
		if (english[i] == NULL)
			fail_msg("reason %llu has no sentence", (unsigned long long)reasons[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(english[i], english[j]);
	}
	assert_non_null(setlocale(LC_ALL, "ja_JP.UTF-8"));
	sk_i18n_init("auto", locale_dir);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		const char *ja = cli_reason_text(reasons[i]);
		assert_non_null(ja);
		if (strcmp(ja, english[i]) == 0)
			fail_msg("reason %llu is not translated: %s", (unsigned long long)reasons[i], ja);
	}
	/* A reason from a newer broker: a generic sentence that names the number. */
	assert_null(cli_reason_text(63));
	f = tmpfile();
	assert_non_null(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	cli_print_reason(63);
	sk_i18n_init("C", locale_dir);
	cli_print_reason(63);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
	fclose(f);
	setlocale(LC_ALL, "C");
	assert_contains(out, "sekimori: ブローカーが要求を拒否しました (理由 63)");
	assert_contains(out, "sekimori: the broker refused the request (reason 63)");
}

/* R-INPUT-1, item 17: an unknown command or option is named, with a pointer to --help,
 * exit 2, and the whole usage is not dumped. */
static void
test_r_input_1_unknown_command_or_option_named(void **state)
{
	(void)state;
	refusal_in_both("frob", 2, "sekimori: unknown command 'frob'",
	                "sekimori: 不明なコマンド 'frob' です");
	refusal_in_both("user frob", 2, "sekimori: unknown command 'user frob'",
	                "不明なコマンド 'user frob'");
	refusal_in_both("--frob user list", 2, "sekimori: unknown option '--frob'",
	                "不明なオプション '--frob'");
	refusal_in_both("user add someone --frob", 2,
	                "sekimori: unknown option '--frob' for this command",
	                "このコマンドに不明なオプション '--frob'");
	refusal_in_both("frob", 2, "Try 'sekimori --help'", "'sekimori --help'");
	{
		char out[8192];
		/* --help after a command is help, not an unknown option. */
		assert_int_equal(cli_in("C", "user add --help", out, sizeof(out)), 0);
		assert_contains(out, "usage: sekimori");
	}
	/* The option of another command is refused too; the command's own are taken. */
	refusal_in_both("user add someone --secret X", 2, "unknown option '--secret'",
	                "'--secret'");
}

/* Item 17: the default configuration is the one the man pages name. */
static void
test_default_paths_are_the_documented_ones(void **state)
{
	char cmd[1024], out[4096];

	(void)state;
	snprintf(cmd, sizeof(cmd), "LC_ALL=C '%s' --help 2>&1", getenv("SK_CLI"));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_contains(out, "(default /etc/sekimori/sekimori.conf)");
	snprintf(cmd, sizeof(cmd), "'%s' --help 2>&1", getenv("SK_SEKIMORID"));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_contains(out, "usage: sekimorid");
	assert_contains(out, "(default /etc/sekimori/sekimori.conf)");
	snprintf(cmd, sizeof(cmd), "'%s' --version 2>&1", getenv("SK_SEKIMORID"));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_contains(out, "sekimorid 0.");
	snprintf(cmd, sizeof(cmd), "'%s' --frob 2>&1", getenv("SK_SEKIMORID"));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 2);
	assert_contains(out, "--frob");
}

/* R-MFA-1, item 17: the QR code (terminal escape codes) is drawn only on a terminal; into a
 * pipe or file goes the URI alone. */
static void
test_r_mfa_1_qr_only_on_a_terminal(void **state)
{
	char pw[64], cmd[2048], out[16384];

	(void)state;
	skfx_add_user(&fx, "qruser", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli_in("C", "totp enroll qruser --code 000000", out, sizeof(out)), 1);
	assert_contains(out, "otpauth://totp/");
	assert_lacks(out, "\x1b[");
	assert_lacks(out, "\xe2\x96\x88");   /* no block characters either */
	/* On a terminal (script(1) gives the CLI a pseudo-terminal) the QR code is drawn. */
	snprintf(cmd, sizeof(cmd), "LC_ALL=C script -qec \"'%s' -c '%s' totp enroll qruser "
	         "--code 000000\" /dev/null < /dev/null 2>&1", getenv("SK_CLI"), fx.conf);
	(void)sk_test_run(cmd, out, sizeof(out));
	assert_contains(out, "otpauth://totp/");
	assert_contains(out, "\x1b[30;47;107m");
	assert_contains(out, "\xe2\x96\x88");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_mfa_1_default_totp_enroll_sha1),
		cmocka_unit_test(test_r_mfa_1_default_totp_enroll_sha256),
		cmocka_unit_test(test_r_mfa_1_default_totp_enroll_sha512),
		cmocka_unit_test(test_r_input_1_short_secret_exits_2),
		cmocka_unit_test(test_r_input_1_digits_7_refused_with_reason),
		cmocka_unit_test(test_r_input_1_totp_values_refused_with_reason),
		cmocka_unit_test(test_r_input_1_profile_refusals),
		cmocka_unit_test(test_r_input_1_bad_user_name_refused_with_reason),
		cmocka_unit_test(test_r_input_1_fido2_not_configured_says_so),
		cmocka_unit_test(test_r_input_1_every_reason_has_a_sentence),
		cmocka_unit_test(test_r_input_1_unknown_command_or_option_named),
		cmocka_unit_test(test_default_paths_are_the_documented_ones),
		cmocka_unit_test(test_r_mfa_1_qr_only_on_a_terminal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
