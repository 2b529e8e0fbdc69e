/* Writes the seed corpora for the fuzzers: real protocol messages built with the same API
 * the PAM module, the CLI and the broker use (generated data only, R-TEST-1), a few
 * hand-written near misses, and configuration files.
 * Usage: gen_seeds MSG_DIR CONF_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_msg.h"
#include "sk_proto.h"

static const char *msg_dir, *conf_dir;
static int count;

static void
write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	count++;
}

static void
emit(const char *name, struct sk_msg *m)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	if (m == NULL || sk_msg_encode(m, &buf, &len) != SK_OK) {
		fprintf(stderr, "gen_seeds: cannot build %s\n", name);
		exit(1);
	}
	write_file(msg_dir, name, buf, len);
	free(buf);
	sk_msg_free(m);
}

#define OK(x) do { if ((x) != SK_OK) { fprintf(stderr, "gen_seeds: %s\n", #x); exit(1); } } while (0)

static struct sk_msg *
login_req(unsigned type, const char *user)
{
	struct sk_msg *m = sk_msg_new(type);

	OK(sk_msg_put_text(m, SK_K_USER, user));
	OK(sk_msg_put_text(m, SK_K_SERVICE, "sshd"));
	OK(sk_msg_put_text(m, SK_K_RHOST, "192.0.2.15"));
	OK(sk_msg_put_text(m, SK_K_TTY, "ssh"));
	OK(sk_msg_put_text(m, SK_K_PROFILE, "mynumber"));
	return m;
}

static void
messages(void)
{
	static const uint64_t steps[] = { SK_METHOD_PASSWORD, SK_METHOD_TOTP };
	static const uint64_t steps3[] = { SK_METHOD_STACK, SK_METHOD_FIDO2, SK_METHOD_CARD };
	unsigned char blob[300], seed[20];
	const unsigned char *creds[3];
	size_t cred_lens[3] = { 64, 48, 16 };
	struct sk_msg *m;

	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 131 + 7);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(i * 29 + 3);
	creds[0] = blob;
	creds[1] = blob + 64;
	creds[2] = blob + 112;

	emit("auth_begin", login_req(SK_REQ_AUTH_BEGIN, "tanaka01"));
	m = login_req(SK_REQ_AUTH_BEGIN, "suzuki.h@example.lg.jp");
	OK(sk_msg_put_bool(m, SK_K_STACK_KNOWLEDGE, 1));
	emit("auth_begin_stack", m);
	m = sk_msg_new(SK_REQ_AUTH_FINISH);
	OK(sk_msg_put_text(m, SK_K_PASSWORD, "Sakura-Namiki-2026"));
	OK(sk_msg_put_text(m, SK_K_OTP, "492039"));
	emit("auth_finish", m);
	m = sk_msg_new(SK_REQ_AUTH_FINISH);
	OK(sk_msg_put_bytes(m, SK_K_CRED_ID, blob, 64));
	OK(sk_msg_put_bytes(m, SK_K_AUTHDATA, blob + 64, 37));
	OK(sk_msg_put_bytes(m, SK_K_SIG, blob + 101, 71));
	OK(sk_msg_put_text(m, SK_K_UV_METHOD, "pin"));
	emit("auth_finish_fido2", m);
	m = sk_msg_new(SK_REQ_AUTH_FINISH);
	OK(sk_msg_put_bytes(m, SK_K_CERT, blob, sizeof(blob)));
	OK(sk_msg_put_bytes(m, SK_K_SIG, blob + 44, 256));
	emit("auth_finish_card", m);
	m = sk_msg_new(SK_REQ_AUTH_FINISH);
	OK(sk_msg_put_uint(m, SK_K_DEVICE_FAIL, 3));
	emit("auth_finish_device_fail", m);
	emit("preauth", login_req(SK_REQ_PREAUTH, "tanaka01"));
	emit("authfail", login_req(SK_REQ_AUTHFAIL, "tanaka01"));
	emit("acct", login_req(SK_REQ_ACCT, "tanaka01"));
	m = login_req(SK_REQ_CHAUTHTOK, "tanaka01");
	OK(sk_msg_put_text(m, SK_K_PASSWORD, "Sakura-Namiki-2026"));
	OK(sk_msg_put_text(m, SK_K_NEW_PASSWORD, "梅の花-Ume-2027"));
	emit("chauthtok", m);
	m = login_req(SK_REQ_SESSION_OPEN, "tanaka01");
	OK(sk_msg_put_uint(m, SK_K_PID, 4242));
	emit("session_open", m);
	m = sk_msg_new(SK_REQ_SESSION_CLOSE);
	OK(sk_msg_put_text(m, SK_K_USER, "tanaka01"));
	OK(sk_msg_put_uint(m, SK_K_SESSION_ID, UINT64_C(0x0123456789abcdef)));
	emit("session_close", m);
	m = sk_msg_new(SK_REQ_SESSION_EVENT);
	OK(sk_msg_put_text(m, SK_K_USER, "tanaka01"));
	OK(sk_msg_put_text(m, SK_K_EVENT, "card_removed"));
	OK(sk_msg_put_uint(m, SK_K_SESSION_ID, 17));
	emit("session_event", m);

	m = sk_msg_new(SK_REQ_STATUS);
	OK(sk_msg_put_text(m, SK_K_ACTOR, "admin01"));
	emit("status", m);
	m = sk_msg_new(SK_REQ_USER_ADD);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_text(m, SK_K_PROFILE, "privileged"));
	OK(sk_msg_put_text(m, SK_K_ACTOR, "admin01"));
	emit("user_add", m);
	m = sk_msg_new(SK_REQ_USER_LIST);
	emit("user_list", m);
	m = sk_msg_new(SK_REQ_USER_UNLOCK);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	emit("user_unlock", m);
	m = sk_msg_new(SK_REQ_TOTP_ENROLL_BEGIN);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_text(m, SK_K_ALGORITHM, "SHA256"));
	OK(sk_msg_put_uint(m, SK_K_DIGITS, 8));
	OK(sk_msg_put_uint(m, SK_K_PERIOD, 30));
	OK(sk_msg_put_bytes(m, SK_K_SECRET, seed, sizeof(seed)));
	emit("totp_enroll_begin", m);
	m = sk_msg_new(SK_REQ_TOTP_ENROLL_CONFIRM);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_uint(m, SK_K_ENROLL_ID, 9));
	OK(sk_msg_put_text(m, SK_K_OTP, "12345678"));
	emit("totp_enroll_confirm", m);
	m = sk_msg_new(SK_REQ_FIDO2_ENROLL_FINISH);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_text(m, SK_K_FMT, "packed"));
	OK(sk_msg_put_uint(m, SK_K_COSE_ALG, 7));
	OK(sk_msg_put_bytes(m, SK_K_AUTHDATA, blob, 164));
	OK(sk_msg_put_bytes(m, SK_K_ATTSTMT, blob + 164, 120));
	emit("fido2_enroll_finish", m);
	m = sk_msg_new(SK_REQ_CARD_ENROLL);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_bytes(m, SK_K_CERT, blob, sizeof(blob)));
	OK(sk_msg_put_uint(m, SK_K_CARD_KIND, SK_CARD_JPKI));
	emit("card_enroll", m);
	m = sk_msg_new(SK_REQ_CARD_REVOKE);
	OK(sk_msg_put_text(m, SK_K_USER, "sato02"));
	OK(sk_msg_put_text(m, SK_K_CERT_HASH,
	                   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	OK(sk_msg_put_text(m, SK_K_CARD_REASON, "lost"));
	OK(sk_msg_put_text(m, SK_K_MESSAGE, "紛失届 受付番号 0001"));
	emit("card_revoke", m);

	/* Replies. */
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_uint_array(m, SK_K_STEPS, steps, 2));
	OK(sk_msg_put_text(m, SK_K_BANNER, "この端末はマイナンバー利用事務系です。\n操作はすべて記録されます。"));
	emit("reply_auth_begin", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_uint_array(m, SK_K_STEPS, steps3, 3));
	OK(sk_msg_put_bytes(m, SK_K_FIDO2_CHALLENGE, blob, 32));
	OK(sk_msg_put_text(m, SK_K_RP_ID, "sekimori.example.lg.jp"));
	OK(sk_msg_put_bytes_array(m, SK_K_CRED_IDS, creds, cred_lens, 3));
	OK(sk_msg_put_uint(m, SK_K_UV, 2));
	OK(sk_msg_put_uint(m, SK_K_TIMEOUT_MS, 30000));
	OK(sk_msg_put_bytes(m, SK_K_CARD_CHALLENGE, blob + 32, 32));
	emit("reply_auth_begin_devices", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_LOCKED));
	OK(sk_msg_put_uint(m, SK_K_LOCKED_UNTIL, 0));
	emit("reply_locked", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_DENIED));
	OK(sk_msg_put_uint(m, SK_K_REMAINING, 2));
	OK(sk_msg_put_uint(m, SK_K_CLASSES, SK_CLASS_KNOWLEDGE));
	emit("reply_denied", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_uint(m, SK_K_SESSION_ID, 17));
	OK(sk_msg_put_uint(m, SK_K_LAST_LOGIN, UINT64_C(1900000000)));
	OK(sk_msg_put_text(m, SK_K_LAST_FROM, "pts/7"));
	OK(sk_msg_put_uint(m, SK_K_LAST_LOGOUT, UINT64_C(1900003600)));
	OK(sk_msg_put_uint(m, SK_K_FAILURES, 1));
	OK(sk_msg_put_uint(m, SK_K_IDLE_TIMEOUT, 600));
	OK(sk_msg_put_uint(m, SK_K_PW_EXPIRES, UINT64_C(1907776000)));
	emit("reply_session_open", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_text(m, SK_K_JSON, "{\"version\":\"0.1.0\",\"protocol\":1,\"clients\":1,"
	                   "\"profiles\":[{\"name\":\"mynumber\",\"classes\":\"knowledge,possession\","
	                   "\"min_classes\":2,\"methods\":\"password,totp\",\"deny\":5}]}"));
	emit("reply_status", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_QUALITY));
	OK(sk_msg_put_uint(m, SK_K_REASON, SK_REASON_CONTAINS_USER));
	emit("reply_quality", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_text(m, SK_K_TEMP_PASSWORD, "Kx7-pQ2m-Vt9w"));
	emit("reply_user_add", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_OK));
	OK(sk_msg_put_uint(m, SK_K_ENROLL_ID, 9));
	OK(sk_msg_put_text(m, SK_K_URI, "otpauth://totp/Sekimori:sato02?secret=GEZDGNBVGY3TQOJQ"
	                   "GEZDGNBVGY3TQOJQ&issuer=Sekimori&algorithm=SHA256&digits=8&period=30"));
	emit("reply_totp_enroll", m);
	m = sk_msg_new(SK_MSG_REPLY);
	OK(sk_msg_put_uint(m, SK_K_STATUS, SK_ST_BUSY));
	emit("reply_busy", m);
}

/* Near misses: each differs from a valid message in one way (see tests/unit/test_msg_decode.c). */
static void
near_misses(void)
{
	static const struct {
		const char *name;
		unsigned char b[16];
		size_t n;
	} v[] = {
		{ "bad_version", { 0xa2, 0x00, 0x02, 0x01, 0x14 }, 5 },
		{ "bad_nested_map", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0xa1, 0x00, 0x01 }, 9 },
		{ "bad_nested_array", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x08, 0x81, 0x81, 0x01 }, 9 },
		{ "bad_negint", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0x20 }, 7 },
		{ "bad_float", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xf9, 0x3c, 0x00 }, 9 },
		{ "bad_tag", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0xc1, 0x01 }, 8 },
		{ "bad_indef_text", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x7f, 0x61, 'a', 0xff }, 10 },
		{ "bad_dup_key", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x01, 0x14 }, 7 },
		{ "bad_big_array", { 0xa2, 0x00, 0x01, 0x08, 0x9a, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
		{ "bad_trailing", { 0xa2, 0x00, 0x01, 0x01, 0x14, 0x00 }, 6 },
		{ "text_nul", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 'a', 0x00, 'b' }, 10 },
		{ "text_surrogate", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0x63, 0xed, 0xa0, 0x80 }, 10 },
		{ "minimal", { 0xa2, 0x00, 0x01, 0x01, 0x14 }, 5 },
		{ "wide_ints", { 0xa2, 0x19, 0x00, 0x00, 0x1a, 0, 0, 0, 1, 0x01, 0x19, 0x00, 0x14 }, 13 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		write_file(msg_dir, v[i].name, v[i].b, v[i].n);
}

static void
conf_file(const char *name, const char *text)
{
	write_file(conf_dir, name, text, strlen(text));
}

static void
confs(void)
{
	conf_file("minimal.conf", "[broker]\n");
	conf_file("one_profile.conf", "[profile standard]\ntotp_window = 1\n");
	conf_file("full.conf",
	          "[broker]\nsocket = sekimorid.sock\nsocket_group = sk-sock\nadmin_group = sk-admins\n"
	          "store = state/sekimori.db\naudit_log = log/audit.jsonl\n"
	          "audit_anchor = state/audit.anchor\nkey_dir = keys\nlocale_dir = /usr/share/locale\n"
	          "language = C\ntotp_issuer = Test-Town\ndefault_profile = mynumber\n"
	          "max_clients = 64\nauth_timeout = 120\nrequest_timeout_ms = 5000\n"
	          "[fido2]\nrp_id = sekimori.test.invalid\nattestation_roots = roots.pem\n"
	          "allowed_aaguids = 00000000-0000-0000-0000-000000000001\ntimeout = 30\n"
	          "[card]\ntrust_anchors = ca.pem\ncrl = card.crl\ntimeout = 30\n"
	          "[profile mynumber]\nclasses = knowledge, possession\nmin_classes = 2\n"
	          "methods = card, fido2, password, totp\nknowledge = broker\ndeny = 5\n"
	          "fail_interval = 900\nunlock_time = 1800\nidle_timeout = 600\n"
	          "password_min_length = 12\npassword_min_classes = 3\npassword_history = 5\n"
	          "password_max_age = 90\ntotp_window = 1\nremote = no\nfido2_uv = required\n"
	          "fido2_up = yes\ncard_removal = end\n"
	          "message = この端末はマイナンバー利用事務系です。\n"
	          "message = 操作はすべて記録されます。\n"
	          "[profile stack]\nmethods = password, totp\nknowledge = stack\ndeny = 3\n"
	          "unlock_time = 0\n  continued\n");
	conf_file("merge.conf",
	          "[broker]\ndefault_profile = standard\n"
	          "[profile standard]\nmethods = password, fido2, totp, card\ndeny = 10\n"
	          "idle_timeout = 0\npassword_max_age = 0\n"
	          "[profile privileged]\nclasses = possession\nmin_classes = 3\n"
	          "methods = card, totp, fido2, password\ndeny = 3\nunlock_time = 0\n");
	conf_file("error_line.conf", "[broker]\nmax_clients = 8\n[profile Bad]\ndeny = 3\n");
	conf_file("error_class.conf", "[profile standard]\nmethods = totp\n");
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen_seeds MSG_DIR CONF_DIR\n");
		return 2;
	}
	msg_dir = argv[1];
	conf_dir = argv[2];
	messages();
	near_misses();
	confs();
	printf("gen_seeds: wrote %d files\n", count);
	return 0;
}
