/* The tamper-evident audit log, detection: broker/audit_log.c writing, common/sk_audit_chain.c
 * sealing and verifying.
 *
 * R-LOG-1, R-LOG-4: the record format, chain fields, UTC timestamp and clock sync state.
 * R-LOG-3: records are protected against tampering: modified, deleted, reordered, inserted,
 *          spliced and cut-off records, and a wrong key, are all detected at the right line;
 *          an anchor rewritten without the key, or an old genuine one, is found out.
 * R-INPUT-1: lines and anchors are parsed strictly.
 * R-TEST-1: keys and events are generated here; no real personal data. */
#include "audit_fixture.h"

#define N_RECORDS 20

/* The mac of a line: its last 66 characters minus the closing "} */
static const char *
line_mac(const char *line, char out[SK_AUDIT_MAC_HEX + 1])
{
	size_t len = strlen(line);

	assert_true(len > SK_AUDIT_MAC_HEX + 2);
	memcpy(out, line + len - SK_AUDIT_MAC_HEX - 2, SK_AUDIT_MAC_HEX);
	out[SK_AUDIT_MAC_HEX] = '\0';
	return out;
}

/* A written log with N_RECORDS records, and copies of log and anchor to tamper with. */
static struct lines
tamper_base(const struct fixture *fx)
{
	struct lines l;

	write_log(fx, N_RECORDS);
	expect_whole(fx->log, fx->anchor, fx->key, N_RECORDS);
	copy_file(fx->anchor, fx->anchor2);
	load_lines(fx->log, &l);
	assert_int_equal(l.n, N_RECORDS);
	return l;
}

/* R-LOG-1, R-LOG-3, R-LOG-4: the record format, chain fields and file modes. */
static void
test_append_and_verify(void **state)
{
	struct fixture *fx = *state;
	char prev[SK_AUDIT_MAC_HEX + 1], mac[SK_AUDIT_MAC_HEX + 1];
	struct sk_audit_anchor a;
	struct lines l;
	struct stat st;
	size_t i;

	write_log(fx, N_RECORDS);
	expect_whole(fx->log, fx->anchor, fx->key, N_RECORDS);

	assert_int_equal(stat(fx->log, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(fx->anchor, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	load_lines(fx->log, &l);
	assert_int_equal(l.n, N_RECORDS);
	memset(prev, '0', SK_AUDIT_MAC_HEX);
	prev[SK_AUDIT_MAC_HEX] = '\0';
	for (i = 0; i < l.n; i++) {
		json_object *rec = json_tokener_parse(l.v[i]), *v;
		const char *ts;
		char user[32];

		assert_non_null(rec);
		assert_true(json_object_object_get_ex(rec, "seq", &v));
		assert_int_equal(json_object_get_int64(v), (int64_t)i + 1);
		/* R-LOG-4: UTC RFC 3339 with microseconds, and the sync state as a boolean. */
		assert_true(json_object_object_get_ex(rec, "ts", &v));
		ts = json_object_get_string(v);
		assert_int_equal(strlen(ts), 27);
		assert_int_equal(ts[10], 'T');
		assert_int_equal(ts[19], '.');
		assert_int_equal(ts[26], 'Z');
		assert_true(json_object_object_get_ex(rec, "clock_synced", &v));
		assert_true(json_object_is_type(v, json_type_boolean));
		assert_true(json_object_object_get_ex(rec, "prev", &v));
		assert_string_equal(json_object_get_string(v), prev);
		assert_true(json_object_object_get_ex(rec, "mac", &v));
		assert_string_equal(json_object_get_string(v), line_mac(l.v[i], mac));
		assert_true(json_object_object_get_ex(rec, "user", &v));
		assert_true(snprintf(user, sizeof(user), "user%02zu", i + 1) > 0);
		assert_string_equal(json_object_get_string(v), user);
		json_object_put(rec);
		memcpy(prev, mac, sizeof(prev));
	}
	/* The anchor names the last record. */
	assert_int_equal(sk_audit_anchor_read(fx->anchor, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_int_equal(a.seq, N_RECORDS);
	assert_string_equal(a.mac, prev);
	assert_int_equal(stat(fx->anchor, &st), 0);
	assert_int_equal(st.st_size, 163);
	free(l.buf);
}

/* R-LOG-3: one field value changed in a middle record. */
static void
test_detect_modified(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	char *u = strstr(l.v[9], "\"user\":\"user10\"");

	assert_non_null(u);
	memcpy(u + 8, "user66", 6);
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 10, "record modified");
	free(l.buf);
}

/* R-LOG-3: a middle record deleted. */
static void
test_detect_deleted(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);

	memmove(&l.v[9], &l.v[10], (l.n - 10) * sizeof(l.v[0]));
	save_lines(fx->log2, l.v, l.n - 1);
	expect_fault(fx->log2, fx->anchor2, fx->key, 10,
	             "record missing or reordered (seq 11 after 9)");
	free(l.buf);
}

/* R-LOG-3: two records swapped. */
static void
test_detect_swapped(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	char *t = l.v[9];

	l.v[9] = l.v[10];
	l.v[10] = t;
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 10,
	             "record missing or reordered (seq 11 after 9)");
	free(l.buf);
}

/* R-LOG-3: a forged line inserted, in the right format and chained to its predecessor, but
 * sealed without the key (here: with another key). */
static void
test_detect_inserted_forgery(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	unsigned char other[SK_AUDIT_KEY_LEN];
	char forged[SK_AUDIT_LINE_MAX], prev[SK_AUDIT_MAC_HEX + 1], mac[SK_AUDIT_MAC_HEX + 1];
	char *v[MAX_LINES];
	json_object *ev = make_event(99);

	memset(other, 0x5a, sizeof(other));
	assert_int_equal(sk_audit_seal_line(other, sizeof(other), 11, line_mac(l.v[9], prev), ev,
	                                    forged, sizeof(forged), mac),
	                 SK_OK);
	json_object_put(ev);
	memcpy(v, l.v, 10 * sizeof(v[0]));
	v[10] = forged;
	memcpy(&v[11], &l.v[10], (l.n - 10) * sizeof(v[0]));
	save_lines(fx->log2, v, l.n + 1);
	expect_fault(fx->log2, fx->anchor2, fx->key, 11, "record modified");
	free(l.buf);
}

/* R-LOG-3: a record with a valid mac and seq but from another chain under the same key
 * (e.g. spliced in from another log): the prev link catches it. */
static void
test_detect_spliced(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	char spliced[SK_AUDIT_LINE_MAX], mac[SK_AUDIT_MAC_HEX + 1];
	char other_prev[SK_AUDIT_MAC_HEX + 1];
	json_object *ev = make_event(10);

	memset(other_prev, 'e', SK_AUDIT_MAC_HEX);
	other_prev[SK_AUDIT_MAC_HEX] = '\0';
	assert_int_equal(sk_audit_seal_line(fx->key, sizeof(fx->key), 10, other_prev, ev, spliced,
	                                    sizeof(spliced), mac),
	                 SK_OK);
	json_object_put(ev);
	l.v[9] = spliced;
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 10, "chain broken (prev does not match)");
	free(l.buf);
}

/* R-LOG-3: the last records cut off; only the anchor can show it. */
static void
test_detect_truncated(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);

	save_lines(fx->log2, l.v, l.n - 3);
	expect_fault(fx->log2, fx->anchor2, fx->key, 18, "truncated: log ends at seq 17, anchor says 20");
	/* All of it gone, the anchor still says 20. */
	save_lines(fx->log2, l.v, 0);
	expect_fault(fx->log2, fx->anchor2, fx->key, 1, "truncated: log ends at seq 0, anchor says 20");
	free(l.buf);
}

/* R-LOG-3: anchor faults: rewritten last record, missing, malformed, or behind the log. */
static void
test_detect_anchor_faults(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	struct sk_audit_anchor a;
	char text[200];
	int fd;

	copy_file(fx->log, fx->log2);
	assert_int_equal(sk_audit_anchor_read(fx->anchor, fx->key, sizeof(fx->key), &a), SK_OK);
	/* Same seq, other mac: the last record was replaced (by someone holding the key). */
	a.mac[0] = a.mac[0] == '0' ? '1' : '0';
	fd = open(fx->anchor2, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_OK);
	close(fd);
	expect_fault(fx->log2, fx->anchor2, fx->key, 20, "rewritten");
	/* An anchor behind the log: records past it are not vouched for. */
	line_mac(l.v[18], a.mac);
	a.seq = 19;
	fd = open(fx->anchor2, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_OK);
	close(fd);
	expect_fault(fx->log2, fx->anchor2, fx->key, 20, "anchor mismatch: log ends at seq 20");
	/* Malformed. */
	sk_test_write_file(fx->dir, "copy.anchor", "seq=20 mac=00\n", text, sizeof(text));
	expect_fault(fx->log2, fx->anchor2, fx->key, 0, "anchor malformed");
	/* Missing, or created and never written. */
	assert_int_equal(unlink(fx->anchor2), 0);
	expect_fault(fx->log2, fx->anchor2, fx->key, 0, "anchor missing");
	sk_test_write_file(fx->dir, "copy.anchor", "", text, sizeof(text));
	expect_fault(fx->log2, fx->anchor2, fx->key, 0, "anchor missing");
	free(l.buf);
}

/* R-LOG-3: verifying with another key finds the first record modified. */
static void
test_detect_wrong_key(void **state)
{
	struct fixture *fx = *state;
	unsigned char other[SK_AUDIT_KEY_LEN];
	struct sk_audit_report r;

	write_log(fx, 3);
	memcpy(other, fx->key, sizeof(other));
	other[31] ^= 1;
	/* The anchor's tag is checked first. */
	expect_fault(fx->log, fx->anchor, other, 0, "anchor forged");
	/* And a key of the wrong length is an argument error, not a report. */
	assert_int_equal(sk_audit_verify(fx->log, fx->anchor, fx->key, 16, &r), SK_ERR_ARG);
}

/* R-INPUT-1: malformed lines, including one far past the line limit (never allocated). */
static void
test_detect_malformed(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	char *longline = malloc(100001), *saved = l.v[4];
	char upper[SK_AUDIT_LINE_MAX];
	char path[PATH_MAX];
	FILE *f;
	size_t i;

	assert_non_null(longline);
	memset(longline, 'a', 100000);
	longline[100000] = '\0';
	l.v[4] = longline;
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 5, "malformed line (longer than 8192 bytes)");

	l.v[4] = (char *)"{\"seq\":5}";
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 5, "malformed line");

	l.v[4] = (char *)"";
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 5, "malformed line");

	/* The mac in uppercase is not the format, even though the value is the same. */
	assert_true(strlen(saved) < sizeof(upper));
	memcpy(upper, saved, strlen(saved) + 1);
	for (i = strlen(upper) - 66; i < strlen(upper) - 2; i++) {
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	}
	l.v[4] = upper;
	save_lines(fx->log2, l.v, l.n);
	expect_fault(fx->log2, fx->anchor2, fx->key, 5, "malformed line");

	/* A torn last line (no newline). */
	l.v[4] = saved;
	save_lines(fx->log2, l.v, l.n);
	f = fopen(fx->log2, "ab");
	assert_non_null(f);
	assert_true(fputs("{\"seq\":21", f) >= 0);
	assert_int_equal(fclose(f), 0);
	expect_fault(fx->log2, fx->anchor2, fx->key, 21, "malformed line (no final newline)");

	/* A missing log is an error, not a valid empty log. */
	path_in(fx, "nonexistent.log", path, sizeof(path));
	{
		struct sk_audit_report r;

		assert_int_equal(sk_audit_verify(path, fx->anchor2, fx->key, SK_AUDIT_KEY_LEN, &r),
		                 SK_ERR_NOTFOUND);
		assert_int_equal(r.ok, 0);
	}
	free(longline);
	free(l.buf);
}

/* An empty log without an anchor is whole; with an anchor that says otherwise it is not. */
static void
test_empty_log(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	char path[PATH_MAX];

	sk_test_write_file(fx->dir, "copy.log", "", path, sizeof(path));
	expect_whole(fx->log2, fx->anchor2, fx->key, 0);
	/* Opening and closing without a record leaves an empty anchor: still a whole log. */
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	audit_log_close(log);
	expect_whole(fx->log, fx->anchor, fx->key, 0);
}

/* R-INPUT-1: the anchor is read strictly. */
static void
test_anchor_strict(void **state)
{
	static const char *const bad[] = {
		"seq=00000000000000000005 mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"seq=00000000000000000005 mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n",
		"seq=00000000000000000005 mac=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"seq=0000000000000000000x mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"seq=+0000000000000000005 mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"seq=99999999999999999999 mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"seq=00000000000000000005 mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n\n",
		"seq=00000000000000000005,mac=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	};
	struct fixture *fx = *state;
	struct sk_audit_anchor a;
	char path[PATH_MAX];
	size_t i;
	int fd;

	char text[200], saved;
	unsigned char other[SK_AUDIT_KEY_LEN];

	path_in(fx, "a", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	a.seq = UINT64_MAX;
	memcpy(a.mac, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 65);
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_OK);
	close(fd);
	memset(&a, 0, sizeof(a));
	assert_int_equal(sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_true(a.seq == UINT64_MAX);
	assert_string_equal(a.mac, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* The tag: one hex digit of it changed, or the anchor read with another key. */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, text, 163), 163);
	close(fd);
	text[163] = '\0';
	saved = text[100];
	text[100] = saved == '0' ? '1' : '0';
	sk_test_write_file(fx->dir, "a", text, path, sizeof(path));
	assert_int_equal(sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a), SK_ERR_CRYPTO);
	text[100] = saved;
	sk_test_write_file(fx->dir, "a", text, path, sizeof(path));
	memcpy(other, fx->key, sizeof(other));
	other[5] ^= 1;
	assert_int_equal(sk_audit_anchor_read(path, other, sizeof(other), &a), SK_ERR_CRYPTO);
	assert_int_equal(sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a), SK_OK);
	/* The anchor of an earlier version (no tag) is malformed. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sk_test_write_file(fx->dir, "a", bad[i], path, sizeof(path));
		if (sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a) != SK_ERR_PROTO)
			fail_msg("accepted bad anchor %zu", i);
	}
	path_in(fx, "none", path, sizeof(path));
	assert_int_equal(sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a), SK_ERR_NOTFOUND);

	/* Rewritten in place: a smaller seq after a larger leaves no stale bytes. */
	path_in(fx, "w", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	a.seq = 123456789;
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_OK);
	a.seq = 7;
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_OK);
	close(fd);
	memset(&a, 0, sizeof(a));
	assert_int_equal(sk_audit_anchor_read(path, fx->key, sizeof(fx->key), &a), SK_OK);
	assert_int_equal(a.seq, 7);
	/* An O_APPEND descriptor would append instead of rewriting. */
	fd = open(path, O_RDWR | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(sk_audit_anchor_write(fd, fx->key, sizeof(fx->key), &a), SK_ERR_ARG);
	close(fd);
}

/* R-LOG-3: an attacker without the key cuts the log back and writes an anchor for the new
 * end (seq and mac are in the log for all to read): the anchor's tag gives it away, to
 * verify and to a starting broker. */
static void
test_r_log_3_truncate_and_rewrite_anchor_without_key(void **state)
{
	struct fixture *fx = *state;
	struct lines l = tamper_base(fx);
	struct audit_log *log = NULL;
	char mac[SK_AUDIT_MAC_HEX + 1], text[256];
	unsigned char guess[SK_AUDIT_KEY_LEN];

	save_lines(fx->log2, l.v, 17);
	/* The anchor as an earlier version wrote it, without tag. */
	assert_true(snprintf(text, sizeof(text), "seq=%020d mac=%s\n", 17, line_mac(l.v[16], mac)) > 0);
	sk_test_write_file(fx->dir, "copy.anchor", text, fx->anchor2, sizeof(fx->anchor2));
	expect_fault(fx->log2, fx->anchor2, fx->key, 0, "anchor malformed");
	/* With a tag made with a guessed key. */
	memset(guess, 0x5a, sizeof(guess));
	{
		struct sk_audit_anchor a = { .seq = 17 };
		int fd = open(fx->anchor2, O_RDWR | O_TRUNC);

		memcpy(a.mac, mac, sizeof(a.mac));
		assert_true(fd >= 0);
		assert_int_equal(sk_audit_anchor_write(fd, guess, sizeof(guess), &a), SK_OK);
		close(fd);
	}
	expect_fault(fx->log2, fx->anchor2, fx->key, 0, "anchor forged");
	assert_int_equal(audit_log_open(fx->log2, fx->anchor2, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
	free(l.buf);
}

/* R-LOG-3: log and anchor cut back together, with an anchor that is genuine but old (kept
 * by the attacker, or made with a stolen key): the local check cannot tell, the anchor copied
 * from syslog can. Each append logs "audit anchor=SEQ:MAC". */
static void
test_r_log_3_remote_anchor_finds_truncation(void **state)
{
	struct fixture *fx = *state;
	struct audit_log *log = NULL;
	struct sk_audit_anchor remote, old;
	struct sk_audit_report r;
	char out[16384], saved_anchor[PATH_MAX], *p;
	int saved;

	path_in(fx, "anchor.old", saved_anchor, sizeof(saved_anchor));
	write_log(fx, 17);
	copy_file(fx->anchor, saved_anchor);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	capture_stderr_begin(fx, &saved);
	append_n(log, 18, 3);
	capture_stderr_end(fx, saved, out, sizeof(out));
	audit_log_close(log);
	/* The last anchor the broker sent to syslog. */
	p = strstr(out, "audit anchor=20:");
	assert_non_null(p);
	p += strlen("audit anchor=");
	*strchr(p, ' ') = '\0';
	assert_int_equal(sk_audit_anchor_parse(p, &remote), SK_OK);
	assert_true(remote.seq == 20);
	/* Intact: the log reaches the remote anchor. */
	assert_int_equal(sk_audit_verify_remote(fx->log, fx->anchor, fx->key, sizeof(fx->key),
	                                        &remote, &r), SK_OK);
	assert_true(r.ok);
	/* Cut back to 17 with the anchor of 17 put back. */
	{
		struct lines l;

		load_lines(fx->log, &l);
		save_lines(fx->log2, l.v, 17);
		free(l.buf);
	}
	copy_file(saved_anchor, fx->anchor2);
	assert_int_equal(sk_audit_anchor_read(fx->anchor2, fx->key, sizeof(fx->key), &old), SK_OK);
	assert_true(old.seq == 17);
	expect_whole(fx->log2, fx->anchor2, fx->key, 17);
	assert_int_equal(sk_audit_verify_remote(fx->log2, fx->anchor2, fx->key, sizeof(fx->key),
	                                        &remote, &r), SK_OK);
	assert_false(r.ok);
	assert_int_equal(r.line, 18);
	assert_string_equal(r.problem, "truncated: log ends at seq 17, the remote anchor says 20");
	/* A remote anchor whose mac the log does not have at that seq. */
	remote.seq = 5;
	assert_int_equal(sk_audit_verify_remote(fx->log2, fx->anchor2, fx->key, sizeof(fx->key),
	                                        &remote, &r), SK_OK);
	assert_false(r.ok);
	assert_string_equal(r.problem, "rewritten: record 5 does not match the remote anchor");
	/* The form is strict. */
	assert_int_equal(sk_audit_anchor_parse("0:00", &remote), SK_ERR_PROTO);
	assert_int_equal(sk_audit_anchor_parse("20", &remote), SK_ERR_PROTO);
	assert_int_equal(sk_audit_anchor_parse("x:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	                                       &remote), SK_ERR_PROTO);
	assert_int_equal(sk_audit_anchor_parse("0:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	                                       &remote), SK_ERR_PROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_modified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_inserted_forgery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_spliced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_anchor_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_truncate_and_rewrite_anchor_without_key,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_remote_anchor_finds_truncation, setup,
		                                teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
