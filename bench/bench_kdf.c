/* The bare KDF beside the logins (issue 11, item 5, "production hashing"): yescrypt verifies
 * per second with crypt_r in this process, on the very hash the broker stored for a bench
 * user (so the same parameters and salt), with as many threads as the login phase had
 * clients. bench_pam_login -Y prints logins/s as a fraction of it. */
#include <crypt.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "bench.h"

int
bench_kdf_hash_of(const struct bench_env *e, const char *user, char *out, size_t outsz)
{
	char path[700];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/state/sekimori.db", e->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT pw_hash FROM users WHERE name = ?", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);
		ok = h != NULL && strlen((const char *)h) < outsz;
		if (ok)
			snprintf(out, outsz, "%s", (const char *)h);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok ? 0 : -1;
}

struct kdf_run {
	const char *hash;
	const char *pw;
	double until_ms;
	atomic_size_t done;
	atomic_int wrong;
};

static void *
kdf_worker(void *arg)
{
	struct kdf_run *k = arg;
	struct crypt_data *cd = calloc(1, sizeof(*cd));   /* large: not on the thread's stack */
	size_t hlen = strlen(k->hash);

	if (cd == NULL)
		bench_die("allocation");
	while (bench_now_ms() < k->until_ms) {
		const char *h = crypt_r(k->pw, k->hash, cd);

		if (h == NULL || strlen(h) != hlen || CRYPTO_memcmp(h, k->hash, hlen) != 0)
			atomic_fetch_add(&k->wrong, 1);
		atomic_fetch_add(&k->done, 1);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return NULL;
}

double
bench_kdf_rate(const char *hash, const char *pw, int threads, double seconds)
{
	struct kdf_run k = { .hash = hash, .pw = pw };
	pthread_t t[256];
	double t0;

	if (threads < 1 || threads > 256)
		bench_die("bad thread count %d", threads);
	t0 = bench_now_ms();
	k.until_ms = t0 + seconds * 1e3;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, kdf_worker, &k) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&k.wrong) != 0)
		bench_die("crypt_r did not reproduce the stored hash");
	/* The last verify of each thread ends after the deadline: divide by the real span. */
	return (double)atomic_load(&k.done) / ((bench_now_ms() - t0) / 1e3);
}
