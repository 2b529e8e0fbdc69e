/* Back from leave, every way in waits for `sekimori user reconfirm` (issue 10, item 4;
 * R-LIFE-2; doc/hr-import.md "Return"). An HR return sets the account's re-confirmation
 * mark; the broker asks one check (account_entry_check) on every path by which the person
 * can get in, and each refusal is audited with reason "reconfirm_required":
 *   - the admin login (`sekimori admin login`, audited as admin.login),
 *   - RADIUS challenge mode (the real sekimori-radius, both rounds, audited as auth after the
 *     factors were checked),
 *   - PAM's account phase (audited as account),
 *   - an admin session opened during the leave (the leave ends the ones open then; an
 *     administrator enabled the account meanwhile): ended at its next request, here a
 *     privileged grant's request (audited as admin.session_end),
 *   - a self-service removal request (uid nobody, by its login name),
 *   - PAM's session phase (SESSION_OPEN, audited as session_open), and the session agent's
 *     registration (SESSION_WATCH) of a session opened before the leave: ordered ended at
 *     once, audited as session_order with the cause.
 * After the administrator's `user reconfirm` each works again. Generated data only (R-TEST-1):
 * staff numbers are sequence numbers, names made of a fixed word and a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_proto.h"
#include "skc_session.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;
/* The same broker and folder with a runtime folder of its own: the admin session of the
 * administrator who goes on leave, kept apart from the fixture administrator's. */
static struct sk_fixture fx2;

/* socket_group: uid nobody (group nogroup) reaches the socket for its self-service request. */
static const char *profiles =
	"socket_group = nogroup\n"
	"[profile mynumber]\nmethods = password, totp\ndeny = 10\nunlock_time = 0\n"
	"totp_window = 3\norigins = local, radius\n"
	"[role dba]\nservices = sudo\nholders = adm71001\n"
	"[role ciso]\nholders = ciso71009\n";

#define HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"
#define ADM_PASSWORD "Generated-Adm-Pass-71"
#define RAD_PASSWORD "Generated-Rad-Pass-72"

static char out[65536];


/* As uid nobody (the self-service role), like a member of staff at their own terminal. */
static int
cli_nobody(const char *args)
{
	char cmd[2048];
	int n = snprintf(cmd, sizeof(cmd), "cd / && setpriv --reuid=65534 --regid=65534"
	                 " --clear-groups -- env LANG=C LC_ALL=C XDG_RUNTIME_DIR=/nonexistent"
	                 " '%s' -c '%s' %s < /dev/null 2>&1", getenv("SK_CLI"), fx.conf, args);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, sizeof(out));
}

/* One HR file of the event for every staff number of the test. */
static void
hr_event(const char *name, const char *date, const char *event)
{
	char text[2048], path[700];
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", HEADER);

	for (unsigned long staff = 71001; staff <= 71003; staff++) {
		int n = snprintf(text + len, sizeof(text) - len, "%lu,生成%lu,セイセイ,,係員,,%s,%s\n",
		                 staff, staff, date, event);

		assert_true(n > 0 && (size_t)n < sizeof(text) - len);
		len += (size_t)n;
	}
	sk_test_write_file(fx.dir, name, text, path, sizeof(path));
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "hr import %s", path), 0);
}

/* A user with a password of their own and TOTP, linked to a staff number. */
static void
staff_user(const char *user, const char *profile, const char *staff, const char *pw,
           char *seed, size_t seedsz)
{
	char temp[64];

	skfx_add_user(&fx, user, profile, temp, sizeof(temp));
	skfx_enroll_totp(&fx, user, seed, seedsz);
	skfx_set_password(&fx, user, profile, temp, pw);
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user set-staff %s --staff %s", user, staff), 0);
}

/* Both rounds of a RADIUS challenge-mode login through the real sekimori-radius, as
 * FreeRADIUS' rlm_exec runs it (attributes in the environment). Returns round two's exit
 * status (0 accept, 1 reject); round one must challenge. */
static int
radius_login(const char *user, const char *password, const char *code)
{
	char cmd[2048], state[80];
	const char *p;
	int n, rc;

	n = snprintf(cmd, sizeof(cmd), "env 'User-Name=%s' 'User-Password=%s'"
	             " 'Calling-Station-Id=192.0.2.17' 'NAS-IP-Address=192.0.2.1' '%s' -c '%s'"
	             " -p mynumber 2>&1", user, password, getenv("SK_RADIUS"), fx.conf);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	rc = sk_test_run(cmd, out, sizeof(out));
	if (rc != 9)
		fprintf(stderr, "round one -> %d: %s\n", rc, out);
	assert_int_equal(rc, 9);   /* RADIUS_CHALLENGE: nothing is verified in round one */
	assert_non_null(p = strstr(out, "State = 0x"));
	n = snprintf(state, sizeof(state), "%.66s", p + 8);
	assert_int_equal(n, 66);
	n = snprintf(cmd, sizeof(cmd), "env 'User-Name=%s' 'User-Password=%s' 'State=%s'"
	             " 'Calling-Station-Id=192.0.2.17' 'NAS-IP-Address=192.0.2.1' '%s' -c '%s'"
	             " -p mynumber 2>&1", user, code, state, getenv("SK_RADIUS"), fx.conf);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, sizeof(out));
}

/* PAM's account phase for user. */
static int
acct_mgmt(const char *user)
{
	return skpd_acct_mgmt(fx.pamdir, "sk-test", user);
}

/* PAM's session phase for user, opened and closed; returns pam_open_session's result. */
static int
open_session(const char *user)
{
	struct skpd d;
	int rc;

	skpd_begin(&d, fx.pamdir, "sk-test", user, NULL, NULL);
	rc = pam_open_session(d.pamh, 0);
	if (rc == PAM_SUCCESS)
		assert_int_equal(pam_close_session(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	return rc;
}

/* The session agent's registration, as agent/ sends it, for user's open session: the
 * broker's first answer. */
static void
watch_session(const char *user, struct skc_session_watch_out *w)
{
	char sql[256], id[64];
	struct sk_client c;
	struct skc_session_watch_in in;

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM sessions WHERE closed = 0 AND user_id ="
	         " (SELECT id FROM users WHERE name = '%s');", user);
	assert_int_equal(skfx_store_sql(&fx, sql, id, sizeof(id)), 0);
	memset(&in, 0, sizeof(in));
	in.session.user = user;
	in.session.session_id = strtoull(id, NULL, 10);
	assert_true(in.session.session_id > 0);
	in.action = SK_CARD_REMOVAL_LOCK;
	assert_int_equal(sk_client_open(&c, fx.socket, 10000), SK_OK);
	assert_int_equal(skc_session_watch(&c, &in, w), SK_OK);
	sk_client_close(&c);
}

static void
test_r_life_2_reconfirm_mark_honoured_on_every_path(void **state)
{
	char adm_seed[64], rad_seed[64], self_seed[64], code[16];
	struct skc_session_watch_out w;
	struct skpd d;
	long long adm_step = 0;

	(void)state;
	staff_user("adm71001", SKFX_ADMIN_PROFILE, "71001", ADM_PASSWORD, adm_seed,
	           sizeof(adm_seed));
	adm_step = (long long)time(NULL) / 30;   /* the enrolment used it */
	staff_user("rad71002", "mynumber", "71002", RAD_PASSWORD, rad_seed, sizeof(rad_seed));
	staff_user("nobody", "mynumber", "71003", RAD_PASSWORD, self_seed, sizeof(self_seed));
	/* Before the leave: the second administrator holds an admin session (their own runtime
	 * folder). */
	assert_int_equal(skfx_admin_login_as(&fx2, "adm71001", ADM_PASSWORD, adm_seed, &adm_step,
	                                     out, sizeof(out)), 0);

	/* ... and the staff member a session, open in the store (no agent watches it). */
	skpd_begin(&d, fx.pamdir, "sk-test", "rad71002", NULL, NULL);
	assert_int_equal(pam_open_session(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);

	hr_event("hr-leave.csv", "2025-05-01", "休職");
	/* The leave ends the admin session at once (test_admin_session_account_stop.c). */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"",
	                                  "\"user\":\"adm71001\"", "\"result\":\"end\"",
	                                  "\"reason\":\"hr_leave\"", NULL), 1);
	/* An administrator enables the account during the leave, and its holder opens an admin
	 * session, which the return does not end. */
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user enable adm71001"), 0);
	assert_int_equal(skfx_admin_login_as(&fx2, "adm71001", ADM_PASSWORD, adm_seed, &adm_step,
	                                     out, sizeof(out)), 0);
	hr_event("hr-return.csv", "2025-06-01", "復職");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.return\"",
	                                  "\"reconfirm_required\":\"yes\"", NULL), 3);

	/* The admin login: refused before any factor is asked, saying why, on the record. */
	assert_int_not_equal(skfx_admin_login_as(&fx2, "adm71001", ADM_PASSWORD, adm_seed,
	                                         &adm_step, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "back from leave"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.login\"",
	                                  "\"user\":\"adm71001\"", "\"result\":\"deny\"",
	                                  "\"reason\":\"reconfirm_required\"", NULL), 1);
	/* The admin session from during the leave is ended at its next request: no privileged
	 * grant request, nor anything else, through it. */
	assert_int_not_equal(skfx_clif(&fx2, out, sizeof(out), "grant request --role dba --minutes 30 --reason"
	                            " generated-reason"), 0);
	assert_non_null(strstr(out, "sekimori admin login"));   /* which then says why */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.session_end\"",
	                                  "\"user\":\"adm71001\"", "\"result\":\"deny\"",
	                                  "\"reason\":\"reconfirm_required\"", NULL), 1);
	assert_int_not_equal(skfx_clif(&fx2, out, sizeof(out), "grant request --role dba --minutes 30 --reason"
	                            " generated-reason"), 0);   /* the session is gone */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"grant.requested\"", NULL), 0);

	/* RADIUS: the right password and code, refused after they were checked. */
	skfx_totp_code(rad_seed, 30, code, sizeof(code));
	assert_int_equal(radius_login("rad71002", RAD_PASSWORD, code), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"rad71002\"",
	                                  "\"result\":\"deny\"", "\"origin\":\"radius\"",
	                                  "\"reason\":\"reconfirm_required\"", NULL), 1);
	/* PAM's account phase, now on the record too. */
	assert_int_equal(acct_mgmt("rad71002"), PAM_ACCT_EXPIRED);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"account\"", "\"user\":\"rad71002\"",
	                                  "\"reason\":\"reconfirm_required\"", NULL), 1);
	/* PAM's session phase: no session is opened. */
	assert_int_equal(open_session("rad71002"), PAM_SESSION_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"",
	                                  "\"user\":\"rad71002\"", "\"result\":\"deny\"",
	                                  "\"reason\":\"reconfirm_required\"", NULL), 1);
	/* The agent of the session from before the leave registers: ordered ended at once. */
	watch_session("rad71002", &w);
	assert_int_equal(w.res.status, SK_ST_OK);
	assert_int_equal(w.ordered, 1);
	assert_int_equal(w.action, SK_CARD_REMOVAL_END);
	assert_string_equal(w.cause, "reconfirm_required");
	/* The order is sent first and audited after (session_agent.c): wait for the record. */
	for (int i = 0; i < 100 && skfx_audit_count(&fx, "\"event\":\"session_order\"",
	                                            "\"cause\":\"reconfirm_required\"", NULL) == 0;
	     i++)
		usleep(50000);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_order\"",
	                                  "\"user\":\"rad71002\"", "\"result\":\"end\"",
	                                  "\"cause\":\"reconfirm_required\"", NULL), 1);
	/* Self-service. */
	assert_int_not_equal(cli_nobody("request removal totp --reason generated-reason"), 0);
	assert_non_null(strstr(out, "back from leave"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"removal.request\"",
	                                  "\"user\":\"nobody\"", "\"result\":\"refused\"",
	                                  "\"reason\":40", NULL), 1);

	/* The administrator re-confirms, with the person present: each path works again. */
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user reconfirm adm71001"), 0);
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user reconfirm rad71002"), 0);
	assert_int_equal(skfx_clif(&fx, out, sizeof(out), "user reconfirm nobody"), 0);
	assert_int_equal(skfx_admin_login_as(&fx2, "adm71001", ADM_PASSWORD, adm_seed, &adm_step,
	                                     out, sizeof(out)), 0);
	assert_int_equal(skfx_clif(&fx2, out, sizeof(out), "grant request --role dba --minutes 30 --reason"
	                        " generated-reason"), 0);
	skfx_totp_code(rad_seed, 60, code, sizeof(code));
	assert_int_equal(radius_login("rad71002", RAD_PASSWORD, code), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"rad71002\"",
	                                  "\"result\":\"allow\"", "\"origin\":\"radius\"", NULL),
	                 2);   /* the refused one's factors were right too */
	assert_int_equal(acct_mgmt("rad71002"), PAM_SUCCESS);
	assert_int_equal(open_session("rad71002"), PAM_SUCCESS);
	watch_session("rad71002", &w);
	assert_int_equal(w.res.status, SK_ST_OK);
	assert_int_equal(w.ordered, 0);   /* registered */
	assert_int_equal(cli_nobody("request removal totp --reason generated-reason"), 0);
}

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	/* uid nobody reads the configuration and reaches the socket, nothing else. */
	assert_int_equal(chmod(fx.dir, 0711), 0);
	assert_int_equal(chmod(fx.conf, 0644), 0);
	skfx_second_user(&fx2, &fx, "run2");
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
		cmocka_unit_test(test_r_life_2_reconfirm_mark_honoured_on_every_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
