/* The generic half of the terminal family (store_terminal.h): forwarding into the backend's
 * table, writes only inside a transaction (store_writing). No SQL here. */
#include "store_backend.h"

#include "sk_err.h"

#define OPS(t) ((t)->store->ops)
#define WRITE(t, op, ...) \
	(store_writing((t), #op) != SK_OK ? SK_ERR_INTERNAL : OPS(t)->op((t), __VA_ARGS__))

int
store_terminal_seen(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                    const char *cn, int64_t now)
{
	return WRITE(t, terminal_seen, fingerprint, serial, cn, now);
}

int
store_terminal_revoked(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                       int *revoked)
{
	return OPS(t)->terminal_revoked(t, fingerprint, serial, revoked);
}

int
store_terminal_revoke(struct sk_store_txn *t, const char *key, int by_serial, const char *by,
                      int64_t now, int64_t *n)
{
	return WRITE(t, terminal_revoke, key, by_serial, by, now, n);
}

int
store_terminal_list(struct sk_store_txn *t, int (*fn)(void *, const struct terminal_rec *),
                    void *arg)
{
	return OPS(t)->terminal_list(t, fn, arg);
}
