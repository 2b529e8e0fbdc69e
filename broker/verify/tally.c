#include "tally.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sk_err.h"
#include "sk_log.h"

static void
sync_count(struct tally *t)
{
	t->fail_count = t->n_times;
	t->fail_first = t->n_times ? t->fail_times[0] : 0;
}

void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
}

void
tally_clear(struct tally *t)
{
	t->fail_count = 0;
	t->fail_first = 0;
	t->locked = 0;
	t->locked_until = 0;
	memset(t->fail_times, 0, sizeof(t->fail_times));
	t->n_times = 0;
}

static void
remove_pending(struct tally *t, unsigned i)
{
	t->pending[i] = t->pending[--t->n_pending];
	memset(&t->pending[t->n_pending], 0, sizeof(t->pending[0]));
}

static void
prune(struct tally *t, const struct tally_limits *l, int64_t at)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < t->n_times; i++)
		if (at - t->fail_times[i] <= (int64_t)l->fail_interval)
			t->fail_times[keep++] = t->fail_times[i];
	t->n_times = keep;
	sync_count(t);
}

/* Each expired attempt is a failure at its expiry time, oldest first, judged as it would
 * have been then: a lock that had already ended is gone, older failures slid out. */
static void
expire_pending(struct tally *t, const struct tally_limits *l, int64_t now)
{
	t->n_expired = 0;
	for (;;) {
		unsigned oldest = t->n_pending;
		int64_t when;

		for (unsigned i = 0; i < t->n_pending; i++)
			if (t->pending[i].expires <= now &&
			    (oldest == t->n_pending || t->pending[i].expires < t->pending[oldest].expires))
				oldest = i;
		if (oldest == t->n_pending)
			return;
		when = t->pending[oldest].expires;
		remove_pending(t, oldest);
		t->n_expired++;
		if (t->locked && t->locked_until != 0 && when >= t->locked_until)
			tally_clear(t);
		if (!t->locked) {
			prune(t, l, when);
			(void)tally_record_failure(t, l, when);
		}
	}
}

void
tally_normalize(struct tally *t, const struct tally_limits *l, int64_t now)
{
	expire_pending(t, l, now);
	if (t->locked) {
		if (t->locked_until != 0 && now >= t->locked_until)
			tally_clear(t);
		return;
	}
	prune(t, l, now);
}

int
tally_is_locked(const struct tally *t)
{
	return t->locked != 0;
}

int
tally_record_failure(struct tally *t, const struct tally_limits *l, int64_t now)
{
	if (t->locked)
		return 0;
	if (t->n_times == TALLY_TIMES_MAX) {
		memmove(t->fail_times, t->fail_times + 1, (TALLY_TIMES_MAX - 1) * sizeof(int64_t));
		t->n_times--;
	}
	t->fail_times[t->n_times++] = now;
	sync_count(t);
	if (t->fail_count >= (int64_t)l->deny) {
		t->locked = 1;
		t->locked_until = l->unlock_time == 0 ? 0 : now + (int64_t)l->unlock_time;
		return 1;
	}
	return 0;
}

unsigned
tally_remaining(const struct tally *t, const struct tally_limits *l)
{
	int64_t used = t->fail_count + (int64_t)t->n_pending;

	if (t->locked || used >= (int64_t)l->deny)
		return 0;
	return l->deny - (unsigned)used;
}

int
tally_reserve(struct tally *t, const struct tally_limits *l, int64_t now, int64_t ttl,
              const unsigned char token[TALLY_TOKEN_LEN])
{
	struct tally_pending *p;

	if (tally_remaining(t, l) == 0 || t->n_pending >= TALLY_TIMES_MAX)
		return 0;
	p = &t->pending[t->n_pending++];
	memcpy(p->token, token, TALLY_TOKEN_LEN);
	p->created = now;
	p->expires = now + ttl;
	return 1;
}

int
tally_release(struct tally *t, const unsigned char token[TALLY_TOKEN_LEN])
{
	for (unsigned i = 0; i < t->n_pending; i++) {
		if (CRYPTO_memcmp(t->pending[i].token, token, TALLY_TOKEN_LEN) == 0) {
			remove_pending(t, i);
			return 1;
		}
	}
	return 0;
}
