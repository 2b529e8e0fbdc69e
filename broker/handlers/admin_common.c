/* What every administrative handler shares (admin.h): the target user of a request, a refusal
 * with its reason, a user looked up or answered for, JSON replies and the actor named in
 * audit records. Apart from the handlers so that each handler file depends on this one and
 * none on another handler's file. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"
#include "store.h"
#include "store_user.h"

int
admin_target_user(const struct sk_msg *req, char *user, size_t cap)
{
	if (sk_msg_get_text(req, SK_K_USER, user, cap) != SK_OK || !sk_valid_username(user)) {
		sk_logerr("user name missing or invalid");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
admin_refuse(struct sk_msg *reply, enum sk_status st, enum sk_reason why)
{
	int r = reply_status(reply, st);

	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, why) : r;
}

/* Every handler that names a user refuses a bad name the same way: an invalid value. */
int
admin_refuse_user_name(struct sk_msg *reply)
{
	return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_USER_NAME);
}

int
admin_find_user(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                struct user_rec *u)
{
	char name[SK_USER_MAX];
	int r;

	if (admin_target_user(req, name, sizeof(name)) != SK_OK)
		return admin_refuse_user_name(reply) == SK_OK ? ADMIN_ANSWERED : SK_ERR_NOMEM;
	if ((r = store_user_get(c->db, name, u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND) == SK_OK ? ADMIN_ANSWERED : SK_ERR_NOMEM;
	return r;
}

int
admin_list_json(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
                size_t rec_size, size_t cap,
                int (*list)(struct broker_conn *, int64_t, void *, size_t, size_t *),
                json_object *(*to_json)(const void *))
{
	struct user_rec u;
	json_object *arr;
	unsigned char *recs;
	size_t n = 0;
	int r = admin_find_user(c, req, reply, &u);

	if (r == ADMIN_ANSWERED)
		return SK_OK;
	if (r != SK_OK || (recs = calloc(cap, rec_size)) == NULL)
		return r != SK_OK ? r : SK_ERR_NOMEM;
	if ((r = list(c, u.id, recs, cap, &n)) == SK_OK) {
		arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, to_json(recs + i * rec_size));
		r = admin_reply_json(reply, arr);
	}
	free(recs);
	return r;
}

int
admin_reply_json(struct sk_msg *reply, json_object *doc)
{
	const char *text;
	int r;

	if (doc == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_JSON, text);
	json_object_put(doc);
	return r;
}

json_object *
admin_actor(const struct sk_msg *req, json_object *extra)
{
	char actor[SK_USER_MAX];

	if (sk_msg_get_text(req, SK_K_ACTOR, actor, sizeof(actor)) == SK_OK &&
	    sk_valid_username(actor))
		extra = audit_field(extra, "actor", actor);
	return extra;
}
