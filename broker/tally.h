/* The attempt limit (R-LOGIN-1, R-PRIV-5): pure functions over one user's tally, so the
 * rules are testable without a store. */
#ifndef BROKER_TALLY_H
#define BROKER_TALLY_H
#include <stdint.h>

struct tally {
	int64_t fail_count;
	int64_t fail_first;    /* when the current run of failures started */
	int locked;
	int64_t locked_until;  /* 0 with locked = only an administrator unlocks */
};

struct tally_limits {
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time;
};

/* Forgets failures older than fail_interval and locks whose time has passed. */
void tally_normalize(struct tally *t, const struct tally_limits *l, int64_t now);
int tally_is_locked(const struct tally *t);
/* Counts one failure; returns 1 when this failure locked the account. */
int tally_record_failure(struct tally *t, const struct tally_limits *l, int64_t now);
void tally_clear(struct tally *t);
/* Attempts left before the lock. */
unsigned tally_remaining(const struct tally *t, const struct tally_limits *l);

#endif
