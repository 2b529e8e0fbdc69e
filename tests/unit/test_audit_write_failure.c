/* The audit log when writing goes wrong (broker/audit_log.c).
 *
 * R-LOG-1: a failed or short write, a failed anchor write, and a log deleted, renamed or
 *          replaced under the writer fail the append (so the decision denies) without
 *          advancing the chain; a not-committed marker is understood by verify.
 * R-LOG-3: a write to the log by anything but the broker stops the broker.
 * R-TEST-1: keys and events are generated here; no real personal data. */
#include "audit_fixture.h"

/* The one descriptor of this process open on path (the broker's, as tests open none). */
static int
find_fd(const char *path)
{
	char want[PATH_MAX], link[PATH_MAX], p[64];
	struct dirent *e;
	DIR *d;
	int found = -1;

	assert_non_null(realpath(path, want));
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		assert_true(snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name) > 0);
		n = readlink(p, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, want) == 0) {
			assert_int_equal(found, -1);
			found = atoi(e->d_name);
		}
	}
	closedir(d);
	assert_true(found >= 0);
	return found;
}

/* Puts a descriptor on path's broker descriptor (the file "closed underneath"). */
static void
replace_fd(int target, const char *path, int flags)
{
	int fd = open(path, flags);

	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, target), target);
	close(fd);
}

/* R-LOG-1: a write that fails (disk full) fails the append, and the chain is not
 * advanced: once the disk is back the next record is seq 1 and the log verifies. */
static void
test_write_failure(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev = make_event(1);
	int fd;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	fd = find_fd(fx->log);
	replace_fd(fd, "/dev/full", O_WRONLY | O_APPEND);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	replace_fd(fd, fx->log, O_RDWR | O_APPEND);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	audit_log_close(log);
	json_object_put(ev);
	expect_whole(fx->log, fx->anchor, fx->key, 2);

	/* The log itself on a device is refused at open. */
	assert_int_equal(audit_log_open("/dev/full", fx->anchor2, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
}

/* R-LOG-1: a write cut short (here by the file size limit, as a full disk would) fails the
 * append and the torn line is taken back, so the log still verifies and goes on. */
static void
test_short_write(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev = make_event(3);
	struct rlimit saved, lim;
	struct stat st;
	void (*old)(int);

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, 2);
	assert_int_equal(stat(fx->log, &st), 0);
	/* Past the limit write() stops short; with nothing written it raises SIGXFSZ. */
	old = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = (rlim_t)st.st_size + 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, old);
	{
		struct stat now;

		assert_int_equal(stat(fx->log, &now), 0);
		assert_int_equal(now.st_size, st.st_size);
	}
	expect_whole(fx->log, fx->anchor, fx->key, 2);
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	audit_log_close(log);
	json_object_put(ev);
	expect_whole(fx->log, fx->anchor, fx->key, 3);
}

/* R-LOG-1: when the anchor cannot be written after the record was, log and anchor are out
 * of step: verify reports it and every later append is refused; a restart anchors the one
 * synced record (the crash window), after which the chain verifies again. */
static void
test_anchor_failure(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev = make_event(1);
	int fd;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, 3);
	fd = find_fd(fx->anchor);
	replace_fd(fd, "/dev/full", O_WRONLY);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	replace_fd(fd, fx->anchor, O_RDWR);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	audit_log_close(log);
	json_object_put(ev);
	expect_fault(fx->log, fx->anchor, fx->key, 4, "anchor mismatch: log ends at seq 4, anchor says 3");
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	audit_log_close(log);
	{
		struct sk_audit_report rep;
		assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &rep),
		                 SK_OK);
		assert_true(rep.ok);
		assert_int_equal(rep.records, 4);
	}
}

/* R-LOG-3: a write to the log by anything but the broker stops the broker. */
static void
test_foreign_write(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	json_object *ev = make_event(1);
	FILE *f;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, 2);
	f = fopen(fx->log, "ab");
	assert_non_null(f);
	assert_true(fputs("{\"seq\":3}\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
	audit_log_close(log);
	json_object_put(ev);
}

/* R-LOG-1: the live log deleted, renamed away, replaced or given a second name under a
 * running writer: the next append fails (the decision denies), every later one too, and
 * the event goes to syslog. Before, only the size was compared and records went on into
 * the deleted file. */
static void
test_r_log_1_live_log_deleted_or_replaced(void **state)
{
	static const char *const ways[] = { "deleted", "renamed", "replaced", "linked" };
	struct fixture *fx = *state;
	char out[8192], other[PATH_MAX];
	size_t w;
	int saved;

	path_in(fx, "other.log", other, sizeof(other));
	for (w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		struct audit_log *log = NULL;
		json_object *ev = make_event(9);

		(void)unlink(fx->log);
		(void)unlink(fx->anchor);
		(void)unlink(other);
		assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
		                 SK_OK);
		append_n(log, 1, 2);
		if (strcmp(ways[w], "deleted") == 0) {
			assert_int_equal(unlink(fx->log), 0);
		} else if (strcmp(ways[w], "renamed") == 0) {
			assert_int_equal(rename(fx->log, other), 0);
		} else if (strcmp(ways[w], "replaced") == 0) {
			copy_file(fx->log, other);
			assert_int_equal(rename(other, fx->log), 0);   /* same size, same content */
		} else {
			assert_int_equal(link(fx->log, other), 0);
		}
		capture_stderr_begin(fx, &saved);
		assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
		assert_int_equal(audit_log_append(log, ev), SK_ERR_AUDIT);
		capture_stderr_end(fx, saved, out, sizeof(out));
		if (strstr(out, "every decision is refused until the broker is restarted") == NULL)
			fail_msg("%s: not reported: %s", ways[w], out);
		audit_log_close(log);
		json_object_put(ev);
	}
	/* A log with two names (the last case left it so) is refused at start too. */
	{
		struct audit_log *log = NULL;

		assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
		                 SK_ERR_AUDIT);
		assert_null(log);
	}
}

/* R-LOG-1: a not-committed marker is understood by verify (counted, not a fault), and only a
 * marker naming records before it can be sealed. */
static void
test_r_log_1_not_committed_marker(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	struct sk_audit_report r;
	json_object *ev;
	char line[SK_AUDIT_LINE_MAX], mac[SK_AUDIT_MAC_HEX + 1];

	write_log(fx, 4);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string(SK_AUDIT_NOT_COMMITTED));
	json_object_object_add(ev, "first", json_object_new_int64(3));
	json_object_object_add(ev, "last", json_object_new_int64(4));
	assert_int_equal(audit_log_append(log, ev), SK_OK);
	audit_log_close(log);
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, sizeof(fx->key), &r), SK_OK);
	assert_true(r.ok);
	assert_int_equal(r.records, 5);
	assert_int_equal(r.not_committed, 2);
	/* A range reaching the marker itself, or empty, is refused. */
	json_object_object_add(ev, "last", json_object_new_int64(6));
	memset(mac, '0', SK_AUDIT_MAC_HEX);
	mac[SK_AUDIT_MAC_HEX] = '\0';
	assert_int_equal(sk_audit_seal_line(fx->key, sizeof(fx->key), 6, mac, ev, line, sizeof(line),
	                                    mac), SK_ERR_PROTO);
	json_object_object_add(ev, "first", json_object_new_int64(5));
	json_object_object_add(ev, "last", json_object_new_int64(4));
	assert_int_equal(sk_audit_seal_line(fx->key, sizeof(fx->key), 6, mac, ev, line, sizeof(line),
	                                    mac), SK_ERR_PROTO);
	json_object_put(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_live_log_deleted_or_replaced, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_not_committed_marker, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
