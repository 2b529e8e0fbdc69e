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

/* The MACed text of a sealed line of len bytes: the line without ,"mac":"<64 hex>"} plus the
 * closing brace. */
static void
maced_text(const char *line, size_t len, char text[SK_AUDIT_LINE_MAX])
{
	size_t tlen = len - (strlen(",\"mac\":\"\"}") + SK_AUDIT_MAC_HEX) + 1;

	assert_true(tlen < SK_AUDIT_LINE_MAX);
	memcpy(text, line, tlen - 1);
	text[tlen - 1] = '}';
	text[tlen] = '\0';
}

/* Seals ev as record 5, opens the line (MAC and chain fields), and checks that its MACed text
 * is exactly what json-c prints for the record parsed back, with the fields in the record's
 * order: the line is the serialisation of build_record's object, byte for byte, whichever way
 * sk_audit_seal_line made it (flat ASCII events are written without building one). */
static void
check_sealed_is_serialisation(const unsigned char *key, json_object *ev, const char *const *keys,
                              size_t n_keys)
{
	char line[SK_AUDIT_LINE_MAX], text[SK_AUDIT_LINE_MAX], prev[SK_AUDIT_MAC_HEX + 1];
	char mac[SK_AUDIT_MAC_HEX + 1], mac2[SK_AUDIT_MAC_HEX + 1], zero[SK_AUDIT_MAC_HEX + 1];
	const char *why = NULL, *printed;
	json_object *back;
	uint64_t seq = 0;
	size_t len, i = 0;

	memset(zero, '0', SK_AUDIT_MAC_HEX);
	zero[SK_AUDIT_MAC_HEX] = '\0';
	assert_int_equal(sk_audit_seal_line(key, SK_AUDIT_KEY_LEN, 5, zero, ev, line,
	                                    sizeof(line), mac), SK_OK);
	len = strlen(line);
	assert_int_equal(sk_audit_line_open(key, SK_AUDIT_KEY_LEN, line, len, &seq, prev, mac2, &why),
	                 SK_OK);
	assert_int_equal(seq, 5);
	assert_string_equal(prev, zero);
	assert_string_equal(mac, mac2);
	maced_text(line, len, text);
	back = json_tokener_parse(text);
	assert_non_null(back);
	printed = json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN |
	                                               JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_string_equal(printed, text);
	json_object_object_foreach(back, k, v) {
		(void)v;
		assert_true(i < n_keys);
		assert_string_equal(k, keys[i]);
		i++;
	}
	assert_int_equal(i, n_keys);
	json_object_put(back);
}

/* R-LOG-1: a record's line is the same bytes whether its event is flat ASCII (sealed without
 * a JSON object, doc/performance.md) or not: integers, booleans, null, empty and slash strings;
 * an empty event; Japanese text, escapes and nesting (the full path). */
static void
test_sealed_line_is_the_records_serialisation(void **state)
{
	struct fixture *fx = *state;
	static const char *const flat_keys[] = { "seq", "ts", "clock_synced", "event", "user",
	                                         "n", "neg", "big", "ok", "none", "path", "empty",
	                                         "prev" };
	static const char *const empty_keys[] = { "seq", "ts", "clock_synced", "prev" };
	static const char *const full_keys[] = { "seq", "ts", "clock_synced", "event", "detail",
	                                         "methods", "prev" };
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("hr.transfer"));
	json_object_object_add(ev, "user", json_object_new_string("u1000001"));
	json_object_object_add(ev, "n", json_object_new_int64(42));
	json_object_object_add(ev, "neg", json_object_new_int64(-7));
	json_object_object_add(ev, "big", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(ev, "ok", json_object_new_boolean(1));
	json_object_object_add(ev, "none", NULL);
	json_object_object_add(ev, "path", json_object_new_string("/var/log/x.csv"));
	json_object_object_add(ev, "empty", json_object_new_string(""));
	check_sealed_is_serialisation(fx->key, ev, flat_keys, 13);
	json_object_put(ev);

	ev = json_object_new_object();
	check_sealed_is_serialisation(fx->key, ev, empty_keys, 4);
	json_object_put(ev);

	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string("hr.transfer"));
	json_object_object_add(ev, "detail", json_object_new_string("志和町 \"quoted\"\t"));
	json_object_object_add(ev, "methods", json_tokener_parse("[\"password\",\"totp\"]"));
	check_sealed_is_serialisation(fx->key, ev, full_keys, 7);
	json_object_put(ev);
}


/* The line opens (MAC and chain fields check) and its MACed text is json-c's printing of
 * itself parsed back. */
static void
check_sealed_is_serialisation_any(const unsigned char *key, const char *line)
{
	char text[SK_AUDIT_LINE_MAX], prev[SK_AUDIT_MAC_HEX + 1], mac2[SK_AUDIT_MAC_HEX + 1];
	const char *why = NULL;
	json_object *back;
	uint64_t seq = 0;
	size_t len = strlen(line);

	assert_int_equal(sk_audit_line_open(key, SK_AUDIT_KEY_LEN, line, len, &seq, prev, mac2, &why),
	                 SK_OK);
	assert_int_equal(seq, 9);
	maced_text(line, len, text);
	back = json_tokener_parse(text);
	assert_non_null(back);
	assert_string_equal(json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN |
	                                                         JSON_C_TO_STRING_NOSLASHESCAPE),
	                    text);
	json_object_put(back);
}

/* R-LOG-1: the event's part of a sealed line is exactly json-c's printing of the event (its
 * fields between the braces), for the edge values the direct writer of flat records
 * formats itself (integer limits, '/', empty key and value) and for those it hands to
 * json-c (a quote, DEL, a uint64 above INT64_MAX, non-ASCII keys). */
static void
check_event_text(const unsigned char *key, json_object *ev)
{
	char line[SK_AUDIT_LINE_MAX], mac[SK_AUDIT_MAC_HEX + 1], zero[SK_AUDIT_MAC_HEX + 1];
	const char *printed, *from, *to;
	size_t plen;

	memset(zero, '0', SK_AUDIT_MAC_HEX);
	zero[SK_AUDIT_MAC_HEX] = '\0';
	assert_int_equal(sk_audit_seal_line(key, SK_AUDIT_KEY_LEN, 9, zero, ev, line,
	                                    sizeof(line), mac), SK_OK);
	printed = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	plen = strlen(printed);
	assert_true(plen >= 2);
	from = strstr(line, "\"clock_synced\":");
	assert_non_null(from);
	from = strchr(from, ',');
	assert_non_null(from);
	to = strstr(line, ",\"prev\":\"");
	assert_non_null(to);
	/* ,<fields> against {<fields>} */
	assert_int_equal((size_t)(to - from), plen - 1);
	assert_memory_equal(from + 1, printed + 1, plen - 2);
	check_sealed_is_serialisation_any(key, line);
}

static void
test_sealed_event_text_is_json_c_printing(void **state)
{
	struct fixture *fx = *state;
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("hr.transfer"));
	json_object_object_add(ev, "min", json_object_new_int64(INT64_MIN));
	json_object_object_add(ev, "max", json_object_new_int64(INT64_MAX));
	json_object_object_add(ev, "umax", json_object_new_uint64((uint64_t)INT64_MAX));
	json_object_object_add(ev, "zero", json_object_new_int64(0));
	json_object_object_add(ev, "ten", json_object_new_int(10));
	json_object_object_add(ev, "a/b", json_object_new_string("x/y ~!#$%&'()*+,-.:;<=>?@[]^_`{|}"));
	json_object_object_add(ev, "", json_object_new_string(""));
	json_object_object_add(ev, "f", json_object_new_boolean(0));
	json_object_object_add(ev, "t", json_object_new_boolean(1));
	json_object_object_add(ev, "nil", NULL);
	check_event_text(fx->key, ev);
	json_object_put(ev);

	ev = json_object_new_object();
	json_object_object_add(ev, "q", json_object_new_string("say \"hi\""));
	check_event_text(fx->key, ev);
	json_object_put(ev);

	ev = json_object_new_object();
	json_object_object_add(ev, "del", json_object_new_string("a\x7f"));
	check_event_text(fx->key, ev);
	json_object_put(ev);

	ev = json_object_new_object();
	json_object_object_add(ev, "huge", json_object_new_uint64((uint64_t)INT64_MAX + 1));
	check_event_text(fx->key, ev);
	json_object_put(ev);

	ev = json_object_new_object();
	json_object_object_add(ev, "部署", json_object_new_string("x"));
	json_object_object_add(ev, "k\"", json_object_new_string("y"));
	check_event_text(fx->key, ev);
	json_object_put(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_line_is_the_records_serialisation, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_sealed_event_text_is_json_c_printing, setup,
		                                teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
