#include "radius_pending.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

struct slot {
	int used;
	unsigned char state[RADIUS_STATE_LEN];
	struct radius_pending *p;
};

/* A fixed table, scanned whole: RADIUS_PENDING_MAX is small, and a lookup that compares
 * every slot in constant time per slot tells nothing about which States exist. */
static struct slot slots[RADIUS_PENDING_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
drop(struct slot *s)
{
	if (s->p != NULL) {
		explicit_bzero(s->p, sizeof(*s->p));
		free(s->p);
	}
	explicit_bzero(s, sizeof(*s));
}

/* Under lock. */
static void
drop_expired(int64_t now)
{
	for (size_t i = 0; i < RADIUS_PENDING_MAX; i++)
		if (slots[i].used && slots[i].p->expires < now)
			drop(&slots[i]);
}

int
radius_pending_put(struct radius_pending *p, int64_t now, unsigned lifetime,
                   unsigned char state[RADIUS_STATE_LEN])
{
	struct slot *free_slot = NULL;
	struct radius_pending *copy;
	int r = SK_OK;

	if ((copy = malloc(sizeof(*copy))) == NULL)
		return SK_ERR_NOMEM;
	p->expires = now + (int64_t)lifetime;
	memcpy(copy, p, sizeof(*copy));
	pthread_mutex_lock(&lock);
	drop_expired(now);
	for (size_t i = 0; i < RADIUS_PENDING_MAX && free_slot == NULL; i++)
		if (!slots[i].used)
			free_slot = &slots[i];
	if (free_slot == NULL) {
		sk_logwarn("%u RADIUS challenge logins pending: refusing another",
		           (unsigned)RADIUS_PENDING_MAX);
		r = SK_ERR_BUSY;
	} else if (RAND_bytes(free_slot->state, RADIUS_STATE_LEN) != 1) {
		sk_logerr("RAND_bytes");
		r = SK_ERR_CRYPTO;
	} else {
		free_slot->used = 1;
		free_slot->p = copy;
		memcpy(state, free_slot->state, RADIUS_STATE_LEN);
		copy = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (copy != NULL) {
		explicit_bzero(copy, sizeof(*copy));
		free(copy);
	}
	return r;
}

int
radius_pending_take(const unsigned char state[RADIUS_STATE_LEN], int64_t now,
                    struct radius_pending *out)
{
	struct slot *found = NULL;
	int r = SK_ERR_NOTFOUND;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < RADIUS_PENDING_MAX; i++)
		if (slots[i].used && CRYPTO_memcmp(slots[i].state, state, RADIUS_STATE_LEN) == 0)
			found = &slots[i];
	if (found != NULL) {
		memcpy(out, found->p, sizeof(*out));
		r = SK_OK;
		if (out->expires < now) {
			explicit_bzero(out->password, sizeof(out->password));
			r = SK_ERR_TIMEOUT;
		}
		drop(found);   /* single use, whatever comes of it */
	}
	drop_expired(now);
	pthread_mutex_unlock(&lock);
	return r;
}

unsigned
radius_pending_count(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < RADIUS_PENDING_MAX; i++)
		n += slots[i].used != 0;
	pthread_mutex_unlock(&lock);
	return n;
}

void
radius_pending_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < RADIUS_PENDING_MAX; i++)
		if (slots[i].used)
			drop(&slots[i]);
	pthread_mutex_unlock(&lock);
}
