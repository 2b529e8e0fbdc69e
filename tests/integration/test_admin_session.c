/* Administrators act as themselves (issue 8, item 5): the admin login is a real step-up of
 * the person (password + TOTP from oathtool through `sekimori admin login`, checked by the
 * broker's AUTH_BEGIN/FINISH core), the broker holds the admin session bound to the peer
 * uid, every administrative act is audited under the authenticated person, and the dispatch
 * table grants roles (module, admin, auditor, recovery) rather than uids.
 * Requirement IDs: R-LOG-1 (every act on the record with its person), R-PRIV-* (privileged
 * work needs the person's own fresh MFA; root keeps only recovery), R-SOD-1 groundwork (the
 * broker knows who the administrator is, not only that a uid may administer). */
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_client.h"
#include "sk_fixture.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"
#include "skc_admin.h"

static const char *profiles =
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	"deny = 3\nunlock_time = 0\n"
	"totp_window = 2\n";

static const char *profiles_short_session =
	"[broker]\nadmin_session_minutes = 1\n"
	"[profile mynumber]\n"
	"methods = password, totp\n";

/* nogroup holds nobody: the group roles are given to nobody through it. */
static const char *profiles_groups_admin =
	"[broker]\nadmin_group = nogroup\n"
	"[profile mynumber]\n"
	"methods = password, totp\n";
static const char *profiles_groups_auditor =
	"[broker]\nauditor_group = nogroup\n"
	"[profile mynumber]\n"
	"methods = password, totp\n";

static int
cli_env(struct sk_fixture *fx, const char *env, const char *args, const char *input, char *out,
        size_t outsz)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", args);
	if (env == NULL)
		return skfx_cli(fx, line, input, out, outsz);
	/* skfx_cli runs through the shell: an assignment in front of the program's path is not
	 * possible there, so set it for this process (the child inherits it) and unset after. */
	{
		char name[64], *eq;
		int r;

		snprintf(name, sizeof(name), "%s", env);
		eq = strchr(name, '=');
		assert_non_null(eq);
		*eq = '\0';
		assert_int_equal(setenv(name, eq + 1, 1), 0);
		r = skfx_cli(fx, line, input, out, outsz);
		unsetenv(name);
		return r;
	}
}

/* A second administrator: account with the admin profile, TOTP, own password. */
static void
make_admin(struct sk_fixture *fx, const char *user, char *seed, size_t seedsz,
           long long *last_step, const char *pw)
{
	char temp[64];

	skfx_add_user(fx, user, SKFX_ADMIN_PROFILE, temp, sizeof(temp));
	skfx_enroll_totp(fx, user, seed, seedsz);
	*last_step = (long long)time(NULL) / 30;
	skfx_set_password(fx, user, SKFX_ADMIN_PROFILE, temp, pw);
}

/* R-LOG-1: an administrative act is recorded under the person who proved their factors;
 * the SUDO_USER the CLI reports stays beside it, informational only. */
static void
test_r_log_1_admin_act_audited_with_authenticated_person(void **state)
{
	struct sk_fixture fx;
	char out[8192];

	(void)state;
	skfx_start(&fx, "C", profiles);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.login\"", "\"result\":\"ok\"",
	                                  "\"user\":\"" SKFX_ADMIN "\"", NULL), 1);
	assert_int_equal(cli_env(&fx, "SUDO_USER=mallory", "--json user add alice --profile "
	                         "mynumber", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_add\"", "\"user\":\"alice\"",
	                                  "\"admin\":\"" SKFX_ADMIN "\"", "\"actor\":\"mallory\"",
	                                  NULL), 1);
	/* No act is recorded under the claimed name as its administrator. */
	assert_int_equal(skfx_audit_count(&fx, "\"admin\":\"mallory\"", NULL), 0);
	assert_int_equal(skfx_cli(&fx, "admin whoami --json", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"" SKFX_ADMIN "\""));
	assert_non_null(strstr(out, "\"admin\""));
	skfx_finish(&fx);
}

/* R-PRIV-*: the admin login is a login: a wrong factor is counted in the account's tally
 * and audited as an auth deny of service sekimori-admin; no session comes of it. */
static void
test_r_priv_admin_login_wrong_factor_counted_and_audited(void **state)
{
	struct sk_fixture fx;
	char seed[64], out[8192], input[128], code[16];
	long long last = 0;

	(void)state;
	skfx_start(&fx, "C", profiles);
	make_admin(&fx, "adm2", seed, sizeof(seed), &last, "Second-Admin-Pass-7");
	skfx_totp_code(seed, 30, code, sizeof(code));
	snprintf(input, sizeof(input), "Wrong-Password-000\n%s\n", code);
	assert_int_equal(skfx_cli(&fx, "admin login --user adm2", input, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "authentication failed"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"adm2\"",
	                                  "\"result\":\"deny\"", "\"service\":\"sekimori-admin\"",
	                                  "\"reason\":\"bad_password\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.login\"", "\"user\":\"adm2\"",
	                                  "\"result\":\"ok\"", NULL), 0);
	/* The fixture administrator's session is still the one on file: the tally shows it. */
	assert_int_equal(skfx_cli(&fx, "user show adm2", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "failures: 1"));
	/* The right factors: a session for adm2, and the tally cleared as by any login. */
	assert_int_equal(skfx_admin_login_as(&fx, "adm2", "Second-Admin-Pass-7", seed, &last, out,
	                                     sizeof(out)), 0);
	assert_non_null(strstr(out, "Admin session for adm2."));
	assert_int_equal(skfx_cli(&fx, "user show adm2", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "failures: 0"));
	/* A user who is not an administrator gets no factor prompt at all. */
	assert_int_equal(skfx_cli(&fx, "admin login --user " SKFX_ADMIN "x", "a\nb\n", out,
	                          sizeof(out)), 1);
	assert_non_null(strstr(out, "not an administrator"));
	skfx_finish(&fx);
}

/* R-PRIV-*: root without an admin session keeps the recovery subset only: reads, lock /
 * unlock / disable / enable of anyone, and an administrator's account and factors. */
static void
test_r_priv_root_without_session_recovery_only(void **state)
{
	struct sk_fixture fx;
	char pw[64], seed[64], out[8192];

	(void)state;
	skfx_start(&fx, "C", profiles);
	skfx_add_user(&fx, "carol", "mynumber", pw, sizeof(pw));
	assert_int_equal(skfx_cli(&fx, "admin logout", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.logout\"", NULL), 1);
	assert_int_equal(skfx_cli(&fx, "admin whoami", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "No admin session."));
	/* Not recovery: refused, with the reason, on the record. */
	assert_int_equal(skfx_cli(&fx, "user add dave --profile mynumber", NULL, out, sizeof(out)),
	                 1);
	assert_non_null(strstr(out, "root without an admin session may only do recovery"));
	assert_int_equal(skfx_cli(&fx, "user reset-password carol", NULL, out, sizeof(out)), 1);
	assert_int_equal(skfx_cli(&fx, "totp remove " SKFX_ADMIN, NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "recovery"));
	assert_true(skfx_audit_count(&fx, "\"event\":\"admin.refused\"", "\"result\":\"deny\"",
	                             NULL) >= 3);
	/* Recovery: stopping and reopening any account, reading, an administrator's factors. */
	assert_int_equal(skfx_cli(&fx, "user lock carol", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, "user unlock carol", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, "user disable carol", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, "user enable carol", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, "user list", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_lock\"", "\"user\":\"carol\"",
	                                  "\"role\":\"recovery\"", NULL), 1);
	/* An administrator who lost their factors gets new ones from root. */
	assert_int_equal(skfx_cli(&fx, "user reset-password " SKFX_ADMIN, NULL, out, sizeof(out)),
	                 0);
	assert_int_equal(skfx_cli(&fx, "user add boss --profile " SKFX_ADMIN_PROFILE, NULL, out,
	                          sizeof(out)), 0);
	skfx_enroll_totp(&fx, "boss", seed, sizeof(seed));
	/* A temporary password (set by whoever reset it) does not make an admin session. */
	assert_int_equal(skfx_cli(&fx, "admin login --user " SKFX_ADMIN, "x\ny\n", out,
	                          sizeof(out)), 1);
	assert_non_null(strstr(out, "temporary or expired"));
	skfx_finish(&fx);
}

/* The token of one uid, presented by another uid, is refused; an admin_group member without
 * a session may not administer; with their own step-up they may, under their own name. */
static int
read_token(struct sk_fixture *fx, unsigned char token[SK_ADMIN_TOKEN_LEN])
{
	char path[700];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/sekimori-admin-session", fx->rundir);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(token, 1, SK_ADMIN_TOKEN_LEN, f);
	fclose(f);
	return n == SK_ADMIN_TOKEN_LEN ? 0 : -1;
}

static struct sk_fixture gfx;
static unsigned char root_token[SK_ADMIN_TOKEN_LEN];
static char nobody_seed[64];
static long long nobody_last;

static unsigned
send_simple(struct sk_client *c, unsigned type, const char *user, uint64_t *reason)
{
	struct sk_msg *req = sk_msg_new(type), *reply = NULL;
	unsigned st = 255;

	*reason = 0;
	if (req != NULL && (user == NULL || sk_msg_put_text(req, SK_K_USER, user) == 0) &&
	    sk_client_call(c, req, &reply, 0) == 0) {
		st = sk_reply_status(reply);
		(void)sk_msg_get_uint_opt(reply, SK_K_REASON, 0, reason);
	}
	sk_msg_free(req);
	sk_msg_free(reply);
	return st;
}

/* Exit codes of the child say which check failed (0 = all held). */
static int
nobody_admin_checks(void)
{
	struct skc_admin_attach_in in = { root_token };
	struct skc_admin_session_out s;
	struct skc_admin_login_begin_in bin = { NULL };
	struct skc_admin_login_begin_out plan;
	struct skc_admin_login_finish_in fin_in;
	struct skc_admin_login_finish_out fin;
	struct sk_client c;
	char code[16], cmd[512];
	uint64_t reason;
	FILE *p;

	if (sk_client_open(&c, gfx.socket, 5000) != 0)
		return 10;
	/* uid 0's token from uid 65534: not a session here. */
	if (skc_admin_attach(&c, &in, &s) != 0 || s.res.status != SK_ST_ADMIN_SESSION ||
	    s.res.reason != SK_REASON_ADMIN_SESSION_INVALID)
		return 11;
	/* An admin_group member without a session may not administer. */
	if (send_simple(&c, SK_REQ_USER_LOCK, "carol", &reason) != SK_ST_ADMIN_SESSION ||
	    reason != SK_REASON_ADMIN_SESSION_INVALID)
		return 12;
	sk_client_close(&c);
	if (sk_client_open(&c, gfx.socket, 5000) != 0)
		return 13;
	if (send_simple(&c, SK_REQ_USER_LOCK, "carol", &reason) != SK_ST_ADMIN_SESSION ||
	    reason != SK_REASON_ADMIN_SESSION_REQUIRED)
		return 14;
	/* Their own step-up, as themselves: the broker names the account by the uid. */
	if (skc_admin_login_begin(&c, &bin, &plan) != 0 || plan.res.status != SK_ST_OK ||
	    plan.n_steps != 2)
		return 15;
	snprintf(cmd, sizeof(cmd), "oathtool --totp -b -N @%lld '%s'",
	         (nobody_last + 1) * 30 + 1, nobody_seed);
	if ((p = popen(cmd, "r")) == NULL || fgets(code, sizeof(code), p) == NULL)
		return 16;
	pclose(p);
	code[strcspn(code, "\n")] = '\0';
	fin_in.password = "Gate-Keeper-Pass-58";
	fin_in.otp = code;
	if (skc_admin_login_finish(&c, &fin_in, &fin) != 0 || fin.res.status != SK_ST_OK ||
	    strcmp(fin.user, "nobody") != 0)
		return 17;
	if (send_simple(&c, SK_REQ_USER_LOCK, "carol", &reason) != SK_ST_OK)
		return 18;
	sk_client_close(&c);
	return 0;
}

static void
test_r_priv_token_of_other_uid_refused_and_admin_group_needs_session(void **state)
{
	char pw[64], out[8192];

	(void)state;
	skfx_start(&gfx, "C", profiles_groups_admin);
	skfx_add_user(&gfx, "carol", "mynumber", pw, sizeof(pw));
	make_admin(&gfx, "nobody", nobody_seed, sizeof(nobody_seed), &nobody_last,
	           "Gate-Keeper-Pass-58");
	assert_int_equal(read_token(&gfx, root_token), 0);
	/* Open the folder and the socket to nobody (a member of admin_group nogroup). */
	assert_int_equal(chmod(gfx.dir, 0711), 0);
	{
		struct passwd *nobody = getpwnam("nobody");
		pid_t pid;
		int status;

		assert_non_null(nobody);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) != 0 || setgid(nobody->pw_gid) != 0 ||
			    setuid(nobody->pw_uid) != 0)
				_exit(100);
			_exit(nobody_admin_checks());
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(gfx.dir, 0700), 0);
	assert_int_equal(skfx_audit_count(&gfx, "\"event\":\"admin.attach\"", "\"result\":\"deny\"",
	                                  "\"peer_uid\":65534", NULL), 1);
	/* nobody's lock is on the record under nobody, proven by nobody's own factors. */
	assert_int_equal(skfx_audit_count(&gfx, "\"event\":\"admin.user_lock\"", "\"user\":\"carol\"",
	                                  "\"admin\":\"nobody\"", NULL), 1);
	/* Root's own session is untouched by the attempt. */
	assert_int_equal(skfx_cli(&gfx, "user unlock carol", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&gfx, "\"event\":\"admin.user_unlock\"",
	                                  "\"admin\":\"" SKFX_ADMIN "\"", NULL), 1);
	skfx_finish(&gfx);
}

static int
nobody_auditor_checks(void)
{
	struct sk_client c;
	uint64_t reason;

	if (sk_client_open(&c, gfx.socket, 5000) != 0)
		return 10;
	if (send_simple(&c, SK_REQ_STATUS, NULL, &reason) != SK_ST_OK)
		return 11;
	if (send_simple(&c, SK_REQ_USER_LIST, NULL, &reason) != SK_ST_OK)
		return 12;
	if (send_simple(&c, SK_REQ_USER_SHOW, "carol", &reason) != SK_ST_OK)
		return 13;
	if (send_simple(&c, SK_REQ_FIDO2_LIST, "carol", &reason) != SK_ST_OK)
		return 14;
	/* A write is refused (and the connection closed, as for any FORBIDDEN). */
	if (send_simple(&c, SK_REQ_USER_LOCK, "carol", &reason) != SK_ST_FORBIDDEN ||
	    reason != SK_REASON_READ_ONLY)
		return 15;
	sk_client_close(&c);
	if (sk_client_open(&c, gfx.socket, 5000) != 0)
		return 16;
	/* Nor may an auditor log in as an administrator or send module requests. */
	if (send_simple(&c, SK_REQ_ADMIN_LOGIN_BEGIN, NULL, &reason) != SK_ST_FORBIDDEN)
		return 17;
	sk_client_close(&c);
	return 0;
}

/* The auditor role reads status, users and factor lists, and changes nothing. */
static void
test_r_priv_auditor_reads_but_does_not_write(void **state)
{
	struct passwd *nobody = getpwnam("nobody");
	char pw[64];
	pid_t pid;
	int status;

	(void)state;
	assert_non_null(nobody);
	skfx_start(&gfx, "C", profiles_groups_auditor);
	skfx_add_user(&gfx, "carol", "mynumber", pw, sizeof(pw));
	assert_int_equal(chmod(gfx.dir, 0711), 0);
	assert_int_equal(chmod(gfx.socket, 0666), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(nobody->pw_gid) != 0 ||
		    setuid(nobody->pw_uid) != 0)
			_exit(100);
		_exit(nobody_auditor_checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(gfx.dir, 0700), 0);
	assert_int_equal(skfx_audit_count(&gfx, "\"event\":\"admin.user_lock\"", NULL), 0);
	skfx_finish(&gfx);
}

/* R-PRIV-*: an admin session ends at its lifetime; a request under it is then refused with
 * that reason, on every connection, until the person logs in again. */
static void
test_r_priv_expired_session_refused(void **state)
{
	struct sk_fixture fx;
	char out[8192];
	int gone = 0;

	(void)state;
	skfx_start(&fx, "C", profiles_short_session);
	assert_int_equal(skfx_cli(&fx, "user add erin --profile mynumber", NULL, out, sizeof(out)),
	                 0);
	/* admin_session_minutes = 1: bounded polling until the broker says it is over. */
	for (int i = 0; i < 60 && !gone; i++) {
		assert_int_equal(skfx_cli(&fx, "admin whoami", NULL, out, sizeof(out)), 0);
		gone = strstr(out, "No admin session.") != NULL;
		if (!gone)
			sleep(2);
	}
	assert_true(gone);
	assert_non_null(strstr(out, "expired"));
	assert_int_equal(skfx_cli(&fx, "user add frank --profile mynumber", NULL, out, sizeof(out)),
	                 1);
	assert_non_null(strstr(out, "your admin session has expired"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.user_add\"",
	                                  "\"user\":\"frank\"", NULL), 0);
	/* Logging in again opens the door again. */
	assert_int_equal(skfx_admin_login_as(&fx, SKFX_ADMIN, fx.admin_pw, fx.admin_seed,
	                                     &fx.admin_last_step, out, sizeof(out)), 0);
	assert_int_equal(skfx_cli(&fx, "user add frank --profile mynumber", NULL, out, sizeof(out)),
	                 0);
	skfx_finish(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_1_admin_act_audited_with_authenticated_person),
		cmocka_unit_test(test_r_priv_admin_login_wrong_factor_counted_and_audited),
		cmocka_unit_test(test_r_priv_root_without_session_recovery_only),
		cmocka_unit_test(test_r_priv_token_of_other_uid_refused_and_admin_group_needs_session),
		cmocka_unit_test(test_r_priv_auditor_reads_but_does_not_write),
		cmocka_unit_test(test_r_priv_expired_session_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
