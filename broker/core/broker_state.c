/* Small pieces of broker-wide state. */
#include <stdio.h>
#include <time.h>

#include "broker.h"

int64_t
broker_now(void)
{
	return (int64_t)time(NULL);
}
