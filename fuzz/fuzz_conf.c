/* libFuzzer target: sekimori.conf parsing. Each input is written to a temporary file and
 * loaded with sk_conf_load. A refused file must come with a "FILE:LINE: what" message; an
 * accepted one must satisfy the validation rules (R-MFA-1, R-MFA-2), and merging any two
 * of its profiles must never be weaker than either. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_conf.h"
#include "fuzz_check.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

static char dir[256], path[300];
static struct sk_conf conf;

static void
remove_temp(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	sk_log_to_stderr(1);
	snprintf(dir, sizeof(dir), "%s/sk-fuzz-conf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/sekimori.conf", dir);
	atexit(remove_temp);
	return 0;
}

static void
write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	CHECK(fd >= 0);
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	CHECK(close(fd) == 0);
}

static unsigned
reach(const struct sk_profile *p)
{
	unsigned r = 0;

	for (size_t i = 0; i < p->n_methods; i++)
		r |= sk_method_classes(p->methods[i]);
	return r;
}

static void
check_profile(const struct sk_profile *p)
{
	unsigned r = reach(p);
	char names[64];

	CHECK(sk_valid_name(p->name));
	CHECK(p->line >= 1);
	CHECK(p->min_classes >= 2 && p->min_classes <= 3);
	CHECK(p->n_methods >= 1 && p->n_methods <= SK_METHODS_MAX);
	CHECK(sk_class_count(r) >= 2 && sk_class_count(r) >= p->min_classes);
	CHECK((r & p->required_classes) == p->required_classes);
	CHECK(p->deny >= 1 && p->deny <= 100);
	CHECK(p->fail_interval >= 1);
	CHECK(strnlen(p->message, SK_MESSAGE_MAX) < SK_MESSAGE_MAX);
	for (size_t i = 0; i < p->n_methods; i++)
		for (size_t j = i + 1; j < p->n_methods; j++)
			CHECK(p->methods[i] != p->methods[j]);
	if (p->knowledge == SK_KNOWLEDGE_STACK) {
		int pw = 0;
		for (size_t i = 0; i < p->n_methods; i++)
			pw |= p->methods[i] == SK_METHOD_PASSWORD;
		CHECK(pw);
	}
	sk_class_names(r, names, sizeof(names));
	CHECK(names[0] != '\0');
}

/* R-PRIV-5: the merge is at least as strict as each side. */
static void
check_merge(const struct sk_profile *a, const struct sk_profile *b)
{
	struct sk_profile m;

	sk_profile_merge(a, b, &m);
	CHECK((m.required_classes & a->required_classes) == a->required_classes);
	CHECK((m.required_classes & b->required_classes) == b->required_classes);
	CHECK(m.min_classes >= a->min_classes && m.min_classes >= b->min_classes);
	CHECK(m.deny <= a->deny && m.deny <= b->deny);
	CHECK(m.fail_interval >= a->fail_interval && m.fail_interval >= b->fail_interval);
	if (a->unlock_time == 0 || b->unlock_time == 0)
		CHECK(m.unlock_time == 0);
	else
		CHECK(m.unlock_time >= a->unlock_time && m.unlock_time >= b->unlock_time);
	CHECK(m.allow_remote == (a->allow_remote && b->allow_remote));
	CHECK(m.totp_window <= a->totp_window && m.totp_window <= b->totp_window);
	CHECK(m.pw_min_length >= a->pw_min_length && m.pw_min_length >= b->pw_min_length);
	CHECK(m.n_methods <= a->n_methods && m.n_methods <= b->n_methods);
	for (size_t i = 0; i < m.n_methods; i++) {
		int in_b = 0;
		for (size_t j = 0; j < b->n_methods; j++)
			in_b |= b->methods[j] == m.methods[i];
		CHECK(in_b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	int r;

	write_input(data, size);
	r = sk_conf_load(path, &conf, err, sizeof(err));
	if (r != SK_OK) {
		char prefix[320];

		CHECK(r == SK_ERR_CONFIG);
		snprintf(prefix, sizeof(prefix), "%s:", path);
		CHECK(strncmp(err, prefix, strlen(prefix)) == 0);
		CHECK(strlen(err) > strlen(prefix) + 2);
		return 0;
	}
	CHECK(err[0] == '\0');
	CHECK(conf.n_profiles <= SK_PROFILES_MAX);
	CHECK(conf.max_clients >= 1 && conf.max_clients <= 4096);
	CHECK(strlen(conf.socket_path) < sizeof(conf.socket_path));
	if (conf.n_profiles > 0)
		CHECK(sk_conf_profile(&conf, conf.default_profile) != NULL);
	for (size_t i = 0; i < conf.n_profiles; i++) {
		check_profile(&conf.profiles[i]);
		CHECK(sk_conf_profile(&conf, conf.profiles[i].name) == &conf.profiles[i]);
		for (size_t j = 0; j < conf.n_profiles; j++)
			check_merge(&conf.profiles[i], &conf.profiles[j]);
	}
	return 0;
}
