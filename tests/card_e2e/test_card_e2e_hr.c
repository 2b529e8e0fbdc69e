/* HR events and live sessions (issue 10 item 9, R-LIFE-2): a retirement imported while its
 * person is logged in with a card ends that live session at once through its session agent
 * (broker/core/session_watch.c), whatever the profile's own card_removal says. Generated data
 * only (R-TEST-1): a sequence staff number, a made-up name. */
#include "card_e2e_fixture.h"

#define HR_HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"

void
test_r_life_2_retirement_ends_live_card_session(void **state)
{
	struct skpd d;
	char pw[64], text[512], path[1024], line[256], want[256], session[64];
	long long t0, waited;

	(void)state;
	emu_jpki("hr9", NULL);
	/* mynumber: the card's own removal would lock; HR's order is to end. */
	add_user_with_card("hrkimura", "mynumber", pw, sizeof(pw), "");
	assert_int_equal(cli("user set-staff hrkimura --staff 97001"), 0);
	unlink(marker);
	open_card_session(&d, "sk-card", "hrkimura", pw, "1234");
	assert_int_equal(watchers_wait(1, 2000), 1);

	snprintf(text, sizeof(text), "%s97001,生成97001,セイセイ,,係員,,2025-03-31,退職\n", HR_HEADER);
	sk_test_write_file(fx.dir, "hr-retire-live.csv", text, path, sizeof(path));
	t0 = sk_now_ms();
	assert_int_equal(cli("hr import %s", path), 0);
	waited = marker_wait(t0, line, sizeof(line));
	print_message("retirement imported -> end command after %lld ms: %s\n", waited, line);
	assert_true(waited >= 0);
	/* ACTION USER LOGIND_SESSION SEKIMORI_SESSION */
	assert_int_equal(strncmp(line, "end hrkimura - ", 15), 0);
	snprintf(session, sizeof(session), "\"session\":%s", line + 15);
	assert_int_equal(audit_wait(1, "\"event\":\"session_order\"", "\"result\":\"end\"", session,
	                            "\"cause\":\"hr\""), 1);
	snprintf(want, sizeof(want), "\"user\":\"hrkimura\"");
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", want,
	                                  "\"staff_no\":\"97001\"", NULL), 1);
	assert_int_equal(watchers_wait(0, 2000), 0);   /* it acted once and left */
	end_session(&d);
	/* And the account cannot log in again. */
	skpd_begin(&d, fx.pamdir, "sk-card", "hrkimura", NULL, pw, "1234", NULL);
	assert_int_not_equal(pam_authenticate(d.pamh, 0), PAM_SUCCESS);
	skpd_end(&d);
}
