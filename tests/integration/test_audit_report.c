/* sekimori audit report (issue 13, item 6; R-LOG-2, R-LOG-5): events made by real logins
 * through libpam and the module (wrong passwords from two hosts, a replayed one-time code,
 * an account locked and then tried, an unknown name) and by real administrative acts; the
 * report in its three formats must count exactly those. The HTML page is rendered in
 * headless Chromium, in a network namespace of its own, with a net log that would show any
 * request the page made (a control page without the Content-Security-Policy shows one).
 * A broken chain gives no counts and exit 1 in every format. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

static const char *profiles =
	"[profile mynumber]\n"
	"methods = password, totp\n"
	"deny = 3\nfail_interval = 600\nunlock_time = 0\n"
	"password_min_length = 12\npassword_min_classes = 3\n"
	"remote = yes\n"
	"totp_window = 2\n";

static struct sk_fixture fx;
static char out[1 << 20];

#define PASSWORD "Sakura-Namiki-2026"

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

/* The CLI in a language (C or ja); stdout only when only_stdout, else with stderr. */
static int
report(const char *lang, int only_stdout, const char *fmt, ...)
{
	char args[1024], cmd[4096];
	const char *locale = strcmp(lang, "ja") == 0 ? "ja_JP.UTF-8" : "C";
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	n = snprintf(cmd, sizeof(cmd), "LANGUAGE= LANG=%s LC_ALL=%s '%s' -c '%s' %s < /dev/null %s",
	             locale, locale, getenv("SK_CLI"), fx.conf, args,
	             only_stdout ? "2>/dev/null" : "2>&1");
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, sizeof(out));
}

static void
assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, text);
}

/* The line "COUNT  NAME" in the table titled title (the text output). */
static void
assert_row(const char *text, const char *title, unsigned long long count, const char *name)
{
	char want[256], head[256];
	const char *t, *end;

	snprintf(head, sizeof(head), "\n%s\n", title);
	snprintf(want, sizeof(want), "\n  %8llu  %s\n", count, name);
	if ((t = strstr(text, head)) == NULL)
		fail_msg("no table \"%s\" in:\n%s", title, text);
	t += strlen(head) - 1;
	end = strstr(t + 1, "\n\n");   /* the table ends at the blank line before the next */
	const char *hit = strstr(t, want);
	if (hit == NULL || (end != NULL && hit > end))
		fail_msg("expected \"%s\" in table \"%s\":\n%s", want + 1, title, text);
}

static int64_t
jint(json_object *o, const char *path)
{
	char buf[256], *save = NULL;
	json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, "/", &save); k != NULL; k = strtok_r(NULL, "/", &save)) {
		if (!json_object_object_get_ex(v, k, &v))
			fail_msg("no %s in the JSON report", path);
	}
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_boolean))
		fail_msg("%s is not a number", path);
	return json_object_get_int64(v);
}

static int
lines_of_log(void)
{
	return skfx_audit_count(&fx, "\"seq\":", NULL);
}

/* The events: two users with TOTP, each a real PAM login. */
static void
make_events(void)
{
	char temp[64], seed1[64], seed2[64], code[16], cmd[512];
	struct skpd d;

	skfx_add_user(&fx, "rep1", "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "rep1", seed1, sizeof(seed1));
	skfx_first_login(&fx, "rep1", temp, seed1, PASSWORD);
	skfx_add_user(&fx, "rep2", "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, "rep2", seed2, sizeof(seed2));
	skfx_first_login(&fx, "rep2", temp, seed2, PASSWORD);

	/* rep1: two wrong passwords from 192.0.2.10, a login, then its code again from
	 * 198.51.100.7 with the right password: a replay. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "rep1", "192.0.2.10",
		                                   "wrong-password", "123456"), PAM_AUTH_ERR);
	skfx_totp_code(seed1, 60, code, sizeof(code));   /* first_login used +30 */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "rep1", NULL, PASSWORD, code),
	                 PAM_SUCCESS);
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "rep1", "198.51.100.7",
	                                   PASSWORD, code), PAM_AUTH_ERR);
	/* rep2: three wrong passwords lock the account (deny = 3); the right ones are then
	 * refused without a check; an administrator unlocks. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "rep2", NULL,
		                                   "wrong-password", "123456"), PAM_AUTH_ERR);
	skfx_totp_code(seed2, 60, code, sizeof(code));
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "rep2", NULL, PASSWORD, code),
	                 PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "locked"));
	assert_int_equal(skfx_cli(&fx, "user unlock rep2", NULL, cmd, sizeof(cmd)), 0);
	/* A name nobody has. */
	assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-test", "ghost", NULL,
	                                   "wrong-password", "123456"), PAM_AUTH_ERR);
	/* What the broker wrote, counted from the log's lines independently of the report. */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"reason\":\"otp_replayed\"",
	                                  "\"rhost\":\"198.51.100.7\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"rep2\"",
	                                  "\"lockout\":true", NULL), 1);
}

/* R-LOG-2, R-LOG-5: the counts of the events above, in the table, in JSON and on the page. */
static void
test_r_log_2_report_counts_real_logins_in_three_formats(void **state)
{
	json_object *doc;
	char want[128], html[700];
	int records, admin_acts, by_fxadmin, allowed;
	int64_t hours = 0;

	(void)state;
	make_events();
	records = lines_of_log();
	admin_acts = skfx_audit_count(&fx, "\"event\":\"admin.", NULL);
	by_fxadmin = skfx_audit_count(&fx, "\"event\":\"admin.", "\"admin\":\"fxadmin\"", NULL);
	allowed = skfx_audit_count(&fx, "\"event\":\"auth\"", "\"result\":\"allow\"", NULL);
	assert_true(admin_acts >= 7 && by_fxadmin >= 6 && allowed >= 3);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"result\":\"deny\"", NULL),
	                 7);

	/* The table. */
	assert_int_equal(report("C", 0, "audit report"), 0);
	snprintf(want, sizeof(want), "Audit log intact: %d records.\n", records);
	assert_contains(out, want);
	assert_row(out, "Summary", 7, "Failed logins");
	assert_row(out, "Summary", (unsigned long long)allowed, "Logins allowed");
	assert_row(out, "Summary", 1, "Accounts locked by failed attempts");
	assert_row(out, "Summary", 1, "Attempts refused while locked");
	assert_row(out, "Summary", 1, "Replayed one-time codes refused");
	assert_row(out, "Summary", 0, "Security key clone suspicions");
	assert_row(out, "Summary", 0, "Card refusals");
	assert_row(out, "Summary", 0, "Security key refusals");
	assert_row(out, "Summary", (unsigned long long)admin_acts, "Administrative acts");
	assert_row(out, "Failed logins by user", 3, "rep1");
	assert_row(out, "Failed logins by user", 3, "rep2");
	assert_row(out, "Failed logins by user", 1, "ghost");
	assert_row(out, "Failed logins by host", 2, "192.0.2.10");
	assert_row(out, "Failed logins by host", 1, "198.51.100.7");
	assert_row(out, "Failed logins by host", 4, "(local)");
	assert_row(out, "Failed logins by reason", 5, "bad_password");
	assert_row(out, "Failed logins by reason", 1, "otp_replayed");
	assert_row(out, "Failed logins by reason", 1, "unknown_user");
	assert_row(out, "Accounts locked by failed attempts, by user", 1, "rep2");
	assert_row(out, "Attempts refused while locked, by user", 1, "rep2");
	assert_row(out, "Replayed one-time codes refused, by user", 1, "rep1");
	assert_row(out, "Replayed one-time codes refused, by host", 1, "198.51.100.7");
	assert_row(out, "Administrative acts by administrator", (unsigned long long)by_fxadmin,
	           "fxadmin");
	assert_row(out, "Administrative acts by event", 1, "admin.user_unlock");

	/* The same in Japanese. */
	assert_int_equal(report("ja", 0, "audit report"), 0);
	snprintf(want, sizeof(want), "監査ログに改ざんや欠落はありません（記録 %d 件）。\n", records);
	assert_contains(out, want);
	assert_row(out, "集計", 7, "ログイン失敗");
	assert_row(out, "集計", 1, "再使用されて拒否したワンタイムコード");

	/* JSON. */
	assert_int_equal(report("C", 1, "--json audit report"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_int_equal(jint(doc, "chain/ok"), 1);
	assert_int_equal(jint(doc, "chain/records"), records);
	assert_int_equal(jint(doc, "period/records"), records);
	assert_int_equal(jint(doc, "summary/failed_logins"), 7);
	assert_int_equal(jint(doc, "summary/logins_allowed"), allowed);
	assert_int_equal(jint(doc, "summary/lockouts"), 1);
	assert_int_equal(jint(doc, "summary/refused_while_locked"), 1);
	assert_int_equal(jint(doc, "summary/replays_refused"), 1);
	assert_int_equal(jint(doc, "summary/clone_suspicions"), 0);
	assert_int_equal(jint(doc, "summary/privileged_activity"), 0);
	assert_int_equal(jint(doc, "summary/admin_acts"), admin_acts);
	assert_int_equal(jint(doc, "failed_logins/by_user/rep1"), 3);
	assert_int_equal(jint(doc, "failed_logins/by_user/ghost"), 1);
	assert_int_equal(jint(doc, "failed_logins/by_host/192.0.2.10"), 2);
	assert_int_equal(jint(doc, "failed_logins/by_host/(local)"), 4);
	assert_int_equal(jint(doc, "failed_logins/by_reason/otp_replayed"), 1);
	assert_int_equal(jint(doc, "lockouts/by_user/rep2"), 1);
	assert_int_equal(jint(doc, "replays_refused/by_host/198.51.100.7"), 1);
	assert_int_equal(jint(doc, "admin_acts/by_admin/fxadmin"), by_fxadmin);
	{
		json_object *h;

		assert_true(json_object_object_get_ex(json_object_object_get(doc, "failed_logins"),
		                                      "by_hour_utc", &h));
		assert_int_equal(json_object_array_length(h), 24);
		for (size_t i = 0; i < 24; i++)
			hours += json_object_get_int64(json_object_array_get_idx(h, i));
	}
	assert_int_equal(hours, 7);
	json_object_put(doc);

	/* The page: written new, 0600, and saying what the table says. */
	snprintf(html, sizeof(html), "%s/report.html", fx.dir);
	assert_int_equal(report("C", 0, "audit report --html '%s'", html), 0);
	snprintf(want, sizeof(want), "Audit log intact: %d records. Report written to", records);
	assert_contains(out, want);
	{
		struct stat st;

		assert_int_equal(stat(html, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* An existing file is not overwritten. */
	assert_int_equal(report("C", 0, "audit report --html '%s'", html), 1);
	assert_contains(out, "cannot create");
}

/* Reads a file whole into out. */
static void
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* Renders path in headless Chromium without a network; the DOM in dom_path, the net log
 * in netlog_path. */
static void
render(const char *path, const char *dom_path, const char *netlog_path)
{
	char cmd[4096];
	int n;

	n = snprintf(cmd, sizeof(cmd),
	             "rm -rf '%s/chromium' && HOME='%s/chromium' timeout 120 unshare -n chromium "
	             "--headless --no-sandbox --disable-gpu --user-data-dir='%s/chromium' "
	             "--no-first-run --disable-background-networking --disable-component-update "
	             "--disable-sync --disable-default-apps --disable-domain-reliability "
	             "--log-net-log='%s' --dump-dom 'file://%s' > '%s' 2>/dev/null",
	             fx.dir, fx.dir, fx.dir, netlog_path, path, dom_path);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
}

/* R-LOG-2: the page in a browser: its numbers, section titles and charts in the DOM
 * Chromium built, and no request made by the page (a control page that names a remote
 * image, without the policy, is seen requesting it in the same kind of net log). */
static void
test_r_log_2_html_renders_in_chromium_without_network(void **state)
{
	char html[700], dom[700], netlog[700], control[700], want[128];
	const char *page_request = "\"network_isolation_key\":\"file://";

	(void)state;
	snprintf(html, sizeof(html), "%s/report.html", fx.dir);
	snprintf(dom, sizeof(dom), "%s/report.dom", fx.dir);
	snprintf(netlog, sizeof(netlog), "%s/report.netlog", fx.dir);
	slurp(html);
	/* Nothing in the file names anything outside it. */
	assert_null(strstr(out, "://"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<link"));
	assert_null(strstr(out, "url("));
	assert_null(strstr(out, "@import"));

	render(html, dom, netlog);
	slurp(dom);
	assert_contains(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	                     "'none';");
	assert_contains(out, "<title>Sekimori audit report</title>");
	assert_contains(out, "<section id=\"chain\" class=\"ok\"><h2>Audit chain verified</h2>");
	snprintf(want, sizeof(want), "Audit log intact: %d records.", lines_of_log());
	assert_contains(out, want);
	assert_contains(out, "<td class=\"n\" id=\"n-failed_logins\">7</td>");
	assert_contains(out, "<td class=\"n\" id=\"n-replays_refused\">1</td>");
	assert_contains(out, "<td class=\"n\" id=\"n-lockouts\">1</td>");
	assert_contains(out, "<td class=\"n\" id=\"n-refused_while_locked\">1</td>");
	assert_contains(out, "<h2>Failed logins <span class=\"total\">(7)</span></h2>");
	assert_contains(out, "<h2>Replayed one-time codes refused <span class=\"total\">(1)</span>");
	assert_contains(out, "<h3>Failed logins by user</h3>");
	assert_contains(out, "<td>rep1</td><td class=\"n\">3</td>");
	assert_contains(out, "<td>192.0.2.10</td><td class=\"n\">2</td>");
	assert_contains(out, "<svg role=\"img\" id=\"chart-hours\"");
	assert_contains(out, "<title>Failed logins by hour of the day (UTC)</title>");
	assert_contains(out, "<h2>Administrative acts");
	slurp(netlog);
	assert_contains(out, "\"constants\"");   /* a net log was written */
	assert_null(strstr(out, page_request));

	/* The control: the same browser and log see a page's request. */
	sk_test_write_file(fx.dir, "control.html", "<!DOCTYPE html><html><body>"
	                   "<img src=\"http://192.0.2.1/x.png\"></body></html>", control,
	                   sizeof(control));
	render(control, dom, netlog);
	slurp(netlog);
	assert_contains(out, page_request);
	assert_contains(out, "http://192.0.2.1/x.png");
}

/* R-LOG-2: the period options and their refusals. */
static void
test_r_log_2_period_and_usage(void **state)
{
	json_object *doc;

	(void)state;
	assert_int_equal(report("C", 1, "--json audit report --since 2999-01-01"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_int_equal(jint(doc, "chain/ok"), 1);
	assert_int_equal(jint(doc, "period/records"), 0);
	assert_int_equal(jint(doc, "summary/failed_logins"), 0);
	json_object_put(doc);
	assert_int_equal(report("C", 1, "--json audit report --until 2000-01-01T00:00:00Z"), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_int_equal(jint(doc, "period/records"), 0);
	json_object_put(doc);
	assert_int_equal(report("C", 0, "audit report --since 2026-02-30"), 2);
	assert_contains(out, "--since wants YYYY-MM-DD");
	assert_int_equal(report("C", 0, "audit report --since 2026-12-02 --until 2026-12-01"), 2);
	assert_int_equal(report("C", 0, "--json audit report --html /dev/null"), 2);
	assert_contains(out, "not both");
}

/* R-LOG-5, R-LOG-3: a modified record: every format says the chain is broken, gives no
 * counts, and the command exits 1. */
static void
test_r_log_5_broken_chain_gives_no_counts(void **state)
{
	char path[700], html[700], cmd[1024];
	json_object *doc, *v;

	(void)state;
	snprintf(path, sizeof(path), "%s/log/audit.jsonl", fx.dir);
	/* rep1 becomes rep9 in its first record: the MAC no longer matches. */
	snprintf(cmd, sizeof(cmd), "sed -i '0,/\"user\":\"rep1\"/s//\"user\":\"rep9\"/' '%s'",
	         path);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);

	assert_int_equal(report("C", 0, "audit report"), 1);
	assert_contains(out, "Audit log DAMAGED at line ");
	assert_contains(out, "record modified");
	assert_contains(out, "NO REPORT: the audit chain is broken");
	assert_null(strstr(out, "Failed logins"));

	assert_int_equal(report("C", 1, "--json audit report"), 1);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_int_equal(jint(doc, "chain/ok"), 0);
	assert_true(json_object_object_get_ex(doc, "report", &v));
	assert_null(v);
	assert_false(json_object_object_get_ex(doc, "summary", NULL));
	json_object_put(doc);

	snprintf(html, sizeof(html), "%s/broken.html", fx.dir);
	assert_int_equal(report("C", 0, "audit report --html '%s'", html), 1);
	assert_contains(out, "AUDIT LOG DAMAGED");
	slurp(html);
	assert_contains(out, "<section id=\"chain\" class=\"bad\"><h2>AUDIT LOG DAMAGED</h2>");
	assert_contains(out, "record modified");
	assert_null(strstr(out, "id=\"summary\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_2_report_counts_real_logins_in_three_formats),
		cmocka_unit_test(test_r_log_2_html_renders_in_chromium_without_network),
		cmocka_unit_test(test_r_log_2_period_and_usage),
		cmocka_unit_test(test_r_log_5_broken_chain_gives_no_counts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
