/* Which card gets the PIN, and whose card it is (issue 7 items 1, 9, 12, 15): the real pcscd and
 * vsmartcard-vpcd with one sk-cardemu per reader (vpcd's two readers, ports 35963 and 35964),
 * a real sekimorid, the built pam_sekimori.so through real libpam, the real CLI.
 * tests/smartcard/harness.sh gives the private namespaces and the test PKI.
 *
 * Requirement IDs: R-CARD-1 (PIN safety: a PIN goes only to a card holding a key bound to the
 * user, so a citizen's card in a reader at a counter keeps all its tries; one card, one person,
 * whatever key of the card is enrolled), R-LOG-1 (each card outcome and administrative act has
 * its own audit record), R-TEST-1 (generated keys and certificates only). */
#include <ctype.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sc_pcsc.h"
#include "sc_test_card.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define CARD_WAIT_MS 5000
#define END ((const char *)NULL)
#define GUID_A "0123456789abcdef0123456789abcdef"
#define GUID_OTHER "fedcba9876543210fedcba9876543210"

static struct sk_fixture fx;
static const char *pki, *emu_bin;
static char readers[2][SC_READER_NAME_MAX];
static pid_t emu[2] = { -1, -1 };   /* the card in each reader, or -1 */
static char emu_name[2][64];        /* its state file's name */
static SCARDCONTEXT ctx;
static char out[65536];
static char tanaka_pw[64], nakamura_pw[64];

/* ---- one emulated card per reader -------------------------------------------------------- */

/* Pulls the card from reader slot and waits until pcscd sees the reader empty. */
static void
card_out(int slot)
{
	if (emu[slot] < 0)
		return;
	sct_emu_kill(emu[slot]);
	emu[slot] = -1;
	assert_int_equal(sc_card_wait_empty(ctx, readers[slot], CARD_WAIT_MS), SK_OK);
}

/* Puts a card into reader slot: sk-cardemu TYPE ARGS... with the state file NAME.state. */
static void
card_in(int slot, const char *name, const char *type, ...)
{
	struct sct_emu_argv a;
	char state[64], found[SC_READER_NAME_MAX];
	va_list ap;

	card_out(slot);
	snprintf(state, sizeof(state), "%s.state", name);
	sct_emu_argv_init(&a, emu_bin, type, slot);
	sct_emu_argv_add(&a, "--state");
	sct_emu_argv_add(&a, sct_pki_path(state));
	va_start(ap, type);
	sct_emu_argv_add_list(&a, ap);
	va_end(ap);
	unlink(sct_pki_path(state));
	emu[slot] = sct_emu_spawn(ctx, readers[slot], &a, found, sizeof(found));
	snprintf(emu_name[slot], sizeof(emu_name[slot]), "%s", name);
}

/* A JPKI card with NAME.pem / NAME.key and the given PIN. */
static void
jpki_in(int slot, const char *name, const char *pin, const char *option)
{
	char cert[64], key[64];

	snprintf(cert, sizeof(cert), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	card_in(slot, name, "jpki", "--cert", sct_pki_path(cert), "--key", sct_pki_path(key), "--pin", pin,
	        option, END);
}

/* A counter of the card whose state file is NAME.state. */
static long
card_state(const char *name, const char *key)
{
	char file[64];

	snprintf(file, sizeof(file), "%s.state", name);
	return sct_emu_state(sct_pki_path(file), key);
}

/* Nothing about the PIN reached this card: not a PIN, not even the free tries query. */
static void
assert_no_pin_sent(const char *name, long tries)
{
	assert_int_equal(card_state(name, "pin_tries"), tries);
	assert_int_equal(card_state(name, "pin_status"), 0);
	assert_int_equal(card_state(name, "pin_verify_data"), 0);
	assert_int_equal(card_state(name, "pin_wrong"), 0);
	assert_int_equal(card_state(name, "sign_ops"), 0);
}

/* ---- the CLI, PAM, the audit log ------------------------------------------------------- */

static int
cli(const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	r = skfx_cli(&fx, args, NULL, out, sizeof(out));
	print_message("$ sekimori %s -> %d\n%s", args, r, out);
	return r;
}

static json_object *
card_list(const char *user)
{
	json_object *doc;

	assert_int_equal(cli("--json card list %s", user), 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	assert_true(json_object_is_type(doc, json_type_array));
	return doc;
}

static json_object *
jget(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* SHA-256 of the SubjectPublicKeyInfo, computed by openssl, not by Sekimori. */
static void
spki_hash(const char *pem, char hash[65])
{
	char cmd[2048], buf[256];

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -pubkey | openssl pkey -pubin "
	         "-outform DER | sha256sum", sct_pki_path(pem));
	assert_int_equal(sk_test_run(cmd, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) > 64);
	memcpy(hash, buf, 64);
	hash[64] = '\0';
}

static int
login(struct skpd *d, const char *user, const char *pw, const char *pin)
{
	int r = skpd_authenticate(d, fx.pamdir, "sk-card", user, NULL, pw, pin);

	print_message("login %s -> %d\n%s", user, r, d->transcript);
	return r;
}

static int
audit(const char *a, const char *b, const char *c, const char *e)
{
	return skfx_audit_count(&fx, a, b, c, e, NULL);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int
setup(void **state)
{
	char profiles[2048], args[2048];

	(void)state;
	pki = getenv("SK_TEST_PKI");
	emu_bin = getenv("SK_CARDEMU");
	if (pki == NULL || emu_bin == NULL) {
		fprintf(stderr, "run me through harness.sh (SK_TEST_PKI, SK_CARDEMU)\n");
		return -1;
	}
	/* staff: tanaka's JPKI card; citizen: a valid card of the same CA that nobody enrolled;
	 * piva*, pivb*: the 9A and 9E keys of two PIV cards. */
	if (sct_extra_certs("staff citizen piva9a piva9e pivb9a pivb9e", out, sizeof(out)) != 0)
		return -1;
	if (sct_readers_open(&ctx, readers) != 0)
		return -1;
	snprintf(profiles, sizeof(profiles),
	         "[card]\ntrust_anchors = %s\ntimeout = 5\n"
	         "[profile mynumber]\n"
	         "classes = knowledge, possession\nmethods = password, card\n"
	         "deny = 50\nunlock_time = 0\ncard_removal = none\n",
	         sct_pki_path("ca.pem"));
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-card", args, NULL);
	skfx_add_user(&fx, "tanaka", "mynumber", tanaka_pw, sizeof(tanaka_pw));
	skfx_add_user(&fx, "nakamura", "mynumber", nakamura_pw, sizeof(nakamura_pw));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	card_out(0);
	card_out(1);
	skfx_finish(&fx);
	sc_ctx_close(ctx);
	return 0;
}

/* ---- R-CARD-1: the PIN goes to the user's own card only ---------------------------------- */

/* A citizen's valid, unenrolled card alone in the reader: three logins of a staff member with
 * the right password and their own PIN send nothing about the PIN to that card (before the fix
 * each login burned one of the citizen's three tries), and say why. */
static void
test_r_card_1_foreign_card_gets_no_pin(void **state)
{
	struct skpd d;

	(void)state;
	jpki_in(0, "staff", "1234", NULL);
	assert_int_equal(cli("card enroll tanaka"), 0);
	card_out(0);
	jpki_in(0, "citizen", "4321", NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(login(&d, "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
		assert_false(skpd_contains(&d, "Card PIN"));
		assert_true(skpd_contains(&d, "! The card in the reader is not registered for your "
		                          "account, so its PIN was not asked for."));
	}
	assert_no_pin_sent("citizen", 3);
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"", "\"result\":\"deny\"",
	                       "\"reason\":\"card_not_enrolled\""), 3);
}

/* The citizen's card in reader 0 and the staff card in reader 1: the login finds the staff
 * card, succeeds on it, and the citizen's card keeps every try (before the fix the module
 * took reader 0, the login failed and a citizen try was burned). */
static void
test_r_card_1_own_card_in_second_reader(void **state)
{
	struct skpd d;

	(void)state;
	jpki_in(0, "citizen", "4321", NULL);
	jpki_in(1, "staff", "1234", NULL);
	assert_int_equal(login(&d, "tanaka", tanaka_pw, "1234"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(card_state("staff", "sign_ops"), 1);
	assert_int_equal(card_state("staff", "pin_tries"), 3);
	assert_no_pin_sent("citizen", 3);
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"", "\"result\":\"allow\"",
	                       "\"methods\":\"password,card\""), 1);
	card_out(1);
	card_out(0);
}

/* ---- R-LOG-1 / item 15: each card outcome its own reason and message ---------------------- */

static void
test_r_log_1_card_failures_have_own_reasons(void **state)
{
	struct skpd d;

	(void)state;
	jpki_in(0, "staff", "1234", NULL);
	assert_int_equal(login(&d, "tanaka", tanaka_pw, "9999"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! The card PIN is wrong. 2 attempts are left."));
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                       "\"reason\":\"card_pin_wrong\"", NULL), 1);
	/* An empty PIN: said as such, nothing sent, no try spent (it used to be "the card could
	 * not be read"). */
	assert_int_equal(login(&d, "tanaka", tanaka_pw, ""), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! No PIN was entered, so nothing was sent to the card and "
	                          "no attempt was used."));
	assert_false(skpd_contains(&d, "could not be read"));
	assert_int_equal(card_state("staff", "pin_tries"), 2);
	assert_int_equal(card_state("staff", "pin_verify_data"), 1);
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                       "\"reason\":\"card_pin_empty\"", NULL), 1);
	/* One try left: the PIN is withheld. */
	jpki_in(0, "staff", "1234", "--one-try-left");
	assert_int_equal(login(&d, "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_int_equal(card_state("staff", "pin_verify_data"), 0);
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                       "\"reason\":\"card_pin_last_try_withheld\"", NULL), 1);
	/* Blocked. */
	jpki_in(0, "staff", "1234", "--blocked");
	assert_int_equal(login(&d, "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! The card PIN is blocked."));
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                       "\"reason\":\"card_pin_blocked\"", NULL), 1);
	/* None of them is the old catch-all. */
	assert_int_equal(audit("\"event\":\"auth\"", "\"reason\":\"card_no_evidence\"", NULL, NULL),
	                 0);
	card_out(0);
}

/* ---- R-CARD-1: one PIV card, one person, whatever key is enrolled ------------------------- */

/* A PIV card with a CHUID: its 9A key enrolled for nakamura binds the card; its 9E key cannot
 * then be enrolled for yoshida (before the fix both enrolments succeeded and both logged in). */
static void
test_r_card_1_piv_card_one_person(void **state)
{
	struct skpd d;
	json_object *cards;
	char pw[64];

	(void)state;
	card_in(0, "piva", "piv", "--cert-9a", sct_pki_path("piva9a.pem"), "--key-9a",
	        sct_pki_path("piva9a.key"), "--cert-9e", sct_pki_path("piva9e.pem"), "--key-9e",
	        sct_pki_path("piva9e.key"), "--chuid-guid", GUID_A, END);
	assert_int_equal(cli("card enroll nakamura --kind piv"), 0);
	cards = card_list("nakamura");
	assert_int_equal(json_object_array_length(cards), 1);
	assert_string_equal(json_object_get_string(jget(json_object_array_get_idx(cards, 0),
	                                                "card_uid")), "piv-guid:" GUID_A);
	json_object_put(cards);
	skfx_add_user(&fx, "yoshida", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli("card enroll yoshida --kind piv-card"), 1);
	assert_non_null(strstr(out, "enrolled for another person"));
	assert_int_equal(audit("\"event\":\"admin.card_enroll\"", "\"user\":\"yoshida\"",
	                       "\"result\":\"deny\"", "\"reason\":\"card_already_bound\""), 1);
	cards = card_list("yoshida");
	assert_int_equal(json_object_array_length(cards), 0);
	json_object_put(cards);
	assert_int_equal(login(&d, "nakamura", nakamura_pw, "123456"), PAM_SUCCESS);
	assert_int_equal(login(&d, "yoshida", pw, NULL), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	card_out(0);
}

/* A PIV card without a CHUID is known by its keys: enrolling its 9E key binds its 9A key too. */
static void
test_r_card_1_piv_keys_bound_without_chuid(void **state)
{
	char pw1[64], pw2[64];

	(void)state;
	card_in(0, "pivb", "piv", "--cert-9a", sct_pki_path("pivb9a.pem"), "--key-9a",
	        sct_pki_path("pivb9a.key"), "--cert-9e", sct_pki_path("pivb9e.pem"), "--key-9e",
	        sct_pki_path("pivb9e.key"), END);
	skfx_add_user(&fx, "hayashi", "mynumber", pw1, sizeof(pw1));
	skfx_add_user(&fx, "mori", "mynumber", pw2, sizeof(pw2));
	assert_int_equal(cli("card enroll hayashi --kind piv-card"), 0);
	assert_int_equal(cli("card enroll mori --kind piv"), 1);
	assert_non_null(strstr(out, "enrolled for another person"));
	assert_int_equal(audit("\"event\":\"admin.card_enroll\"", "\"user\":\"mori\"",
	                       "\"result\":\"deny\"", "\"reason\":\"card_already_bound\""), 1);
	card_out(0);
}

/* The card's identity is read at login too: nakamura's 9A key on a card that states another
 * identity is not nakamura's card. */
static void
test_r_card_1_card_identity_checked_at_login(void **state)
{
	struct skpd d;

	(void)state;
	card_in(0, "pivc", "piv", "--cert-9a", sct_pki_path("piva9a.pem"), "--key-9a",
	        sct_pki_path("piva9a.key"), "--chuid-guid", GUID_OTHER, END);
	assert_int_equal(login(&d, "nakamura", nakamura_pw, "123456"), PAM_AUTH_ERR);
	assert_int_equal(audit("\"event\":\"auth\"", "\"user\":\"nakamura\"", "\"result\":\"deny\"",
	                       "\"reason\":\"card_identity_mismatch\""), 1);
	card_out(0);
}

/* ---- R-LOG-1 / item 15: administrative card records ---------------------------------------- */

/* Refused enrolments are recorded with their reason; a revocation by --cert names the user and
 * the certificate; `card list` shows when the card was revoked. */
static void
test_r_log_1_card_admin_records(void **state)
{
	json_object *cards, *k;
	char pw[64], hash[65];

	(void)state;
	skfx_add_user(&fx, "ogawa", "mynumber", pw, sizeof(pw));
	card_in(0, "expired", "jpki", "--cert", sct_pki_path("expired.pem"), "--key",
	        sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll ogawa"), 1);
	assert_int_equal(audit("\"event\":\"admin.card_enroll\"", "\"user\":\"ogawa\"",
	                       "\"result\":\"deny\"", "\"reason\":\"certificate_expired\""), 1);
	card_in(0, "untrusted", "jpki", "--cert", sct_pki_path("untrusted.pem"), "--key",
	        sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll ogawa"), 1);
	assert_int_equal(audit("\"event\":\"admin.card_enroll\"", "\"user\":\"ogawa\"",
	                       "\"result\":\"deny\"", "\"reason\":\"certificate_untrusted\""), 1);
	card_out(0);
	spki_hash("piva9a.pem", hash);
	assert_int_equal(cli("card revoke --cert %s --reason lost", hash), 0);
	{
		char want[128];

		snprintf(want, sizeof(want), "\"cert\":\"%s\"", hash);
		assert_int_equal(audit("\"event\":\"admin.card_revoke\"", "\"user\":\"nakamura\"",
		                       want, "\"action\":\"lost\""), 1);
	}
	cards = card_list("nakamura");
	k = json_object_array_get_idx(cards, 0);
	assert_string_equal(json_object_get_string(jget(k, "state")), "revoked");
	assert_true(json_object_get_int64(jget(k, "revoked_at")) > 0);
	assert_true(json_object_get_int64(jget(k, "revoked_at")) >=
	            json_object_get_int64(jget(k, "created")));
	json_object_put(cards);
	assert_int_equal(cli("card list nakamura"), 0);
	assert_non_null(strstr(out, "revoked_at"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_card_1_foreign_card_gets_no_pin),
		cmocka_unit_test(test_r_card_1_own_card_in_second_reader),
		cmocka_unit_test(test_r_log_1_card_failures_have_own_reasons),
		cmocka_unit_test(test_r_card_1_piv_card_one_person),
		cmocka_unit_test(test_r_card_1_piv_keys_bound_without_chuid),
		cmocka_unit_test(test_r_card_1_card_identity_checked_at_login),
		cmocka_unit_test(test_r_log_1_card_admin_records),
	};

	return cmocka_run_group_tests_name("card_identity", tests, setup, teardown);
}
