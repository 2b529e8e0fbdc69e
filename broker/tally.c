#include "tally.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

static void
sync_count(struct tally *t)
{
	t->fail_count = t->n_times;
	t->fail_first = t->n_times ? t->fail_times[0] : 0;
}

void
tally_clear(struct tally *t)
{
	memset(t, 0, sizeof(*t));
}

void
tally_normalize(struct tally *t, const struct tally_limits *l, int64_t now)
{
	unsigned keep = 0;

	if (t->locked) {
		if (t->locked_until != 0 && now >= t->locked_until)
			tally_clear(t);
		return;
	}
	for (unsigned i = 0; i < t->n_times; i++)
		if (now - t->fail_times[i] <= (int64_t)l->fail_interval)
			t->fail_times[keep++] = t->fail_times[i];
	t->n_times = keep;
	sync_count(t);
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
	if (t->locked || t->fail_count >= (int64_t)l->deny)
		return 0;
	return l->deny - (unsigned)t->fail_count;
}

size_t
tally_times_encode(const struct tally *t, unsigned char *out, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < t->n_times && n + 8 <= cap; i++)
		for (int b = 7; b >= 0; b--)
			out[n++] = (unsigned char)((uint64_t)t->fail_times[i] >> (8 * b));
	return n;
}

int
tally_times_decode(struct tally *t, const unsigned char *in, size_t len)
{
	if (len % 8 != 0 || len / 8 > TALLY_TIMES_MAX) {
		sk_logerr("stored failure times malformed (%zu bytes)", len);
		return SK_ERR_STORE;
	}
	t->n_times = (unsigned)(len / 8);
	for (unsigned i = 0; i < t->n_times; i++) {
		uint64_t v = 0;
		for (int b = 0; b < 8; b++)
			v = (v << 8) | in[i * 8 + (unsigned)b];
		t->fail_times[i] = (int64_t)v;
	}
	sync_count(t);
	return SK_OK;
}
