/* Which backend a store name selects. The only file that knows the backends by name, so
 * that the generic half (store.c) and each backend depend on each other in one direction. */
#include "store_backend.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

int
store_is_remote(const char *path)
{
	return path != NULL && (strncmp(path, "postgresql://", 13) == 0 ||
	                        strncmp(path, "postgres://", 11) == 0);
}

int
store_open(const char *path, struct sk_store **out)
{
	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		sk_logerr("no store path");
		return SK_ERR_STORE;
	}
	/* A libpq URI selects PostgreSQL; anything else is a SQLite file. */
	if (store_is_remote(path))
		return store_pg_open(path, out);
	return store_sqlite_open(path, out);
}

int
store_audit_seqs_read(const char *path, int (*fn)(void *arg, const char *broker_id,
                                                  uint64_t seq), void *arg)
{
	if (!store_is_remote(path)) {
		sk_logerr("the committed audit seqs of several brokers are kept only on a "
		          "PostgreSQL store");
		return SK_ERR_CONFIG;
	}
	return store_pg_audit_seqs_read(path, fn, arg);
}
