/* Users in the store: one row per ID with its password, tally and login history. */
#ifndef BROKER_STORE_USER_H
#define BROKER_STORE_USER_H
#include <sqlite3.h>
#include <stdint.h>

#include "password.h"
#include "sk_proto.h"
#include "tally.h"

struct user_rec {
	int64_t id;
	char name[SK_USER_MAX];
	char profile[SK_NAME_MAX];
	int64_t created;
	int disabled;
	char pw_hash[PASSWORD_HASH_MAX];
	int64_t pw_changed;
	int pw_temporary;
	struct tally tally;
	int64_t last_login;
	char last_login_from[SK_HOST_MAX];
	int64_t prev_login;
	char prev_login_from[SK_HOST_MAX];
	int64_t failures_since_login;
	int64_t prev_failures;
	int64_t last_fail;
	char last_fail_from[SK_HOST_MAX];
	int64_t last_logout;
};

/* SK_ERR_NOTFOUND when there is no such user. Loads the pending attempts with the tally. */
int store_user_get(sqlite3 *db, const char *name, struct user_rec *out);
int store_user_insert(sqlite3 *db, struct user_rec *u);
/* Writes the tally (with its pending attempts) and the login history fields. */
int store_user_save_auth(sqlite3 *db, const struct user_rec *u);
/* Replaces the password; the old hash goes to the history, which keeps `keep` entries. */
int store_user_set_password(sqlite3 *db, struct user_rec *u, const char *hash, int temporary,
                            int64_t now, unsigned keep);
/* Calls fn for each of the last `limit` history hashes; fn returns non-zero to stop. */
int store_user_history(sqlite3 *db, int64_t user_id, unsigned limit,
                       int (*fn)(void *, const char *), void *arg);
int store_user_set_disabled(sqlite3 *db, int64_t user_id, int disabled);
int store_user_set_logout(sqlite3 *db, int64_t user_id, int64_t when);

#endif
