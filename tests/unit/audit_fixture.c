/* The shared audit-log test fixture (audit_fixture.h). */
#include "audit_fixture.h"

void
path_in(const struct fixture *fx, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", fx->dir, name);

	assert_true(n > 0 && (size_t)n < outsz);
}

int
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

int
teardown(void **state)
{
	struct fixture *fx = *state;

	sk_test_rmtree(fx->dir);
	free(fx);
	return 0;
}

json_object *
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

void
append_n(struct audit_log *log, unsigned first, unsigned count)
{
	unsigned i;

	for (i = first; i < first + count; i++) {
		json_object *ev = make_event(i);

		assert_int_equal(audit_log_append(log, ev), SK_OK);
		json_object_put(ev);
	}
}

void
write_log(const struct fixture *fx, unsigned count)
{
	struct audit_log *log = NULL;

	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &log), SK_OK);
	append_n(log, 1, count);
	audit_log_close(log);
}

void
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

void
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

void
save_lines(const char *path, char *const *v, size_t n)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_true(fprintf(f, "%s\n", v[i]) > 0);
	assert_int_equal(fclose(f), 0);
}

void
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

void
expect_whole(const char *log, const char *anchor, const unsigned char *key, uint64_t records)
{
	struct sk_audit_report r;

	assert_int_equal(sk_audit_verify(log, anchor, key, SK_AUDIT_KEY_LEN, &r), SK_OK);
	if (!r.ok)
		fail_msg("verify: %s at line %" PRIu64, r.problem, r.line);
	assert_int_equal(r.records, records);
	assert_string_equal(r.problem, "");
}

/* Captures what sk_log writes to stderr while fn runs (the tests log to stderr). */
void
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

void
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
