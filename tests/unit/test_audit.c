/* The tamper-evident audit log: broker/audit_log.c writing, common/sk_audit_chain.c sealing
 * and verifying.
 *
 * R-LOG-1: every decision is logged durably, and a failed write fails the append (so the
 *          decision denies) without advancing the chain.
 * R-LOG-3: records are protected against tampering: modified, deleted, reordered, inserted,
 *          spliced and cut-off records, and a wrong key, are all detected at the right line.
 * R-LOG-4: every record carries a UTC timestamp and the kernel's clock sync state.
 * R-INPUT-1: lines and anchors are parsed strictly with a hard line limit.
 * R-TEST-1: keys and events are generated here; no real personal data. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "audit_log.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"

#define N_RECORDS 20
#define MAX_LINES 512
#define THREADS 8
#define PER_THREAD 40

struct fixture {
	char dir[PATH_MAX];
	char log[PATH_MAX];
	char anchor[PATH_MAX];
	char log2[PATH_MAX];     /* the tampered copy */
	char anchor2[PATH_MAX];
	unsigned char key[SK_AUDIT_KEY_LEN];
};

/* A whole log file split into lines (without newlines), for tampering. */
struct lines {
	char *buf;
	char *v[MAX_LINES];
	size_t n;
};

static void
path_in(const struct fixture *fx, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", fx->dir, name);

	assert_true(n > 0 && (size_t)n < outsz);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i;

	assert_non_null(fx);
	sk_test_mkdtemp(fx->dir, sizeof(fx->dir));
	path_in(fx, "audit.log", fx->log, sizeof(fx->log));
	path_in(fx, "audit.anchor", fx->anchor, sizeof(fx->anchor));
	path_in(fx, "copy.log", fx->log2, sizeof(fx->log2));
	path_in(fx, "copy.anchor", fx->anchor2, sizeof(fx->anchor2));
	/* A generated key (R-TEST-1). */
	for (i = 0; i < sizeof(fx->key); i++)
		fx->key[i] = (unsigned char)(i * 37u + 11u);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	sk_test_rmtree(fx->dir);
	free(fx);
	return 0;
}

static json_object *
make_event(unsigned i)
{
	json_object *ev = json_object_new_object();
	char user[32];

	assert_non_null(ev);
	assert_true(snprintf(user, sizeof(user), "user%02u", i) > 0);
	json_object_object_add(ev, "event", json_object_new_string("auth"));
	json_object_object_add(ev, "user", json_object_new_string(user));
	json_object_object_add(ev, "result", json_object_new_string(i % 3 == 0 ? "deny" : "allow"));
	json_object_object_add(ev, "n", json_object_new_int((int)i));
	return ev;
}

static void
append_n(struct audit_log *log, unsigned first, unsigned count)
{
	unsigned i;

	for (i = first; i < first + count; i++) {
		json_object *ev = make_event(i);

		assert_int_equal(audit_log_append(log, ev), SK_OK);
		json_object_put(ev);
	}
}

static void
write_log(const struct fixture *fx, unsigned count)
{
	struct audit_log *log = NULL;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, count);
	audit_log_close(log);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(ferror(in), 0);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void
load_lines(const char *path, struct lines *l)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *p, *end;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	assert_true(st.st_size > 0 && st.st_size < 4 * 1024 * 1024);
	l->buf = malloc((size_t)st.st_size + 1);
	assert_non_null(l->buf);
	assert_int_equal(fread(l->buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	l->buf[st.st_size] = '\0';
	assert_int_equal(l->buf[st.st_size - 1], '\n');
	l->n = 0;
	for (p = l->buf; *p != '\0'; p = end + 1) {
		end = strchr(p, '\n');
		assert_non_null(end);
		*end = '\0';
		assert_true(l->n < MAX_LINES);
		l->v[l->n++] = p;
	}
}

static void
save_lines(const char *path, char *const *v, size_t n)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_true(fprintf(f, "%s\n", v[i]) > 0);
	assert_int_equal(fclose(f), 0);
}

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

static void
expect_fault(const char *log, const char *anchor, const unsigned char *key, uint64_t line,
             const char *problem)
{
	struct sk_audit_report r;

	assert_int_equal(sk_audit_verify(log, anchor, key, SK_AUDIT_KEY_LEN, &r), SK_OK);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.line, line);
	if (strncmp(r.problem, problem, strlen(problem)) != 0)
		fail_msg("problem \"%s\", expected \"%s\"", r.problem, problem);
}

static void
expect_whole(const char *log, const char *anchor, const unsigned char *key, uint64_t records)
{
	struct sk_audit_report r;

	assert_int_equal(sk_audit_verify(log, anchor, key, SK_AUDIT_KEY_LEN, &r), SK_OK);
	if (!r.ok)
		fail_msg("verify: %s at line %" PRIu64, r.problem, r.line);
	assert_int_equal(r.records, records);
	assert_string_equal(r.problem, "");
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

/* R-LOG-1: a crash between a record's sync and its anchor leaves the log exactly one record
 * ahead; a restart anchors that record (its MAC and link check out) and the chain verifies.
 * Two records ahead is not a crash window: refused. */
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
	/* Two records ahead of the anchor. */
	copy_file(saved, fx->anchor);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log),
	                 SK_ERR_AUDIT);
	assert_null(log);
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

/* Captures what sk_log writes to stderr while fn runs (the tests log to stderr). */
static void
capture_stderr_begin(const struct fixture *fx, int *saved)
{
	char path[PATH_MAX];
	int fd;

	path_in(fx, "stderr.txt", path, sizeof(path));
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(*saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void
capture_stderr_end(const struct fixture *fx, int saved, char *out, size_t outsz)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	path_in(fx, "stderr.txt", path, sizeof(path));
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, outsz - 1, f);
	fclose(f);
	out[n] = '\0';
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
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_truncate_and_rewrite_anchor_without_key,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_r_log_3_remote_anchor_finds_truncation, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_live_log_deleted_or_replaced, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_r_log_1_not_committed_marker, setup, teardown),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
