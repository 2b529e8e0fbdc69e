/* The attempt limit (R-LOGIN-1, R-PRIV-5): pure functions over one user's tally, so the
 * rules are testable without a store. The window slides: a failure counts for fail_interval
 * seconds after it happened, so no burst around a window edge gets more than deny tries. */
#ifndef BROKER_TALLY_H
#define BROKER_TALLY_H
#include <stddef.h>
#include <stdint.h>

#define TALLY_TIMES_MAX 100   /* the largest deny the configuration accepts */

struct tally {
	int64_t fail_count;    /* failures inside the window */
	int64_t fail_first;    /* the oldest of them (0: none) */
	int locked;
	int64_t locked_until;  /* 0 with locked = only an administrator unlocks */
	int64_t fail_times[TALLY_TIMES_MAX];   /* the failures inside the window, oldest first */
	unsigned n_times;
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

/* The failure times as stored: 8 bytes each, big-endian. */
size_t tally_times_encode(const struct tally *t, unsigned char *out, size_t cap);
/* SK_ERR_STORE for a length that is not a multiple of 8 or holds too many entries. */
int tally_times_decode(struct tally *t, const unsigned char *in, size_t len);

#endif
