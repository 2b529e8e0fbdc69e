/* IC-card enrolment and logins end to end (card_e2e_fixture.h): JPKI enrolment and its
 * refusals, password + card and card-only logins, wrong PINs, the last try and a blocked card,
 * another user's card, replacement, PIV.
 *
 * Requirement IDs: R-MFA-1, R-CARD-1, R-CARD-4 / R-LIFE-5, R-TEST-1. */
#include "card_e2e_fixture.h"

static long
emu_state(const char *key)
{
	return sct_emu_state(sct_pki_path("cardemu.state"), key);
}

static int64_t
jint(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

/* ---- enrolment and logins with tanaka's JPKI card ------------------------------------------ */

/* The certificate is read from the card without a PIN and bound to the user; the CLI prints
 * the binding hash, which is SHA-256 of the SubjectPublicKeyInfo (R-CARD-1). */
void
test_enroll_jpki(void **state)
{
	char hash[65];
	json_object *cards;

	(void)state;
	emu_jpki("jpki", NULL);
	assert_int_equal(cli("card enroll tanaka"), 0);
	spki_hash("jpki.pem", hash);
	assert_non_null(strstr(cli_out, hash));
	assert_non_null(strstr(cli_out, "Card enrolled for tanaka"));
	/* No PIN went to the card: enrolment reads the public certificate only. */
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("sign_ops"), 0);
	cards = card_list("tanaka");
	assert_int_equal(json_object_array_length(cards), 1);
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "cert"), hash);
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "kind"), "jpki");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "state"), "active");
	json_object_put(cards);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_enroll\"",
	                                  "\"user\":\"tanaka\"", "\"result\":\"ok\"", NULL), 1);
	/* The same card again: refused, it is bound already. */
	assert_int_equal(cli("card enroll tanaka"), 1);
	assert_non_null(strstr(cli_out, "already enrolled for tanaka"));
	/* Usage errors and a user the broker does not know. */
	assert_int_equal(cli("card enroll tanaka --kind bogus"), 2);
	assert_int_equal(cli("card enroll nosuchuser"), 1);
	assert_non_null(strstr(cli_out, "no such user"));
}

/* R-MFA-1: password (knowledge) then the card with its PIN (possession + knowledge). */
void
test_login_password_and_card(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", NULL);
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Password: "));
	assert_true(skpd_contains(&d, "i 3 PIN attempts are left on this card."));
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(emu_state("pin_verified"), 0);   /* logged out after use */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"password,card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
}

/* A wrong PIN: the card's tries left are shown; the next login shows the count first. */
void
test_wrong_pin_shows_tries(void **state)
{
	struct skpd d;
	long signed_before;

	(void)state;
	emu_jpki("jpki", NULL);
	signed_before = emu_state("sign_ops");
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "9999"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "! The card PIN is wrong. 2 attempts are left."));
	assert_int_equal(emu_state("pin_tries"), 2);
	assert_int_equal(emu_state("sign_ops"), signed_before);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"reason\":\"card_pin_wrong\"", NULL), 1);
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "i 2 PIN attempts are left on this card."));
	assert_int_equal(emu_state("pin_tries"), 3);   /* a right PIN resets the counter */
}

/* ---- PIN safety ------------------------------------------------------------------------ */

/* One try left: no PIN prompt is sent to the user and no PIN to the card; the message sends
 * the user to the counter. A blocked card likewise. */
void
test_last_try_and_blocked(void **state)
{
	struct skpd d;

	(void)state;
	emu_jpki("jpki", "--one-try-left");
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_true(skpd_contains(&d, "! Only one PIN attempt is left on this card, so the PIN was "
	                          "not sent."));
	assert_true(skpd_contains(&d, "municipal counter"));
	assert_int_equal(emu_state("pin_verify_data"), 0);
	assert_int_equal(emu_state("pin_tries"), 1);
	emu_jpki("jpki", "--blocked");
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_true(skpd_contains(&d, "! The card PIN is blocked."));
	assert_int_equal(emu_state("pin_verify_data"), 0);
}

/* ---- enrolment refusals ------------------------------------------------------------------ */

/* Expired and untrusted certificates are refused at enrolment; so is a PIV request on a card
 * that has no PIV application. */
void
test_enroll_refusals(void **state)
{
	json_object *cards;
	char pw[64];

	(void)state;
	skfx_add_user(&fx, "kobayashi", "mynumber", pw, sizeof(pw));
	emu_card("jpki", "--cert", sct_pki_path("expired.pem"), "--key", sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll kobayashi"), 1);
	assert_non_null(strstr(cli_out, "the certificate has expired"));
	assert_int_equal(cli("card enroll kobayashi --kind piv"), 1);
	assert_non_null(strstr(cli_out, "no certificate of the requested kind"));
	emu_card("jpki", "--cert", sct_pki_path("untrusted.pem"), "--key", sct_pki_path("other.key"), END);
	assert_int_equal(cli("card enroll kobayashi"), 1);
	assert_non_null(strstr(cli_out, "not issued by a configured certificate authority"));
	cards = card_list("kobayashi");
	assert_int_equal(json_object_array_length(cards), 0);
	json_object_put(cards);
}

/* ---- the card alone, and card_removal = end ------------------------------------------------ */

/* The card alone where the profile says so: one device, two classes (PIN + card). */
void
test_card_only_login(void **state)
{
	struct skpd d;
	char pw[64];

	(void)state;
	emu_jpki("card4", NULL);
	add_user_with_card("suzuki", "cardonly", pw, sizeof(pw), "");
	assert_int_equal(pam_login(&d, "sk-cardonly", "suzuki", "1234", NULL), PAM_SUCCESS);
	assert_false(skpd_contains(&d, "Password"));
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"suzuki\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
	/* Without the card's PIN there is no second class: a wrong PIN is a refusal. */
	assert_int_equal(pam_login(&d, "sk-cardonly", "suzuki", "0000", NULL), PAM_AUTH_ERR);
}

/* R-CARD-1: sato's card (revoked, bound to sato) never becomes somebody else's; and a card
 * bound to another user does not log in as this one. */
void
test_card_of_another_user(void **state)
{
	struct skpd d;
	char pw[64];

	(void)state;
	emu_jpki("card1", NULL);
	skfx_add_user(&fx, "ito", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli("card enroll ito"), 1);
	assert_non_null(strstr(cli_out, "enrolled for another person"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_enroll\"", "\"user\":\"ito\"",
	                                  "\"reason\":\"certificate_already_bound\"", NULL), 1);
	/* tanaka's account with sato's card: not tanaka's key, so not even asked for its PIN. */
	assert_int_equal(pam_login(&d, "sk-card", "tanaka", tanaka_pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"tanaka\"",
	                                  "\"reason\":\"card_not_enrolled\"", NULL), 1);
}

/* R-CARD-4, R-LIFE-5: a new card replaces the old one, which is revoked at once; collecting
 * and destroying it are recorded and listed. */
void
test_replacement(void **state)
{
	struct skpd d;
	json_object *cards, *old = NULL, *cur = NULL;
	char pw[64], old_hash[65], new_hash[65];

	(void)state;
	spki_hash("card2.pem", old_hash);
	spki_hash("card3.pem", new_hash);
	emu_jpki("card2", NULL);
	add_user_with_card("kato", "mynumber", pw, sizeof(pw), "");
	emu_jpki("card3", NULL);
	assert_int_equal(cli("card enroll kato"), 0);
	assert_non_null(strstr(cli_out, "was revoked as replaced"));
	assert_non_null(strstr(cli_out, old_hash));
	assert_non_null(strstr(cli_out, "sekimori card dispose kato --reason collected"));
	/* The new card logs in; */
	assert_int_equal(pam_login(&d, "sk-card", "kato", pw, "1234"), PAM_SUCCESS);
	/* an active card cannot be recorded as handed back; */
	assert_int_equal(cli("card dispose --cert %s --reason collected", new_hash), 1);
	assert_non_null(strstr(cli_out, "no revoked card of"));
	/* the old one is refused: it is no longer among kato's keys, so no PIN reaches it. */
	emu_jpki("card2", NULL);
	assert_int_equal(pam_login(&d, "sk-card", "kato", pw, "1234"), PAM_AUTH_ERR);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"kato\"",
	                                  "\"reason\":\"card_not_enrolled\"", NULL), 1);
	assert_int_equal(cli("card dispose kato --reason collected --note 'handed back at the desk'"),
	                 0);
	assert_non_null(strstr(cli_out, "collected"));
	assert_int_equal(cli("card dispose --cert %s --reason destroyed", old_hash), 0);
	assert_non_null(strstr(cli_out, "destroyed"));
	/* A step is recorded once: its time and note are not rewritten later. */
	assert_int_equal(cli("card dispose kato --reason destroyed --note 'shredded again'"), 1);
	assert_non_null(strstr(cli_out, "left to record as destroyed"));
	cards = card_list("kato");
	assert_int_equal(json_object_array_length(cards), 2);
	for (size_t i = 0; i < 2; i++) {
		json_object *k = json_object_array_get_idx(cards, i);

		if (strcmp(jtext(k, "cert"), old_hash) == 0)
			old = k;
		else if (strcmp(jtext(k, "cert"), new_hash) == 0)
			cur = k;
	}
	assert_non_null(old);
	assert_non_null(cur);
	assert_string_equal(jtext(old, "state"), "revoked");
	assert_string_equal(jtext(old, "revoke_reason"), "replaced");
	assert_int_equal(jint(old, "replaced_by"), jint(cur, "id"));
	assert_true(jint(old, "collected") > 0);
	assert_true(jint(old, "destroyed") > 0);
	assert_string_equal(jtext(old, "disposal_note"), "handed back at the desk");
	assert_string_equal(jtext(cur, "state"), "active");
	assert_int_equal(jint(cur, "collected"), 0);
	json_object_put(cards);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_dispose\"", "\"user\":\"kato\"",
	                                  "\"action\":\"collected\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_dispose\"",
	                                  "\"action\":\"destroyed\"", NULL), 1);
	assert_int_equal(cli("card dispose kato --reason lost"), 2);
}

/* ---- PIV --------------------------------------------------------------------------------- */

/* PIV: key 9A with its PIN (possession + knowledge), and key 9E (possession only) next to the
 * password. */
void
test_piv(void **state)
{
	struct skpd d;
	json_object *cards, *doc, *replaced;
	char pw[64], pw2[64], hash[65];

	(void)state;
	emu_card("piv", "--cert-9a", sct_pki_path("piv9a_rsa.pem"), "--key-9a",
	         sct_pki_path("piv9a_rsa.key"), "--state", sct_pki_path("cardemu.state"), END);
	skfx_add_user(&fx, "yamada", "mynumber", pw, sizeof(pw));
	assert_int_equal(cli("card enroll yamada --kind piv --reader 'No Such Reader 99'"), 1);
	assert_non_null(strstr(cli_out, "the reader does not exist"));
	assert_int_equal(cli("card enroll yamada --kind piv --reader '%s'", readers[slot]), 0);
	assert_int_equal(pam_login(&d, "sk-card", "yamada", pw, "123456"), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "? Card PIN: "));
	assert_int_equal(emu_state("sign_ops"), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"yamada\"",
	                                  "\"result\":\"allow\"", "\"classes\":\"knowledge,possession\"",
	                                  NULL), 1);
	cards = card_list("yamada");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "kind"), "piv-auth");
	json_object_put(cards);
	emu_card("piv", "--cert-9e", sct_pki_path("piv9e.pem"), "--key-9e", sct_pki_path("piv9e.key"), END);
	skfx_add_user(&fx, "kimura", "mynumber", pw2, sizeof(pw2));
	assert_int_equal(cli("--json card enroll kimura --kind piv-card"), 0);
	doc = json_tokener_parse(cli_out);
	assert_non_null(doc);
	spki_hash("piv9e.pem", hash);
	assert_string_equal(jtext(doc, "user"), "kimura");
	assert_string_equal(jtext(doc, "cert"), hash);
	assert_true(jint(doc, "id") > 0);
	assert_true(json_object_object_get_ex(doc, "replaced", &replaced));
	assert_int_equal(json_object_array_length(replaced), 0);
	json_object_put(doc);
	assert_int_equal(pam_login(&d, "sk-card", "kimura", pw2, NULL), PAM_SUCCESS);
	assert_false(skpd_contains(&d, "Card PIN"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"kimura\"",
	                                  "\"result\":\"allow\"", "\"methods\":\"password,card\"",
	                                  "\"classes\":\"knowledge,possession\"", NULL), 1);
	/* 9E alone is one class: the card-only terminal refuses it (R-MFA-1). */
	assert_int_equal(pam_login(&d, "sk-cardonly", "kimura", NULL, NULL), PAM_AUTH_ERR);
}
