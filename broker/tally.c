#include "tally.h"

void
tally_clear(struct tally *t)
{
	t->fail_count = 0;
	t->fail_first = 0;
	t->locked = 0;
	t->locked_until = 0;
}

void
tally_normalize(struct tally *t, const struct tally_limits *l, int64_t now)
{
	if (t->locked) {
		if (t->locked_until != 0 && now >= t->locked_until)
			tally_clear(t);
		return;
	}
	if (t->fail_count > 0 && now - t->fail_first > (int64_t)l->fail_interval)
		tally_clear(t);
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
	if (t->fail_count == 0)
		t->fail_first = now;
	t->fail_count++;
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
