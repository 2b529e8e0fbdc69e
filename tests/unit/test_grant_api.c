/* The grant interface the login side uses (broker/grant/grant.h) on a real SQLite store at
 * schema version 3, or on PostgreSQL under tests/pg/with-pg.sh (unit_test_grant_api_pg): the active grant of a user for a privileged service, its bounds in time,
 * whole-name service matching, the one early end (grant_end), and which services are
 * privileged (R-PRIV-7, R-SOD-1 groundwork). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "grant.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "store.h"

struct fixture {
	char dir[512];
	char path[600];
	struct sk_store *s;
	struct sk_store_txn *t;
};

static int
setup(void **state)
{
	static struct fixture f;

	sk_test_mkdtemp(f.dir, sizeof(f.dir));
	sk_test_store_name(f.dir, f.path, sizeof(f.path));
	assert_int_equal(store_open(f.path, &f.s), SK_OK);
	assert_int_equal(store_acquire(f.s, &f.t), SK_OK);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_release(f->t);
	store_close(f->s);
	sk_test_rmtree(f->dir);
	return 0;
}

static int64_t
add_grant(struct sk_store_txn *t, const char *user, const char *services, enum grant_state st,
          int64_t starts, int64_t ends)
{
	struct grant_rec g;

	memset(&g, 0, sizeof(g));
	snprintf(g.role, sizeof(g.role), "dba");
	snprintf(g.requester, sizeof(g.requester), "%s", user);
	snprintf(g.reason, sizeof(g.reason), "maintenance");
	snprintf(g.services, sizeof(g.services), "%s", services);
	snprintf(g.groups, sizeof(g.groups), "dba wheel");
	snprintf(g.accounts, sizeof(g.accounts), "dbadmin");
	g.minutes = (ends - starts) / 60;
	g.state = st;
	g.created = starts;
	g.starts = st == GRANT_ACTIVE ? starts : 0;
	g.ends = st == GRANT_ACTIVE ? ends : 0;
	assert_int_equal(store_begin(t), SK_OK);
	assert_int_equal(store_grant_insert(t, &g), SK_OK);
	assert_int_equal(store_commit(t), SK_OK);
	return g.id;
}

static void
test_r_priv_7_active_grant_found_within_its_time(void **state)
{
	struct fixture *f = *state;
	struct grant_active a;
	int64_t id = add_grant(f->t, "sato", "sudo su", GRANT_ACTIVE, 1000, 1000 + 1800);

	assert_int_equal(grant_find_active(f->t, "sato", "sudo", 1000, &a), SK_OK);
	assert_int_equal(a.id, (uint64_t)id);
	assert_string_equal(a.role, "dba");
	assert_int_equal(a.ends_at, 2800);
	assert_string_equal(a.groups, "dba wheel");
	assert_string_equal(a.accounts, "dbadmin");
	assert_int_equal(grant_find_active(f->t, "sato", "su", 2799, &a), SK_OK);
	/* Not before its start, not at or after its end, not another service or user. */
	assert_int_equal(grant_find_active(f->t, "sato", "sudo", 999, &a), SK_ERR_NOTFOUND);
	assert_int_equal(grant_find_active(f->t, "sato", "sudo", 2800, &a), SK_ERR_NOTFOUND);
	assert_int_equal(grant_find_active(f->t, "sato", "sshd", 1500, &a), SK_ERR_NOTFOUND);
	assert_int_equal(grant_find_active(f->t, "suzuki", "sudo", 1500, &a), SK_ERR_NOTFOUND);
	/* A whole name only: "sud" or "udo" is not "sudo". */
	assert_int_equal(grant_find_active(f->t, "sato", "sud", 1500, &a), SK_ERR_NOTFOUND);
	assert_int_equal(grant_find_active(f->t, "sato", "udo", 1500, &a), SK_ERR_NOTFOUND);
}

static void
test_r_sod_1_pending_or_approved_grant_unlocks_nothing(void **state)
{
	struct fixture *f = *state;
	struct grant_active a;

	add_grant(f->t, "sato", "sudo", GRANT_PENDING, 1000, 4600);
	add_grant(f->t, "sato", "sudo", GRANT_APPROVED, 1000, 4600);
	assert_int_equal(grant_find_active(f->t, "sato", "sudo", 1500, &a), SK_ERR_NOTFOUND);
}

static void
test_r_priv_7_grant_end_takes_effect_at_once(void **state)
{
	struct fixture *f = *state;
	struct grant_active a;
	struct grant_rec g;
	enum grant_state was;
	int64_t id = add_grant(f->t, "sato", "sudo", GRANT_ACTIVE, 1000, 4600);

	assert_int_equal(store_begin(f->t), SK_OK);
	assert_int_equal(grant_end(f->t, id, GRANT_END_REVOKED, "kato", NULL, 1200, &was), SK_OK);
	assert_int_equal(store_commit(f->t), SK_OK);
	assert_int_equal(was, GRANT_ACTIVE);
	assert_int_equal(grant_find_active(f->t, "sato", "sudo", 1200, &a), SK_ERR_NOTFOUND);
	assert_int_equal(store_grant_get(f->t, id, &g), SK_OK);
	assert_int_equal(g.state, GRANT_REVOKED);
	assert_int_equal(g.ended_at, 1200);
	assert_int_equal(g.ends, 1200);
	assert_string_equal(g.ended_by, "kato");
	assert_string_equal(g.end_cause, "revoked");
	/* Ended already: not again. */
	assert_int_equal(store_begin(f->t), SK_OK);
	assert_int_equal(grant_end(f->t, id, GRANT_END_REVOKED, "kato", NULL, 1300, NULL),
	                 SK_ERR_NOTFOUND);
	store_rollback(f->t);
	/* Outside a transaction the store refuses the write. */
	id = add_grant(f->t, "sato", "sudo", GRANT_PENDING, 1000, 4600);
	assert_int_equal(grant_end(f->t, id, GRANT_END_DENIED, "kato", "no ticket", 1300, NULL),
	                 SK_ERR_INTERNAL);
	assert_int_equal(store_begin(f->t), SK_OK);
	assert_int_equal(grant_end(f->t, id, GRANT_END_DENIED, "kato", "no ticket", 1300, NULL),
	                 SK_OK);
	assert_int_equal(store_commit(f->t), SK_OK);
	assert_int_equal(store_grant_get(f->t, id, &g), SK_OK);
	assert_int_equal(g.state, GRANT_DENIED);
	assert_string_equal(g.end_cause, "no ticket");
}

static void
test_r_priv_7_expiry_of_grants_and_requests(void **state)
{
	struct fixture *f = *state;
	struct grant_rec g;
	size_t n = 0;
	int64_t active = add_grant(f->t, "sato", "sudo", GRANT_ACTIVE, 1000, 1600);
	int64_t old = add_grant(f->t, "suzuki", "sudo", GRANT_PENDING, 1000, 1600);
	int64_t fresh = add_grant(f->t, "kato", "sudo", GRANT_PENDING, 1500, 2100);

	assert_int_equal(store_begin(f->t), SK_OK);
	assert_int_equal(store_grant_expire(f->t, 1600, 1200, &n), SK_OK);
	assert_int_equal(store_commit(f->t), SK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_grant_get(f->t, active, &g), SK_OK);
	assert_int_equal(g.state, GRANT_EXPIRED);
	assert_string_equal(g.end_cause, "ended");
	assert_int_equal(store_grant_get(f->t, old, &g), SK_OK);
	assert_int_equal(g.state, GRANT_EXPIRED);
	assert_string_equal(g.end_cause, "not decided in time");
	assert_int_equal(store_grant_get(f->t, fresh, &g), SK_OK);
	assert_int_equal(g.state, GRANT_PENDING);
}

static void
test_r_priv_1_privileged_services_from_roles(void **state)
{
	static struct sk_conf conf;

	(void)state;
	sk_conf_defaults(&conf);
	conf.n_roles = 1;
	snprintf(conf.roles[0].name, sizeof(conf.roles[0].name), "dba");
	snprintf(conf.roles[0].services.v[0], SK_NAME_MAX, "sudo");
	snprintf(conf.roles[0].services.v[1], SK_NAME_MAX, "su");
	conf.roles[0].services.n = 2;
	assert_true(grant_service_is_privileged(&conf, "sudo"));
	assert_true(grant_service_is_privileged(&conf, "su"));
	assert_false(grant_service_is_privileged(&conf, "sshd"));
	assert_false(grant_service_is_privileged(&conf, "sud"));
	assert_false(grant_service_is_privileged(&conf, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_r_priv_7_active_grant_found_within_its_time, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_sod_1_pending_or_approved_grant_unlocks_nothing,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_priv_7_grant_end_takes_effect_at_once, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_priv_7_expiry_of_grants_and_requests, setup,
		                                teardown),
		cmocka_unit_test(test_r_priv_1_privileged_services_from_roles),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
