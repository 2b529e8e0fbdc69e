/* Which backend a store name selects. The only file that knows the backends by name, so
 * that the generic half (store.c) and each backend depend on each other in one direction. */
#include "store_backend.h"

#include "sk_err.h"
#include "sk_log.h"

int
store_open(const char *path, struct sk_store **out)
{
	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		sk_logerr("no store path");
		return SK_ERR_STORE;
	}
	/* A second backend is chosen here, by the form of the name (e.g. postgresql://...). */
	return store_sqlite_open(path, out);
}
