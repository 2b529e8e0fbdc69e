/* Names cannot be probed (issue 7 item 6, R-LOGIN-1). A real sekimorid with TOTP, card and
 * FIDO2 profiles is asked, on the module's own protocol, to log in an unknown name and a
 * known user who lacks the factor the profile needs. Both must get the same answer: the
 * same status, the same steps with the same kind of step data (and, for the decoy's
 * credential id, the same answer every time it is asked), a plain deny at AUTH_FINISH with
 * no attempts-left count, and indistinguishable timing. The audit log says the truth.
 * Every key and certificate is made by the test (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk_client.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"
#include "softfido.h"

#define ROUNDS 31               /* timed logins per name and profile (odd: one median) */

static struct sk_fixture fx;
static char kdir[256];

static const char profiles_fmt[] =
	"[profile mynumber]\n"
	"classes = knowledge, possession\nmethods = password, totp\nremote = yes\n"
	"[profile cardp]\n"
	"classes = knowledge, possession\nmethods = password, card\n"
	"[profile priv]\n"
	"classes = knowledge, possession\nmethods = password, fido2\nfido2_uv = required\n"
	"[profile local]\n"
	"classes = knowledge, possession\nmethods = password, totp\nremote = no\n"
	"[profile keyp]\n"
	"classes = knowledge, possession\nmethods = password, fido2\nfido2_uv = discouraged\n"
	"[fido2]\n"
	"rp_id = sekimori.test\n"
	"attestation_roots = %s/ca.pem\n"
	"[card]\n"
	"trust_anchors = %s/ca.pem\n";

static int
group_setup(void **state)
{
	char pem[300], profiles[2048], pw[64], seed[64];
	X509 *ca = NULL;
	EVP_PKEY *key = NULL;

	(void)state;
	sk_log_to_stderr(1);
	sk_test_mkdtemp(kdir, sizeof(kdir));
	if (softfido_make_ca("Sekimori Probe Test Root", &ca, &key) != SK_OK)
		return -1;
	snprintf(pem, sizeof(pem), "%s/ca.pem", kdir);
	if (softfido_write_pem(pem, ca) != SK_OK)
		return -1;
	X509_free(ca);
	EVP_PKEY_free(key);
	snprintf(profiles, sizeof(profiles), profiles_fmt, kdir, kdir);
	skfx_start(&fx, "C", profiles);
	/* Known users, each without the second factor of their profile. */
	skfx_add_user(&fx, "plain-totp", "mynumber", pw, sizeof(pw));
	skfx_add_user(&fx, "plain-card", "cardp", pw, sizeof(pw));
	skfx_add_user(&fx, "plain-key", "keyp", pw, sizeof(pw));
	skfx_add_user(&fx, "plain-priv", "priv", pw, sizeof(pw));
	skfx_add_user(&fx, "local-totp", "local", pw, sizeof(pw));
	skfx_enroll_totp(&fx, "local-totp", seed, sizeof(seed));
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	sk_test_rmtree(kdir);
	return 0;
}

/* What a prober sees of an AUTH_BEGIN reply. */
struct shape {
	uint64_t status;
	uint64_t steps[8];
	size_t n_steps;
	size_t n_cred_ids;
	size_t cred_id_len;
	unsigned char cred_id[1024];
	int has_fido2_challenge;
	int has_card_challenge;
	uint64_t card_kind;
	uint64_t uv;
	char banner[2048];
};

static void
read_shape(const struct sk_msg *m, struct shape *s)
{
	unsigned char buf[64];
	size_t len;

	memset(s, 0, sizeof(*s));
	s->status = sk_reply_status(m);
	if (sk_msg_get_array_len(m, SK_K_STEPS, &s->n_steps) == SK_OK) {
		assert_true(s->n_steps <= 8);
		for (size_t i = 0; i < s->n_steps; i++)
			assert_int_equal(sk_msg_get_array_uint(m, SK_K_STEPS, i, &s->steps[i]), SK_OK);
	}
	if (sk_msg_get_array_len(m, SK_K_CRED_IDS, &s->n_cred_ids) == SK_OK && s->n_cred_ids > 0)
		assert_int_equal(sk_msg_get_array_bytes(m, SK_K_CRED_IDS, 0, s->cred_id,
		                                        sizeof(s->cred_id), &s->cred_id_len), SK_OK);
	s->has_fido2_challenge = sk_msg_get_bytes(m, SK_K_FIDO2_CHALLENGE, buf, sizeof(buf),
	                                          &len) == SK_OK && len == 32;
	s->has_card_challenge = sk_msg_get_bytes(m, SK_K_CARD_CHALLENGE, buf, sizeof(buf),
	                                         &len) == SK_OK && len == 32;
	(void)sk_msg_get_uint(m, SK_K_CARD_KIND, &s->card_kind);
	(void)sk_msg_get_uint(m, SK_K_UV, &s->uv);
	(void)sk_msg_get_text_opt(m, SK_K_BANNER, s->banner, sizeof(s->banner));
}

struct attempt {
	struct shape begin;
	uint64_t finish_status;
	int finish_has_remaining;
	double seconds;            /* AUTH_BEGIN to the AUTH_FINISH reply */
};

/* PAM_RHOST of the next attempts; NULL: a local login. */
static const char *attempt_rhost;

/* One login as the PAM module makes it, with a wrong password and no device. */
static void
attempt(const char *user, const char *profile, struct attempt *a)
{
	struct sk_client cl;
	struct sk_msg *req, *reply = NULL;
	struct timespec t0, t1;
	uint64_t left;

	memset(a, 0, sizeof(*a));
	assert_int_equal(sk_client_open(&cl, fx.socket, 10000), SK_OK);
	assert_non_null(req = sk_msg_new(SK_REQ_AUTH_BEGIN));
	assert_int_equal(sk_msg_put_text(req, SK_K_USER, user), SK_OK);
	assert_int_equal(sk_msg_put_text(req, SK_K_SERVICE, "sk-probe"), SK_OK);
	assert_int_equal(sk_msg_put_text(req, SK_K_TTY, "pts/9"), SK_OK);
	if (attempt_rhost != NULL)
		assert_int_equal(sk_msg_put_text(req, SK_K_RHOST, attempt_rhost), SK_OK);
	assert_int_equal(sk_msg_put_text(req, SK_K_PROFILE, profile), SK_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sk_client_call(&cl, req, &reply, 0), SK_OK);
	sk_msg_free(req);
	read_shape(reply, &a->begin);
	sk_msg_free(reply);
	reply = NULL;
	if (a->begin.status == SK_ST_OK) {
		assert_non_null(req = sk_msg_new(SK_REQ_AUTH_FINISH));
		assert_int_equal(sk_msg_put_text(req, SK_K_PASSWORD, "wrong-password-1"), SK_OK);
		assert_int_equal(sk_msg_put_text(req, SK_K_OTP, "123456"), SK_OK);
		assert_int_equal(sk_msg_put_uint(req, SK_K_DEVICE_FAIL, 1), SK_OK);
		assert_int_equal(sk_client_call(&cl, req, &reply, 0), SK_OK);
		sk_msg_free(req);
		a->finish_status = sk_reply_status(reply);
		a->finish_has_remaining = sk_msg_get_uint(reply, SK_K_REMAINING, &left) == SK_OK;
		sk_msg_free(reply);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	sk_client_close(&cl);
}

/* The same answer, step data included (credential ids differ by name, not in form). */
static void
same_answer(const struct attempt *u, const struct attempt *k)
{
	assert_int_equal(u->begin.status, k->begin.status);
	assert_int_equal(u->begin.n_steps, k->begin.n_steps);
	for (size_t i = 0; i < u->begin.n_steps; i++)
		assert_int_equal(u->begin.steps[i], k->begin.steps[i]);
	assert_int_equal(u->begin.n_cred_ids, k->begin.n_cred_ids);
	assert_int_equal(u->begin.cred_id_len, k->begin.cred_id_len);
	assert_int_equal(u->begin.has_fido2_challenge, k->begin.has_fido2_challenge);
	assert_int_equal(u->begin.has_card_challenge, k->begin.has_card_challenge);
	assert_int_equal(u->begin.card_kind, k->begin.card_kind);
	assert_int_equal(u->begin.uv, k->begin.uv);
	assert_string_equal(u->begin.banner, k->begin.banner);
	assert_int_equal(u->finish_status, k->finish_status);
	assert_int_equal(u->finish_has_remaining, k->finish_has_remaining);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Interleaved timed logins in pairs (one of each name, the order alternating), so that
 * both names of a pair meet the same load on a busy machine. The median of the paired
 * differences must stay within 15 % of the median login time, or 3 ms: a real difference
 * (an answer without the password hash, or with it twice: 50 to 100 %) is far outside,
 * scheduling noise inside. */
static void
same_timing(const char *unknown, const char *known, const char *profile)
{
	double tu[ROUNDS], tk[ROUNDS], diff[ROUNDS], all[2 * ROUNDS], md, mall, bound;
	struct attempt a;

	for (size_t i = 0; i < ROUNDS; i++) {
		attempt(i % 2 ? unknown : known, profile, &a);
		(i % 2 ? tu : tk)[i] = a.seconds;
		attempt(i % 2 ? known : unknown, profile, &a);
		(i % 2 ? tk : tu)[i] = a.seconds;
		diff[i] = tk[i] - tu[i];
		all[2 * i] = tk[i];
		all[2 * i + 1] = tu[i];
	}
	md = median(diff, ROUNDS);
	mall = median(all, 2 * ROUNDS);
	bound = mall * 0.15;
	if (bound < 0.003)
		bound = 0.003;
	print_message("%s: median %.2f ms unknown, %.2f ms known without the factor, paired "
	              "difference %.2f ms (bound %.2f ms)\n", profile, median(tu, ROUNDS) * 1e3,
	              median(tk, ROUNDS) * 1e3, md * 1e3, bound * 1e3);
	assert_true(md <= bound && -md <= bound);
}

static void
probe(const char *unknown, const char *known, const char *profile, uint64_t second_step)
{
	struct attempt u, k, again;

	attempt(unknown, profile, &u);
	attempt(known, profile, &k);
	/* Both get the plan a user with the factor gets, and are denied at the end. */
	assert_int_equal(k.begin.status, SK_ST_OK);
	assert_int_equal(k.begin.n_steps, 2);
	assert_int_equal(k.begin.steps[0], SK_METHOD_PASSWORD);
	assert_int_equal(k.begin.steps[1], second_step);
	assert_int_equal(k.finish_status, SK_ST_DENIED);
	same_answer(&u, &k);
	/* Asking again gives the same decoy data, as a real user's would be. */
	attempt(known, profile, &again);
	same_answer(&k, &again);
	assert_int_equal(again.begin.cred_id_len, k.begin.cred_id_len);
	assert_memory_equal(again.begin.cred_id, k.begin.cred_id, k.begin.cred_id_len);
	same_timing(unknown, known, profile);
}

/* R-LOGIN-1: a TOTP profile. */
static void
test_r_login_1_probe_totp_profile(void **state)
{
	(void)state;
	probe("nosuch-totp", "plain-totp", "mynumber", SK_METHOD_TOTP);
	assert_true(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"plain-totp\"",
	                             "\"result\":\"deny\"", "\"reason\":\"no_factors\"",
	                             (const char *)NULL) >= ROUNDS + 1);
	assert_true(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"nosuch-totp\"",
	                             "\"result\":\"deny\"", "\"reason\":\"unknown_user\"",
	                             (const char *)NULL) >= ROUNDS + 1);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"plain-totp\"", "\"reason\":\"bad_otp\"",
	                                  (const char *)NULL), 0);
}

/* R-LOGIN-1: a card profile. */
static void
test_r_login_1_probe_card_profile(void **state)
{
	(void)state;
	probe("nosuch-card", "plain-card", "cardp", SK_METHOD_CARD);
	assert_true(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"plain-card\"",
	                             "\"reason\":\"no_factors\"", (const char *)NULL) >= ROUNDS + 1);
	assert_true(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"nosuch-card\"",
	                             "\"reason\":\"unknown_user\"", (const char *)NULL) >=
	            ROUNDS + 1);
}

/* R-LOGIN-1: a FIDO2 profile: the decoy names one credential id, stable per name. */
static void
test_r_login_1_probe_key_profile(void **state)
{
	struct attempt a, b;

	(void)state;
	probe("nosuch-key", "plain-key", "keyp", SK_METHOD_FIDO2);
	attempt("nosuch-key", "keyp", &a);
	attempt("plain-key", "keyp", &b);
	assert_int_equal(a.begin.n_cred_ids, 1);
	/* Different names, different ids. */
	assert_true(a.begin.cred_id_len != b.begin.cred_id_len ||
	            memcmp(a.begin.cred_id, b.begin.cred_id, a.begin.cred_id_len) != 0);
}

/* A user whose own profile is stricter than the line's (a privileged ID that demands key
 * PINs) is answered with the line's profile alone, as an unknown name is: the UV the
 * FIDO2 step asks for does not show the user's own profile. */
static void
test_r_login_1_probe_own_profile_hidden(void **state)
{
	struct attempt u, k;

	(void)state;
	attempt("nosuch-priv", "keyp", &u);
	attempt("plain-priv", "keyp", &k);
	assert_int_equal(k.begin.status, SK_ST_OK);
	assert_int_equal(k.begin.uv, 0);   /* keyp: fido2_uv = discouraged */
	same_answer(&u, &k);
}

/* A user whose own profile forbids remote logins (remote = no), with every factor, logging
 * in from afar on a line that allows it: refused, but answered as an unknown name is, so
 * the name does not show; the audit says remote_not_allowed. */
static void
test_r_login_1_probe_remote_refusal_hidden(void **state)
{
	struct attempt u, k;

	(void)state;
	attempt_rhost = "192.0.2.30";
	attempt("nosuch-local", "mynumber", &u);
	attempt("local-totp", "mynumber", &k);
	attempt_rhost = NULL;
	assert_int_equal(k.begin.status, SK_ST_OK);
	assert_int_equal(k.finish_status, SK_ST_DENIED);
	same_answer(&u, &k);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"local-totp\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"remote_not_allowed\"",
	                                  (const char *)NULL), 1);
}

/* A known user without the factor is not counted nor locked: a lock would be answered at
 * AUTH_BEGIN, which an unknown name never gets (default deny = 5 here). */
static void
test_r_login_1_no_factor_user_never_locks(void **state)
{
	struct attempt a;

	(void)state;
	for (int i = 0; i < 12; i++) {
		attempt("plain-totp", "mynumber", &a);
		assert_int_equal(a.begin.status, SK_ST_OK);
		assert_int_equal(a.finish_status, SK_ST_DENIED);
		assert_false(a.finish_has_remaining);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_login_1_probe_totp_profile),
		cmocka_unit_test(test_r_login_1_probe_card_profile),
		cmocka_unit_test(test_r_login_1_probe_key_profile),
		cmocka_unit_test(test_r_login_1_probe_own_profile_hidden),
		cmocka_unit_test(test_r_login_1_probe_remote_refusal_hidden),
		cmocka_unit_test(test_r_login_1_no_factor_user_never_locks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
