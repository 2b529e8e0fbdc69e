/* Rotation of the audit log (broker/audit/audit_log.c audit_log_rotate_*, and
 * sk_audit_verify_segment): a move announced by audit_log_rotate_prepare is followed into a
 * new file that continues the chain; an unannounced one, or one after the announcement was
 * finished, still refuses every record (R-LOG-1); cut or changed files are found (R-LOG-3).
 * Keys and events are generated here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "audit_log.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_test_helpers.h"

struct fixture {
	char dir[PATH_MAX], log[PATH_MAX], anchor[PATH_MAX], moved[PATH_MAX];
	unsigned char key[SK_AUDIT_KEY_LEN];
	struct audit_log *al;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	sk_test_mkdtemp(fx->dir, sizeof(fx->dir));
	snprintf(fx->log, sizeof(fx->log), "%s/audit.jsonl", fx->dir);
	snprintf(fx->anchor, sizeof(fx->anchor), "%s/audit.anchor", fx->dir);
	snprintf(fx->moved, sizeof(fx->moved), "%s/audit.jsonl.1", fx->dir);
	assert_int_equal(RAND_bytes(fx->key, sizeof(fx->key)), 1);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &fx->al),
	                 SK_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	audit_log_close(fx->al);
	sk_test_rmtree(fx->dir);
	free(fx);
	return 0;
}

static int
append(struct fixture *fx, const char *user)
{
	json_object *ev = json_object_new_object();
	int rc;

	json_object_object_add(ev, "event", json_object_new_string("auth"));
	json_object_object_add(ev, "user", json_object_new_string(user));
	rc = audit_log_append(fx->al, ev);
	json_object_put(ev);
	return rc;
}

static void
verify_live(struct fixture *fx, struct sk_audit_report *r)
{
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), r), SK_OK);
}

static void
test_r_log_1_announced_rotation_continues_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct sk_audit_report old, live;

	assert_int_equal(append(fx, "taro"), SK_OK);
	assert_int_equal(append(fx, "hanako"), SK_OK);
	assert_int_equal(audit_log_rotate_prepare(fx->al), SK_OK);   /* record 3 */
	assert_int_equal(rename(fx->log, fx->moved), 0);
	/* The next record begins the new file (record 4: audit.rotated; 5: the event). */
	assert_int_equal(append(fx, "jiro"), SK_OK);
	assert_int_equal(audit_log_rotate_finish(fx->al), SK_OK);    /* nothing more to do */
	assert_int_equal(sk_audit_verify_segment(fx->moved, fx->key, sizeof(fx->key), &old), SK_OK);
	assert_true(old.ok);
	assert_int_equal(old.first_seq, 1);
	assert_int_equal(old.last_seq, 3);
	verify_live(fx, &live);
	assert_true(live.ok);
	assert_int_equal(live.first_seq, 4);
	assert_int_equal(live.last_seq, 5);
	assert_int_equal(live.records, 2);
	assert_memory_equal(live.first_prev, old.last_mac, SK_AUDIT_MAC_HEX);
	/* The move is not followed twice: an unannounced one refuses again. */
	assert_int_equal(rename(fx->log, fx->moved), 0);
	assert_int_equal(append(fx, "saburo"), SK_ERR_AUDIT);
}

static void
test_r_log_1_finish_begins_the_new_file_without_an_append(void **state)
{
	struct fixture *fx = *state;
	struct sk_audit_report live;
	FILE *f;

	assert_int_equal(append(fx, "taro"), SK_OK);
	assert_int_equal(audit_log_rotate_prepare(fx->al), SK_OK);
	assert_int_equal(rename(fx->log, fx->moved), 0);
	/* logrotate's "create": an empty file of its own at the path is taken. */
	assert_non_null(f = fopen(fx->log, "w"));
	fclose(f);
	assert_int_equal(audit_log_rotate_finish(fx->al), SK_OK);
	verify_live(fx, &live);
	assert_true(live.ok);
	assert_int_equal(live.first_seq, 3);
	assert_int_equal(live.records, 1);
	/* The broker reopens on it (its anchor names the audit.rotated record). */
	audit_log_close(fx->al);
	fx->al = NULL;
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &fx->al),
	                 SK_OK);
	assert_int_equal(append(fx, "hanako"), SK_OK);
}

static void
test_r_log_1_unannounced_or_finished_move_still_refused(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(append(fx, "taro"), SK_OK);
	/* Announced, but finish came before any move: the announcement is over. */
	assert_int_equal(audit_log_rotate_prepare(fx->al), SK_OK);
	assert_int_equal(audit_log_rotate_finish(fx->al), SK_OK);
	assert_int_equal(rename(fx->log, fx->moved), 0);
	assert_int_equal(append(fx, "hanako"), SK_ERR_AUDIT);
}

static void
test_r_log_1_deleted_during_rotation_refused(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(append(fx, "taro"), SK_OK);
	assert_int_equal(audit_log_rotate_prepare(fx->al), SK_OK);
	assert_int_equal(unlink(fx->log), 0);   /* records lost: not a rotation */
	assert_int_equal(append(fx, "hanako"), SK_ERR_AUDIT);
	assert_int_equal(audit_log_rotate_finish(fx->al), SK_OK);
	assert_int_equal(append(fx, "jiro"), SK_ERR_AUDIT);
}

static void
test_r_log_3_rotated_file_cut_or_forged_found(void **state)
{
	struct fixture *fx = *state;
	struct sk_audit_report r;
	char cmd[PATH_MAX * 2 + 64], out[64];

	assert_int_equal(append(fx, "taro"), SK_OK);
	assert_int_equal(append(fx, "hanako"), SK_OK);
	assert_int_equal(audit_log_rotate_prepare(fx->al), SK_OK);
	assert_int_equal(rename(fx->log, fx->moved), 0);
	assert_int_equal(append(fx, "jiro"), SK_OK);
	/* The live log's head cut: its first record is no longer audit.rotated. */
	snprintf(cmd, sizeof(cmd), "sed -i 1d '%s'", fx->log);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	verify_live(fx, &r);
	assert_false(r.ok);
	assert_string_equal(r.problem, "record missing or reordered (seq 5 after 0)");
	/* A rotated file that does not start at 1 nor with audit.rotated (its head cut). */
	snprintf(cmd, sizeof(cmd), "sed -i 1d '%s'", fx->moved);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_int_equal(sk_audit_verify_segment(fx->moved, fx->key, sizeof(fx->key), &r), SK_OK);
	assert_false(r.ok);
	/* An empty rotated file. */
	snprintf(cmd, sizeof(cmd), ": > '%s'", fx->moved);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	assert_int_equal(sk_audit_verify_segment(fx->moved, fx->key, sizeof(fx->key), &r), SK_OK);
	assert_false(r.ok);
	assert_string_equal(r.problem, "empty: a rotated file holds at least one record");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_r_log_1_announced_rotation_continues_the_chain,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_finish_begins_the_new_file_without_an_append,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_unannounced_or_finished_move_still_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_deleted_during_rotation_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_rotated_file_cut_or_forged_found, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
