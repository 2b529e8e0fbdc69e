/* The attempt limit (R-LOGIN-1, R-PRIV-5): pure functions over one user's tally, so the
 * rules are testable without a store. The window slides: a failure counts for fail_interval
 * seconds after it happened, so no burst around a window edge gets more than deny tries. */
#ifndef BROKER_TALLY_H
#define BROKER_TALLY_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"
#include "sk_records.h"   /* struct tally, struct tally_pending */

/* How long an attempt may stay pending before it counts as a failure on its own: long
 * enough to type a password and a one-time code (sshd's LoginGraceTime is 120 s), short
 * enough that a login abandoned without a word frees its place and is counted soon. */
#define TALLY_PENDING_TTL 180

struct tally_limits {
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time;
};

/* Everything zero: no failures, no lock, nothing pending. */
void tally_init(struct tally *t);
/* Counts each pending attempt whose time is up as a failure at its expiry time (so the
 * result does not depend on when this runs; n_expired says how many), then forgets failures
 * older than fail_interval and locks whose time has passed. */
void tally_normalize(struct tally *t, const struct tally_limits *l, int64_t now);
int tally_is_locked(const struct tally *t);
/* Counts one failure; returns 1 when this failure locked the account. */
int tally_record_failure(struct tally *t, const struct tally_limits *l, int64_t now);
/* Forgets the failures and the lock (a success, an unlock). Pending attempts stay: they
 * are other logins still in flight, each of which must still be counted or released. */
void tally_clear(struct tally *t);
/* Attempts left before the lock; pending attempts already hold their places. */
unsigned tally_remaining(const struct tally *t, const struct tally_limits *l);

/* Grants a pending attempt with this token, expiring ttl seconds from now. Returns 1 when
 * granted, 0 when the account is locked or failures plus pending attempts already reach
 * deny (the attempt must then not reach any password check). */
int tally_reserve(struct tally *t, const struct tally_limits *l, int64_t now, int64_t ttl,
                  const unsigned char token[TALLY_TOKEN_LEN]);
/* Removes the pending attempt with this token; returns 1 when there was one. */
int tally_release(struct tally *t, const unsigned char token[TALLY_TOKEN_LEN]);

#endif
