/* IC cards reported lost end to end (card_e2e_fixture.h): a revoked card is refused mid-login
 * and at the next login, and open sessions on it are locked or ended at once, also after a
 * broker restart.
 *
 * Requirement IDs: R-CARD-3, R-TEST-1. */
#include "card_e2e_fixture.h"

/* ---- revocation, binding, replacement (R-CARD-1, R-CARD-3, R-CARD-4, R-LIFE-5) -------------- */

/* A conversation that reports the card lost while the module asks for its PIN, that is
 * between the broker's challenge (AUTH_BEGIN) and the signed answer (AUTH_FINISH). */
struct revoking {
	const char *user, *password;
	int revoked;
	char transcript[4096];
};

static int
revoking_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct revoking *rv = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(rv->transcript);

		snprintf(rv->transcript + len, sizeof(rv->transcript) - len, "%s\n", msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (strstr(msg[i]->msg, "Card PIN") != NULL) {
			rv->revoked = cli("card revoke %s --reason lost", rv->user) == 0;
			r[i].resp = strdup("1234");
		} else {
			r[i].resp = strdup(rv->password);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* R-CARD-3: a card reported lost stops at once: a login under way when it is reported is
 * refused (card_revoked), and so is the next one. */
void
test_revoked_card_refused(void **state)
{
	struct revoking rv;
	struct pam_conv conv = { revoking_conv, &rv };
	pam_handle_t *pamh;
	struct skpd d;
	json_object *cards;
	char pw[64];
	int r;

	(void)state;
	emu_jpki("card1", NULL);
	add_user_with_card("sato", "mynumber", pw, sizeof(pw), "");
	assert_int_equal(pam_login(&d, "sk-card", "sato", pw, "1234"), PAM_SUCCESS);
	/* Reported lost while this login waits for the PIN. */
	memset(&rv, 0, sizeof(rv));
	rv.user = "sato";
	rv.password = pw;
	assert_int_equal(pam_start_confdir("sk-card", "sato", &conv, fx.pamdir, &pamh), PAM_SUCCESS);
	r = pam_authenticate(pamh, 0);
	assert_int_equal(pam_end(pamh, r), PAM_SUCCESS);
	print_message("login sato@sk-card (revoked meanwhile) -> %d\n%s", r, rv.transcript);
	assert_true(rv.revoked);
	assert_int_equal(r, PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"sato\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"card_revoked\"", NULL),
	                 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_revoke\"", "\"user\":\"sato\"",
	                                  "\"action\":\"lost\"", NULL), 1);
	/* The next login: sato has no usable card left. He is answered as an unknown name is
	 * (issue 7 item 6: the decoy plan, denied at the end, not counted), and the audit
	 * says no_factors. */
	assert_int_equal(pam_login(&d, "sk-card", "sato", pw, "1234"), PAM_AUTH_ERR);
	/* The decoy's card step names a key no card holds, so the revoked card in the reader
	 * gets no PIN and the person is told it is not registered, exactly as a name that does
	 * not exist is told with the same card in the reader. */
	assert_true(skpd_contains(&d, "not registered for your account"));
	assert_false(skpd_contains(&d, "more failed attempts"));
	assert_int_equal(pam_login(&d, "sk-card", "nosuchuser", pw, "1234"), PAM_AUTH_ERR);
	assert_true(skpd_contains(&d, "not registered for your account"));
	assert_false(skpd_contains(&d, "more failed attempts"));
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"sato\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"no_factors\"", NULL),
	                 1);
	cards = card_list("sato");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "state"), "revoked");
	assert_string_equal(jtext(json_object_array_get_idx(cards, 0), "revoke_reason"), "lost");
	json_object_put(cards);
	/* Nothing left to revoke; a bad reason is a usage error. */
	assert_int_equal(cli("card revoke sato --reason lost"), 1);
	assert_non_null(strstr(cli_out, "no active card"));
	assert_int_equal(cli("card revoke sato --reason stolen"), 2);
}

/* R-CARD-3 with several brokers (issue 12, item 2): on PostgreSQL (card_e2e_pg, under
 * tests/pg/with-pg.sh) a second sekimorid on the same database; the card is reported lost
 * through the first broker while a login on the second waits for the PIN: the second
 * refuses it (card_revoked) and the next login there, with no restart and no cache. */
void
test_r_card_3_revoked_card_refused_by_every_broker(void **state)
{
	struct sk_fixture peer;
	struct revoking rv;
	struct pam_conv conv = { revoking_conv, &rv };
	pam_handle_t *pamh;
	struct skpd d;
	char pw[64], args[1024];
	int r;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();   /* SQLite: one broker per store */
	/* A card and a user of its own: card_e2e_pg runs every test in one store, and
	 * test_replacement enrols card3, test_piv adds kimura. */
	emu_jpki("wide4", NULL);
	add_user_with_card("nishida", "mynumber", pw, sizeof(pw), "");
	snprintf(args, sizeof(args), "profile=mynumber session_agent=%s", agent);
	skfx_start_peer(&peer, &fx, "b2", args);
	r = skpd_authenticate(&d, peer.pamdir, "sk-test", "nishida", NULL, pw, "1234");
	print_message("login nishida@b2 -> %d\n%s", r, d.transcript);
	assert_int_equal(r, PAM_SUCCESS);
	memset(&rv, 0, sizeof(rv));
	rv.user = "nishida";
	rv.password = pw;
	assert_int_equal(pam_start_confdir("sk-test", "nishida", &conv, peer.pamdir, &pamh),
	                 PAM_SUCCESS);
	r = pam_authenticate(pamh, 0);   /* revoked through fx (the first broker) at the PIN */
	assert_int_equal(pam_end(pamh, r), PAM_SUCCESS);
	print_message("login nishida@b2 (revoked meanwhile on b1) -> %d\n%s", r, rv.transcript);
	assert_true(rv.revoked);
	assert_int_equal(r, PAM_AUTH_ERR);
	assert_int_equal(skfx_audit_count(&peer, "\"event\":\"auth\"", "\"user\":\"nishida\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"card_revoked\"",
	                                  NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_revoke\"",
	                                  "\"user\":\"nishida\"", NULL), 1);
	r = skpd_authenticate(&d, peer.pamdir, "sk-test", "nishida", NULL, pw, "1234");
	assert_int_equal(r, PAM_AUTH_ERR);
	skfx_finish(&peer);
}

/* R-CARD-3 with three brokers on one PostgreSQL (issue 12, item 2): a card that logs in on
 * brokers 2 and 3 is revoked through broker 1; the very next login with it on broker 2 and on
 * broker 3 (the real card path: challenge at AUTH_BEGIN, the card's signature and
 * certificate checked against the store's cards row at AUTH_FINISH) is refused on each,
 * with no restart, no wait and no cache: AUTH_BEGIN there reads the user's active cards from
 * the database, the revoked one is not among them, so the login has no factor left for the
 * profile's plan (no_factors) and no PIN goes to the card. */
void
test_r_card_3_revocation_seen_by_every_broker(void **state)
{
	struct sk_fixture peers[2];
	struct skpd d;
	char pw[64], args[1024];
	int r;

	(void)state;
	if (!sk_test_store_is_pg())
		skip();   /* SQLite: one broker per store */
	emu_jpki("wide5", NULL);
	add_user_with_card("ishida", "mynumber", pw, sizeof(pw), "");
	snprintf(args, sizeof(args), "profile=mynumber session_agent=%s", agent);
	skfx_start_peer(&peers[0], &fx, "b4", args);
	skfx_start_peer(&peers[1], &fx, "b5", args);
	for (int i = 0; i < 2; i++) {
		r = skpd_authenticate(&d, peers[i].pamdir, "sk-test", "ishida", NULL, pw, "1234");
		print_message("login ishida@b%d -> %d\n%s", i + 4, r, d.transcript);
		assert_int_equal(r, PAM_SUCCESS);
	}
	assert_int_equal(cli("card revoke ishida --reason lost"), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_revoke\"",
	                                  "\"user\":\"ishida\"", NULL), 1);
	for (int i = 0; i < 2; i++) {
		r = skpd_authenticate(&d, peers[i].pamdir, "sk-test", "ishida", NULL, pw, "1234");
		print_message("login ishida@b%d after the revocation -> %d\n%s", i + 4, r,
		              d.transcript);
		assert_int_equal(r, PAM_AUTH_ERR);
		/* The broker's AUTH_BEGIN reads the user's active cards from the database: the
		 * revoked one was the only one, so no factor is left that makes the profile's
		 * plan (no_factors) and the card's PIN is not even asked for. */
		assert_int_equal(skpd_contains(&d, "Card PIN"), 0);
		assert_int_equal(skfx_audit_count(&peers[i], "\"event\":\"auth\"",
		                                  "\"user\":\"ishida\"", "\"result\":\"deny\"",
		                                  "\"reason\":\"no_factors\"", NULL), 1);
	}
	for (int i = 1; i >= 0; i--)
		skfx_finish(&peers[i]);
}

/* R-CARD-3 "stopped at once": a card reported lost while a session opened with it is live.
 * The broker orders the session's agent over its SESSION_WATCH connection; the agent runs
 * the profile's card_removal action (mynumber: lock; cardonly: end) at once, with the card
 * still in the reader. Audited: session_open names the card, the broker's order
 * (session_order) and the agent's report (session_event card_revoked_*) name session, user
 * and card. */
static void
lost_card_stops_session(const char *card, const char *user, const char *profile,
                        const char *service, const char *action, int by_hash)
{
	struct skpd d;
	char pw[64], hash[65], pem[64], line[256], want[256], session[32], card_field[128];
	long long t0, waited;

	snprintf(pem, sizeof(pem), "%s.pem", card);
	spki_hash(pem, hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki(card, NULL);
	add_user_with_card(user, profile, pw, sizeof(pw), "");
	unlink(marker);
	if (strcmp(profile, "cardonly") == 0)
		open_card_session(&d, service, user, NULL, "1234");
	else
		open_card_session(&d, service, user, pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	/* The session rests on this card, and the broker recorded which. */
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"result\":\"ok\"",
	                                  "\"user\":", card_field, NULL), 1);
	t0 = sk_now_ms();
	if (by_hash)
		assert_int_equal(cli("card revoke --cert %s --reason lost", hash), 0);
	else
		assert_int_equal(cli("card revoke %s --reason lost", user), 0);
	waited = marker_wait(t0, line, sizeof(line));
	print_message("card reported lost -> %s command after %lld ms: %s\n", action, waited, line);
	assert_true(waited >= 0);
	/* ACTION USER LOGIND_SESSION SEKIMORI_SESSION */
	snprintf(want, sizeof(want), "%s %s - ", action, user);
	assert_int_equal(strncmp(line, want, strlen(want)), 0);
	snprintf(session, sizeof(session), "\"session\":%s", line + strlen(want));
	snprintf(want, sizeof(want), "\"result\":\"%s\"", action);
	assert_int_equal(audit_wait(1, "\"event\":\"session_order\"", want, session, card_field), 1);
	snprintf(want, sizeof(want), "\"user\":\"%s\"", user);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_order\"", want,
	                                  "\"cause\":\"card_revoked\"", NULL), 1);
	snprintf(want, sizeof(want), "\"result\":\"card_revoked_%s\"", action);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", want, session, card_field),
	                 1);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* it acted once and left */
	end_session(&d);
	/* The card is still in the reader: the agent is gone, so nothing more happens. */
	unlink(marker);
	emu_pull();
	emu_settle();
	assert_int_equal(access(marker, F_OK), -1);
}

void
test_r_card_3_lost_card_locks_open_session(void **state)
{
	(void)state;
	lost_card_stops_session("lost5", "watanabe", "mynumber", "sk-card", "lock", 0);
}

void
test_r_card_3_lost_card_ends_open_session(void **state)
{
	(void)state;
	lost_card_stops_session("lost6", "nakamura", "cardonly", "sk-cardonly", "end", 1);
}

/* R-CARD-3 across a broker restart: the agent's watch connection breaks when the broker
 * stops; the agent registers again with the new broker (first try after 1 s), and a card
 * revoked meanwhile is caught at that registration. Bound: the 1 s retry plus the removal
 * bound. */
void
test_r_card_3_agent_watches_again_after_broker_restart(void **state)
{
	struct skpd d;
	char pw[64], hash[65], line[256], card_field[128];
	long long t0, waited;

	(void)state;
	spki_hash("lost8.pem", hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki("lost8", NULL);
	add_user_with_card("hayashi", "mynumber", pw, sizeof(pw), "");
	unlink(marker);
	open_card_session(&d, "sk-card", "hayashi", pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);
	skfx_stop_broker(&fx);
	skfx_restart(&fx);
	assert_int_equal(watchers(), 1);   /* the agent outlives the broker */
	t0 = sk_now_ms();
	assert_int_equal(cli("card revoke hayashi --reason lost"), 0);
	waited = marker_wait_for(t0, 1000 + REMOVAL_BOUND_MS, line, sizeof(line));
	print_message("broker restarted, card reported lost -> lock command after %lld ms: %s\n",
	              waited, line);
	assert_true(waited >= 0);
	assert_int_equal(strncmp(line, "lock hayashi - ", 15), 0);
	assert_int_equal(audit_wait(1, "\"event\":\"session_order\"", "\"user\":\"hayashi\"",
	                            "\"cause\":\"card_revoked\"", card_field), 1);
	assert_int_equal(audit_wait(1, "\"event\":\"session_event\"", "\"user\":\"hayashi\"",
	                            "\"result\":\"card_revoked_lock\"", card_field), 1);
	assert_int_equal(watchers_wait(0, 2000), 0);
	end_session(&d);
}

/* R-CARD-3: the card reported lost between the login and the session: SESSION_OPEN refuses
 * the session (the broker checks the card the module names), audited with the card. */
void
test_r_card_3_card_revoked_before_session_open(void **state)
{
	struct skpd d;
	char pw[64], hash[65], card_field[128];

	(void)state;
	spki_hash("lost7.pem", hash);
	snprintf(card_field, sizeof(card_field), "\"card\":\"%s\"", hash);
	emu_jpki("lost7", NULL);
	add_user_with_card("kondo", "mynumber", pw, sizeof(pw), "");
	skpd_begin(&d, fx.pamdir, "sk-card", "kondo", NULL, pw, "1234", NULL);
	assert_int_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	assert_int_equal(cli("card revoke kondo --reason lost"), 0);
	d.last = pam_open_session(d.pamh, 0);
	print_message("%s", d.transcript);
	assert_int_equal(d.last, PAM_SESSION_ERR);
	assert_true(skpd_contains(&d, "! The IC card used for this login has been revoked"));
	assert_int_equal(skpd_end(&d), PAM_SUCCESS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"user\":\"kondo\"",
	                                  "\"result\":\"deny\"", "\"reason\":\"card_revoked\"",
	                                  card_field, NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"session_open\"", "\"user\":\"kondo\"",
	                                  "\"result\":\"ok\"", NULL), 0);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* no agent was started */
}
