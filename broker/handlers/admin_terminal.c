/* Remote terminals (issue 12, item 4; doc/deployment.md "Remote terminals"): revoking a
 * terminal's certificate, which the TLS listener refuses at the next handshake and the
 * dispatcher at the next request on a connection already open (dispatch.c), and the list of
 * terminals the broker has seen. */
#include <string.h>

#include "admin.h"
#include "admin_terminal.h"
#include "attempt.h"
#include "audit_event.h"
#include "broker_json.h"
#include "request.h"
#include "sk_err.h"
#include "store.h"

#define TERMINAL_LIST_MAX 200

/* 1 when s is 1 to max lower-case hex digits (exactly max when exact). */
static int
is_hex(const char *s, size_t max, int exact)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || (exact && n != max))
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

int
admin_terminal_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char fp[TERMINAL_FP_HEX] = "", serial[TERMINAL_SERIAL_MAX] = "";
	const char *me = c->has_admin ? c->admin.name : "root";
	int has_fp = sk_msg_get_text(req, SK_K_TERMINAL_FP, fp, sizeof(fp)) == SK_OK;
	int has_serial = sk_msg_get_text(req, SK_K_TERMINAL_SERIAL, serial, sizeof(serial)) == SK_OK;
	int64_t n = 0;
	int r;

	if (has_fp == has_serial || (has_fp && !is_hex(fp, 64, 1)) ||
	    (has_serial && (!is_hex(serial, 64, 0) || serial[0] == '0')))
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_TERMINAL_KEY_INVALID);
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_terminal_revoke(c->db, has_fp ? fp : serial, has_serial, me, broker_now(), &n);
	if (r == SK_ERR_NOTFOUND) {
		store_rollback(c->db);
		return admin_refuse(reply, SK_ST_NOT_FOUND, SK_REASON_TERMINAL_SERIAL_UNSEEN);
	}
	r = attempt_end(c, r, "admin.terminal_revoke", NULL, "ok",
	                admin_actor(req, audit_field_int(audit_field(NULL, has_fp ? "fingerprint" :
	                            "serial", has_fp ? fp : serial), "revoked", n)));
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_TERMINAL_COUNT, (uint64_t)n) : r;
}

struct terminal_list {
	json_object *arr;
	size_t n;
};

static int
add_terminal(void *arg, const struct terminal_rec *t)
{
	struct terminal_list *l = arg;
	json_object *o;

	if (l->n++ >= TERMINAL_LIST_MAX)
		return 0;
	o = json_object_new_object();
	json_object_object_add(o, "fingerprint", json_object_new_string(t->fingerprint));
	json_object_object_add(o, "serial", t->serial[0] ? json_object_new_string(t->serial) : NULL);
	json_object_object_add(o, "cn", t->cn[0] ? json_object_new_string(t->cn) : NULL);
	json_object_object_add(o, "first_seen", broker_json_time(t->first_seen));
	json_object_object_add(o, "last_seen", broker_json_time(t->last_seen));
	json_object_object_add(o, "revoked", json_object_new_boolean(t->revoked_at != 0));
	json_object_object_add(o, "revoked_at", broker_json_time(t->revoked_at));
	json_object_object_add(o, "revoked_by", t->revoked_by[0] ?
	                       json_object_new_string(t->revoked_by) : NULL);
	json_object_array_add(l->arr, o);
	return 0;
}

int
admin_terminal_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct terminal_list l = { json_object_new_array(), 0 };
	json_object *o;
	int r;

	(void)req;
	if (l.arr == NULL)
		return SK_ERR_NOMEM;
	if ((r = store_terminal_list(c->db, add_terminal, &l)) != SK_OK) {
		json_object_put(l.arr);
		return r;
	}
	o = json_object_new_object();
	json_object_object_add(o, "terminals", l.arr);
	json_object_object_add(o, "total", json_object_new_int64((int64_t)l.n));
	json_object_object_add(o, "truncated", json_object_new_boolean(l.n > TERMINAL_LIST_MAX));
	return admin_reply_json(reply, o);
}
