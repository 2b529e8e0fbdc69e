/* The audit log's inputs (broker/audit_log.c): the files and key it opens, the events it
 * is given, the line limit, and the syslog summary.
 *
 * R-INPUT-1: events that would forge chain fields or exceed the line limit are refused; a
 *            record exactly at the limit is written, verified and resumed from.
 * R-LOG-1: the syslog summary has event, user and result, never other fields.
 * R-TEST-1: keys and events are generated here; no real personal data. */
#include "audit_fixture.h"

/* Bad arguments and files: key length, symlinks, a second writer, log = anchor. */
static void
test_open_refusals(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL, *second = NULL;
	char link[PATH_MAX];

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, 16, &log), SK_ERR_ARG);
	assert_null(log);
	path_in(fx, "link.log", link, sizeof(link));
	assert_int_equal(symlink(fx->log2, link), 0);
	assert_int_equal(audit_log_open(link, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_int_equal(audit_log_open(fx->log, link, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_int_equal(audit_log_open(fx->log, fx->log, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_ARG);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &second),
	                 SK_ERR_AUDIT);
	assert_null(second);
	audit_log_close(log);
}

/* R-INPUT-1: events that would forge chain fields, exceed the line limit, or not verify
 * are refused, and the chain is not advanced by them. */
static void
test_bad_events(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev;
	char *big = malloc(SK_AUDIT_LINE_MAX + 1);

	assert_non_null(big);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, 1);

	ev = make_event(2);
	json_object_object_add(ev, "prev", json_object_new_string("x"));
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	ev = make_event(2);
	json_object_object_add(ev, "mac", json_object_new_string("x"));
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	ev = make_event(2);
	memset(big, 'x', SK_AUDIT_LINE_MAX);
	big[SK_AUDIT_LINE_MAX] = '\0';
	json_object_object_add(ev, "detail", json_object_new_string(big));
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	ev = make_event(2);
	json_object_object_add(ev, "detail", json_object_new_string("\xff\xfe not UTF-8"));
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	ev = json_object_new_array();
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	/* What the sealing's no-parse path (flat ASCII records) must leave to the full check:
	 * a not_committed marker whose range is not before it, nesting deeper than a record
	 * may be. */
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string(SK_AUDIT_NOT_COMMITTED));
	json_object_object_add(ev, "first", json_object_new_int64(5));
	json_object_object_add(ev, "last", json_object_new_int64(9));
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	ev = make_event(2);
	{
		json_object *deep = json_object_new_array();

		for (int d = 0; d < 20; d++) {
			json_object *outer = json_object_new_array();

			json_object_array_add(outer, deep);
			deep = outer;
		}
		json_object_object_add(ev, "deep", deep);
	}
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	json_object_put(ev);

	/* Nested values, Japanese text and control characters are fine. */
	ev = make_event(2);
	json_object_object_add(ev, "detail", json_object_new_string("志和町 \"quoted\"\n\t/slash"));
	json_object_object_add(ev, "methods", json_tokener_parse("[\"password\",\"totp\"]"));
	json_object_object_add(ev, "none", NULL);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	json_object_put(ev);
	audit_log_close(log);
	expect_whole(fx->log, fx->anchor, fx->key, 2);
	free(big);
}

/* R-INPUT-1: a record exactly at the line limit is written, verified and resumed from; one
 * byte more is refused. */
static void
test_line_limit(void **state)
{
	struct fixture *fx = *state;
	char line[SK_AUDIT_LINE_MAX], mac[SK_AUDIT_MAC_HEX + 1], zeros[SK_AUDIT_MAC_HEX + 1];
	char *pad = malloc(SK_AUDIT_LINE_MAX);
	struct audit_log *log = NULL;
	json_object *ev;
	size_t base, fill;

	assert_non_null(pad);
	memset(zeros, '0', SK_AUDIT_MAC_HEX);
	zeros[SK_AUDIT_MAC_HEX] = '\0';
	ev = json_object_new_object();
	json_object_object_add(ev, "pad", json_object_new_string(""));
	assert_int_equal(sk_audit_seal_line(fx->key, sizeof(fx->key), 1, zeros, ev, line,
	                                    sizeof(line), mac),
	                 SK_OK);
	json_object_put(ev);
	base = strlen(line);
	/* The longest line leaves one byte for the newline. */
	fill = SK_AUDIT_LINE_MAX - 1 - base;
	memset(pad, 'p', fill + 1);
	pad[fill + 1] = '\0';
	ev = json_object_new_object();
	json_object_object_add(ev, "pad", json_object_new_string(pad));
	assert_int_equal(sk_audit_seal_line(fx->key, sizeof(fx->key), 1, zeros, ev, line,
	                                    sizeof(line), mac),
	                 SK_ERR_RANGE);
	json_object_put(ev);

	pad[fill] = '\0';
	ev = json_object_new_object();
	json_object_object_add(ev, "pad", json_object_new_string(pad));
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	audit_log_close(log);
	json_object_put(ev);
	{
		struct stat st;

		assert_int_equal(stat(fx->log, &st), 0);
		assert_int_equal(st.st_size, SK_AUDIT_LINE_MAX);
	}
	expect_whole(fx->log, fx->anchor, fx->key, 1);
	/* Resuming reads that longest line as the tail. */
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 2, 1);
	audit_log_close(log);
	expect_whole(fx->log, fx->anchor, fx->key, 2);
	free(pad);
}

/* The syslog summary has event, user and result, never other fields such as secrets, and
 * cannot be split by a hostile user name. */
static void
test_summary(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev = json_object_new_object();
	char path[PATH_MAX], out[4096], want[256];
	struct sk_audit_anchor a;
	FILE *f;
	size_t n;
	int saved, fd;

	json_object_object_add(ev, "event", json_object_new_string("auth"));
	json_object_object_add(ev, "user", json_object_new_string("eve\nfake=1"));
	json_object_object_add(ev, "result", json_object_new_string("deny"));
	json_object_object_add(ev, "otp", json_object_new_string("secret-123456"));
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);

	path_in(fx, "stderr.txt", path, sizeof(path));
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	audit_log_close(log);
	json_object_put(ev);

	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	out[n] = '\0';
	/* The anchor (seq:mac) is the copy an auditor holds the log to. */
	assert_int_equal(sk_audit_anchor_read(fx->anchor, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_true(snprintf(want, sizeof(want), "audit anchor=1:%s event=auth user=eve?fake=1 "
	                     "result=deny\n", a.mac) > 0);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "secret"));
	/* The full record keeps the field (the log is the evidence, syslog the summary). */
	expect_whole(fx->log, fx->anchor, fx->key, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
