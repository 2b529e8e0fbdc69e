/* Policy edges through the real stack: knowledge = stack with faillock-style hooks
 * (R-LOGIN-1), Japanese messages (R-LOGIN-1), peer credentials on the socket (R-CRED-2,
 * R-PRIV-2), and profiles refused at start (R-MFA-1, R-MFA-2). */
#include <grp.h>
#include <pwd.h>
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

#include "sk_client.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 3\nunlock_time = 0\ntotp_window = 2\n"
	"[profile stackp]\nknowledge = stack\nmethods = password, totp\ndeny = 3\nunlock_time = 0\n"
	"totp_window = 2\n";

static struct sk_fixture fx;

static void
write_stack_service(const char *name, const char *password_module)
{
	char text[4096];
	const char *mod = getenv("SK_PAM_MODULE");

	snprintf(text, sizeof(text),
	         "auth requisite %s profile=stackp conf=%s preauth\n"
	         "auth [success=1 default=bad] %s\n"
	         "auth [default=die] %s profile=stackp conf=%s authfail\n"
	         "auth required %s profile=stackp conf=%s\n"
	         "account required %s profile=stackp conf=%s\n",
	         mod, fx.conf, password_module, mod, fx.conf, mod, fx.conf, mod, fx.conf);
	skpd_write_service(fx.pamdir, name, NULL, text);
}

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "ja", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-ja", args, NULL);
	/* pam_permit and pam_deny stand in for pam_unix accepting or refusing the password. */
	write_stack_service("sk-stack-ok", "pam_permit.so");
	write_stack_service("sk-stack-bad", "pam_deny.so");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

/* knowledge = stack: the preceding module's verdict counts as the knowledge factor; its
 * failures count against the same limit, and a locked account is refused before it runs. */
static void
test_stack_mode(void **state)
{
	char pw[64], seed[64], code[16];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "stack1", "stackp", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "stack1", seed, sizeof(seed));
	skfx_totp_code(seed, 30, code, sizeof(code));
	/* The password module said yes: only the one-time code is asked. */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stack1", NULL, code, NULL),
	                 PAM_SUCCESS);
	assert_false(skpd_contains(&d, "? パスワード: "));
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stack1\"", "\"result\":\"allow\"",
	                                  "\"methods\":\"stack,totp\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
	/* The password module said no three times: counted, then locked. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-bad", "stack1", NULL,
		                                   NULL, NULL), PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stack1\"",
	                                  "\"reason\":\"stack_password_failed\"", NULL), 3);
	/* Locked: preauth refuses even when the password module would say yes. */
	skfx_totp_code(seed, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-stack-ok", "stack1", NULL, code, NULL),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "ロック"));
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"stack1\"", "\"reason\":\"locked_preauth\"",
	                                  NULL), 1);
}

/* The staff read Japanese: prompts and messages come from the ja catalogue. */
static void
test_japanese_messages(void **state)
{
	char pw[64], seed[64];
	struct skpd d;

	(void)state;
	skfx_add_user(&fx, "ja1", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "ja1", seed, sizeof(seed));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-ja", "ja1", NULL, "wrong", "000000"),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "? パスワード: "));
	assert_true(skpd_contains(&d, "? ワンタイムパスワード: "));
	assert_true(skpd_contains(&d, "! 認証に失敗しました。"));
}

/* Runs fn in a child with the given uid/gid; returns the child's exit status. */
static int
as_user(uid_t uid, gid_t gid, int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static unsigned
ask_broker(unsigned type)
{
	struct sk_client c;
	struct sk_msg *req = sk_msg_new(type), *reply = NULL;
	unsigned st = 255;

	if (req != NULL && sk_msg_put_text(req, SK_K_USER, "ja1") == 0 &&
	    sk_client_open(&c, fx.socket, 5000) == 0) {
		if (sk_client_call(&c, req, &reply, 0) == 0)
			st = sk_reply_status(reply);
		sk_client_close(&c);
	}
	sk_msg_free(req);
	sk_msg_free(reply);
	return st;
}

static int
nobody_status(void)
{
	return (int)ask_broker(SK_REQ_STATUS);
}

static int
nobody_auth_begin(void)
{
	return (int)ask_broker(SK_REQ_AUTH_BEGIN);
}

/* Only root may submit authentication evidence; admin verbs need root or admin_group. */
static void
test_peer_credentials(void **state)
{
	struct passwd *nobody = getpwnam("nobody");
	struct stat st;

	(void)state;
	assert_non_null(nobody);
	/* The socket is closed to others by its mode. */
	assert_int_equal(stat(fx.socket, &st), 0);
	assert_int_equal(st.st_mode & 0007, 0);
	assert_int_equal(as_user(nobody->pw_uid, nobody->pw_gid, nobody_status), 255);
	/* Open it (and the test folder) up to show the broker's own check answers FORBIDDEN. */
	assert_int_equal(chmod(fx.dir, 0711), 0);
	assert_int_equal(chmod(fx.socket, 0666), 0);
	assert_int_equal(as_user(nobody->pw_uid, nobody->pw_gid, nobody_status), SK_ST_FORBIDDEN);
	assert_int_equal(as_user(nobody->pw_uid, nobody->pw_gid, nobody_auth_begin),
	                 SK_ST_FORBIDDEN);
	assert_int_equal(ask_broker(SK_REQ_STATUS), SK_ST_OK);
	assert_int_equal(chmod(fx.socket, 0600), 0);
	assert_int_equal(chmod(fx.dir, 0700), 0);
}

/* R-LOG-1: when the audit record cannot be written, the decision is deny, with the
 * service-unavailable message. The broker refuses to append to a log that something else
 * wrote to, which makes a real write failure easy to cause from outside. Runs last. */
static void
test_audit_failure_denies(void **state)
{
	char pw[64], seed[64], code[16], path[700];
	struct skpd d;
	FILE *f;

	(void)state;
	skfx_add_user(&fx, "audit1", "mynumber", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "audit1", seed, sizeof(seed));
	skfx_totp_code(seed, 30, code, sizeof(code));
	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_true(fputs("\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	/* The right password and code: still no success. */
	assert_int_not_equal(skpd_authenticate(&d, fx.pamdir, "sk-ja", "audit1", NULL, pw, code),
	                     PAM_SUCCESS);
	assert_true(skpd_contains(&d, "利用できません"));
}

/* A profile that cannot reach two classes stops the broker with the file and line. */
static void
test_profile_refused(void **state)
{
	char conf[1024], cmd[2048], out[4096];
	const char *bad = "[broker]\nsocket = x.sock\n\n[profile weak]\nmethods = password\n";

	(void)state;
	sk_test_write_file(fx.dir, "weak.conf", bad, conf, sizeof(conf));
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' -f 2>&1", getenv("SK_SEKIMORID"), conf);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "weak.conf:4:"));
	assert_non_null(strstr(out, "cannot reach two different factor classes"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_mode),
		cmocka_unit_test(test_japanese_messages),
		cmocka_unit_test(test_peer_credentials),
		cmocka_unit_test(test_profile_refused),
		cmocka_unit_test(test_audit_failure_denies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
