#include "sk_fixture.h"

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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/rand.h>

#include "sk_pamdrive.h"
#include "sk_test_helpers.h"
#include "sk_totp.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		fail_msg("%s is not set (run the tests through ctest)", name);
	return v;
}

static void
wait_for_socket(struct sk_fixture *fx)
{
	struct stat st;

	for (int i = 0; i < 200; i++) {
		int status;
		if (stat(fx->socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		if (waitpid(fx->broker, &status, WNOHANG) == fx->broker)
			fail_msg("sekimorid exited early (status %d)", status);
		usleep(25000);
	}
	fail_msg("sekimorid did not create %s", fx->socket);
}

void
skfx_restart(struct sk_fixture *fx)
{
	char log[700];

	snprintf(log, sizeof(log), "%s/broker.log", fx->dir);
	fx->broker = fork();
	assert_true(fx->broker >= 0);
	if (fx->broker == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		execl(env("SK_SEKIMORID"), "sekimorid", "-c", fx->conf, "-f", (char *)NULL);
		_exit(127);
	}
	wait_for_socket(fx);
}

void
skfx_start(struct sk_fixture *fx, const char *language, const char *profiles)
{
	char text[16384];

	memset(fx, 0, sizeof(*fx));
	sk_test_mkdtemp(fx->dir, sizeof(fx->dir));
	snprintf(fx->socket, sizeof(fx->socket), "%s/sekimorid.sock", fx->dir);
	snprintf(fx->pamdir, sizeof(fx->pamdir), "%s/pam.d", fx->dir);
	assert_int_equal(mkdir(fx->pamdir, 0700), 0);
	snprintf(text, sizeof(text),
	         "[broker]\nsocket = sekimorid.sock\nstore = state/sekimori.db\n"
	         "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	         "key_dir = keys\nlocale_dir = %s/locale\nlanguage = %s\n"
	         "default_profile = mynumber\n%s",
	         env("SK_BINARY_DIR"), language, profiles);
	sk_test_write_file(fx->dir, "sekimori.conf", text, fx->conf, sizeof(fx->conf));
	skfx_restart(fx);
}

void
skfx_stop_broker(struct sk_fixture *fx)
{
	int status;

	if (fx->broker <= 0)
		return;
	kill(fx->broker, SIGTERM);
	assert_int_equal(waitpid(fx->broker, &status, 0), fx->broker);
	fx->broker = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

void
skfx_finish(struct sk_fixture *fx)
{
	skfx_stop_broker(fx);
	sk_test_rmtree(fx->dir);
}

int
skfx_cli(struct sk_fixture *fx, const char *args, const char *input, char *out, size_t outsz)
{
	char cmd[4096], in[720];
	int n;

	if (input != NULL) {
		char path[700];
		sk_test_write_file(fx->dir, "cli-input", input, path, sizeof(path));
		snprintf(in, sizeof(in), "< '%s'", path);
	} else {
		snprintf(in, sizeof(in), "< /dev/null");
	}
	n = snprintf(cmd, sizeof(cmd), "LANG=C LC_ALL=C '%s' -c '%s' %s %s 2>&1", env("SK_CLI"),
	             fx->conf, args, in);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, outsz);
}

void
skfx_add_user(struct sk_fixture *fx, const char *user, const char *profile, char *pw, size_t pwsz)
{
	char args[256], out[4096], *p;

	snprintf(args, sizeof(args), "--json user add %s --profile %s", user, profile);
	assert_int_equal(skfx_cli(fx, args, NULL, out, sizeof(out)), 0);
	p = strstr(out, "\"temporary_password\":");
	assert_non_null(p);
	p = strchr(p + 21, '"');
	assert_non_null(p);
	p++;
	assert_true(strchr(p, '"') != NULL && (size_t)(strchr(p, '"') - p) < pwsz);
	snprintf(pw, pwsz, "%.*s", (int)(strchr(p, '"') - p), p);
	/* JSON escapes: temporary passwords avoid '"' and '\\', so only "\/" can appear. */
	assert_null(strchr(pw, '\\'));
}

void
skfx_totp_code(const char *seed_b32, long offset, char *code, size_t sz)
{
	char cmd[512];
	int n = snprintf(cmd, sizeof(cmd), "oathtool --totp -b -N @%lld '%s'",
	                 (long long)time(NULL) + offset, seed_b32);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(sk_test_run(cmd, code, sz), 0);
	code[strcspn(code, "\n")] = '\0';
	assert_int_equal(strlen(code), 6);
}

void
skfx_enroll_totp(struct sk_fixture *fx, const char *user, char *seed_b32, size_t sz)
{
	unsigned char seed[20];
	char args[512], code[16], out[8192];

	assert_int_equal(RAND_bytes(seed, sizeof(seed)), 1);
	assert_int_equal(sk_base32_encode(seed, sizeof(seed), seed_b32, sz), 0);
	/* The enrolment consumes the current step: later logins use the next one. */
	skfx_totp_code(seed_b32, 0, code, sizeof(code));
	snprintf(args, sizeof(args), "totp enroll %s --secret %s --code %s", user, seed_b32, code);
	assert_int_equal(skfx_cli(fx, args, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "otpauth://totp/"));
}

void
skfx_first_login(struct sk_fixture *fx, const char *user, const char *temp_pw,
                 const char *seed_b32, const char *newpw)
{
	struct skpd d;
	char code[16];

	skfx_totp_code(seed_b32, 30, code, sizeof(code));
	skpd_begin(&d, fx->pamdir, "sk-test", user, NULL, temp_pw, code, temp_pw, newpw, newpw, NULL);
	assert_int_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(d.pamh, 0), PAM_NEW_AUTHTOK_REQD);
	d.last = pam_chauthtok(d.pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
	if (d.last != PAM_SUCCESS)
		print_message("%s", d.transcript);
	assert_int_equal(d.last, PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
}

int
skfx_audit_count(struct sk_fixture *fx, ...)
{
	char path[700], line[8192];
	FILE *f;
	int count = 0;

	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		va_list ap;
		const char *needle;
		int all = 1;

		va_start(ap, fx);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (strstr(line, needle) == NULL)
				all = 0;
		va_end(ap);
		count += all;
	}
	fclose(f);
	return count;
}
