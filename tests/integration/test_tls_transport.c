/* The remote transport (issue 12, item 4): a real sekimorid with a TLS listener on
 * 127.0.0.1, certificates made by the test with `openssl req` / `openssl x509` under its
 * folder, the built pam_sekimori.so (which loads pam_sekimori_tls.so) through real libpam,
 * the real CLI, and a raw TLS client (the same plug-in, dlopen()ed by the test) for what
 * the module never sends. Runs on both stores (integration_test_tls_transport_pg).
 *
 * Each test makes its own user (password + TOTP), so that no TOTP step is used twice. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "pamsk_tls.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_io.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"
#include "skc_admin.h"
#include "skc_auth.h"
#include "skc_terminal.h"

static struct sk_fixture fx;
static char certs[512];          /* the test's certificate folder */
static int tls_port, dead_port, stall_port;
static int stall_fd = -1;        /* listens, never accepts: a broker that does not answer */

#define PROFILES_FMT \
	"listen_tls = 127.0.0.1:%d\n" \
	"tls_cert = %s/broker.pem\ntls_key = %s/broker.key\ntls_client_ca = %s/ca.pem\n" \
	"tls_crl = %s/crl.pem\n" \
	"[profile mynumber]\n" \
	"classes = knowledge, possession\n" \
	"methods = password, totp\n" \
	"deny = 5\nfail_interval = 600\nunlock_time = 0\nidle_timeout = 600\n" \
	"password_min_length = 12\npassword_min_classes = 3\n" \
	"totp_window = 2\n"

#define PASSWORD "Tls-Terminal-Pass-7"

/* A port nobody listens on now (bound, read, closed), or with listening set a socket that
 * listens and never accepts (its fd in *keep). */
static int
free_port(int listening, int *keep)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	if (listening) {
		assert_int_equal(listen(fd, 1), 0);
		*keep = fd;
	} else {
		close(fd);
	}
	return ntohs(sa.sin_port);
}

/* A CA, the broker's certificate (SAN IP:127.0.0.1), terminals term-a, term-b, term-c,
 * term-d (serials 1001 to 1004) signed by it, term-rogue signed by another CA, and the CA's
 * CRL listing term-d (made with `openssl ca -revoke` and `-gencrl`). */
static void
make_certs(void)
{
	char cmd[4096], out[256];
	int n;

	sk_test_mkdtemp(certs, sizeof(certs));
	n = snprintf(cmd, sizeof(cmd),
	    "set -e; cd '%s'; exec 2>openssl.log\n"
	    "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1.key; }\n"
	    "ca() { key $1; openssl req -x509 -new -key $1.key -out $1.pem -days 2 -subj /CN=$2; }\n"
	    "leaf() { key $1; openssl req -new -key $1.key -out $1.csr -subj /CN=$1;\n"
	    "  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -set_serial $3 -days 2"
	    "   -out $1.pem -extfile $1.ext; }\n"
	    "ca ca sekimori-test-ca; ca rogueca rogue-ca\n"
	    "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' >broker.ext\n"
	    "for t in term-a term-b term-c term-d term-rogue; do\n"
	    "  printf 'extendedKeyUsage=clientAuth\\n' >$t.ext; done\n"
	    "leaf broker ca 0x0900\n"
	    "leaf term-a ca 0x1001; leaf term-b ca 0x1002; leaf term-c ca 0x1003\n"
	    "leaf term-rogue rogueca 0x1001; leaf term-d ca 0x1004\n"
	    "printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
	    "default_md=sha256\\ndefault_crl_days=2\\n' >ca.cnf; : >index.txt; echo 01 >crlnumber\n"
	    "openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke term-d.pem\n"
	    "openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem\n"
	    "echo ok\n", certs);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "ok"));
}

/* The SHA-256 of a certificate as the broker writes it: lower-case hex, no colons. */
static void
fingerprint(const char *name, char fp[65])
{
	char cmd[1024], out[256];
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s/%s.pem' -noout -fingerprint -sha256",
	         certs, name);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	for (const char *p = strchr(out, '='); p != NULL && *++p != '\0' && *p != '\n';)
		if (*p != ':' && n < 64)
			fp[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	fp[n] = '\0';
	assert_int_equal(n, 64);
}

/* Waits (bounded) until the TLS listener accepts TCP connections. */
static void
wait_for_tls(void)
{
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)tls_port),
		                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

		assert_true(fd >= 0);
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return;
		usleep(25000);
	}
	fail_msg("the TLS listener on port %d did not come up", tls_port);
}

/* A terminal's configuration (the module's sekimori.conf) and PAM service "name": brokers
 * is the [client] broker list, cert the terminal certificate's base name. */
static void
terminal_service(const char *name, const char *brokers, const char *cert, int timeout_ms)
{
	char text[4096], conf[700], args[1024];
	int n = snprintf(text, sizeof(text),
	                 "[broker]\nlanguage = C\nlocale_dir = %s/locale\nrequest_timeout_ms = 10000\n"
	                 "[client]\nbroker = %s\ntls_cert = %s/%s.pem\ntls_key = %s/%s.key\n"
	                 "tls_ca = %s/ca.pem\nconnect_timeout_ms = %d\n",
	                 getenv("SK_BINARY_DIR"), brokers, certs, cert, certs, cert, certs,
	                 timeout_ms);
	char file[128];

	assert_true(n > 0 && (size_t)n < sizeof(text));
	snprintf(file, sizeof(file), "%s.conf", name);
	sk_test_write_file(fx.dir, file, text, conf, sizeof(conf));
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", conf);
	skpd_write_service(fx.pamdir, name, args, NULL);
}

static int
setup(void **state)
{
	char text[2048];

	(void)state;
	make_certs();
	tls_port = free_port(0, NULL);
	dead_port = free_port(0, NULL);
	stall_port = free_port(1, &stall_fd);
	snprintf(text, sizeof(text), PROFILES_FMT, tls_port, certs, certs, certs, certs);
	skfx_start(&fx, "C", text);
	wait_for_tls();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	if (stall_fd >= 0)
		close(stall_fd);
	sk_test_rmtree(certs);
	return 0;
}

struct account {
	char name[32];
	char seed[64];
};

static void
ready_account(struct account *a, const char *name)
{
	char temp[64];

	snprintf(a->name, sizeof(a->name), "%s", name);
	skfx_add_user(&fx, name, "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, name, a->seed, sizeof(a->seed));
	skfx_set_password(&fx, name, "mynumber", temp, PASSWORD);
}

/* A login through service with the TOTP code offset seconds from now. */
static int
login(struct skpd *d, const char *service, const struct account *a, long offset)
{
	char code[16];
	int r;

	skfx_totp_code(a->seed, offset, code, sizeof(code));
	r = skpd_authenticate(d, fx.pamdir, service, a->name, NULL, PASSWORD, code);
	if (r != PAM_SUCCESS)
		print_message("%s: PAM %d\n%s", service, r, d->transcript);
	return r;
}

static char *
tls_broker(int port, char *buf, size_t cap)
{
	snprintf(buf, cap, "tls://127.0.0.1:%d", port);
	return buf;
}

/* A login over TLS, and its audit record names the terminal (CN and fingerprint). */
static void
test_r_log_1_tls_login_audited_with_terminal(void **state)
{
	struct account a;
	struct skpd d;
	char b[64], fp[65], needle[128];

	(void)state;
	ready_account(&a, "tlsuser1");
	terminal_service("sk-tls-a", tls_broker(tls_port, b, sizeof(b)), "term-a", 3000);
	assert_int_equal(login(&d, "sk-tls-a", &a, 30), PAM_SUCCESS);
	fingerprint("term-a", fp);
	snprintf(needle, sizeof(needle), "\"terminal_sha256\":\"%s\"", fp);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tlsuser1\"",
	                                  "\"result\":\"allow\"", "\"terminal\":\"term-a\"", needle,
	                                  NULL), 1);
	/* No uid is claimed for a remote peer. */
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"tlsuser1\"", "\"terminal\":\"term-a\"",
	                                  "\"peer_uid\"", NULL), 0);
	/* A wrong password over TLS is a deny, recorded against the terminal too. */
	{
		char code[16];

		skfx_totp_code(a.seed, 60, code, sizeof(code));
		assert_int_equal(skpd_authenticate(&d, fx.pamdir, "sk-tls-a", a.name, NULL,
		                                   "Wrong-Password-123", code), PAM_AUTH_ERR);
		assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tlsuser1\"",
		                                  "\"result\":\"deny\"", "\"terminal\":\"term-a\"",
		                                  NULL), 1);
	}
}

/* Broker A refuses the connection, broker B accepts TCP but never answers: the module
 * waits connect_timeout_ms for B, then logs in through C. */
static void
test_r_mfa_3_tls_module_tries_brokers_in_order(void **state)
{
	struct account a;
	struct skpd d;
	char b1[64], b2[64], b3[64], list[256];
	int64_t t0, took;

	(void)state;
	ready_account(&a, "tlsuser2");
	snprintf(list, sizeof(list), "%s %s, %s", tls_broker(dead_port, b1, sizeof(b1)),
	         tls_broker(stall_port, b2, sizeof(b2)), tls_broker(tls_port, b3, sizeof(b3)));
	terminal_service("sk-tls-order", list, "term-a", 1000);
	t0 = sk_now_ms();
	assert_int_equal(login(&d, "sk-tls-order", &a, 30), PAM_SUCCESS);
	took = sk_now_ms() - t0;
	print_message("login past a refusing and a silent broker: %lld ms\n", (long long)took);
	/* Each phase's connection (auth, then the code's AUTH_FINISH on the same one) waits out
	 * the silent broker once: at least one full timeout. */
	assert_true(took >= 1000);
	assert_true(took < 15000);
}

/* No broker answers: the module fails closed within its timeouts, never PAM_SUCCESS or
 * PAM_IGNORE. */
static void
test_r_mfa_3_tls_all_down_fails_closed(void **state)
{
	struct account a;
	struct skpd d;
	char b1[64], b2[64], list[256];
	int64_t t0, took;
	int r;

	(void)state;
	ready_account(&a, "tlsuser3");
	snprintf(list, sizeof(list), "%s %s", tls_broker(dead_port, b1, sizeof(b1)),
	         tls_broker(stall_port, b2, sizeof(b2)));
	terminal_service("sk-tls-down", list, "term-a", 800);
	t0 = sk_now_ms();
	r = login(&d, "sk-tls-down", &a, 30);
	took = sk_now_ms() - t0;
	print_message("all brokers down: PAM %d after %lld ms\n", r, (long long)took);
	assert_true(r == PAM_AUTHINFO_UNAVAIL || r == PAM_AUTH_ERR);
	assert_true(took >= 800);       /* the silent broker was waited for */
	assert_true(took < 800 + 3000); /* and no longer than its timeout, plus slack */
	assert_true(skpd_contains(&d, "unavailable"));
}

/* A terminal certificate from another CA is refused at the handshake: no login, no
 * terminal recorded. */
static void
test_r_mfa_3_tls_foreign_certificate_refused(void **state)
{
	struct account a;
	struct skpd d;
	char b[64], out[65536];
	int r;

	(void)state;
	ready_account(&a, "tlsuser4");
	terminal_service("sk-tls-rogue", tls_broker(tls_port, b, sizeof(b)), "term-rogue", 3000);
	r = login(&d, "sk-tls-rogue", &a, 30);
	assert_true(r == PAM_AUTHINFO_UNAVAIL || r == PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"terminal\":\"term-rogue\"", NULL), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"tlsuser4\"", "\"event\":\"auth\"", NULL),
	                 0);
	assert_int_equal(skfx_cli(&fx, "--json terminal list", NULL, out, sizeof(out)), 0);
	assert_null(strstr(out, "term-rogue"));
}

/* The test's own TLS client: the module's plug-in, with a terminal certificate. */
static const struct pamsk_tls *
plugin(void)
{
	static const struct pamsk_tls *t;
	char path[1024];
	void *h;
	pamsk_tls_entry_fn entry;

	if (t != NULL)
		return t;
	snprintf(path, sizeof(path), "%s/pam_module/pam_sekimori_tls.so", getenv("SK_BINARY_DIR"));
	assert_non_null(h = dlopen(path, RTLD_NOW | RTLD_LOCAL));
	assert_non_null(entry = (pamsk_tls_entry_fn)dlsym(h, PAMSK_TLS_ENTRY));
	assert_non_null(t = entry(PAMSK_TLS_ABI));
	return t;
}

static int
tls_open(const char *cert, struct sk_client *c)
{
	char crt[700], key[700], ca[700], hp[64];
	struct pamsk_tls_params p = { crt, key, ca };

	snprintf(crt, sizeof(crt), "%s/%s.pem", certs, cert);
	snprintf(key, sizeof(key), "%s/%s.key", certs, cert);
	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", tls_port);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = 5000;
	return plugin()->open(&p, hp, sk_now_ms() + 5000, c);
}

/* A module request on a TLS connection: PREAUTH for user. */
static int
preauth(struct sk_client *c, const char *user, struct skc_preauth_out *out)
{
	struct skc_preauth_in in = { .who = { .user = user, .service = "sk-tls-raw", .rhost = "",
	                                      .tty = "", .profile = "mynumber" } };

	return skc_preauth(c, &in, out);
}

/* A TLS peer sends what the module sends and nothing more: an administrative read or
 * change, or an admin login, is FORBIDDEN and the broker hangs up. */
static void
test_r_mfa_3_tls_peer_admin_request_forbidden(void **state)
{
	struct sk_client c;
	struct skc_preauth_out pre;
	struct skc_json_out list;
	struct skc_terminal_revoke_in rin = { .fingerprint = "00000000000000000000000000000000"
	                                                     "00000000000000000000000000000000" };
	struct skc_terminal_revoke_out rout;

	(void)state;
	/* Control: the module role's request is served. */
	assert_int_equal(tls_open("term-a", &c), SK_OK);
	assert_int_equal(preauth(&c, "nobody-here", &pre), SK_OK);
	assert_int_not_equal(pre.res.status, SK_ST_FORBIDDEN);
	assert_int_equal(skc_terminal_list(&c, &(struct skc_terminal_list_in){ 0 }, &list), SK_OK);
	assert_int_equal(list.res.status, SK_ST_FORBIDDEN);
	json_object_put(list.doc);
	sk_client_close(&c);

	assert_int_equal(tls_open("term-a", &c), SK_OK);
	assert_int_equal(skc_terminal_revoke(&c, &rin, &rout), SK_OK);
	assert_int_equal(rout.res.status, SK_ST_FORBIDDEN);
	/* FORBIDDEN is the last frame: the next request finds the connection closed. */
	assert_int_not_equal(preauth(&c, "nobody-here", &pre), SK_OK);
	sk_client_close(&c);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.terminal_revoke\"", NULL), 0);
}

/* sekimori terminal revoke: by fingerprint, a terminal is refused at its next handshake
 * and at the next request on a connection it already has open; by serial likewise. */
static void
test_r_mfa_3_tls_revoked_terminal_refused(void **state)
{
	struct account a;
	struct skpd d;
	struct sk_client open_conn;
	struct skc_preauth_out pre;
	char b[64], fp[65], args[256], out[65536];
	int r;

	(void)state;
	ready_account(&a, "tlsuser5");
	terminal_service("sk-tls-b", tls_broker(tls_port, b, sizeof(b)), "term-b", 3000);
	assert_int_equal(login(&d, "sk-tls-b", &a, 30), PAM_SUCCESS);
	/* A connection of term-b opened before the revocation. */
	assert_int_equal(tls_open("term-b", &open_conn), SK_OK);
	assert_int_equal(preauth(&open_conn, "nobody-here", &pre), SK_OK);
	assert_int_not_equal(pre.res.status, SK_ST_FORBIDDEN);

	fingerprint("term-b", fp);
	snprintf(args, sizeof(args), "terminal revoke %s", fp);
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "1 terminal certificate(s) revoked"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.terminal_revoke\"", fp,
	                                  "\"admin\":\"" SKFX_ADMIN "\"", NULL), 1);
	/* Again: nothing more to revoke. */
	assert_int_equal(skfx_cli(&fx, args, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Already revoked."));

	/* The open connection: its next request is refused. */
	r = preauth(&open_conn, "nobody-here", &pre);
	assert_true(r != SK_OK || pre.res.status == SK_ST_FORBIDDEN);
	sk_client_close(&open_conn);
	/* A new one: refused at the handshake (the plug-in may finish its side first; then
	 * the first request finds the connection closed). */
	if (tls_open("term-b", &open_conn) == SK_OK) {
		assert_int_not_equal(preauth(&open_conn, "nobody-here", &pre), SK_OK);
		sk_client_close(&open_conn);
	}
	r = login(&d, "sk-tls-b", &a, 60);
	assert_true(r == PAM_AUTHINFO_UNAVAIL || r == PAM_AUTH_ERR);
	assert_true(skfx_audit_count(&fx, "\"event\":\"terminal.refused\"",
	                             "\"terminal\":\"term-b\"", "terminal_revoked", NULL) >= 1);

	/* By serial (as `openssl x509 -serial` prints it): term-c connected once, then is
	 * revoked. A serial never seen cannot be revoked by serial. */
	assert_int_equal(tls_open("term-c", &open_conn), SK_OK);
	sk_client_close(&open_conn);
	assert_int_equal(skfx_cli(&fx, "terminal revoke 0x00099999", NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "no terminal with that serial number has connected"));
	assert_int_equal(skfx_cli(&fx, "terminal revoke 1003", NULL, out, sizeof(out)), 0);
	if (tls_open("term-c", &open_conn) == SK_OK) {
		assert_int_not_equal(preauth(&open_conn, "nobody-here", &pre), SK_OK);
		sk_client_close(&open_conn);
	}
	/* term-a, same CA, is still served. */
	assert_int_equal(tls_open("term-a", &open_conn), SK_OK);
	assert_int_equal(preauth(&open_conn, "nobody-here", &pre), SK_OK);
	sk_client_close(&open_conn);

	assert_int_equal(skfx_cli(&fx, "--json terminal list", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"cn\":\"term-b\""));
	assert_non_null(strstr(out, "\"serial\":\"1002\""));
	assert_non_null(strstr(out, "\"revoked_by\":\"" SKFX_ADMIN "\""));
	assert_int_equal(skfx_cli(&fx, "terminal list", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "term-a"));
	assert_non_null(strstr(out, "term-c"));
}

/* tls_crl: a certificate the CA revoked is refused at the handshake and never recorded;
 * the CA's other certificates are served. */
static void
test_r_mfa_3_tls_crl_listed_terminal_refused(void **state)
{
	struct sk_client c;
	struct skc_preauth_out pre;
	char out[65536];

	(void)state;
	if (tls_open("term-d", &c) == SK_OK) {
		assert_int_not_equal(preauth(&c, "nobody-here", &pre), SK_OK);
		sk_client_close(&c);
	}
	assert_int_equal(skfx_audit_count(&fx, "\"terminal\":\"term-d\"", NULL), 0);
	assert_int_equal(skfx_cli(&fx, "--json terminal list", NULL, out, sizeof(out)), 0);
	assert_null(strstr(out, "term-d"));
	assert_int_equal(tls_open("term-a", &c), SK_OK);
	assert_int_equal(preauth(&c, "nobody-here", &pre), SK_OK);
	assert_int_not_equal(pre.res.status, SK_ST_FORBIDDEN);
	sk_client_close(&c);
}

/* TLS 1.3 only: a client limited to TLS 1.2 gets no connection; the same client with TLS
 * 1.3 does (control). */
static void
test_r_mfa_3_tls_tls12_client_refused(void **state)
{
	char cmd[2048], out[16384];
#define S_CLIENT_FMT "openssl s_client -connect 127.0.0.1:%d %s -cert '%s/term-a.pem'" \
	" -key '%s/term-a.key' -CAfile '%s/ca.pem' -verify_return_error" \
	" </dev/null 2>&1; echo \"exit=$?\""

	(void)state;
	snprintf(cmd, sizeof(cmd), S_CLIENT_FMT, tls_port, "-tls1_2", certs, certs, certs);
	(void)sk_test_run(cmd, out, sizeof(out));
	assert_null(strstr(out, "exit=0"));
	assert_non_null(strstr(out, "alert protocol version"));
	snprintf(cmd, sizeof(cmd), S_CLIENT_FMT, tls_port, "-tls1_3", certs, certs, certs);
	(void)sk_test_run(cmd, out, sizeof(out));
	assert_non_null(strstr(out, "TLSv1.3"));
	assert_non_null(strstr(out, "exit=0"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_log_1_tls_login_audited_with_terminal),
		cmocka_unit_test(test_r_mfa_3_tls_module_tries_brokers_in_order),
		cmocka_unit_test(test_r_mfa_3_tls_all_down_fails_closed),
		cmocka_unit_test(test_r_mfa_3_tls_foreign_certificate_refused),
		cmocka_unit_test(test_r_mfa_3_tls_peer_admin_request_forbidden),
		cmocka_unit_test(test_r_mfa_3_tls_revoked_terminal_refused),
		cmocka_unit_test(test_r_mfa_3_tls_crl_listed_terminal_refused),
		cmocka_unit_test(test_r_mfa_3_tls_tls12_client_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
