/* Which owners of a key file root accepts (common/sk_keyfile.c): its own, or the owner of
 * the key's folder when nobody else may write there (the keys of a broker running as its
 * own user, read by root's `sekimori audit verify`). R-CRED-2. Needs root (chown); skipped
 * otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sk_aead.h"
#include "sk_err.h"
#include "sk_test_helpers.h"

#define OWNER 65534   /* nobody */
#define OTHER 1       /* daemon */

struct case_ {
	uid_t dir_uid;
	mode_t dir_mode;
	uid_t key_uid;
	int want;
};

static void
test_r_cred_2_root_reads_keys_of_the_folder_owner(void **state)
{
	static const struct case_ cases[] = {
		{ 0, 0700, 0, SK_OK },                  /* root's own, as before */
		{ OWNER, 0700, OWNER, SK_OK },          /* the service user's key in its folder */
		{ OWNER, 0750, OWNER, SK_OK },          /* readable by the group: still only it writes */
		{ OWNER, 0770, OWNER, SK_ERR_DENIED },  /* the group could have put it there */
		{ OWNER, 0702, OWNER, SK_ERR_DENIED },  /* anyone could have */
		{ 0, 0700, OWNER, SK_ERR_DENIED },      /* not the folder's owner */
		{ OWNER, 0700, OTHER, SK_ERR_DENIED },  /* a third user's key in its folder */
	};
	char dir[512], keys[700], path[800];
	unsigned char key[32], again[32];
	(void)state;

	if (geteuid() != 0)
		skip();
	sk_test_mkdtemp(dir, sizeof(dir));
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(path, sizeof(path), "%s/audit.key", keys);
	assert_int_equal(mkdir(keys, 0700), 0);
	assert_int_equal(sk_keyfile_load(path, key, sizeof(key), 1), SK_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(chown(keys, cases[i].dir_uid, 0), 0);
		assert_int_equal(chmod(keys, cases[i].dir_mode), 0);
		assert_int_equal(chown(path, cases[i].key_uid, 0), 0);
		memset(again, 0, sizeof(again));
		if (sk_keyfile_load(path, again, sizeof(again), 0) != cases[i].want)
			fail_msg("case %zu: folder %u %04o, key %u: not %d", i, (unsigned)cases[i].dir_uid,
			         (unsigned)cases[i].dir_mode, (unsigned)cases[i].key_uid, cases[i].want);
		if (cases[i].want == SK_OK)
			assert_memory_equal(again, key, sizeof(key));
	}
	sk_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_cred_2_root_reads_keys_of_the_folder_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
