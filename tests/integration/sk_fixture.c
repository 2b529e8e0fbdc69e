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

#include "sk_client.h"
#include "sk_err.h"
#include "sk_pamdrive.h"
#include "sk_proto.h"
#include "skc_admin.h"
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
	if (fx->admin_ready) {
		char out[4096];

		if (skfx_admin_login_as(fx, SKFX_ADMIN, fx->admin_pw, fx->admin_seed,
		                        &fx->admin_last_step, out, sizeof(out)) != 0)
			fail_msg("the fixture administrator could not log in again: %s", out);
	}
}

static void
start(struct sk_fixture *fx, const char *language, const char *profiles)
{
	char text[16384];
	char *store = fx->store;
	int n;

	memset(fx, 0, sizeof(*fx));
	sk_test_mkdtemp(fx->dir, sizeof(fx->dir));
	snprintf(fx->socket, sizeof(fx->socket), "%s/sekimorid.sock", fx->dir);
	snprintf(fx->pamdir, sizeof(fx->pamdir), "%s/pam.d", fx->dir);
	snprintf(fx->rundir, sizeof(fx->rundir), "%s/run", fx->dir);
	assert_int_equal(mkdir(fx->pamdir, 0700), 0);
	assert_int_equal(mkdir(fx->rundir, 0700), 0);
	/* The CLI keeps the admin session token in $XDG_RUNTIME_DIR: this test's own. */
	assert_int_equal(setenv("XDG_RUNTIME_DIR", fx->rundir, 1), 0);
	/* The fixture administrator's profile: password + TOTP with a window of three steps,
	 * so that a re-login after a restart rarely has to wait for an unused step. It comes
	 * before the test's text, which then starts in [broker] again as it always did and may
	 * end in a section that a test appends keys to. */
	/* The store: state/sekimori.db, or with SK_TEST_STORE=pg (tests/pg/with-pg.sh) a new
	 * database of the test's PostgreSQL cluster. */
	if (sk_test_store_is_pg())
		sk_test_store_name(fx->dir, fx->store, sizeof(fx->store));
	else
		snprintf(fx->store, sizeof(fx->store), "state/sekimori.db");
	n = snprintf(text, sizeof(text),
	             "[broker]\nsocket = sekimorid.sock\nstore = %s\n"
	             "audit_log = log/audit.jsonl\naudit_anchor = state/audit.anchor\n"
	             "key_dir = keys\nlocale_dir = %s/locale\nlanguage = %s\n"
	             "default_profile = mynumber\nadmin_profile = %s\n"
	             "[profile %s]\ntotp_window = 3\n[broker]\n%s",
	             store, env("SK_BINARY_DIR"), language, SKFX_ADMIN_PROFILE, SKFX_ADMIN_PROFILE,
	             profiles);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	sk_test_write_file(fx->dir, "sekimori.conf", text, fx->conf, sizeof(fx->conf));
	skfx_restart(fx);
}

void
skfx_start_bare(struct sk_fixture *fx, const char *language, const char *profiles)
{
	start(fx, language, profiles);
}

void
skfx_start(struct sk_fixture *fx, const char *language, const char *profiles)
{
	char temp[64], out[4096];

	start(fx, language, profiles);
	/* Root in the recovery role may set up an administrator's account and factors. */
	skfx_add_user(fx, SKFX_ADMIN, SKFX_ADMIN_PROFILE, temp, sizeof(temp));
	skfx_enroll_totp(fx, SKFX_ADMIN, fx->admin_seed, sizeof(fx->admin_seed));
	fx->admin_last_step = (long long)time(NULL) / 30;   /* the enrolment used it */
	snprintf(fx->admin_pw, sizeof(fx->admin_pw), "%s", SKFX_ADMIN_PASSWORD);
	skfx_set_password(fx, SKFX_ADMIN, SKFX_ADMIN_PROFILE, temp, fx->admin_pw);
	if (skfx_admin_login_as(fx, SKFX_ADMIN, fx->admin_pw, fx->admin_seed,
	                        &fx->admin_last_step, out, sizeof(out)) != 0)
		fail_msg("the fixture administrator could not log in: %s", out);
	fx->admin_ready = 1;
}

void
skfx_start_peer(struct sk_fixture *peer, struct sk_fixture *first, const char *broker_id,
                const char *args)
{
	char conf[16384], cmd[2048], service[1024], out[1024];
	FILE *f;
	size_t n;
	int len;

	memset(peer, 0, sizeof(*peer));
	sk_test_mkdtemp(peer->dir, sizeof(peer->dir));
	snprintf(peer->socket, sizeof(peer->socket), "%s/sekimorid.sock", peer->dir);
	snprintf(peer->pamdir, sizeof(peer->pamdir), "%s/pam.d", peer->dir);
	snprintf(peer->rundir, sizeof(peer->rundir), "%s/run", peer->dir);
	snprintf(peer->store, sizeof(peer->store), "%s", first->store);
	assert_int_equal(mkdir(peer->pamdir, 0700), 0);
	assert_int_equal(mkdir(peer->rundir, 0700), 0);
	len = snprintf(cmd, sizeof(cmd), "cp -a '%s/keys' '%s/keys'", first->dir, peer->dir);
	assert_true(len > 0 && (size_t)len < sizeof(cmd));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	/* first's configuration with the peer's broker_id: its relative paths (socket, log,
	 * keys) now name the peer's folder. */
	f = fopen(first->conf, "r");
	assert_non_null(f);
	len = snprintf(conf, sizeof(conf), "[broker]\nbroker_id = %s\n", broker_id);
	n = fread(conf + len, 1, sizeof(conf) - (size_t)len - 1, f);
	fclose(f);
	conf[(size_t)len + n] = '\0';
	sk_test_write_file(peer->dir, "sekimori.conf", conf, peer->conf, sizeof(peer->conf));
	snprintf(service, sizeof(service), "%s conf=%s", args, peer->conf);
	skpd_write_service(peer->pamdir, "sk-test", service, NULL);
	skfx_restart(peer);
}

void
skfx_set_password(struct sk_fixture *fx, const char *user, const char *profile,
                  const char *old_pw, const char *new_pw)
{
	struct sk_client c;
	struct sk_msg *req = sk_msg_new(SK_REQ_CHAUTHTOK), *reply = NULL;

	assert_non_null(req);
	assert_int_equal(sk_msg_put_text(req, SK_K_USER, user), 0);
	assert_int_equal(sk_msg_put_text(req, SK_K_SERVICE, "sk-fixture"), 0);
	assert_int_equal(sk_msg_put_text(req, SK_K_PROFILE, profile), 0);
	assert_int_equal(sk_msg_put_text(req, SK_K_PASSWORD, old_pw), 0);
	assert_int_equal(sk_msg_put_text(req, SK_K_NEW_PASSWORD, new_pw), 0);
	assert_int_equal(sk_client_open(&c, fx->socket, 10000), 0);
	assert_int_equal(sk_client_call(&c, req, &reply, 0), 0);
	assert_int_equal(sk_reply_status(reply), SK_ST_OK);
	sk_client_close(&c);
	sk_msg_free(req);
	sk_msg_free(reply);
}

void
skfx_admin_attach(struct sk_fixture *fx, struct sk_client *c)
{
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_admin_attach_in in = { token };
	struct skc_admin_session_out out;
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sekimori-admin-session", fx->rundir);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(token, 1, sizeof(token), f), sizeof(token));
	fclose(f);
	assert_int_equal(skc_admin_attach(c, &in, &out), SK_OK);
	assert_int_equal(out.res.status, SK_ST_OK);
	assert_string_equal(out.user, SKFX_ADMIN);
	explicit_bzero(token, sizeof(token));
}

int
skfx_admin_login_as(struct sk_fixture *fx, const char *user, const char *password,
                    const char *seed_b32, long long *last_step, char *out, size_t outsz)
{
	char args[256], input[256], code[16];
	long long step = (long long)time(NULL) / 30;

	/* The next step nobody used yet; the profile's window (3) reaches three steps ahead,
	 * past that wait until it comes into reach. */
	if (step <= *last_step)
		step = *last_step + 1;
	while (step > (long long)time(NULL) / 30 + 2)
		usleep(200000);
	skfx_totp_code(seed_b32, (long)(step * 30 + 1 - (long long)time(NULL)), code, sizeof(code));
	*last_step = step;
	snprintf(args, sizeof(args), "admin login --user %s", user);
	snprintf(input, sizeof(input), "%s\n%s\n", password, code);
	return skfx_cli(fx, args, input, out, outsz);
}

void
skfx_second_user(struct sk_fixture *second, const struct sk_fixture *fx, const char *name)
{
	int n;

	*second = *fx;
	n = snprintf(second->rundir, sizeof(second->rundir), "%s/%s", fx->dir, name);
	assert_true(n > 0 && (size_t)n < sizeof(second->rundir));
	assert_int_equal(mkdir(second->rundir, 0700), 0);
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
	/* This fixture's own runtime folder (a test may run two fixtures), whatever the
	 * process environment says. */
	n = snprintf(cmd, sizeof(cmd), "LANG=C LC_ALL=C XDG_RUNTIME_DIR='%s' '%s' -c '%s' %s %s 2>&1",
	             fx->rundir, env("SK_CLI"), fx->conf, args, in);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, outsz);
}

int
skfx_clif(struct sk_fixture *fx, char *out, size_t outsz, const char *fmt, ...)
{
	char args[1200];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	rc = skfx_cli(fx, args, NULL, out, outsz);
	if (rc != 0)
		fprintf(stderr, "sekimori %s -> %d: %.2000s\n", args, rc, out);
	return rc;
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

int
skfx_store_sql(struct sk_fixture *fx, const char *sql, char *out, size_t outsz)
{
	char cmd[4096];
	int n;

	if (sk_test_store_is_pg())
		return sk_test_pg_sql(fx->store, sql, out, outsz);
	n = snprintf(cmd, sizeof(cmd), "sqlite3 -cmd '.timeout 10000' '%s/%s' \"%s\" 2>&1",
	             fx->dir, fx->store, sql);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return sk_test_run(cmd, out, outsz);
}
