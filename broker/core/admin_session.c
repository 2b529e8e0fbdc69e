#include "admin_session.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "sk_err.h"
#include "sk_log.h"

struct admin_session {
	int used;
	int expired;   /* seen past its expiry: it says "expired" until its slot is reused */
	unsigned char token_hash[SHA256_DIGEST_LENGTH];
	struct admin_session_view v;
};

/* One table per broker process: the broker is one process, and the tests that link the
 * broker library run one broker each. */
static struct admin_session sessions[ADMIN_SESSIONS_MAX];
static uint64_t next_id = 1;
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;

static void
drop(struct admin_session *s)
{
	explicit_bzero(s, sizeof(*s));
}

static struct admin_session *
free_slot(int64_t now)
{
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++)
		if (sessions[i].used && (sessions[i].expired || sessions[i].v.expires <= now))
			drop(&sessions[i]);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++)
		if (!sessions[i].used)
			return &sessions[i];
	return NULL;
}

int
admin_session_create(uid_t uid, const char *name, int64_t now, int64_t seconds,
                     unsigned char token[ADMIN_TOKEN_LEN], struct admin_session_view *out)
{
	struct admin_session *s;
	int r = SK_OK;

	if (RAND_bytes(token, ADMIN_TOKEN_LEN) != 1) {
		sk_logerr("no random bytes for an admin session token");
		return SK_ERR_CRYPTO;
	}
	pthread_mutex_lock(&sessions_lock);
	if ((s = free_slot(now)) == NULL) {
		sk_logerr("%d admin sessions live: no room for %s's", ADMIN_SESSIONS_MAX, name);
		r = SK_ERR_BUSY;
	} else {
		memset(s, 0, sizeof(*s));
		s->used = 1;
		SHA256(token, ADMIN_TOKEN_LEN, s->token_hash);
		s->v.id = next_id++;
		s->v.uid = uid;
		snprintf(s->v.name, sizeof(s->v.name), "%s", name);
		s->v.created = now;
		s->v.auth_at = now;
		s->v.expires = now + seconds;
		*out = s->v;
	}
	pthread_mutex_unlock(&sessions_lock);
	if (r != SK_OK)
		explicit_bzero(token, ADMIN_TOKEN_LEN);
	return r;
}

/* Under the lock: the verdict on one live entry for the peer uid. */
static int
judge(struct admin_session *s, uid_t uid, int64_t now, struct admin_session_view *out)
{
	if (s->v.uid != uid)
		return SK_ERR_NOTFOUND;
	if (s->expired || s->v.expires <= now) {
		/* Kept (powerless) so that its holder hears "expired", not "unknown". */
		s->expired = 1;
		return SK_ERR_TIMEOUT;
	}
	*out = s->v;
	return SK_OK;
}

int
admin_session_find(const unsigned char token[ADMIN_TOKEN_LEN], uid_t uid, int64_t now,
                   struct admin_session_view *out)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];
	int r = SK_ERR_NOTFOUND;

	SHA256(token, ADMIN_TOKEN_LEN, hash);
	pthread_mutex_lock(&sessions_lock);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++) {
		/* Every slot is compared, so the time taken does not say where a match was. */
		if (sessions[i].used &&
		    CRYPTO_memcmp(sessions[i].token_hash, hash, sizeof(hash)) == 0)
			r = judge(&sessions[i], uid, now, out);
	}
	pthread_mutex_unlock(&sessions_lock);
	explicit_bzero(hash, sizeof(hash));
	return r;
}

int
admin_session_check(uint64_t id, uid_t uid, int64_t now, struct admin_session_view *out)
{
	int r = SK_ERR_NOTFOUND;

	pthread_mutex_lock(&sessions_lock);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX && r == SK_ERR_NOTFOUND; i++)
		if (sessions[i].used && sessions[i].v.id == id)
			r = judge(&sessions[i], uid, now, out);
	pthread_mutex_unlock(&sessions_lock);
	return r;
}

int
admin_session_end(uint64_t id)
{
	int r = SK_ERR_NOTFOUND;

	pthread_mutex_lock(&sessions_lock);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++) {
		if (sessions[i].used && sessions[i].v.id == id) {
			drop(&sessions[i]);
			r = SK_OK;
		}
	}
	pthread_mutex_unlock(&sessions_lock);
	return r;
}

size_t
admin_session_end_name(const char *name, int64_t now, uint64_t *ids, size_t cap)
{
	size_t n = 0;

	pthread_mutex_lock(&sessions_lock);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++) {
		if (sessions[i].used && !sessions[i].expired && sessions[i].v.expires > now &&
		    strcmp(sessions[i].v.name, name) == 0) {
			if (n < cap)
				ids[n] = sessions[i].v.id;
			n++;
			drop(&sessions[i]);
		}
	}
	pthread_mutex_unlock(&sessions_lock);
	return n;
}

void
admin_session_clear(void)
{
	pthread_mutex_lock(&sessions_lock);
	for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++)
		drop(&sessions[i]);
	pthread_mutex_unlock(&sessions_lock);
}
