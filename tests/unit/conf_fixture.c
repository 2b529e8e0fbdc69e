/* The shared sekimori.conf test fixture (conf_fixture.h). */
#include "conf_fixture.h"

char conf_dir[512];

char conf_path[700];

char conf_err[512];

struct sk_conf loaded_conf;

int
setup(void **state)
{
	(void)state;
	sk_test_mkdtemp(conf_dir, sizeof(conf_dir));
	return 0;
}

int
teardown(void **state)
{
	(void)state;
	sk_test_rmtree(conf_dir);
	return 0;
}

int
load(const char *text)
{
	sk_test_write_file(conf_dir, "sekimori.conf", text, conf_path, sizeof(conf_path));
	memset(conf_err, 'X', sizeof(conf_err));
	conf_err[sizeof(conf_err) - 1] = '\0';
	return sk_conf_load(conf_path, &loaded_conf, conf_err, sizeof(conf_err));
}

void
load_ok(const char *text)
{
	int r = load(text);

	if (r != SK_OK)
		fail_msg("configuration refused (%d): %s", r, conf_err);
	assert_string_equal(conf_err, "");
}

/* The file must be refused with SK_ERR_CONFIG and a message containing what. */
void
expect_refusal(const char *text, const char *what)
{
	int r = load(text);

	if (r != SK_ERR_CONFIG)
		fail_msg("expected a refusal ('%s'), got %d", what, r);
	if (strstr(conf_err, what) == NULL)
		fail_msg("expected '%s' in the error, got '%s'", what, conf_err);
}

/* The last error must start with "PATH:LINE: ". */
void
expect_line(int line)
{
	char prefix[800];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
	if (strncmp(conf_err, prefix, strlen(prefix)) != 0)
		fail_msg("expected the error to name line %d ('%s...'), got '%s'", line, prefix, conf_err);
}

void
expect_error(const char *text, int line, const char *what)
{
	expect_refusal(text, what);
	expect_line(line);
}
