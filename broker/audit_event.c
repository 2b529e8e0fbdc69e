#include "audit_event.h"

#include "audit_log.h"
#include "sk_err.h"
#include "sk_log.h"

json_object *
audit_field(json_object *extra, const char *key, const char *value)
{
	if (extra == NULL)
		extra = json_object_new_object();
	if (extra != NULL && value != NULL)
		json_object_object_add(extra, key, json_object_new_string(value));
	return extra;
}

json_object *
audit_field_int(json_object *extra, const char *key, int64_t value)
{
	if (extra == NULL)
		extra = json_object_new_object();
	if (extra != NULL)
		json_object_object_add(extra, key, json_object_new_int64(value));
	return extra;
}

int
broker_audit(struct broker_conn *c, const char *event, const char *user, const char *result,
             json_object *extra)
{
	json_object *ev = json_object_new_object();
	int r;

	if (ev == NULL) {
		json_object_put(extra);
		sk_logerr("allocation");
		return SK_ERR_AUDIT;
	}
	json_object_object_add(ev, "event", json_object_new_string(event));
	if (user != NULL)
		json_object_object_add(ev, "user", json_object_new_string(user));
	json_object_object_add(ev, "result", json_object_new_string(result));
	json_object_object_add(ev, "peer_uid", json_object_new_int64((int64_t)c->peer_uid));
	json_object_object_add(ev, "peer_pid", json_object_new_int64((int64_t)c->peer_pid));
	if (c->peer_name[0] != '\0')
		json_object_object_add(ev, "peer", json_object_new_string(c->peer_name));
	if (extra != NULL) {
		struct json_object_iterator it = json_object_iter_begin(extra);
		struct json_object_iterator end = json_object_iter_end(extra);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			json_object_object_add(ev, json_object_iter_peek_name(&it),
			                       json_object_get(json_object_iter_peek_value(&it)));
		json_object_put(extra);
	}
	r = audit_log_append(c->b->audit, ev);
	json_object_put(ev);
	return r == SK_OK ? SK_OK : SK_ERR_AUDIT;
}
