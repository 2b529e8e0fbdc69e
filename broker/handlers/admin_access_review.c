/* Access review (issue 10, item 6; R-LIFE-4; doc/privileged-access.md "Access review"):
 * sekimori review access (ACCESS_REVIEW, SK_REVIEW_ACCESS) lists every privileged role holder
 * (configured, and approved delegates) and every active grant, each with the role's last use
 * by that person; sekimori review access certify (ACCESS_CERTIFY) records that the admin
 * session's person certified that listing, with its counts and SHA-256, and audits it. The
 * same request lists the certifications and the removal requests (admin_removal.c). A
 * reviewer revokes with grant revoke and delegation revoke, which take effect at once. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "admin.h"
#include "admin_grant.h"
#include "attempt.h"
#include "audit_event.h"
#include "broker_json.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"

#define REVIEW_LIST_MAX 2000   /* entries of one kind in one reply */

static void
add_text(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void
add_time(json_object *o, const char *key, int64_t t)
{
	json_object_object_add(o, key, t ? broker_json_time(t) : json_object_new_string(""));
}

struct listing {
	struct broker_conn *c;
	json_object *holders, *grants;
	size_t nh, ng;
	int truncated, r;
};

static int
add_holder(struct listing *l, const struct sk_priv_role *role, const char *user, const char *via,
           int64_t delegation)
{
	json_object *h;
	int64_t at = 0;
	int r, holds = 1;

	if (l->nh >= REVIEW_LIST_MAX) {
		l->truncated = 1;
		return SK_OK;
	}
	if ((r = store_role_last_use(l->c->db, role->name, user, &at)) != SK_OK ||
	    (r = grant_dept_allows(l->c->db, role, user, &holds)) != SK_OK)
		return r;
	h = json_object_new_object();
	add_text(h, "role", role->name);
	add_text(h, "user", user);
	add_text(h, "via", via);
	json_object_object_add(h, "delegation", json_object_new_int64(delegation));
	/* false: a configured holder whose HR department the role is not tied to (a transfer
	 * ended it; the configuration still names them). */
	json_object_object_add(h, "holds", json_object_new_boolean(holds));
	add_time(h, "last_use", at);
	json_object_array_add(l->holders, h);
	l->nh++;
	return SK_OK;
}

static int
one_delegation(void *arg, const struct delegation_rec *d)
{
	struct listing *l = arg;
	const struct sk_priv_role *role;

	if (d->state != DELEGATION_APPROVED ||
	    (role = sk_conf_role(&l->c->b->conf, d->role)) == NULL)
		return 0;
	l->r = add_holder(l, role, d->delegate, "delegation", d->id);
	return l->r != SK_OK;
}

static int
one_grant(void *arg, const struct grant_rec *g)
{
	struct listing *l = arg;
	json_object *o;
	int64_t at = 0;

	if (g->state != GRANT_ACTIVE)
		return 0;
	if (l->ng >= REVIEW_LIST_MAX) {
		l->truncated = 1;
		return 0;
	}
	if ((l->r = store_role_last_use(l->c->db, g->role, g->requester, &at)) != SK_OK)
		return 1;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(g->id));
	add_text(o, "role", g->role);
	add_text(o, "user", g->requester);
	json_object_object_add(o, "breakglass", json_object_new_boolean(g->breakglass));
	add_text(o, "approver", g->approver1);
	add_text(o, "second_approver", g->approver2);
	add_time(o, "starts", g->starts);
	add_time(o, "ends", g->ends);
	add_time(o, "last_use", at);
	json_object_array_add(l->grants, o);
	l->ng++;
	return 0;
}

/* {"holders": [...], "grants": [...], "truncated": bool} as of now. */
static int
listing(struct broker_conn *c, json_object **out, size_t *nh, size_t *ng)
{
	struct listing l = { c, json_object_new_array(), json_object_new_array(), 0, 0, 0, SK_OK };
	int r = SK_OK;

	*out = NULL;
	if (l.holders == NULL || l.grants == NULL) {
		json_object_put(l.holders);
		json_object_put(l.grants);
		return SK_ERR_NOMEM;
	}
	for (size_t i = 0; i < c->b->conf.n_roles && r == SK_OK; i++) {
		const struct sk_priv_role *role = &c->b->conf.roles[i];

		for (size_t k = 0; k < role->holders.n && r == SK_OK; k++)
			r = add_holder(&l, role, role->holders.v[k], "config", 0);
	}
	if (r == SK_OK && (r = store_delegation_list(c->db, one_delegation, &l)) == SK_OK)
		r = l.r;
	if (r == SK_OK && (r = store_grant_list(c->db, 1, one_grant, &l)) == SK_OK)
		r = l.r;
	if (r != SK_OK) {
		json_object_put(l.holders);
		json_object_put(l.grants);
		return r;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "holders", l.holders);
	json_object_object_add(*out, "grants", l.grants);
	json_object_object_add(*out, "truncated", json_object_new_boolean(l.truncated));
	*nh = l.nh;
	*ng = l.ng;
	return SK_OK;
}

static json_object *
cert_json(const struct certification_rec *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(v->id));
	add_text(o, "certified_by", v->certified_by);
	add_time(o, "at", v->at);
	add_text(o, "comment", v->comment);
	json_object_object_add(o, "holders", json_object_new_int64(v->holders));
	json_object_object_add(o, "grants", json_object_new_int64(v->grants));
	add_text(o, "digest", v->digest);
	return o;
}

struct arr {
	json_object *a;
	size_t n;
	int truncated;
};

static int
one_cert(void *arg, const struct certification_rec *v)
{
	struct arr *x = arg;

	if (x->n >= REVIEW_LIST_MAX) {
		x->truncated = 1;
		return 1;
	}
	json_object_array_add(x->a, cert_json(v));
	x->n++;
	return 0;
}

static int
one_removal(void *arg, const struct removal_rec *v)
{
	struct arr *x = arg;
	json_object *o;

	if (x->n >= REVIEW_LIST_MAX) {
		x->truncated = 1;
		return 1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(v->id));
	add_text(o, "requester", v->requester);
	add_text(o, "kind", removal_kind_name(v->kind));
	add_text(o, "target", v->target);
	add_text(o, "reason", v->reason);
	add_text(o, "state", removal_state_name(v->state));
	add_time(o, "requested", v->created);
	add_text(o, "decided_by", v->decided_by);
	add_time(o, "decided", v->decided_at);
	add_text(o, "comment", v->comment);
	json_object_array_add(x->a, o);
	x->n++;
	return 0;
}

int
admin_access_review(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct arr x = { NULL, 0, 0 };
	uint64_t what = 0;
	json_object *doc;
	size_t nh, ng;
	int r;

	if (sk_msg_get_uint_opt(req, SK_K_REVIEW_WHAT, SK_REVIEW_ACCESS, &what) != SK_OK ||
	    what > SK_REVIEW_REMOVALS_ALL)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if (what == SK_REVIEW_ACCESS) {
		/* What is true now: due expiries first, as the grant lists do. */
		if ((r = grant_sweep(c)) != SK_OK || (r = listing(c, &doc, &nh, &ng)) != SK_OK)
			return r;
		return admin_reply_json(reply, doc);
	}
	if ((x.a = json_object_new_array()) == NULL)
		return SK_ERR_NOMEM;
	r = what == SK_REVIEW_CERTIFICATIONS ? store_certification_list(c->db, one_cert, &x) :
	    store_removal_list(c->db, what == SK_REVIEW_REMOVALS, one_removal, &x);
	if (r != SK_OK) {
		json_object_put(x.a);
		return r;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, what == SK_REVIEW_CERTIFICATIONS ? "certifications" :
	                       "requests", x.a);
	json_object_object_add(doc, "truncated", json_object_new_boolean(x.truncated));
	return admin_reply_json(reply, doc);
}

static int
sha256_hex(const char *text, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	if (EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) != 1 || len != 32) {
		sk_logerr("SHA-256 of the access listing failed");
		return SK_ERR_CRYPTO;
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return SK_OK;
}

int
admin_access_certify(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct certification_rec v;
	json_object *doc = NULL, *f;
	size_t nh = 0, ng = 0;
	int r;

	memset(&v, 0, sizeof(v));
	if (sk_msg_get_text_opt(req, SK_K_COMMENT, v.comment, sizeof(v.comment)) != SK_OK ||
	    (v.comment[0] != '\0' && !grant_text(req, SK_K_COMMENT, v.comment, sizeof(v.comment))))
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	snprintf(v.certified_by, sizeof(v.certified_by), "%s", grant_actor(c));
	if ((r = grant_sweep(c)) != SK_OK || (r = store_begin(c->db)) != SK_OK)
		return r;
	/* The listing is read inside the write transaction, so what is certified is what the
	 * store held when the record was written. */
	if ((r = listing(c, &doc, &nh, &ng)) == SK_OK)
		r = sha256_hex(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), v.digest);
	json_object_put(doc);
	v.at = broker_now();
	v.holders = (int64_t)nh;
	v.grants = (int64_t)ng;
	if (r == SK_OK)
		r = store_certification_insert(c->db, &v);
	f = audit_field_int(audit_field_int(audit_field_int(NULL, "certification", v.id), "holders",
	                    v.holders), "grants", v.grants);
	f = audit_field(audit_field(f, "digest", v.digest), "comment", v.comment);
	if ((r = attempt_end(c, r, "review.access_certified", NULL, "ok", f)) != SK_OK)
		return r;
	return admin_reply_json(reply, cert_json(&v));
}
