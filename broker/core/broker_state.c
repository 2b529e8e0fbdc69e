/* Small pieces of broker-wide state. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "store.h"

int64_t
broker_now(void)
{
	return (int64_t)time(NULL);
}

int
broker_system_conn(struct broker *b, struct broker_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->peer_pid = getpid();
	c->peer_is_root = 1;
	snprintf(c->peer_name, sizeof(c->peer_name), "sekimorid");
	return store_acquire(b->store, &c->db);
}
