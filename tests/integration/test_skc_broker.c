/* The typed client calls (common/skc_*.c) against a real sekimorid: what the module's
 * account, password and session phases and the CLI's user and TOTP commands send is what the
 * broker's handlers read, and every reply the broker writes decodes (no field the broker
 * sends is refused as malformed). The socketpair tests (tests/unit/test_skc_*.c) cover the
 * malformed replies a broker never sends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_conf.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_proto.h"
#include "skc_account.h"
#include "skc_card.h"
#include "skc_fido2.h"
#include "skc_session.h"
#include "skc_totp.h"
#include "skc_user.h"

static const char *profiles =
	"[profile mynumber]\nmethods = password, totp\ndeny = 3\nunlock_time = 0\n"
	"idle_timeout = 600\npassword_min_length = 12\npassword_min_classes = 3\n";

static struct sk_fixture fx;
static struct sk_client client = { .fd = -1 };

/* Every new connection presents the fixture administrator's admin session (the admin
 * requests need one), as the CLI does. */
static struct sk_client *
broker(void)
{
	int fresh = client.fd < 0;

	(void)sk_client_connected(&client, fx.socket, 5000);
	if (fresh && client.fd >= 0)
		skfx_admin_attach(&fx, &client);
	return &client;
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
	sk_client_close(&client);
	skfx_finish(&fx);
	return 0;
}

/* The seed of an otpauth URI (secret=BASE32&...). */
static void
uri_secret(const char *uri, char *out, size_t cap)
{
	const char *s = strstr(uri, "secret=");
	size_t n;

	assert_non_null(s);
	s += 7;
	n = strcspn(s, "&");
	assert_true(n > 0 && n < cap);
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
test_admin_calls_against_the_broker(void **state)
{
	struct skc_user_add_in add = { .actor = "root", .user = "skcuser" };
	struct skc_user_in user = { .user = "skcuser" };
	struct skc_status_in all = { .actor = NULL };
	struct skc_temp_password_out pw;
	struct skc_json_out doc;
	struct skc_reply_out verdict;
	struct skc_totp_enroll_begin_in tb = { .user = "skcuser" };
	struct skc_totp_enroll_begin_out tout;
	struct skc_totp_enroll_confirm_in tc = { .user = "skcuser" };
	struct skc_fido2_enroll_begin_in fb = { .user = "skcuser", .uv = 1 };
	struct skc_fido2_enroll_begin_out *fout = calloc(1, sizeof(*fout));
	struct skc_card_change_in revoke = { .user = "skcuser", .reason = "lost" };
	char seed[128], code[16];
	json_object *v;

	(void)state;
	assert_non_null(fout);
	assert_int_equal(skc_user_add(broker(), &add, &pw), SK_OK);
	assert_int_equal(pw.res.status, SK_ST_OK);
	assert_true(strlen(pw.temp_password) >= 12);
	assert_int_equal(skc_user_add(broker(), &add, &pw), SK_OK);
	assert_int_equal(pw.res.status, SK_ST_EXISTS);

	assert_int_equal(skc_user_show(broker(), &user, &doc), SK_OK);
	assert_int_equal(doc.res.status, SK_ST_OK);
	assert_true(json_object_object_get_ex(doc.doc, "user", &v));
	assert_string_equal(json_object_get_string(v), "skcuser");
	json_object_put(doc.doc);
	assert_int_equal(skc_user_list(broker(), &all, &doc), SK_OK);
	assert_int_equal(doc.res.status, SK_ST_OK);
	json_object_put(doc.doc);
	assert_int_equal(skc_status(broker(), &all, &doc), SK_OK);
	assert_int_equal(doc.res.status, SK_ST_OK);
	json_object_put(doc.doc);

	assert_int_equal(skc_totp_enroll_begin(broker(), &tb, &tout), SK_OK);
	assert_int_equal(tout.res.status, SK_ST_OK);
	uri_secret(tout.uri, seed, sizeof(seed));
	skfx_totp_code(seed, 0, code, sizeof(code));
	tc.enroll_id = tout.enroll_id;
	tc.code = code;
	assert_int_equal(skc_totp_enroll_confirm(broker(), &tc, &verdict), SK_OK);
	assert_int_equal(verdict.res.status, SK_ST_OK);
	/* A value the administrator gave that the broker refuses: the reason comes back. */
	tb.digits = 7;
	assert_int_equal(skc_totp_enroll_begin(broker(), &tb, &tout), SK_OK);
	assert_int_equal(tout.res.status, SK_ST_INVALID);
	assert_int_equal(tout.res.reason, SK_REASON_INVALID_DIGITS);

	assert_int_equal(skc_user_lock(broker(), &user, &verdict), SK_OK);
	assert_int_equal(verdict.res.status, SK_ST_OK);
	assert_int_equal(skc_user_unlock(broker(), &user, &verdict), SK_OK);
	assert_int_equal(verdict.res.status, SK_ST_OK);

	/* No [fido2], no [card] section: refused with NOT_CONFIGURED or NOT_FOUND. */
	assert_int_equal(skc_fido2_enroll_begin(broker(), &fb, fout), SK_OK);
	assert_int_equal(fout->res.status, SK_ST_BAD_REQUEST);
	assert_int_equal(fout->res.reason, SK_REASON_NOT_CONFIGURED);
	assert_int_equal(skc_fido2_list(broker(), &user, &doc), SK_OK);
	assert_int_equal(doc.res.status, SK_ST_OK);
	assert_int_equal(json_object_array_length(doc.doc), 0);
	json_object_put(doc.doc);
	assert_int_equal(skc_card_list(broker(), &user, &doc), SK_OK);
	assert_int_equal(doc.res.status, SK_ST_OK);
	json_object_put(doc.doc);
	assert_int_equal(skc_card_revoke(broker(), &revoke, &verdict), SK_OK);
	assert_int_equal(verdict.res.status, SK_ST_NOT_FOUND);
	free(fout);
}

/* The module's phases through the typed calls: a temporary password must be changed
 * (R-CRED-1), the change with the temporary password as the old one, then a session with its
 * report and its end. */
static void
test_module_calls_against_the_broker(void **state)
{
	struct skc_user_add_in add = { .user = "skcmod" };
	struct skc_temp_password_out pw;
	struct skc_login login = { .user = "skcmod", .service = "sk-test", .rhost = "192.0.2.9",
	                           .tty = "pts/3" };
	struct skc_acct_in acct = { .login = login };
	struct skc_acct_out aout;
	struct skc_chauthtok_in ch = { .login = login, .new_password = "Qz7-rain-Lamp-41" };
	struct skc_chauthtok_out chout;
	struct skc_session_open_in so = { .login = login, .pid = (uint64_t)getpid() };
	struct skc_session_open_out sout;
	struct skc_session_close_in sc = { .user = "skcmod" };
	struct skc_reply_out verdict;

	(void)state;
	assert_int_equal(skc_user_add(broker(), &add, &pw), SK_OK);
	assert_int_equal(pw.res.status, SK_ST_OK);
	assert_int_equal(skc_acct(broker(), &acct, &aout), SK_OK);
	assert_int_equal(aout.res.status, SK_ST_NEW_AUTHTOK);

	ch.old_password = "not-the-password-1";
	assert_int_equal(skc_chauthtok(broker(), &ch, &chout), SK_OK);
	assert_int_equal(chout.res.status, SK_ST_DENIED);
	ch.old_password = pw.temp_password;
	ch.new_password = "short";
	assert_int_equal(skc_chauthtok(broker(), &ch, &chout), SK_OK);
	assert_int_equal(chout.res.status, SK_ST_QUALITY);
	assert_int_equal(chout.res.reason, SK_REASON_TOO_SHORT);
	ch.new_password = "Qz7-rain-Lamp-41";
	assert_int_equal(skc_chauthtok(broker(), &ch, &chout), SK_OK);
	assert_int_equal(chout.res.status, SK_ST_OK);
	assert_int_equal(skc_acct(broker(), &acct, &aout), SK_OK);
	assert_int_equal(aout.res.status, SK_ST_OK);

	assert_int_equal(skc_session_open(broker(), &so, &sout), SK_OK);
	assert_int_equal(sout.res.status, SK_ST_OK);
	assert_true(sout.session_id > 0);
	assert_int_equal(sout.idle_timeout, 600);
	assert_int_equal(sout.card_removal, SK_CARD_REMOVAL_LOCK);
	assert_string_equal(sout.card_hash, "");
	sc.session_id = sout.session_id;
	assert_int_equal(skc_session_close(broker(), &sc, &verdict), SK_OK);
	assert_int_equal(verdict.res.status, SK_ST_OK);

	/* Not an account the broker manages. */
	so.login.user = "nosuchuser";
	assert_int_equal(skc_session_open(broker(), &so, &sout), SK_OK);
	assert_int_equal(sout.res.status, SK_ST_NOT_FOUND);
	explicit_bzero(&pw, sizeof(pw));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_calls_against_the_broker),
		cmocka_unit_test(test_module_calls_against_the_broker),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
