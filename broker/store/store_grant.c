/* The generic half of the privileged-access family (store_grant.h): forwarding into the
 * backend's table, writes only inside a transaction (store_writing). No SQL here. */
#include "store_backend.h"

#include "sk_err.h"

#define OPS(t) ((t)->store->ops)
#define WRITE(t, op, ...) \
	(store_writing((t), #op) != SK_OK ? SK_ERR_INTERNAL : OPS(t)->op((t), __VA_ARGS__))

const char *
grant_state_name(enum grant_state s)
{
	static const char *const names[] = { "pending", "approved", "active", "denied", "revoked",
	                                     "expired" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *
delegation_state_name(enum delegation_state s)
{
	static const char *const names[] = { "nominated", "approved", "denied", "revoked" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int
store_grant_insert(struct sk_store_txn *t, struct grant_rec *g)
{
	return WRITE(t, grant_insert, g);
}

int
store_grant_get(struct sk_store_txn *t, int64_t id, struct grant_rec *out)
{
	return OPS(t)->grant_get(t, id, out);
}

int
store_grant_update(struct sk_store_txn *t, const struct grant_rec *g, enum grant_state from)
{
	return WRITE(t, grant_update, g, from);
}

int
store_grant_list(struct sk_store_txn *t, int open_only,
                 int (*fn)(void *, const struct grant_rec *), void *arg)
{
	return OPS(t)->grant_list(t, open_only, fn, arg);
}

int
store_grant_active_for(struct sk_store_txn *t, const char *user, const char *service,
                       int64_t now, struct grant_rec *out)
{
	return OPS(t)->grant_active_for(t, user, service, now, out);
}

int
store_grant_expire(struct sk_store_txn *t, int64_t now, int64_t pending_before, size_t *n)
{
	return WRITE(t, grant_expire, now, pending_before, n);
}

int
store_delegation_insert(struct sk_store_txn *t, struct delegation_rec *d)
{
	return WRITE(t, delegation_insert, d);
}

int
store_delegation_get(struct sk_store_txn *t, int64_t id, struct delegation_rec *out)
{
	return OPS(t)->delegation_get(t, id, out);
}

int
store_delegation_decide(struct sk_store_txn *t, int64_t id, enum delegation_state from,
                        enum delegation_state to, const char *by, int64_t at)
{
	return WRITE(t, delegation_decide, id, from, to, by, at);
}

int
store_delegation_list(struct sk_store_txn *t, int (*fn)(void *, const struct delegation_rec *),
                      void *arg)
{
	return OPS(t)->delegation_list(t, fn, arg);
}

int
store_delegation_holds(struct sk_store_txn *t, const char *role, const char *user, int *yes)
{
	return OPS(t)->delegation_holds(t, role, user, yes);
}

int
store_review_insert(struct sk_store_txn *t, struct review_rec *v)
{
	return WRITE(t, review_insert, v);
}

int
store_review_get(struct sk_store_txn *t, int64_t id, struct review_rec *out)
{
	return OPS(t)->review_get(t, id, out);
}

int
store_review_close(struct sk_store_txn *t, int64_t id, const char *by, int64_t at,
                   const char *comment)
{
	return WRITE(t, review_close, id, by, at, comment);
}

int
store_review_list(struct sk_store_txn *t, int open_only,
                  int (*fn)(void *, const struct review_rec *), void *arg)
{
	return OPS(t)->review_list(t, open_only, fn, arg);
}

int
store_role_used(struct sk_store_txn *t, const char *role, const char *user, int64_t at)
{
	return WRITE(t, role_used, role, user, at);
}

int
store_role_last_use(struct sk_store_txn *t, const char *role, const char *user, int64_t *at)
{
	return OPS(t)->role_last_use(t, role, user, at);
}

int
store_user_contractor(struct sk_store_txn *t, const char *user, int *yes)
{
	return OPS(t)->user_contractor(t, user, yes);
}

int
store_user_set_contractor(struct sk_store_txn *t, const char *user, int yes)
{
	return WRITE(t, user_set_contractor, user, yes);
}
