/* JSON pieces several handlers and factors write into read-command answers. */
#ifndef BROKER_JSON_H
#define BROKER_JSON_H
#include <json-c/json.h>
#include <stdint.h>

/* An epoch time as ISO 8601 UTC ("2026-01-02T03:04:05Z"), or NULL (JSON null) for 0. */
json_object *broker_json_time(int64_t t);

#endif
