/* The generic half of the store (store.h): the writer serialisation, the transaction hooks,
 * the user lock's bookkeeping, and one forwarding function per typed operation into the
 * backend's table (store_backend.h). No SQL here. */
#include "store_backend.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

/* The audit writer's view of write transactions (audit/audit_event.c): which records a
 * transaction appended, and what becomes of them. Set once at start, before any client. */
static void (*hook_committed)(int durable);
static void (*hook_rolled_back)(struct sk_store_txn *t);
static int (*hook_precommit)(struct sk_store_txn *t);

void
store_base_init(struct sk_store *s, const struct sk_store_ops *ops)
{
	s->ops = ops;
	pthread_mutex_init(&s->writer, NULL);
}

void
store_base_destroy(struct sk_store *s)
{
	pthread_mutex_destroy(&s->writer);
}

void
store_txn_base_init(struct sk_store_txn *t, struct sk_store *s)
{
	memset(t, 0, sizeof(*t));
	t->store = s;
}

void
store_close(struct sk_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

int
store_set_instance(struct sk_store *s, const char *name)
{
	return s->ops->set_instance != NULL ? s->ops->set_instance(s, name) : SK_OK;
}

int
store_acquire(struct sk_store *s, struct sk_store_txn **out)
{
	*out = NULL;
	return s->ops->acquire(s, out);
}

void
store_release(struct sk_store_txn *t)
{
	if (t == NULL)
		return;
	store_rollback(t);   /* never hand on an open transaction */
	if (t->user_locked)
		store_user_unlock(t);
	t->store->ops->release(t);
}

static void
writer_release(struct sk_store_txn *t)
{
	if (t->writer_held) {
		t->writer_held = 0;
		pthread_mutex_unlock(&t->store->writer);
	}
}

/* The user lock a store_begin_user took ends with its transaction. */
static void
txn_ended(struct sk_store_txn *t)
{
	t->in_txn = 0;
	if (t->lock_ends_with_txn) {
		t->lock_ends_with_txn = 0;
		store_user_unlock(t);
	}
}

/* Commits after a store_begin_nondurable transaction are durable again. */
static void
durable_again(struct sk_store_txn *t)
{
	if (!t->nondurable)
		return;
	t->nondurable = 0;
	if (t->store->ops->set_durable != NULL && t->store->ops->set_durable(t, 1) != SK_OK)
		sk_logerr("store: commits could not be made durable again");
}

int
store_begin_nondurable(struct sk_store_txn *t)
{
	int r;

	if (t->in_txn)
		return store_begin(t);
	/* A backend whose commit syncs by itself is told not to (set_durable); on one without
	 * (SQLite, whose commits the group commit syncs) the mark alone keeps the reply from
	 * waiting for a sync of this commit (store_set_txn_hooks). */
	if (t->store->ops->set_durable != NULL && (r = t->store->ops->set_durable(t, 0)) != SK_OK)
		return r;
	t->nondurable = 1;
	if ((r = store_begin(t)) != SK_OK)
		durable_again(t);
	return r;
}

int
store_begin(struct sk_store_txn *t)
{
	int r;

	if (t->in_txn) {
		sk_logerr("nested write transaction");
		return SK_ERR_INTERNAL;
	}
	if (t->in_hook) {
		/* The rolled_back hook's own transaction: already inside the serialisation. */
		if ((r = t->store->ops->begin(t)) == SK_OK)
			t->in_txn = 1;
		return r;
	}
	pthread_mutex_lock(&t->store->writer);
	t->writer_held = 1;
	if ((r = t->store->ops->begin(t)) != SK_OK) {
		writer_release(t);
		return r;
	}
	t->in_txn = 1;
	return SK_OK;
}

int
store_commit(struct sk_store_txn *t)
{
	int r, durable;

	if (!t->in_txn) {
		sk_logerr("commit without a transaction");
		return SK_ERR_INTERNAL;
	}
	if (hook_precommit != NULL && (r = hook_precommit(t)) != SK_OK)
		return r;   /* the caller rolls back, which ends the transaction */
	if ((r = t->store->ops->commit(t)) != SK_OK)
		return r;   /* the caller rolls back, which ends the transaction */
	durable = !t->nondurable;
	durable_again(t);
	if (t->in_hook) {
		t->in_txn = 0;
		return SK_OK;
	}
	if (hook_committed != NULL)
		hook_committed(durable);
	writer_release(t);
	txn_ended(t);
	return SK_OK;
}

void
store_rollback(struct sk_store_txn *t)
{
	if (!t->in_txn && !t->writer_held)
		return;
	t->store->ops->rollback(t);
	t->in_txn = 0;
	durable_again(t);   /* before the hook's own transaction */
	if (t->in_hook)
		return;
	/* Still holding the writer lock, so that no later record commits before the hook has
	 * said which records of this transaction did not take effect. */
	if (hook_rolled_back != NULL && t->writer_held) {
		t->in_hook = 1;
		hook_rolled_back(t);
		if (t->in_txn) {   /* the hook left its transaction open */
			t->store->ops->rollback(t);
			t->in_txn = 0;
		}
		t->in_hook = 0;
	}
	writer_release(t);
	txn_ended(t);
}

int
store_in_txn(const struct sk_store_txn *t)
{
	return t != NULL && t->in_txn;
}

int
store_user_lock(struct sk_store_txn *t, const char *user)
{
	int r;

	if (user == NULL || strlen(user) >= sizeof(t->user)) {
		sk_logerr("user lock: name missing or too long");
		return SK_ERR_INTERNAL;
	}
	if (t->user_locked) {
		sk_logerr("user lock: %s while holding %s", user, t->user);
		return SK_ERR_INTERNAL;
	}
	if (t->in_txn) {
		/* The user lock comes before the writer lock, never inside it: no deadlock. */
		sk_logerr("user lock inside a transaction");
		return SK_ERR_INTERNAL;
	}
	/* Named before the backend publishes the lock, so others read a settled name. */
	snprintf(t->user, sizeof(t->user), "%s", user);
	if ((r = t->store->ops->user_lock(t, user)) != SK_OK) {
		t->user[0] = '\0';
		return r;
	}
	t->user_locked = 1;
	return SK_OK;
}

void
store_user_unlock(struct sk_store_txn *t)
{
	if (!t->user_locked)
		return;
	if (t->in_txn) {
		sk_logerr("user unlock inside a transaction: rolling it back");
		t->lock_ends_with_txn = 0;
		store_rollback(t);
	}
	t->store->ops->user_unlock(t, t->user);
	t->user_locked = 0;
	t->lock_ends_with_txn = 0;
	t->user[0] = '\0';
}

int
store_begin_user(struct sk_store_txn *t, const char *user)
{
	int own = 0, r;

	if (t->user_locked && strcmp(t->user, user) != 0) {
		sk_logerr("user transaction for %s while holding %s", user, t->user);
		return SK_ERR_INTERNAL;
	}
	if (!t->user_locked) {
		if ((r = store_user_lock(t, user)) != SK_OK)
			return r;
		own = 1;
	}
	if ((r = store_begin(t)) != SK_OK) {
		if (own)
			store_user_unlock(t);
		return r;
	}
	t->lock_ends_with_txn = own;
	return SK_OK;
}

void
store_set_txn_hooks(void (*committed)(int durable), void (*rolled_back)(struct sk_store_txn *t))
{
	hook_committed = committed;
	hook_rolled_back = rolled_back;
}

void
store_set_precommit_hook(int (*precommit)(struct sk_store_txn *t))
{
	hook_precommit = precommit;
}

/* Writes run inside a transaction, so they queue behind the writer serialisation and commit
 * together with their audit record (R-LOG-1). */
int
store_writing(const struct sk_store_txn *t, const char *what)
{
	if (t->in_txn)
		return SK_OK;
	sk_logerr("store: %s outside a write transaction", what);
	return SK_ERR_INTERNAL;
}

#define OPS(t) ((t)->store->ops)
#define WRITE(t, op, ...) \
	(store_writing((t), #op) != SK_OK ? SK_ERR_INTERNAL : OPS(t)->op((t), __VA_ARGS__))

int
store_audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present)
{
	return OPS(t)->audit_seq_get(t, seq, present);
}

int
store_audit_seq_set(struct sk_store_txn *t, uint64_t seq)
{
	return WRITE(t, audit_seq_set, seq);
}

int
store_audit_tail_add(struct sk_store_txn *t, uint64_t seq, const char *line)
{
	return WRITE(t, audit_tail_add, seq, line);
}

int
store_audit_tail_prune(struct sk_store_txn *t, uint64_t seq)
{
	return WRITE(t, audit_tail_prune, seq);
}

int
store_audit_tail_after(struct sk_store_txn *t, uint64_t seq,
                       int (*fn)(void *, uint64_t, const char *), void *arg)
{
	return OPS(t)->audit_tail_after(t, seq, fn, arg);
}

int
store_durable_sync(struct sk_store *s)
{
	return s->ops->durable_sync != NULL ? s->ops->durable_sync(s) : SK_OK;
}

int
store_durable_sync_needed(const struct sk_store *s)
{
	return s->ops->durable_sync != NULL;
}

int
store_user_get(struct sk_store_txn *t, const char *name, struct user_rec *out)
{
	return OPS(t)->user_get(t, name, out);
}

int
store_user_insert(struct sk_store_txn *t, struct user_rec *u)
{
	return WRITE(t, user_insert, u);
}

int
store_user_save_auth(struct sk_store_txn *t, const struct user_rec *u)
{
	return WRITE(t, user_save_auth, u);
}

int
store_user_set_password(struct sk_store_txn *t, struct user_rec *u, const char *hash,
                        int temporary, int64_t now, unsigned keep)
{
	return WRITE(t, user_set_password, u, hash, temporary, now, keep);
}

int
store_user_history(struct sk_store_txn *t, int64_t user_id, unsigned limit,
                   int (*fn)(void *, const char *), void *arg)
{
	return OPS(t)->user_history(t, user_id, limit, fn, arg);
}

int
store_user_set_disabled(struct sk_store_txn *t, int64_t user_id, int disabled)
{
	return WRITE(t, user_set_disabled, user_id, disabled);
}

int
store_user_set_logout(struct sk_store_txn *t, int64_t user_id, int64_t when)
{
	return WRITE(t, user_set_logout, user_id, when);
}

int
store_user_list(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *),
                void *arg)
{
	return OPS(t)->user_list(t, fn, arg);
}

int
store_totp_list(struct sk_store_txn *t, int64_t user_id, int confirmed_only,
                struct totp_rec *out, size_t cap, size_t *n)
{
	return OPS(t)->totp_list(t, user_id, confirmed_only, out, cap, n);
}

int
store_totp_get(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out)
{
	return OPS(t)->totp_get(t, user_id, id, out);
}

int
store_totp_insert(struct sk_store_txn *t, struct totp_rec *rec)
{
	return WRITE(t, totp_insert, rec);
}

int
store_totp_set_last_step(struct sk_store_txn *t, int64_t id, int64_t step)
{
	return WRITE(t, totp_set_last_step, id, step);
}

int
store_totp_confirm(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step)
{
	return WRITE(t, totp_confirm, user_id, id, step);
}

int
store_totp_delete_unconfirmed(struct sk_store_txn *t, int64_t user_id)
{
	return WRITE(t, totp_delete_unconfirmed, user_id);
}

int
store_totp_delete_all(struct sk_store_txn *t, int64_t user_id)
{
	return WRITE(t, totp_delete_all, user_id);
}

int
store_fido2_list(struct sk_store_txn *t, int64_t user_id, int usable_only,
                 struct fido2_rec *out, size_t cap, size_t *n)
{
	return OPS(t)->fido2_list(t, user_id, usable_only, out, cap, n);
}

int
store_fido2_insert(struct sk_store_txn *t, const struct fido2_rec *f,
                   const unsigned char *attstmt, size_t attstmt_len, int64_t *id)
{
	return WRITE(t, fido2_insert, f, attstmt, attstmt_len, id);
}

int
store_fido2_used(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now)
{
	return WRITE(t, fido2_used, id, sign_count, now);
}

int
store_fido2_flag_clone(struct sk_store_txn *t, int64_t id)
{
	return WRITE(t, fido2_flag_clone, id);
}

int
store_fido2_delete(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	return WRITE(t, fido2_delete, user_id, id);
}

int
store_card_list(struct sk_store_txn *t, int64_t user_id, int active_only,
                struct card_rec *out, size_t cap, size_t *n)
{
	return OPS(t)->card_list(t, user_id, active_only, out, cap, n);
}

int
store_card_by_spki(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out)
{
	return OPS(t)->card_by_spki(t, spki_sha256, out);
}

int
store_card_other_owner(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
                       const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other)
{
	return OPS(t)->card_other_owner(t, user_id, card_uid, spki, n_spki, other);
}

int
store_card_add_keys(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
                    const char (*spki)[CARD_SPKI_HEX], size_t n_spki)
{
	return WRITE(t, card_add_keys, card_id, user_id, spki, n_spki);
}

int
store_card_user_name(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap)
{
	return OPS(t)->card_user_name(t, user_id, name, cap);
}

int
store_card_insert(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert,
                  size_t len)
{
	return WRITE(t, card_insert, c, cert, len);
}

int
store_card_revoke(struct sk_store_txn *t, int64_t id, const char *reason, int64_t replaced_by,
                  int64_t now)
{
	return WRITE(t, card_revoke, id, reason, replaced_by, now);
}

int
store_card_dispose(struct sk_store_txn *t, int64_t id, int collected, int destroyed,
                   const char *note, int64_t now)
{
	return WRITE(t, card_dispose, id, collected, destroyed, note, now);
}

int
store_session_open(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id)
{
	return WRITE(t, session_open, s, id);
}

int
store_session_close(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when)
{
	return WRITE(t, session_close, user_id, id, when);
}

int
store_session_is_open(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	return OPS(t)->session_is_open(t, user_id, id);
}

int
store_hr_file_known(struct sk_store_txn *t, const char *sha256, int *known)
{
	return OPS(t)->hr_file_known(t, sha256, known);
}

int
store_hr_file_add(struct sk_store_txn *t, const char *sha256, int64_t records, int64_t now)
{
	return WRITE(t, hr_file_add, sha256, records, now);
}

int
store_hr_stage_add(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	return WRITE(t, hr_stage_add, e);
}

int
store_hr_stage_clear(struct sk_store_txn *t, const char *sha256)
{
	return WRITE(t, hr_stage_clear, sha256);
}

int
store_hr_stage_count(struct sk_store_txn *t, const char *sha256, int64_t *n)
{
	return OPS(t)->hr_stage_count(t, sha256, n);
}

int
store_hr_stage_next(struct sk_store_txn *t, const char *sha256, const char *after_date,
                    int64_t after_line, struct hr_event_rec *out, size_t cap, size_t *n)
{
	int r;

	*n = 0;
	if (cap == 0 || cap > INT32_MAX)
		return SK_ERR_RANGE;
	r = OPS(t)->hr_stage_next(t, sha256, after_date, after_line, out, cap, n);
	return r == SK_OK && *n == 0 ? SK_ERR_NOTFOUND : r;
}

int
store_hr_bulk_cache(struct sk_store_txn *t, int on)
{
	return OPS(t)->hr_bulk_cache == NULL ? SK_OK : OPS(t)->hr_bulk_cache(t, on);
}

int
store_hr_stage_orphan(struct sk_store_txn *t, const char *sha256, struct hr_event_rec *out)
{
	return OPS(t)->hr_stage_orphan(t, sha256, out);
}

int
store_hr_event_known(struct sk_store_txn *t, const char *event_id, int *known)
{
	return OPS(t)->hr_event_known(t, event_id, known);
}

int
store_hr_event_insert(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	return WRITE(t, hr_event_insert, e);
}

int
store_hr_event_set_applied(struct sk_store_txn *t, const char *event_id, int64_t now)
{
	return WRITE(t, hr_event_set_applied, event_id, now);
}

int
store_hr_event_next_due(struct sk_store_txn *t, const char *today, struct hr_event_rec *out)
{
	return OPS(t)->hr_event_next_due(t, today, out);
}

int
store_hr_event_pending(struct sk_store_txn *t, int (*fn)(void *, const struct hr_event_rec *),
                       void *arg)
{
	return OPS(t)->hr_event_pending(t, fn, arg);
}

int
store_user_hr_by_staff(struct sk_store_txn *t, const char *staff_no, struct user_hr *out)
{
	return OPS(t)->user_hr_by_staff(t, staff_no, out);
}

int
store_user_hr_get(struct sk_store_txn *t, int64_t user_id, struct user_hr *out)
{
	return OPS(t)->user_hr_get(t, user_id, out);
}

int
store_user_hr_set(struct sk_store_txn *t, const struct user_hr *h)
{
	return WRITE(t, user_hr_set, h);
}

int
store_report_unlinked_users(struct sk_store_txn *t,
                            int (*fn)(void *, const struct report_user *), void *arg)
{
	return OPS(t)->report_unlinked_users(t, fn, arg);
}

int
store_report_unlinked_staff(struct sk_store_txn *t,
                            int (*fn)(void *, const struct hr_event_rec *), void *arg)
{
	return OPS(t)->report_unlinked_staff(t, fn, arg);
}

int
store_report_dormant(struct sk_store_txn *t, int64_t before, const char *profile,
                     int enabled_only, int (*fn)(void *, const struct report_user *), void *arg)
{
	return OPS(t)->report_dormant(t, before, profile, enabled_only, fn, arg);
}

int
store_user_dormant_reset(struct sk_store_txn *t, int64_t user_id, int64_t now)
{
	return WRITE(t, user_dormant_reset, user_id, now);
}

const char *
removal_state_name(enum removal_state s)
{
	switch (s) {
	case REMOVAL_OPEN:
		return "open";
	case REMOVAL_CONFIRMED:
		return "confirmed";
	case REMOVAL_REFUSED:
		return "refused";
	}
	return "unknown";
}

const char *
removal_kind_name(enum sk_removal_kind k)
{
	switch (k) {
	case SK_REMOVAL_TOTP:
		return "totp";
	case SK_REMOVAL_FIDO2:
		return "fido2";
	case SK_REMOVAL_CARD:
		return "card";
	case SK_REMOVAL_ROLE:
		return "role";
	}
	return "unknown";
}

int
store_certification_insert(struct sk_store_txn *t, struct certification_rec *v)
{
	return WRITE(t, certification_insert, v);
}

int
store_certification_list(struct sk_store_txn *t,
                         int (*fn)(void *, const struct certification_rec *), void *arg)
{
	return OPS(t)->certification_list(t, fn, arg);
}

int
store_removal_insert(struct sk_store_txn *t, struct removal_rec *v)
{
	return WRITE(t, removal_insert, v);
}

int
store_removal_get(struct sk_store_txn *t, int64_t id, struct removal_rec *out)
{
	return OPS(t)->removal_get(t, id, out);
}

int
store_removal_open_exists(struct sk_store_txn *t, const char *requester,
                          enum sk_removal_kind kind, const char *target, int *yes)
{
	return OPS(t)->removal_open_exists(t, requester, kind, target, yes);
}

int
store_removal_decide(struct sk_store_txn *t, int64_t id, enum removal_state to, const char *by,
                     int64_t at, const char *comment)
{
	return WRITE(t, removal_decide, id, to, by, at, comment);
}

int
store_removal_list(struct sk_store_txn *t, int open_only,
                   int (*fn)(void *, const struct removal_rec *), void *arg)
{
	return OPS(t)->removal_list(t, open_only, fn, arg);
}

int
store_fido2_out_add(struct sk_store_txn *t, const char *user, int64_t cred_id,
                    const char *aaguid, const char *subject, int64_t now)
{
	return WRITE(t, fido2_out_add, user, cred_id, aaguid, subject, now);
}

int
store_fido2_out_dispose(struct sk_store_txn *t, int64_t id, const char *user,
                        const char *disposition, const char *note, const char *by, int64_t now)
{
	return WRITE(t, fido2_out_dispose, id, user, disposition, note, by, now);
}

int
store_outstanding_list(struct sk_store_txn *t, const char *user,
                       int (*fn)(void *, const struct outstanding_rec *), void *arg)
{
	return OPS(t)->outstanding_list(t, user, fn, arg);
}
