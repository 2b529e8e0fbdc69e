/* What a store backend implements (broker/store/<backend>/): a table of operations, one per
 * typed operation of store.h plus the connection and transaction primitives. Only backends
 * and store.c include this header.
 *
 * The generic layer (store.c) owns what every backend shares: the writer serialisation, the
 * transaction hooks, the bookkeeping of the user lock, and the rule that writes run inside a
 * transaction. A backend's begin/commit/rollback only issue its own statements; its
 * user_lock/user_unlock implement "this user's row, locked" its own way (store.h). */
#ifndef BROKER_STORE_BACKEND_H
#define BROKER_STORE_BACKEND_H
#include <pthread.h>

#include "sk_proto.h"
#include "store.h"

struct sk_store_ops {
	const char *name;
	void (*close)(struct sk_store *s);
	int (*acquire)(struct sk_store *s, struct sk_store_txn **out);
	/* Called with no transaction open and no user lock held. */
	void (*release)(struct sk_store_txn *t);
	int (*begin)(struct sk_store_txn *t);        /* t->user_locked says for whom */
	int (*commit)(struct sk_store_txn *t);
	void (*rollback)(struct sk_store_txn *t);    /* also when nothing is open */
	int (*user_lock)(struct sk_store_txn *t, const char *user);
	void (*user_unlock)(struct sk_store_txn *t, const char *user);
	/* Optional (NULL: the backend has one broker per store and ignores the name). */
	int (*set_instance)(struct sk_store *s, const char *name);
	/* Optional (NULL: every commit is durable). With no transaction open: durable 0 lets
	 * the next commits skip their sync (never corrupting the store; a power loss may undo
	 * them), 1 makes commits durable again. */
	int (*set_durable)(struct sk_store_txn *t, int durable);

	int (*audit_seq_get)(struct sk_store_txn *t, uint64_t *seq, int *present);
	int (*audit_seq_set)(struct sk_store_txn *t, uint64_t seq);
	int (*audit_tail_add)(struct sk_store_txn *t, uint64_t seq, const char *line);
	int (*audit_tail_prune)(struct sk_store_txn *t, uint64_t seq);
	int (*audit_tail_after)(struct sk_store_txn *t, uint64_t seq,
	                        int (*fn)(void *, uint64_t, const char *), void *arg);
	/* Optional (NULL: the backend's commit is durable by itself). */
	int (*durable_sync)(struct sk_store *s);

	int (*user_get)(struct sk_store_txn *t, const char *name, struct user_rec *out);
	int (*user_insert)(struct sk_store_txn *t, struct user_rec *u);
	int (*user_save_auth)(struct sk_store_txn *t, const struct user_rec *u);
	int (*user_set_password)(struct sk_store_txn *t, struct user_rec *u, const char *hash,
	                         int temporary, int64_t now, unsigned keep);
	int (*user_history)(struct sk_store_txn *t, int64_t user_id, unsigned limit,
	                    int (*fn)(void *, const char *), void *arg);
	int (*user_set_disabled)(struct sk_store_txn *t, int64_t user_id, int disabled);
	int (*user_set_logout)(struct sk_store_txn *t, int64_t user_id, int64_t when);
	int (*user_list)(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *),
	                 void *arg);

	int (*totp_list)(struct sk_store_txn *t, int64_t user_id, int confirmed_only,
	                 struct totp_rec *out, size_t cap, size_t *n);
	int (*totp_get)(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out);
	int (*totp_insert)(struct sk_store_txn *t, struct totp_rec *rec);
	int (*totp_set_last_step)(struct sk_store_txn *t, int64_t id, int64_t step);
	int (*totp_confirm)(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step);
	int (*totp_delete_unconfirmed)(struct sk_store_txn *t, int64_t user_id);
	int (*totp_delete_all)(struct sk_store_txn *t, int64_t user_id);

	int (*fido2_list)(struct sk_store_txn *t, int64_t user_id, int usable_only,
	                  struct fido2_rec *out, size_t cap, size_t *n);
	int (*fido2_insert)(struct sk_store_txn *t, const struct fido2_rec *f,
	                    const unsigned char *attstmt, size_t attstmt_len, int64_t *id);
	int (*fido2_used)(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now);
	int (*fido2_flag_clone)(struct sk_store_txn *t, int64_t id);
	int (*fido2_delete)(struct sk_store_txn *t, int64_t user_id, int64_t id);

	int (*card_list)(struct sk_store_txn *t, int64_t user_id, int active_only,
	                 struct card_rec *out, size_t cap, size_t *n);
	int (*card_by_spki)(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out);
	int (*card_other_owner)(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
	                        const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other);
	int (*card_add_keys)(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
	                     const char (*spki)[CARD_SPKI_HEX], size_t n_spki);
	int (*card_user_name)(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap);
	int (*card_insert)(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert,
	                   size_t len);
	int (*card_revoke)(struct sk_store_txn *t, int64_t id, const char *reason,
	                   int64_t replaced_by, int64_t now);
	int (*card_dispose)(struct sk_store_txn *t, int64_t id, int collected, int destroyed,
	                    const char *note, int64_t now);

	int (*session_open)(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id);
	int (*session_close)(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when);
	int (*session_is_open)(struct sk_store_txn *t, int64_t user_id, int64_t id);

	int (*hr_file_known)(struct sk_store_txn *t, const char *sha256, int *known);
	int (*hr_file_add)(struct sk_store_txn *t, const char *sha256, int64_t records, int64_t now);
	int (*hr_stage_add)(struct sk_store_txn *t, const struct hr_event_rec *e);
	int (*hr_stage_clear)(struct sk_store_txn *t, const char *sha256);
	int (*hr_stage_count)(struct sk_store_txn *t, const char *sha256, int64_t *n);
	int (*hr_stage_next)(struct sk_store_txn *t, const char *sha256, const char *after_date,
	                     int64_t after_line, struct hr_event_rec *out, size_t cap, size_t *n);
	int (*hr_stage_orphan)(struct sk_store_txn *t, const char *sha256, struct hr_event_rec *out);
	int (*hr_bulk_cache)(struct sk_store_txn *t, int on);   /* NULL: nothing to do */
	int (*hr_event_known)(struct sk_store_txn *t, const char *event_id, int *known);
	int (*hr_event_insert)(struct sk_store_txn *t, const struct hr_event_rec *e);
	int (*hr_event_set_applied)(struct sk_store_txn *t, const char *event_id, int64_t now);
	int (*hr_event_next_due)(struct sk_store_txn *t, const char *today, struct hr_event_rec *out);
	int (*hr_event_pending)(struct sk_store_txn *t,
	                        int (*fn)(void *, const struct hr_event_rec *), void *arg);
	int (*user_hr_by_staff)(struct sk_store_txn *t, const char *staff_no, struct user_hr *out);
	int (*user_hr_get)(struct sk_store_txn *t, int64_t user_id, struct user_hr *out);
	int (*user_hr_set)(struct sk_store_txn *t, const struct user_hr *h);

	int (*grant_insert)(struct sk_store_txn *t, struct grant_rec *g);
	int (*grant_get)(struct sk_store_txn *t, int64_t id, struct grant_rec *out);
	int (*grant_update)(struct sk_store_txn *t, const struct grant_rec *g, enum grant_state from);
	int (*grant_list)(struct sk_store_txn *t, int open_only,
	                  int (*fn)(void *, const struct grant_rec *), void *arg);
	int (*grant_active_for)(struct sk_store_txn *t, const char *user, const char *service,
	                        int64_t now, struct grant_rec *out);
	int (*grant_expire)(struct sk_store_txn *t, int64_t now, int64_t pending_before, size_t *n);
	int (*delegation_insert)(struct sk_store_txn *t, struct delegation_rec *d);
	int (*delegation_get)(struct sk_store_txn *t, int64_t id, struct delegation_rec *out);
	int (*delegation_decide)(struct sk_store_txn *t, int64_t id, enum delegation_state from,
	                         enum delegation_state to, const char *by, int64_t at);
	int (*delegation_list)(struct sk_store_txn *t,
	                       int (*fn)(void *, const struct delegation_rec *), void *arg);
	int (*delegation_holds)(struct sk_store_txn *t, const char *role, const char *user, int *yes);
	int (*review_insert)(struct sk_store_txn *t, struct review_rec *v);
	int (*review_get)(struct sk_store_txn *t, int64_t id, struct review_rec *out);
	int (*review_close)(struct sk_store_txn *t, int64_t id, const char *by, int64_t at,
	                    const char *comment);
	int (*review_list)(struct sk_store_txn *t, int open_only,
	                   int (*fn)(void *, const struct review_rec *), void *arg);
	int (*role_used)(struct sk_store_txn *t, const char *role, const char *user, int64_t at);
	int (*role_last_use)(struct sk_store_txn *t, const char *role, const char *user, int64_t *at);
	int (*user_contractor)(struct sk_store_txn *t, const char *user, int *yes);
	int (*user_set_contractor)(struct sk_store_txn *t, const char *user, int yes);
	int (*report_unlinked_users)(struct sk_store_txn *t,
	                             int (*fn)(void *, const struct report_user *), void *arg);
	int (*report_unlinked_staff)(struct sk_store_txn *t,
	                             int (*fn)(void *, const struct hr_event_rec *), void *arg);
	int (*report_dormant)(struct sk_store_txn *t, int64_t before, const char *profile,
	                      int enabled_only, int (*fn)(void *, const struct report_user *),
	                      void *arg);

	int (*certification_insert)(struct sk_store_txn *t, struct certification_rec *v);
	int (*certification_list)(struct sk_store_txn *t,
	                          int (*fn)(void *, const struct certification_rec *), void *arg);
	int (*removal_insert)(struct sk_store_txn *t, struct removal_rec *v);
	int (*removal_get)(struct sk_store_txn *t, int64_t id, struct removal_rec *out);
	int (*removal_open_exists)(struct sk_store_txn *t, const char *requester,
	                           enum sk_removal_kind kind, const char *target, int *yes);
	int (*removal_decide)(struct sk_store_txn *t, int64_t id, enum removal_state to,
	                      const char *by, int64_t at, const char *comment);
	int (*removal_list)(struct sk_store_txn *t, int open_only,
	                    int (*fn)(void *, const struct removal_rec *), void *arg);
	int (*user_dormant_reset)(struct sk_store_txn *t, int64_t user_id, int64_t now);

	int (*terminal_seen)(struct sk_store_txn *t, const char *fingerprint, const char *serial,
	                     const char *cn, int64_t now);
	int (*terminal_revoked)(struct sk_store_txn *t, const char *fingerprint,
	                        const char *serial, int *revoked);
	int (*terminal_revoke)(struct sk_store_txn *t, const char *key, int by_serial,
	                       const char *by, int64_t now, int64_t *n);
	int (*terminal_list)(struct sk_store_txn *t,
	                     int (*fn)(void *, const struct terminal_rec *), void *arg);
	int (*fido2_out_add)(struct sk_store_txn *t, const char *user, int64_t cred_id,
	                     const char *aaguid, const char *subject, int64_t now);
	int (*fido2_out_dispose)(struct sk_store_txn *t, int64_t id, const char *user,
	                         const char *disposition, const char *note, const char *by,
	                         int64_t now);
	int (*outstanding_list)(struct sk_store_txn *t, const char *user,
	                        int (*fn)(void *, const struct outstanding_rec *), void *arg);
};

/* A backend's store and txn start with these (the backend's own fields follow). */
struct sk_store {
	const struct sk_store_ops *ops;
	/* The writer serialisation: held from store_begin to the end of the transaction. */
	pthread_mutex_t writer;
};

struct sk_store_txn {
	struct sk_store *store;
	int in_txn;           /* a write transaction is open */
	int writer_held;
	int in_hook;          /* inside the rolled_back hook: no queueing, no hooks */
	int user_locked;
	int lock_ends_with_txn;   /* taken by store_begin_user: the transaction's end drops it */
	int nondurable;           /* opened by store_begin_nondurable: durable again at its end */
	char user[SK_USER_MAX];   /* the locked user, when user_locked */
};

/* For backends: sets up the shared part of a new store / txn. */
void store_base_init(struct sk_store *s, const struct sk_store_ops *ops);
void store_base_destroy(struct sk_store *s);
void store_txn_base_init(struct sk_store_txn *t, struct sk_store *s);

/* For the generic layer's files (store.c, store_grant.c): SK_OK inside a write transaction,
 * else logs "what outside a write transaction" and returns SK_ERR_INTERNAL. */
int store_writing(const struct sk_store_txn *t, const char *what);

/* The backends this build has. */
int store_sqlite_open(const char *path, struct sk_store **out);
int store_pg_open(const char *conninfo, struct sk_store **out);
int store_pg_audit_seqs_read(const char *conninfo,
                             int (*fn)(void *arg, const char *broker_id, uint64_t seq),
                             void *arg);

#endif
