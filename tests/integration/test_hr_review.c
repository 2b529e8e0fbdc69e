/* Issue 10, items 4, 6 and 7 through the real broker and CLI on generated data (R-TEST-1:
 * staff numbers are sequence numbers, names one fixed word and the number):
 *   - a transfer out of a department that a role is tied to (departments =) revokes the
 *     user's grants and delegations of that role and their configured holding, each audited
 *     with the HR file's hash; a role not tied to the department is kept (R-LIFE-2);
 *   - sekimori review access lists holders and active grants with their last use, as a table
 *     and as JSON; certify records who certified what and when; a reviewer's revoke ends the
 *     grant at once (R-LIFE-4);
 *   - sekimori request removal as a plain user (uid nobody, by its login name), listed,
 *     refused and confirmed by an administrator, who may not decide their own request; the
 *     confirm removes at once; everything audited; messages in English and Japanese
 *     (R-LIFE-2, R-SOD-1).
 * The live privileged session a transfer ends is tests/integration/priv_hr_review.sh's
 * (a real sudo). */
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
#include <json-c/json.h>

#include "sk_fixture.h"
#include "sk_test_helpers.h"

static struct sk_fixture fx;

/* socket_group nogroup: the socket is 0660 root:nogroup, so uid nobody (gid nogroup) may
 * reach it as a plain user would through socket_group. */
static const char *conf_text =
	"socket_group = nogroup\n"
	"[profile mynumber]\nmethods = password, totp\n"
	"[role ops]\nservices = sudo\nholders = 80001\ndepartments = D-OPS, D-OPS2\n"
	"[role dba]\nservices = su\nholders = 80001\n"
	"[role ciso]\nholders = " SKFX_ADMIN "\n";

#define HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"
#define OUT_MAX 65536

static char out[OUT_MAX];

static int
cli(const char *fmt, ...)
{
	char args[1200];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = skfx_cli(&fx, args, NULL, out, sizeof(out));
	if (rc == 0 && out[0] == '{') {   /* --json: one line, for the substring checks */
		json_object *doc = json_tokener_parse(out);

		assert_non_null(doc);
		snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(doc,
		         JSON_C_TO_STRING_PLAIN));
		json_object_put(doc);
	}
	return rc;
}

/* The CLI as uid nobody (a plain user, no admin session), in locale lang. */
static int
cli_nobody(const char *lang, const char *args)
{
	char cmd[2048];
	int n = snprintf(cmd, sizeof(cmd), "cd / && setpriv --reuid=65534 --regid=65534"
	                 " --clear-groups -- env LANG=%s LC_ALL=%s XDG_RUNTIME_DIR=/nonexistent"
	                 " '%s' -c '%s' %s < /dev/null 2>&1", lang, lang, getenv("SK_CLI"), fx.conf,
	                 args);

	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, sizeof(out));
}

static void
store_sql(const char *sql, char *res, size_t cap)
{
	if (skfx_store_sql(&fx, sql, res, cap) != 0)
		fail_msg("%s: %s", sql, res);
}

static void
import(const char *name, const char *text, char sha[65])
{
	char path[700], cmd[800], res[256];

	sk_test_write_file(fx.dir, name, text, path, sizeof(path));
	if (cli("hr import %s", path) != 0)
		fail_msg("hr import %s: %s", name, out);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	assert_int_equal(sk_test_run(cmd, res, sizeof(res)), 0);
	assert_true(strlen(res) > 64);
	snprintf(sha, 65, "%.64s", res);
}

/* The id of the newest grant of role for user. */
static long long
grant_id(const char *role, const char *user)
{
	char sql[256], res[64];

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM grants WHERE role = '%s' AND requester ="
	         " '%s';", role, user);
	store_sql(sql, res, sizeof(res));
	return atoll(res);
}

static void
active_grant(const char *role, const char *user)
{
	char sql[512], res[64];
	long long now = (long long)time(NULL);

	snprintf(sql, sizeof(sql), "INSERT INTO grants(role, requester, reason, minutes, state,"
	         " created, approver1, approved1_at, starts, ends, services) VALUES('%s', '%s',"
	         " 'generated', 30, 2, %lld, 'approver', %lld, %lld, %lld, 'sudo');", role, user,
	         now, now, now, now + 1800);
	store_sql(sql, res, sizeof(res));
}

static void
approved_delegation(const char *role, const char *user)
{
	char sql[512], res[64];

	snprintf(sql, sizeof(sql), "INSERT INTO delegations(role, delegate, nominator, reason,"
	         " state, created, decided_by, decided_at) VALUES('%s', '%s', 'nominator',"
	         " 'generated', 1, %lld, '" SKFX_ADMIN "', %lld);", role, user,
	         (long long)time(NULL), (long long)time(NULL));
	store_sql(sql, res, sizeof(res));
}

static void
expect_sql(const char *sql, const char *want)
{
	char res[256];

	store_sql(sql, res, sizeof(res));
	res[strcspn(res, "\n")] = '\0';
	if (strcmp(res, want) != 0)
		fail_msg("%s: '%s', expected '%s'", sql, res, want);
}

/* R-LIFE-2 (issue 10, item 4): the transfer takes what was tied to the old department. */
static void
test_r_life_2_transfer_revokes_department_tied_access(void **state)
{
	char text[1024], sha[65], sql[256], needle[160];
	long long ops, dba;

	(void)state;
	snprintf(text, sizeof(text), "%s80001,生成80001,セイセイ,D-OPS,係員,正規職員,2025-04-01,"
	         "採用\n", HEADER);
	import("hr-hire.csv", text, sha);
	active_grant("ops", "80001");
	active_grant("dba", "80001");
	ops = grant_id("ops", "80001");
	dba = grant_id("dba", "80001");
	approved_delegation("ops", "80001");
	/* Before: the holder holds ops; both grants are listed with their last use. */
	assert_int_equal(cli("--json review access"), 0);
	assert_non_null(strstr(out, "{\"role\":\"ops\",\"user\":\"80001\",\"via\":\"config\","
	                            "\"delegation\":0,\"holds\":true,\"last_use\":\"\"}"));
	assert_non_null(strstr(out, "\"via\":\"delegation\""));
	snprintf(needle, sizeof(needle), "{\"id\":%lld,\"role\":\"ops\",\"user\":\"80001\"", ops);
	assert_non_null(strstr(out, needle));

	/* A move inside the role's departments changes nothing. */
	snprintf(text, sizeof(text), "%s80001,生成80001,セイセイ,D-OPS2,係員,,2025-05-01,異動\n",
	         HEADER);
	import("hr-move1.csv", text, sha);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer\"", "\"revoked\":0",
	                                  "\"old_dept\":\"D-OPS\"", NULL), 1);
	snprintf(sql, sizeof(sql), "SELECT state FROM grants WHERE id = %lld;", ops);
	expect_sql(sql, "2");

	/* Out of them: the ops grant, the ops delegation and the configured holding go; dba,
	 * which is tied to no department, stays. */
	snprintf(text, sizeof(text), "%s80001,生成80001,セイセイ,D-OTHER,係員,,2025-06-01,異動\n",
	         HEADER);
	import("hr-move2.csv", text, sha);
	expect_sql(sql, "4");
	snprintf(sql, sizeof(sql), "SELECT end_cause FROM grants WHERE id = %lld;", ops);
	expect_sql(sql, "hr_transfer");
	snprintf(sql, sizeof(sql), "SELECT state FROM grants WHERE id = %lld;", dba);
	expect_sql(sql, "2");
	expect_sql("SELECT state FROM delegations WHERE role = 'ops' AND delegate = '80001';", "3");
	snprintf(needle, sizeof(needle), "\"hr_file\":\"%s\"", sha);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer_revoked\"", needle,
	                                  "\"kind\":\"grant\"", "\"role\":\"ops\"",
	                                  "\"user\":\"80001\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer_revoked\"", needle,
	                                  "\"kind\":\"delegation\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer_revoked\"", needle,
	                                  "\"kind\":\"holder\"", "\"old_dept\":\"D-OPS2\"",
	                                  "\"dept\":\"D-OTHER\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer_revoked\"", NULL), 3);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.transfer\"", needle,
	                                  "\"revoked\":3", NULL), 1);
	/* The account is kept. */
	assert_int_equal(cli("--json user show 80001"), 0);
	assert_non_null(strstr(out, "\"disabled\":false"));

	/* After: the configured holder no longer holds ops; only the dba grant is active. */
	assert_int_equal(cli("--json review access"), 0);
	assert_non_null(strstr(out, "{\"role\":\"ops\",\"user\":\"80001\",\"via\":\"config\","
	                            "\"delegation\":0,\"holds\":false,"));
	assert_non_null(strstr(out, "{\"role\":\"dba\",\"user\":\"80001\",\"via\":\"config\","
	                            "\"delegation\":0,\"holds\":true,"));
	assert_null(strstr(out, "\"via\":\"delegation\""));
	snprintf(needle, sizeof(needle), "{\"id\":%lld,", ops);
	assert_null(strstr(out, needle));
	snprintf(needle, sizeof(needle), "{\"id\":%lld,\"role\":\"dba\"", dba);
	assert_non_null(strstr(out, needle));
	/* The readable table. */
	assert_int_equal(cli("review access"), 0);
	assert_non_null(strstr(out, "Privileged role holders: 3"));
	assert_non_null(strstr(out, "Active grants: 1"));
	assert_non_null(strstr(out, "LAST USE"));
}

/* R-LIFE-4 (issue 10, item 6): the certification recorded and listed; a reviewer's revoke
 * takes effect at once; no certification without an admin session. */
static void
test_r_life_4_review_certify_and_revoke(void **state)
{
	char cmd[128], sql[256], bare[700], saved[sizeof(fx.rundir)];
	long long id;

	(void)state;
	active_grant("dba", "reviewed1");
	id = grant_id("dba", "reviewed1");
	assert_int_equal(cli("review access certifications"), 0);
	assert_non_null(strstr(out, "No certifications recorded."));
	assert_int_equal(cli("review access certify --comment 'quarterly review Q4'"), 0);
	assert_non_null(strstr(out, "Certification 1 recorded."));
	assert_int_equal(cli("--json review access certifications"), 0);
	assert_non_null(strstr(out, "\"certified_by\":\"" SKFX_ADMIN "\""));
	assert_non_null(strstr(out, "\"comment\":\"quarterly review Q4\""));
	assert_non_null(strstr(out, "\"digest\":\""));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"review.access_certified\"",
	                                  "\"admin\":\"" SKFX_ADMIN "\"",
	                                  "\"comment\":\"quarterly review Q4\"", NULL), 1);
	assert_int_equal(cli("review access certifications"), 0);
	assert_non_null(strstr(out, "CERTIFIED BY"));
	assert_non_null(strstr(out, "quarterly review Q4"));

	/* Root without an admin session reads, but does not certify. */
	memcpy(saved, fx.rundir, sizeof(saved));
	snprintf(bare, sizeof(bare), "%s/run-bare", fx.dir);
	(void)mkdir(bare, 0700);
	snprintf(fx.rundir, sizeof(fx.rundir), "%s", bare);
	assert_int_equal(cli("--json review access"), 0);
	assert_int_not_equal(cli("review access certify"), 0);
	assert_non_null(strstr(out, "admin login"));
	memcpy(fx.rundir, saved, sizeof(saved));

	/* The reviewer's revoke: the grant ends now. */
	snprintf(cmd, sizeof(cmd), "review access revoke grant %lld", id);
	assert_int_equal(cli(cmd), 0);
	assert_non_null(strstr(out, ": revoked"));
	snprintf(sql, sizeof(sql), "SELECT state FROM grants WHERE id = %lld;", id);
	expect_sql(sql, "4");
	assert_int_equal(cli("--json review access"), 0);
	snprintf(cmd, sizeof(cmd), "{\"id\":%lld,", id);
	assert_null(strstr(out, cmd));
	assert_int_equal(cli("review access revoke nothing 1"), 2);
}

/* R-LIFE-2 (issue 10, item 7): a plain user asks; an administrator refuses or confirms. */
static void
test_r_life_2_self_service_removal_request(void **state)
{
	char temp[64], seed[64], res[64], cmd[160];

	(void)state;
	skfx_add_user(&fx, "nobody", "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "nobody", seed, sizeof(seed));
	expect_sql("SELECT count(*) FROM totp WHERE user_id = (SELECT id FROM users WHERE name ="
	           " 'nobody');", "1");
	assert_int_equal(cli_nobody("C", "request removal totp --reason 'phone lost'"), 0);
	assert_non_null(strstr(out, "Removal request 1 recorded"));
	/* The same again: still open. In Japanese too. */
	assert_int_equal(cli_nobody("C", "request removal totp --reason again"), 1);
	assert_non_null(strstr(out, "the request is still open"));
	assert_int_equal(cli_nobody("ja_JP.UTF-8", "request removal totp --reason again"), 1);
	assert_non_null(strstr(out, "まだ"));
	/* Nothing of that kind: refused. */
	assert_int_equal(cli_nobody("C", "request removal role dba --reason x"), 2);
	assert_non_null(strstr(out, "no grant or delegation of that role"));
	assert_int_equal(cli_nobody("C", "request removal role nosuch --reason x"), 2);
	assert_int_equal(cli_nobody("C", "request removal fido2 12x --reason x"), 2);
	assert_int_equal(cli_nobody("C", "request removal totp"), 2);
	/* A plain user decides nothing. */
	assert_int_equal(cli_nobody("C", "request confirm 1"), 1);
	expect_sql("SELECT state FROM removal_requests WHERE id = 1;", "0");
	/* Root is no account to ask for. */
	assert_int_equal(cli("request removal totp --reason x"), 1);
	assert_non_null(strstr(out, "you have no account"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"removal.requested\"",
	                                  "\"user\":\"nobody\"", "\"kind\":\"totp\"",
	                                  "\"reason\":\"phone lost\"", NULL), 1);

	/* The administrator's list: table and JSON. */
	assert_int_equal(cli("request list"), 0);
	assert_non_null(strstr(out, "KIND"));
	assert_non_null(strstr(out, "nobody"));
	assert_non_null(strstr(out, "phone lost"));
	assert_int_equal(cli("--json request list"), 0);
	assert_non_null(strstr(out, "\"requester\":\"nobody\",\"kind\":\"totp\",\"target\":\"\","
	                            "\"reason\":\"phone lost\",\"state\":\"open\""));

	/* The requester never decides their own: a request of the administrator's own account
	 * (as the administrator would make it from their own login) is refused to them. */
	snprintf(cmd, sizeof(cmd), "INSERT INTO removal_requests(requester, kind, target, reason,"
	         " state, created) VALUES('" SKFX_ADMIN "', 0, '', 'own', 0, %lld);",
	         (long long)time(NULL));
	store_sql(cmd, res, sizeof(res));
	assert_int_equal(cli("request confirm 2"), 1);
	assert_non_null(strstr(out, "nobody may confirm or refuse their own removal request"));
	assert_int_equal(cli("request refuse 2"), 1);
	expect_sql("SELECT state FROM removal_requests WHERE id = 2;", "0");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"removal.confirm\"",
	                                  "\"result\":\"refused\"", "\"reason\":\"own_request\"",
	                                  NULL), 1);

	/* Confirmed: removed at once, audited, not again. */
	assert_int_equal(cli("request confirm 1 --comment 'identity checked at the desk'"), 0);
	assert_non_null(strstr(out, "Removal request 1 confirmed"));
	expect_sql("SELECT count(*) FROM totp WHERE user_id = (SELECT id FROM users WHERE name ="
	           " 'nobody');", "0");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"removal.confirmed\"",
	                                  "\"user\":\"nobody\"", "\"decided_by\":\"" SKFX_ADMIN "\"",
	                                  "\"comment\":\"identity checked at the desk\"", NULL), 1);
	assert_int_equal(cli("request refuse 1"), 1);
	assert_non_null(strstr(out, "confirmed or refused already"));
	assert_int_equal(cli("request confirm 99"), 1);
	assert_non_null(strstr(out, "no such removal request: 99"));

	/* A role: refused first (nothing changes), then asked again and confirmed. */
	approved_delegation("dba", "nobody");
	assert_int_equal(cli_nobody("C", "request removal role dba --reason 'moved to payroll'"), 0);
	assert_int_equal(cli("request refuse 3 --comment 'still needed'"), 0);
	assert_non_null(strstr(out, "Removal request 3 refused"));
	expect_sql("SELECT state FROM delegations WHERE role = 'dba' AND delegate = 'nobody';", "1");
	assert_int_equal(cli_nobody("C", "--json request removal role dba --reason 'moved'"), 0);
	assert_non_null(strstr(out, "\"id\":4"));
	assert_int_equal(cli("request confirm 4"), 0);
	expect_sql("SELECT state FROM delegations WHERE role = 'dba' AND delegate = 'nobody';", "3");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"removal.confirmed\"",
	                                  "\"kind\":\"role\"", "\"delegations_revoked\":1", NULL), 1);
	/* Only the administrator's own request is open still. */
	assert_int_equal(cli("--json request list"), 0);
	assert_non_null(strstr(out, "{\"id\":2,\"requester\":\"" SKFX_ADMIN "\""));
	assert_null(strstr(out, "\"state\":\"confirmed\""));
	assert_int_equal(cli("--json request list --all"), 0);
	assert_non_null(strstr(out, "\"state\":\"refused\""));
	assert_non_null(strstr(out, "\"state\":\"confirmed\""));
}

/* R-LIFE-2, R-LIFE-5 (issue 10, item 4): a return records the factors the account comes back
 * with, for the administrator to re-confirm; a retirement records the security keys it
 * removes as outstanding, next to the cards. */
static void
test_r_life_5_return_lists_factors_and_retirement_lists_keys(void **state)
{
	char text[1024], sha[65], seed[64], sql[512], res[64];

	(void)state;
	snprintf(text, sizeof(text), "%s80003,生成80003,セイセイ,D-X,係員,正規職員,2025-04-01,"
	         "採用\n", HEADER);
	import("hr-hire3.csv", text, sha);
	skfx_enroll_totp(&fx, "80003", seed, sizeof(seed));
	/* Byte strings as each store writes them. */
	if (sk_test_store_is_pg())
		snprintf(sql, sizeof(sql), "INSERT INTO fido2(user_id, cred_id, cose_type, pubkey,"
		         " aaguid, sign_count, fmt, attestation, subject, trusted, created) VALUES("
		         "(SELECT id FROM users WHERE name = '80003'), '\\x0102'::bytea, -7,"
		         " '\\x04'::bytea, '\\x00112233445566778899aabbccddeeff'::bytea, 0, 'none',"
		         " ''::bytea, 'generated key', 0, %lld);", (long long)time(NULL));
	else
		snprintf(sql, sizeof(sql), "INSERT INTO fido2(user_id, cred_id, cose_type, pubkey,"
		         " aaguid, sign_count, fmt, attestation, subject, trusted, created) VALUES("
		         "(SELECT id FROM users WHERE name = '80003'), X'0102', -7, X'04',"
		         " X'00112233445566778899aabbccddeeff', 0, 'none', X'', 'generated key', 0,"
		         " %lld);", (long long)time(NULL));
	store_sql(sql, res, sizeof(res));
	snprintf(text, sizeof(text), "%s80003,,,,,,2025-05-01,休職\n80003,,,,,,2025-06-01,復職\n",
	         HEADER);
	import("hr-leave-return3.csv", text, sha);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.return\"", "\"user\":\"80003\"",
	                                  "\"was_suspended\":\"yes\"",
	                                  "\"factors_kept\":{\"totp\":1,\"fido2\":1,\"cards\":0,"
	                                  "\"cards_expired\":0,", "\"reconfirm_required\":\"yes\"",
	                                  NULL), 1);
	snprintf(text, sizeof(text), "%s80003,,,,,,2025-07-01,退職\n", HEADER);
	import("hr-retire3.csv", text, sha);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"",
	                                  "\"user\":\"80003\"", "\"fido2_removed\":1",
	                                  "\"aaguid\":\"00112233445566778899aabbccddeeff\","
	                                  "\"subject\":\"generated key\"}]", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"",
	                                  "\"outstanding_keys\":[{\"id\":", NULL), 1);
	expect_sql("SELECT count(*) FROM fido2 WHERE user_id = (SELECT id FROM users WHERE name ="
	           " '80003');", "0");
	/* R-LIFE-5: the removed key stays outstanding until an administrator records it. */
	assert_int_equal(cli("--json report outstanding"), 0);
	assert_non_null(strstr(out, "\"user\":\"80003\",\"since\":"));
	assert_non_null(strstr(out, "\"aaguid\":\"00112233445566778899aabbccddeeff\""));
	assert_int_equal(cli("--json fido2 dispose 80003 --reason collected --note desk"), 0);
	assert_non_null(strstr(out, "\"disposed\":[1]"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.fido2_dispose\"",
	                                  "\"user\":\"80003\"", "\"action\":\"collected\"",
	                                  "\"keys\":[1]", NULL), 1);
	assert_int_equal(cli("--json report outstanding"), 0);
	assert_null(strstr(out, "\"user\":\"80003\""));
	assert_int_not_equal(cli("fido2 dispose 80003 --reason lost"), 0);
	expect_sql("SELECT disposition || ':' || note FROM fido2_outstanding WHERE holder = '80003';",
	           "collected:desk");
}

static int
setup(void **state)
{
	char path[700];

	(void)state;
	skfx_start(&fx, "C", conf_text);
	/* uid nobody reads the configuration and reaches the socket, nothing else. */
	assert_int_equal(chmod(fx.dir, 0711), 0);
	snprintf(path, sizeof(path), "%s", fx.conf);
	assert_int_equal(chmod(path, 0644), 0);
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
		cmocka_unit_test(test_r_life_2_transfer_revokes_department_tied_access),
		cmocka_unit_test(test_r_life_4_review_certify_and_revoke),
		cmocka_unit_test(test_r_life_2_self_service_removal_request),
		cmocka_unit_test(test_r_life_5_return_lists_factors_and_retirement_lists_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
