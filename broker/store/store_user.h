/* Users in the store: one row per ID with its password, tally and login history. */
#ifndef BROKER_STORE_USER_H
#define BROKER_STORE_USER_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"
#include "sk_records.h"

struct sk_store_txn;

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
int store_user_get(struct sk_store_txn *t, const char *name, struct user_rec *out);
int store_user_insert(struct sk_store_txn *t, struct user_rec *u);
/* Writes the tally (with its pending attempts) and the login history fields. */
int store_user_save_auth(struct sk_store_txn *t, const struct user_rec *u);
/* Replaces the password; the old hash goes to the history, which keeps `keep` entries. */
int store_user_set_password(struct sk_store_txn *t, struct user_rec *u, const char *hash, int temporary,
                            int64_t now, unsigned keep);
/* Calls fn for each of the last `limit` history hashes; fn returns non-zero to stop. */
int store_user_history(struct sk_store_txn *t, int64_t user_id, unsigned limit,
                       int (*fn)(void *, const char *), void *arg);
int store_user_set_disabled(struct sk_store_txn *t, int64_t user_id, int disabled);
int store_user_set_logout(struct sk_store_txn *t, int64_t user_id, int64_t when);

/* One line of the user list (admin user list). */
struct user_summary {
	char name[SK_USER_MAX];
	char profile[SK_NAME_MAX];
	int locked;
	int pw_temporary;
	int64_t last_login;
};

/* Calls fn for every user, ordered by name; fn returns non-zero to stop. */
int store_user_list(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *),
                    void *arg);

#endif
