/* sekimori audit report's sections (R-LOG-2, R-LOG-5) for records the integration test
 * cannot make with real logins: grant, delegation, break-glass and review events (counted
 * by their name's prefix, so they appear once the broker writes them), card and security
 * key refusals, a clone suspicion, names typed by an attacker, and a log rotated into two
 * files. The log is written by the broker's own audit writer (audit_log.c) with a generated
 * key (R-TEST-1); the report is the real CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "audit_log.h"
#include "sk_aead.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_test_helpers.h"

static char dir[512], conf[700];
static char out[1 << 20];

#define HOSTILE_NAME "<script>x</script>\x1b[31mred"

static void
append(struct audit_log *log, const char *event, const char *user, const char *result,
       const char *reason, const char *admin)
{
	json_object *e = json_object_new_object();

	json_object_object_add(e, "event", json_object_new_string(event));
	if (user != NULL)
		json_object_object_add(e, "user", json_object_new_string(user));
	json_object_object_add(e, "result", json_object_new_string(result));
	if (admin != NULL)
		json_object_object_add(e, "admin", json_object_new_string(admin));
	if (reason != NULL)
		json_object_object_add(e, "reason", json_object_new_string(reason));
	assert_int_equal(audit_log_append(log, e), SK_OK);
	json_object_put(e);
}

static int
cli(const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "LANGUAGE= LANG=C LC_ALL=C '%s' -c '%s' %s 2>/dev/null",
	         getenv("SK_CLI"), conf, args);
	return sk_test_run(cmd, out, sizeof(out));
}

static json_object *
report_json(const char *args)
{
	char a[1024];
	json_object *doc;

	snprintf(a, sizeof(a), "--json audit report %s", args);
	assert_int_equal(cli(a), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	return doc;
}

static int64_t
jint(json_object *o, const char *path)
{
	char buf[256], *save = NULL;
	json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, "/", &save); k != NULL; k = strtok_r(NULL, "/", &save))
		if (!json_object_object_get_ex(v, k, &v))
			fail_msg("no %s in the report", path);
	return json_object_get_int64(v);
}

static int
setup(void **state)
{
	unsigned char key[SK_AUDIT_KEY_LEN];
	char path[700], anchor[700], rotated[700], text[2048];
	struct audit_log *log = NULL;

	(void)state;
	sk_test_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/keys", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/keys/audit.key", dir);
	assert_int_equal(sk_keyfile_load(path, key, sizeof(key), 1), SK_OK);
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	snprintf(anchor, sizeof(anchor), "%s/audit.anchor", dir);
	snprintf(text, sizeof(text),
	         "[broker]\nsocket = sock\nstore = sekimori.db\naudit_log = audit.jsonl\n"
	         "audit_anchor = audit.anchor\nkey_dir = keys\nlanguage = C\n"
	         "default_profile = mynumber\n[profile mynumber]\nmethods = password, totp\n");
	sk_test_write_file(dir, "sekimori.conf", text, conf, sizeof(conf));

	assert_int_equal(audit_log_open(path, anchor, key, sizeof(key), &log), SK_OK);
	/* The first file: privileged events, and one whose name only looks like them. */
	append(log, "grant.request", "u1", "ok", NULL, "boss");
	append(log, "grant.approve", "u1", "ok", NULL, "ciso");
	append(log, "delegation.create", "u2", "ok", NULL, "boss");
	append(log, "grantee.note", "u1", "ok", NULL, "boss");
	/* Rotated as logrotate does with the shipped stanza: announce, move, continue. */
	assert_int_equal(audit_log_rotate_prepare(log), SK_OK);
	snprintf(rotated, sizeof(rotated), "%s/audit.jsonl.1", dir);
	assert_int_equal(rename(path, rotated), 0);
	assert_int_equal(audit_log_rotate_finish(log), SK_OK);
	/* The live file. */
	append(log, "breakglass.open", "root-ish", "ok", NULL, "boss");
	append(log, "review.done", NULL, "ok", NULL, "ciso");
	append(log, "auth", "u3", "deny", "card_pin_wrong", NULL);
	append(log, "auth", "u3", "deny", "certificate_expired", NULL);
	append(log, "auth", "u4", "deny", "fido2_refused", NULL);
	append(log, "auth", "u4", "deny", "fido2_clone_suspected", NULL);
	append(log, "admin.user_lock", "u4", "ok", NULL, "boss");
	append(log, "admin.user_lock", "u4", "deny", NULL, "mallory");
	append(log, "auth", HOSTILE_NAME, "deny", "unknown_user", NULL);
	audit_log_close(log);
	explicit_bzero(key, sizeof(key));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sk_test_rmtree(dir);
	return 0;
}

/* R-LOG-2: grant, delegation, break-glass and review records by prefix, over a rotated
 * file and the live log; without the rotated file, the live log's only. */
static void
test_r_log_2_privileged_events_by_prefix_across_rotation(void **state)
{
	char args[800];
	json_object *doc, *latest;

	(void)state;
	snprintf(args, sizeof(args), "'%s/audit.jsonl.1'", dir);
	doc = report_json(args);
	assert_int_equal(jint(doc, "chain/ok"), 1);
	assert_int_equal(jint(doc, "chain/first_seq"), 1);
	assert_int_equal(jint(doc, "summary/privileged_activity"), 5);
	assert_int_equal(jint(doc, "privileged_activity/by_event/grant.request"), 1);
	assert_int_equal(jint(doc, "privileged_activity/by_event/grant.approve"), 1);
	assert_int_equal(jint(doc, "privileged_activity/by_event/delegation.create"), 1);
	assert_int_equal(jint(doc, "privileged_activity/by_event/breakglass.open"), 1);
	assert_int_equal(jint(doc, "privileged_activity/by_event/review.done"), 1);
	assert_int_equal(jint(doc, "privileged_activity/by_actor/boss"), 3);
	assert_int_equal(jint(doc, "privileged_activity/by_actor/ciso"), 2);
	assert_false(json_object_object_get_ex(
		json_object_object_get(json_object_object_get(doc, "privileged_activity"),
		                       "by_event"), "grantee.note", NULL));
	latest = json_object_object_get(json_object_object_get(doc, "privileged_activity"),
	                                "latest");
	assert_int_equal(json_object_array_length(latest), 5);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(latest, 0), "event")), "grant.request");
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(latest, 4), "event")), "review.done");
	json_object_put(doc);

	doc = report_json("");
	assert_true(jint(doc, "chain/first_seq") > 1);
	assert_int_equal(jint(doc, "summary/privileged_activity"), 2);
	json_object_put(doc);
}

/* R-LOG-5: card and security key refusals by reason, a clone suspicion apart from them,
 * administrative acts by administrator with the refused ones. */
static void
test_r_log_5_card_key_clone_and_admin_sections(void **state)
{
	json_object *doc = report_json("");

	(void)state;
	assert_int_equal(jint(doc, "summary/card_refusals"), 2);
	assert_int_equal(jint(doc, "card_refusals/by_reason/card_pin_wrong"), 1);
	assert_int_equal(jint(doc, "card_refusals/by_reason/certificate_expired"), 1);
	assert_int_equal(jint(doc, "card_refusals/by_user/u3"), 2);
	assert_int_equal(jint(doc, "summary/key_refusals"), 1);
	assert_int_equal(jint(doc, "key_refusals/by_reason/fido2_refused"), 1);
	assert_int_equal(jint(doc, "summary/clone_suspicions"), 1);
	assert_int_equal(jint(doc, "clone_suspicions/by_user/u4"), 1);
	assert_int_equal(jint(doc, "summary/failed_logins"), 5);
	assert_int_equal(jint(doc, "summary/admin_acts"), 2);
	assert_int_equal(jint(doc, "summary/admin_acts_refused"), 1);
	assert_int_equal(jint(doc, "admin_acts/by_admin/boss"), 1);
	assert_int_equal(jint(doc, "admin_acts/by_admin/mallory"), 1);
	json_object_put(doc);
}

/* R-LOG-2: a name typed at a login prompt reaches neither the terminal nor the page as
 * markup or control characters. */
static void
test_r_log_2_hostile_names_are_inert(void **state)
{
	char html[700], args[800];
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(cli("audit report"), 0);
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "<script>x</script>?[31mred"));
	snprintf(html, sizeof(html), "%s/r.html", dir);
	snprintf(args, sizeof(args), "audit report --html '%s'", html);
	assert_int_equal(cli(args), 0);
	f = fopen(html, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	assert_null(strstr(out, "<script"));
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "&lt;script&gt;x&lt;/script&gt;?[31mred"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_2_privileged_events_by_prefix_across_rotation),
		cmocka_unit_test(test_r_log_5_card_key_clone_and_admin_sections),
		cmocka_unit_test(test_r_log_2_hostile_names_are_inert),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
