/* IC cards end to end (issue 4), one program over card_e2e_fixture.h; the tests are in
 * test_card_e2e_login.c, test_card_e2e_removal.c and test_card_e2e_revoke.c.
 *
 * Requirement IDs: R-MFA-1 (card = knowledge + possession; password + card; PIV 9E is one
 * class), R-CARD-1 (one certificate, one person), R-CARD-2 / R-LOGIN-2 (removal locks or ends
 * the session through lock_command or loginctl, escalating to a hang-up; pcscd vanishing
 * counts as removal), R-CARD-3 (a card reported lost is refused mid-login and at the next
 * login), R-CARD-4 / R-LIFE-5 (replacement revokes the old card; collection and destruction
 * recorded once), R-TEST-1 (generated keys and certificates only). */
#include "card_e2e_fixture.h"

int
main(void)
{
	/* In this order: each test inserts the card it needs, and consecutive tests share cards
	 * so that the emulator is swapped as rarely as possible. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_jpki),
		cmocka_unit_test(test_login_password_and_card),
		cmocka_unit_test(test_wrong_pin_shows_tries),
		cmocka_unit_test(test_removal_locks_session),
		cmocka_unit_test(test_watcher_ends_with_session),
		cmocka_unit_test(test_card_missing_at_open),
		cmocka_unit_test(test_removal_loginctl_lock),
		cmocka_unit_test(test_removal_unlockable_hangs_up_leader),
		cmocka_unit_test(test_last_try_and_blocked),
		cmocka_unit_test(test_enroll_refusals),
		cmocka_unit_test(test_card_only_login),
		cmocka_unit_test(test_removal_ends_session),
		cmocka_unit_test(test_revoked_card_refused),
		cmocka_unit_test(test_r_card_3_revoked_card_refused_by_every_broker),
		cmocka_unit_test(test_r_card_3_revocation_seen_by_every_broker),
		cmocka_unit_test(test_r_card_3_lost_card_locks_open_session),
		cmocka_unit_test(test_r_card_3_lost_card_ends_open_session),
		cmocka_unit_test(test_r_card_3_card_revoked_before_session_open),
		cmocka_unit_test(test_r_card_3_agent_watches_again_after_broker_restart),
		cmocka_unit_test(test_card_of_another_user),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_piv),
		cmocka_unit_test(test_r_card_2_agent_is_execd_clean),
		cmocka_unit_test(test_r_life_2_retirement_ends_live_card_session),
		/* Last: it stops pcscd. */
		cmocka_unit_test(test_pcscd_gone_locks_session),
	};

	/* SK_CARD_E2E_FILTER (a cmocka glob) runs some of the tests, when looking into one. */
	if (getenv("SK_CARD_E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("SK_CARD_E2E_FILTER"));
	return cmocka_run_group_tests_name("card_e2e", tests, setup, teardown);
}
