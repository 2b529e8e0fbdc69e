/* The one reader of SK_K_HR_TEMP_PASSWORDS (common/skc_hr.c:skc_read_temp_passwords), which
 * both HR_STAGE's hires and USER_IMPORT_STAGE's enrolment passwords go through: well-formed
 * "NAME<TAB>PASSWORD" items come back in order, and any malformed item, an oversized name or
 * password, or a missing list where one is required fails the whole reply (R-INPUT-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_msg.h"
#include "sk_proto.h"
#include "skc_hr.h"

#define NAME_CAP 17
#define PW_CAP 64

struct pairs {
	char name[4][NAME_CAP];
	char pw[4][PW_CAP];
	size_t calls;
};

static void
put(void *arg, size_t i, const char *name, const char *pw)
{
	struct pairs *p = arg;

	assert_true(i < 4);
	assert_true(strlen(name) < NAME_CAP && strlen(pw) < PW_CAP);
	memcpy(p->name[i], name, strlen(name) + 1);
	memcpy(p->pw[i], pw, strlen(pw) + 1);
	p->calls++;
}

/* A reply whose SK_K_HR_TEMP_PASSWORDS holds the n texts (each without its NUL). */
static struct sk_msg *
reply_with(const char *const *texts, size_t n)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);
	const unsigned char *items[4];
	size_t lens[4];

	assert_non_null(m);
	for (size_t i = 0; i < n; i++) {
		items[i] = (const unsigned char *)texts[i];
		lens[i] = strlen(texts[i]);
	}
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_HR_TEMP_PASSWORDS, items, lens, n), SK_OK);
	return m;
}

static int
read_all(const struct sk_msg *m, int required, struct pairs *p, size_t *n)
{
	memset(p, 0, sizeof(*p));
	return skc_read_temp_passwords(m, required, NAME_CAP, PW_CAP, put, p, n);
}

static void
test_r_input_1_pairs_read_in_order(void **state)
{
	static const char *const texts[] = { "00123\tQCEeHH5M?7HmBNsj", "tanaka\tx" };
	struct sk_msg *m = reply_with(texts, 2);
	struct pairs p;
	size_t n = 99;

	(void)state;
	assert_int_equal(read_all(m, 1, &p, &n), SK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p.calls, 2);
	assert_string_equal(p.name[0], "00123");
	assert_string_equal(p.pw[0], "QCEeHH5M?7HmBNsj");
	assert_string_equal(p.name[1], "tanaka");
	assert_string_equal(p.pw[1], "x");
	sk_msg_free(m);
}

/* Absent list: nothing read; fine for HR (a file without hires), an error for the import. */
static void
test_r_input_1_absent_list_only_when_optional(void **state)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);
	struct pairs p;
	size_t n = 99;

	(void)state;
	assert_non_null(m);
	assert_int_equal(read_all(m, 0, &p, &n), SK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(read_all(m, 1, &p, &n), SK_ERR_PROTO);
	assert_int_equal(n, 0);
	assert_int_equal(p.calls, 0);
	sk_msg_free(m);
}

static void
test_r_input_1_malformed_items_fail_the_reply(void **state)
{
	char long_name[NAME_CAP + 2], long_pw[PW_CAP + 8];
	const char *bad[7];

	(void)state;
	memset(long_name, '1', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memset(long_pw, 'p', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	bad[0] = "no-tab-here";
	bad[1] = "\tpassword-without-name";
	bad[2] = "name-without-password\t";
	bad[3] = long_name;   /* then a tab and a password below */
	bad[4] = long_pw;
	bad[5] = "";
	bad[6] = NULL;
	for (size_t k = 0; bad[k] != NULL; k++) {
		char text[NAME_CAP + PW_CAP + 32];
		const char *texts[2] = { "ok\tfine", text };
		struct sk_msg *m;
		struct pairs p;
		size_t n = 99;

		if (k == 3)
			snprintf(text, sizeof(text), "%s\tpw", long_name);
		else if (k == 4)
			snprintf(text, sizeof(text), "name\t%.*s", PW_CAP, long_pw);
		else
			snprintf(text, sizeof(text), "%s", bad[k]);
		m = reply_with(texts, 2);
		assert_int_equal(read_all(m, 0, &p, &n), SK_ERR_PROTO);
		/* The good first item may have been stored: the caller drops the reply whole. */
		assert_true(n <= 1);
		sk_msg_free(m);
	}
}

/* An item with a NUL inside is refused, not cut short at the NUL. */
static void
test_r_input_1_embedded_nul_refused(void **state)
{
	static const unsigned char item[] = { 'a', '\t', 'p', 'w', 0, 'x' };
	const unsigned char *items[1] = { item };
	size_t lens[1] = { sizeof(item) };
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);
	struct pairs p;
	size_t n = 99;

	(void)state;
	assert_non_null(m);
	assert_int_equal(sk_msg_put_bytes_array(m, SK_K_HR_TEMP_PASSWORDS, items, lens, 1), SK_OK);
	assert_int_equal(read_all(m, 0, &p, &n), SK_ERR_PROTO);
	assert_int_equal(p.calls, 0);
	sk_msg_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_input_1_pairs_read_in_order),
		cmocka_unit_test(test_r_input_1_absent_list_only_when_optional),
		cmocka_unit_test(test_r_input_1_malformed_items_fail_the_reply),
		cmocka_unit_test(test_r_input_1_embedded_nul_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
