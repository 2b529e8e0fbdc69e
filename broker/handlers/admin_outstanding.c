/* What a retired person still has to hand back (issue 10, item 4; R-LIFE-5): `sekimori fido2
 * dispose` closes the security keys a retirement recorded as outstanding (hr_apply.c), and
 * `sekimori report outstanding` lists those keys together with the revoked cards not yet
 * collected or destroyed (`sekimori card dispose`). Store: store_outstanding.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_grant.h"
#include "admin_outstanding.h"
#include "attempt.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

#define OUTSTANDING_REPORT_MAX 10000   /* entries in one report; "truncated" says when more */

struct collect {
	json_object *keys, *cards;
	int64_t ids[FIDO2_PER_USER_MAX * 8];
	size_t n_ids, total;
	int truncated;
};

static int
collect_one(void *arg, const struct outstanding_rec *v)
{
	struct collect *k = arg;
	json_object *o;

	if (v->is_key && k->n_ids < sizeof(k->ids) / sizeof(k->ids[0]))
		k->ids[k->n_ids++] = v->id;
	if (k->keys == NULL)
		return 0;
	if (++k->total > OUTSTANDING_REPORT_MAX) {
		k->truncated = 1;
		return 1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(v->id));
	json_object_object_add(o, "user", json_object_new_string(v->user));
	json_object_object_add(o, "since", json_object_new_int64(v->since));
	if (v->is_key) {
		json_object_object_add(o, "credential", json_object_new_int64(v->cred_id));
		json_object_object_add(o, "aaguid", json_object_new_string(v->ident));
		json_object_object_add(o, "subject", json_object_new_string(v->subject));
		json_object_array_add(k->keys, o);
	} else {
		json_object_object_add(o, "cert", json_object_new_string(v->ident));
		json_object_object_add(o, "revoke_reason", json_object_new_string(v->reason));
		json_object_array_add(k->cards, o);
	}
	return 0;
}

int
admin_report_outstanding(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct collect *k = calloc(1, sizeof(*k));
	json_object *doc;
	int r;

	(void)req;
	if (k == NULL)
		return SK_ERR_NOMEM;
	k->keys = json_object_new_array();
	k->cards = json_object_new_array();
	doc = json_object_new_object();
	if (k->keys == NULL || k->cards == NULL || doc == NULL) {
		json_object_put(k->keys);
		json_object_put(k->cards);
		json_object_put(doc);
		free(k);
		return SK_ERR_NOMEM;
	}
	r = store_outstanding_list(c->db, "", collect_one, k);
	json_object_object_add(doc, "keys", k->keys);
	json_object_object_add(doc, "cards", k->cards);
	json_object_object_add(doc, "truncated", json_object_new_boolean(k->truncated));
	free(k);
	if (r != SK_OK) {
		json_object_put(doc);
		return r;
	}
	return admin_reply_json(reply, doc);
}

int
admin_fido2_dispose(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char user[SK_USER_MAX] = "", how[16], note[256] = "";
	struct collect *k;
	json_object *done, *extra;
	uint64_t id = 0;
	int r, by_id;

	if (sk_msg_get_text(req, SK_K_DISPOSAL, how, sizeof(how)) != SK_OK ||
	    (strcmp(how, "collected") && strcmp(how, "destroyed") && strcmp(how, "lost")) ||
	    sk_msg_get_text_opt(req, SK_K_MESSAGE, note, sizeof(note)) != SK_OK ||
	    sk_msg_get_uint_opt(req, SK_K_FACTOR_ID, 0, &id) != SK_OK || id > INT64_MAX)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_DISPOSAL);
	by_id = id != 0;
	if (sk_msg_get_text_opt(req, SK_K_USER, user, sizeof(user)) != SK_OK ||
	    (user[0] != '\0' && admin_target_user(req, user, sizeof(user)) != SK_OK))
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_USER_NAME);
	if (!by_id && user[0] == '\0')
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_DISPOSAL);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return SK_ERR_NOMEM;
	if (by_id) {
		k->ids[0] = (int64_t)id;
		k->n_ids = 1;
		r = SK_OK;
	} else {
		r = store_outstanding_list(c->db, user, collect_one, k);
	}
	if (r == SK_OK && k->n_ids == 0) {
		free(k);
		return reply_status(reply, SK_ST_NOT_FOUND);
	}
	done = json_object_new_array();
	r = r == SK_OK ? store_begin(c->db) : r;
	for (size_t i = 0; i < k->n_ids && r == SK_OK; i++) {
		r = store_fido2_out_dispose(c->db, k->ids[i], user, how, note, grant_actor(c),
		                            broker_now());
		if (r == SK_OK)
			json_object_array_add(done, json_object_new_int64(k->ids[i]));
	}
	free(k);
	if (r == SK_ERR_NOTFOUND) {   /* --cred ID: no open key with that id (of that user) */
		store_rollback(c->db);
		json_object_put(done);
		return reply_status(reply, SK_ST_NOT_FOUND);
	}
	extra = audit_field(audit_field(NULL, "action", how), "note", note);
	json_object_object_add(extra, "keys", json_object_get(done));
	r = attempt_end(c, r, "admin.fido2_dispose", user[0] ? user : NULL, "ok",
	                admin_actor(req, extra));
	if (r != SK_OK) {
		json_object_put(done);
		return r;
	}
	extra = json_object_new_object();
	json_object_object_add(extra, "disposed", done);
	return admin_reply_json(reply, extra);
}
