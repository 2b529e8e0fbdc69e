/* The audit log across broker restarts and under concurrency (broker/audit_log.c).
 *
 * R-LOG-1: a restarted broker continues the chain, refuses a log that does not end where the
 *          anchor says, and recovers from a crash between a record and its anchor; appends
 *          from many threads make one valid chain.
 * R-LOG-3: verifying while the broker appends never reports a fault.
 * R-TEST-1: keys and events are generated here; no real personal data. */
#include "audit_fixture.h"

#define THREADS 8
#define PER_THREAD 40

/* R-LOG-1: a restarted broker continues the chain. */
static void
test_reopen_continues(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;

	write_log(fx, 5);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 6, 5);
	audit_log_close(log);
	expect_whole(fx->log, fx->anchor, fx->key, 10);
}

/* R-LOG-3: a restarted broker refuses a log that does not end where the anchor says, a
 * log without its anchor, a torn tail, and another key. */
static void
test_reopen_refuses(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	unsigned char other[SK_AUDIT_KEY_LEN];
	char text[64];
	struct lines l;
	FILE *f;

	write_log(fx, 5);
	copy_file(fx->log, fx->log2);
	copy_file(fx->anchor, fx->anchor2);

	/* Tail truncated. */
	load_lines(fx->log, &l);
	save_lines(fx->log, l.v, l.n - 1);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
	/* Everything truncated. */
	save_lines(fx->log, l.v, 0);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	/* A torn last line. */
	save_lines(fx->log, l.v, l.n);
	f = fopen(fx->log, "ab");
	assert_non_null(f);
	assert_true(fputs("{\"seq\":6,", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	/* The anchor missing, or empty. */
	save_lines(fx->log, l.v, l.n);
	assert_int_equal(unlink(fx->anchor), 0);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	sk_test_write_file(fx->dir, "audit.anchor", "", text, sizeof(text));
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	/* Another key. */
	memcpy(other, fx->key, sizeof(other));
	other[0] ^= 0x80;
	assert_int_equal(audit_log_open(fx->log2, fx->anchor2, other, sizeof(other), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
	/* The intact copy still opens. */
	assert_int_equal(audit_log_open(fx->log2, fx->anchor2, fx->key, sizeof(fx->key), &log), SK_OK);
	audit_log_close(log);
	free(l.buf);
}

/* R-LOG-1: a crash between a record's sync and its anchor leaves the log one record ahead;
 * a restart anchors that record (its MAC and link check out) and the chain verifies. */
static void
test_reopen_after_crash(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	struct sk_audit_report rep;
	char saved[512];

	path_in(fx, "anchor.saved", saved, sizeof(saved));
	write_log(fx, 3);
	copy_file(fx->anchor, saved);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 4, 1);
	audit_log_close(log);
	copy_file(saved, fx->anchor);   /* the anchor as it was before record 4 */
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 5, 1);
	audit_log_close(log);
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &rep), SK_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 5);
}

/* R-LOG-1, R-LOG-3: records appended inside one store transaction are written only and
 * anchored once by audit_log_sync before the commit, so a crash leaves the log several
 * records ahead of the anchor. A restart accepts them when each verifies and links back to
 * the anchored record, and refuses the log when one of them was removed, replaced by a
 * record of another chain, or when the anchor names a record the chain does not lead to. */
static void
test_r_log_3_records_ahead_of_anchor(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	struct sk_audit_report rep;
	char saved[512], full[512], other[512], otheranchor[512], other3anchor[512];
	struct lines l, o;
	unsigned i;

	path_in(fx, "anchor.saved", saved, sizeof(saved));
	path_in(fx, "full.log", full, sizeof(full));
	path_in(fx, "other.log", other, sizeof(other));
	path_in(fx, "other.anchor", otheranchor, sizeof(otheranchor));
	path_in(fx, "other3.anchor", other3anchor, sizeof(other3anchor));
	write_log(fx, 3);
	copy_file(fx->anchor, saved);
	/* Four records in one "transaction": written, not synced, not anchored. */
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	for (i = 4; i <= 7; i++) {
		json_object *ev = make_event(i);
		uint64_t seq = 0;

		assert_int_equal(audit_log_append_deferred(log, ev, &seq, NULL, 0), SK_OK);
		assert_int_equal(seq, i);
		json_object_put(ev);
	}
	audit_log_close(log);   /* the broker killed before audit_log_sync */
	/* The anchor still names record 3. */
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &rep), SK_OK);
	assert_false(rep.ok);
	copy_file(fx->log, full);

	/* Record 5 of the four removed: refused. */
	load_lines(full, &l);
	assert_int_equal(l.n, 7);
	l.v[4] = l.v[5];
	l.v[5] = l.v[6];
	save_lines(fx->log, l.v, 6);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
	/* Record 5 replaced by record 5 of another chain with the same key: refused. */
	assert_int_equal(audit_log_open(other, otheranchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 101, 3);
	audit_log_close(log);
	copy_file(otheranchor, other3anchor);   /* the other chain's anchor at its record 3 */
	assert_int_equal(audit_log_open(other, otheranchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 104, 3);
	audit_log_close(log);
	load_lines(other, &o);
	assert_int_equal(o.n, 6);
	free(l.buf);
	load_lines(full, &l);
	l.v[4] = o.v[4];
	save_lines(fx->log, l.v, 7);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	/* The other chain's anchor at seq 3 (valid tag, same key): the records ahead do not
	 * start from the record it names. */
	copy_file(full, fx->log);
	copy_file(other3anchor, fx->anchor);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);

	/* The intact log with the anchor of record 3: accepted, records 4-7 anchored. */
	copy_file(saved, fx->anchor);
	copy_file(full, fx->log);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	assert_int_equal(audit_log_last_seq(log), 7);
	append_n(log, 8, 1);
	audit_log_close(log);
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &rep), SK_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 8);
	free(l.buf);
	free(o.buf);
}

/* audit_log_sync makes deferred records durable and anchored with one anchor rewrite, and
 * does nothing when nothing is pending. */
static void
test_sync_anchors_deferred_records(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	struct sk_audit_anchor a;
	struct sk_audit_report rep;
	uint64_t seq = 0;
	unsigned i;

	write_log(fx, 2);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	for (i = 3; i <= 5; i++) {
		json_object *ev = make_event(i);

		assert_int_equal(audit_log_append_deferred(log, ev, &seq, NULL, 0), SK_OK);
		json_object_put(ev);
	}
	assert_int_equal(sk_audit_anchor_read(fx->anchor, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_int_equal(a.seq, 2);
	assert_int_equal(audit_log_sync(log), SK_OK);
	assert_int_equal(sk_audit_anchor_read(fx->anchor, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_int_equal(a.seq, 5);
	assert_int_equal(audit_log_sync(log), SK_OK);
	audit_log_close(log);
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &rep), SK_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 5);
}

struct thread_arg {
	struct audit_log *log;
	unsigned id;
	int failures;
};

static void *
thread_main(void *p)
{
	struct thread_arg *t = p;
	unsigned i;

	for (i = 0; i < PER_THREAD; i++) {
		json_object *ev = json_object_new_object();

		json_object_object_add(ev, "event", json_object_new_string("thread"));
		json_object_object_add(ev, "thread", json_object_new_int((int)t->id));
		json_object_object_add(ev, "i", json_object_new_int((int)i));
		if (audit_log_append(t->log, ev) != SK_OK)
			t->failures++;
		json_object_put(ev);
	}
	return NULL;
}

/* R-LOG-1: concurrent appends from 8 threads make one valid chain with every record. */
static void
test_threads(void **state)
{
	struct fixture *fx = *state;
	struct thread_arg args[THREADS];
	pthread_t th[THREADS];
	unsigned char seen[THREADS][PER_THREAD];
	struct audit_log *log = NULL;
	struct lines l;
	size_t i;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	for (i = 0; i < THREADS; i++) {
		args[i].log = log;
		args[i].id = (unsigned)i;
		args[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	audit_log_close(log);
	expect_whole(fx->log, fx->anchor, fx->key, THREADS * PER_THREAD);

	memset(seen, 0, sizeof(seen));
	load_lines(fx->log, &l);
	assert_int_equal(l.n, THREADS * PER_THREAD);
	for (i = 0; i < l.n; i++) {
		json_object *rec = json_tokener_parse(l.v[i]), *t, *n;

		assert_non_null(rec);
		assert_true(json_object_object_get_ex(rec, "thread", &t));
		assert_true(json_object_object_get_ex(rec, "i", &n));
		assert_true(json_object_get_int(t) >= 0 && json_object_get_int(t) < THREADS);
		assert_true(json_object_get_int(n) >= 0 && json_object_get_int(n) < PER_THREAD);
		seen[json_object_get_int(t)][json_object_get_int(n)]++;
		json_object_put(rec);
	}
	for (i = 0; i < THREADS * PER_THREAD; i++)
		assert_int_equal(seen[i / PER_THREAD][i % PER_THREAD], 1);
	free(l.buf);
}

struct live_writer {
	struct audit_log *log;
	int failures;
	volatile int done;
};

static void *
live_writer_main(void *p)
{
	struct live_writer *w = p;
	unsigned i;

	for (i = 1; i <= 300; i++) {
		json_object *ev = make_event(i);

		if (audit_log_append(w->log, ev) != SK_OK)
			w->failures++;
		json_object_put(ev);
	}
	w->done = 1;
	return NULL;
}

/* R-LOG-3: verifying while the broker appends never reports a fault: the anchor is read
 * before the log and appends in flight are waited for, so "truncated" is never a race. */
static void
test_verify_live(void **state)
{
	struct fixture *fx = *state;
	struct live_writer w = { NULL, 0, 0 };
	struct sk_audit_report r;
	uint64_t last = 0;
	pthread_t th;
	int runs = 0;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &w.log), SK_OK);
	assert_int_equal(pthread_create(&th, NULL, live_writer_main, &w), 0);
	while (!w.done || runs < 3) {
		assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, SK_AUDIT_KEY_LEN, &r),
		                 SK_OK);
		if (!r.ok)
			fail_msg("live verify: %s at line %" PRIu64, r.problem, r.line);
		assert_true(r.records >= last);
		last = r.records;
		runs++;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.failures, 0);
	audit_log_close(w.log);
	expect_whole(fx->log, fx->anchor, fx->key, 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_records_ahead_of_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_anchors_deferred_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_live, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
