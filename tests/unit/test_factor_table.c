/* The factor tables (issue 8): every method of enum sk_method in common/sk_proto.h has
 * exactly one row in common/sk_factor.c (name, classes, configuration keys), one in the
 * broker's factors/factor_table.c and one in the module's pamsk_factor_table.c, and the
 * classes each can prove are the ones doc/architecture.md's "Factors" table states
 * (R-MFA-1: the classes are what the plan and the decision count on). The enum and the doc
 * are read from the source tree, so a method added to one and not the others fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"
#include "pamsk_factor.h"
#include "sk_conf.h"
#include "sk_err.h"
#include "sk_factor.h"
#include "sk_test_helpers.h"

struct enum_method {
	char name[32];       /* lower case, as in `methods =` */
	unsigned value;
};

static struct enum_method methods[SK_METHOD_SLOTS];
static size_t n_methods;

static FILE *
open_source(const char *rel)
{
	const char *src = getenv("SK_SOURCE_DIR");
	char path[1024];
	FILE *f;

	if (src == NULL)
		fail_msg("SK_SOURCE_DIR is not set (run the tests through ctest)");
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	return f;
}

/* Every "SK_METHOD_NAME = N," line of enum sk_method. */
static int
read_enum(void **state)
{
	FILE *f = open_source("common/sk_proto.h");
	char line[512];
	int in_enum = 0;

	(void)state;
	n_methods = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[32];
		unsigned v;

		if (strstr(line, "enum sk_method {") != NULL)
			in_enum = 1;
		else if (in_enum && strchr(line, '}') != NULL)
			break;
		else if (in_enum && sscanf(line, " SK_METHOD_%31[A-Z0-9_] = %u", name, &v) == 2) {
			if (n_methods >= SK_METHOD_SLOTS)
				fail_msg("more methods than SK_METHOD_SLOTS");
			for (char *p = name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			snprintf(methods[n_methods].name, sizeof(methods[n_methods].name), "%s", name);
			methods[n_methods++].value = v;
		}
	}
	fclose(f);
	return n_methods > 0 ? 0 : -1;
}

/* R-MFA-1: one row per method on every side, and no row for a method that does not exist. */
static void
test_every_method_has_one_row_each_side(void **state)
{
	(void)state;
	assert_true(n_methods >= 5);   /* password, totp, stack, fido2, card, and any new one */
	assert_int_equal(sk_factor_count, n_methods);
	assert_int_equal(factor_count, n_methods);
	assert_int_equal(pamsk_factor_count, n_methods);
	for (size_t i = 0; i < n_methods; i++) {
		unsigned m = methods[i].value;
		size_t common = 0, broker = 0, module = 0;

		assert_true(m < SK_METHOD_SLOTS);
		for (size_t k = 0; k < sk_factor_count; k++)
			common += sk_factors[k].method == m;
		for (size_t k = 0; k < factor_count; k++)
			broker += factor_table[k]->method == m;
		for (size_t k = 0; k < pamsk_factor_count; k++)
			module += pamsk_factor_table[k]->method == m;
		if (common != 1 || broker != 1 || module != 1)
			fail_msg("method %s (%u): %zu common, %zu broker, %zu module rows", methods[i].name,
			         m, common, broker, module);
		/* The row is found, and names the method as the enum does. */
		assert_non_null(sk_factor_find(m));
		assert_string_equal(sk_factor_find(m)->name, methods[i].name);
		assert_string_equal(sk_method_name(m), methods[i].name);
		assert_non_null(factor_find(m));
		assert_string_equal(factor_name(factor_find(m)), methods[i].name);
		assert_non_null(pamsk_factor_find(m));
	}
	assert_null(factor_find(0));
	assert_null(pamsk_factor_find(0));
	assert_null(sk_factor_find(SK_METHOD_SLOTS));
}

/* The hooks every row must have: the plan's can_prove and AUTH_FINISH's verify on the broker
 * side, the collector on the module side. */
static void
test_rows_are_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < factor_count; i++) {
		const struct factor_ops *f = factor_table[i];
		unsigned all = sk_method_classes(f->method);

		assert_non_null(f->can_prove);
		assert_non_null(f->verify);
		/* Classes that depend on the credential are classes the factor can prove. */
		assert_int_equal(f->credential_classes & ~all, 0);
		/* A factor that signs a challenge issues it. */
		if (f->local_only)
			assert_non_null(f->begin);
	}
	for (size_t i = 0; i < pamsk_factor_count; i++)
		assert_non_null(pamsk_factor_table[i]->collect);
}

static unsigned
classes_in(const char *text)
{
	unsigned c = 0;

	if (strstr(text, "knowledge") != NULL)
		c |= SK_CLASS_KNOWLEDGE;
	if (strstr(text, "possession") != NULL)
		c |= SK_CLASS_POSSESSION;
	if (strstr(text, "inherence") != NULL)
		c |= SK_CLASS_INHERENCE;
	return c;
}

/* R-MFA-1: doc/architecture.md's "Factors" table says which classes each method proves; its
 * rows for one method together name exactly the classes of the method's row, and a class
 * only some rows name (a PIV 9E card has no PIN) is one that depends on the credential. */
static void
test_classes_match_the_doc(void **state)
{
	FILE *f = open_source("doc/architecture.md");
	unsigned any[SK_METHOD_SLOTS] = { 0 }, every[SK_METHOD_SLOTS], rows[SK_METHOD_SLOTS] = { 0 };
	char line[2048];
	int in_table = 0;

	(void)state;
	memset(every, 0xff, sizeof(every));
	while (fgets(line, sizeof(line), f) != NULL) {
		char method[64], *cells[4], *save = NULL;
		size_t n = 0;
		unsigned m, c;

		if (strncmp(line, "## Factors", 10) == 0) {
			in_table = 1;
			continue;
		}
		if (!in_table)
			continue;
		if (line[0] != '|') {
			if (rows[SK_METHOD_PASSWORD] > 0)
				break;   /* the end of the table */
			continue;
		}
		for (char *t = strtok_r(line, "|", &save); t != NULL && n < 4;
		     t = strtok_r(NULL, "|", &save))
			cells[n++] = t;
		if (n < 3 || sscanf(cells[0], " %63[a-z0-9]", method) != 1 ||
		    sk_method_parse(method, &m) != SK_OK) {
			/* The header, the rule, and "stack", which no profile names. */
			if (n >= 3 && sscanf(cells[0], " %63[a-z0-9]", method) == 1 &&
			    strcmp(method, "stack") == 0) {
				m = SK_METHOD_STACK;
			} else {
				continue;
			}
		}
		c = classes_in(cells[1]);
		any[m] |= c;
		every[m] &= c;
		rows[m]++;
	}
	fclose(f);
	for (size_t i = 0; i < n_methods; i++) {
		unsigned m = methods[i].value;
		const struct factor_ops *row = factor_find(m);

		if (rows[m] == 0)
			fail_msg("doc/architecture.md has no row for %s", methods[i].name);
		if (any[m] != sk_method_classes(m))
			fail_msg("%s: the doc says classes %#x, the table %#x", methods[i].name, any[m],
			         sk_method_classes(m));
		assert_non_null(row);
		if ((any[m] & ~every[m] & ~row->credential_classes) != 0)
			fail_msg("%s: classes %#x hold only for some credentials (doc) but the broker's "
			         "row does not say so", methods[i].name, any[m] & ~every[m]);
	}
}

/* Each factor's configuration keys are read by the one parser through its row, with the
 * row's defaults, and merged by the row's rule (the stricter wins, R-PRIV-5). */
static void
test_factor_keys_parse_default_and_merge(void **state)
{
	static const char text[] =
		"[broker]\n"
		"default_profile = line\n"
		"[fido2]\n"
		"rp_id = factor.test.invalid\n"
		"timeout = 45\n"
		"[card]\n"
		"trust_anchors = /tmp/anchors.pem\n"
		"[profile line]\n"
		"methods = password, totp, fido2, card\n"
		"fido2_uv = discouraged\n"
		"fido2_up = no\n"
		"totp_window = 3\n"
		"[profile user]\n"
		"methods = password, totp, fido2, card\n"
		"fido2_uv = required\n"
		"totp_window = 2\n"
		"card_removal = end\n";
	char dir[512], path[600], err[512];
	struct sk_conf *conf = calloc(1, sizeof(*conf));
	struct sk_profile merged;

	(void)state;
	assert_non_null(conf);
	sk_test_mkdtemp(dir, sizeof(dir));
	sk_test_write_file(dir, "sekimori.conf", text, path, sizeof(path));
	if (sk_conf_load(path, conf, err, sizeof(err)) != SK_OK)
		fail_msg("%s", err);
	assert_string_equal(conf->fido2.rp_id, "factor.test.invalid");
	assert_int_equal(conf->fido2.timeout, 45);
	assert_int_equal(conf->card.timeout, 30);          /* the row's default */
	assert_string_equal(conf->card.trust_anchors, "/tmp/anchors.pem");
	sk_profile_merge(sk_conf_profile(conf, "line"), sk_conf_profile(conf, "user"), &merged);
	assert_int_equal(merged.fido2_uv, 2);              /* MAX */
	assert_int_equal(merged.fido2_up, 1);              /* OR: the user's default asks */
	assert_int_equal(merged.totp_window, 2);           /* MIN */
	assert_int_equal(merged.card_removal, SK_CARD_REMOVAL_END);
	assert_int_equal(sk_conf_profile(conf, "line")->card_removal, SK_CARD_REMOVAL_LOCK);
	/* A key of one factor's section is unknown in another's. */
	sk_test_write_file(dir, "bad.conf", "[card]\nrp_id = x\n", path, sizeof(path));
	assert_int_equal(sk_conf_load(path, conf, err, sizeof(err)), SK_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key 'rp_id' in [card]"));
	sk_test_rmtree(dir);
	free(conf);
}

/* Every key a factor's row reads is documented in sekimori.conf(5). */
static void
test_factor_keys_are_documented(void **state)
{
	FILE *f = open_source("doc/man/sekimori.conf.5");
	static char man[1 << 17];
	size_t n = fread(man, 1, sizeof(man) - 1, f);

	(void)state;
	fclose(f);
	man[n] = '\0';
	for (size_t i = 0; i < sk_factor_count; i++) {
		const struct sk_conf_key *lists[2] = { sk_factors[i].section_keys,
		                                       sk_factors[i].profile_keys };

		for (size_t l = 0; l < 2; l++)
			for (const struct sk_conf_key *k = lists[l]; k != NULL && k->name != NULL; k++) {
				char want[96];

				snprintf(want, sizeof(want), "%s = ", k->name);
				if (strstr(man, want) == NULL)
					fail_msg("%s key '%s' is not in sekimori.conf(5)", sk_factors[i].name,
					         k->name);
			}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_method_has_one_row_each_side),
		cmocka_unit_test(test_rows_are_complete),
		cmocka_unit_test(test_classes_match_the_doc),
		cmocka_unit_test(test_factor_keys_parse_default_and_merge),
		cmocka_unit_test(test_factor_keys_are_documented),
	};

	return cmocka_run_group_tests(tests, read_enum, NULL);
}
