#include "broker_json.h"

#include <stdio.h>
#include <time.h>

json_object *
broker_json_time(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (t == 0)
		return NULL;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sizeof(buf), "%s", "");
	return json_object_new_string(buf);
}
