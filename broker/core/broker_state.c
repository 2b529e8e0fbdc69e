/* Small pieces of broker-wide state. */
#include <stdio.h>
#include <time.h>

#include "broker.h"

int64_t
broker_now(void)
{
	return (int64_t)time(NULL);
}

pthread_mutex_t *
broker_user_lock(struct broker *b, const char *user)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		h = (h ^ *p) * 16777619u;
	return &b->user_locks[h % BROKER_USER_LOCKS];
}
