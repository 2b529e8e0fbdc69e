/* sekimori fido2 enroll | list | remove (issue 3). Enrolment is two requests on one
 * connection: BEGIN gives the challenge, relying party, an opaque user handle and the
 * credentials to exclude; FINISH brings the attestation, which the broker checks against
 * its policy (trust store, AAGUID allow-list) before storing anything. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "attempt.h"
#include "audit_event.h"
#include "fido2_attest.h"
#include "fido2_factor.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_fido2.h"
#include "store_user.h"

int
admin_fido2_enroll_begin(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct fido2_rec *recs = NULL;
	const unsigned char *ids[FIDO2_PER_USER_MAX];
	size_t lens[FIDO2_PER_USER_MAX], n = 0;
	unsigned char handle[16];
	struct user_rec u;
	uint64_t uv = 1;
	int r;

	if (!fido2_factor.configured())
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_NOT_CONFIGURED);
	memset(&c->enroll, 0, sizeof(c->enroll));
	if (admin_target_user(req, c->enroll.user, sizeof(c->enroll.user)) != SK_OK)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_USER_NAME);
	if (sk_msg_get_uint_opt(req, SK_K_UV, 1, &uv) != SK_OK || uv > 2)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_UV);
	if ((r = store_user_get(c->db, c->enroll.user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	/* A key that cannot verify its user is no use for a profile that requires it. */
	if (sk_conf_profile(&c->b->conf, u.profile) != NULL &&
	    sk_conf_profile(&c->b->conf, u.profile)->fido2_uv > uv)
		uv = sk_conf_profile(&c->b->conf, u.profile)->fido2_uv;
	if ((recs = calloc(FIDO2_PER_USER_MAX, sizeof(*recs))) == NULL)
		return SK_ERR_NOMEM;
	r = store_fido2_list(c->db, u.id, 0, recs, FIDO2_PER_USER_MAX, &n);
	if (r == SK_OK && (RAND_bytes(c->enroll.challenge, BROKER_CHALLENGE_LEN) != 1 ||
	                   RAND_bytes(handle, sizeof(handle)) != 1))
		r = SK_ERR_CRYPTO;
	for (size_t i = 0; i < n; i++) {
		ids[i] = recs[i].cred_id;
		lens[i] = recs[i].cred_id_len;
	}
	c->enroll.require_uv = uv == 2;
	if (r == SK_OK)
		r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_FIDO2_CHALLENGE, c->enroll.challenge,
		                     BROKER_CHALLENGE_LEN);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_RP_ID, c->b->conf.fido2.rp_id);
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_USER_HANDLE, handle, sizeof(handle));
	if (r == SK_OK)
		r = sk_msg_put_bytes_array(reply, SK_K_CRED_IDS, ids, lens, n);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_TIMEOUT_MS, (uint64_t)c->b->conf.fido2.timeout * 1000);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_UV, uv);
	free(recs);
	if (r == SK_OK)
		c->state = CONN_ENROLL;
	return r;
}

struct attest_input {
	char fmt[FIDO2_FMT_MAX + 1];
	uint64_t alg;
	unsigned char authdata[FIDO2_AUTHDATA_MAX];
	size_t authdata_len;
	unsigned char attstmt[FIDO2_ATTSTMT_MAX];
	size_t attstmt_len;
};

static int
read_attestation(const struct sk_msg *req, struct attest_input *in)
{
	if (sk_msg_get_text(req, SK_K_FMT, in->fmt, sizeof(in->fmt)) != SK_OK ||
	    sk_msg_get_uint(req, SK_K_COSE_ALG, &in->alg) != SK_OK || in->alg > 65535 ||
	    sk_msg_get_bytes(req, SK_K_AUTHDATA, in->authdata, sizeof(in->authdata),
	                     &in->authdata_len) != SK_OK)
		return SK_ERR_PROTO;
	if (sk_msg_get_bytes(req, SK_K_ATTSTMT, in->attstmt, sizeof(in->attstmt),
	                     &in->attstmt_len) == SK_ERR_PROTO)
		return SK_ERR_PROTO;
	return SK_OK;
}

static int
refused(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply, const char *why)
{
	int r = broker_audit(c, "admin.fido2_enroll", c->enroll.user, "deny",
	                     admin_actor(req, audit_field(NULL, "reason", why)));

	if (r == SK_OK)
		r = reply_status(reply, SK_ST_DENIED);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REASON, SK_REASON_FIDO2_REFUSED);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_MESSAGE, why);
	return r;
}

/* The row to store for an enrolment the attestation check accepted. */
static void
fido2_rec_from(struct fido2_rec *f, int64_t user_id, const struct fido2_attest_result *a,
               const char *fmt)
{
	memset(f, 0, sizeof(*f));
	f->user_id = user_id;
	memcpy(f->cred_id, a->cred_id, a->cred_id_len);
	f->cred_id_len = a->cred_id_len;
	f->cose_type = a->cose_type;
	memcpy(f->pubkey, a->pubkey, a->pubkey_len);
	f->pubkey_len = a->pubkey_len;
	memcpy(f->aaguid, a->aaguid, sizeof(f->aaguid));
	f->sign_count = a->sign_count;
	snprintf(f->fmt, sizeof(f->fmt), "%s", fmt);
	snprintf(f->subject, sizeof(f->subject), "%s", a->subject);
	f->trusted = a->trusted;
	f->created = broker_now();
}

static int
store_credential(struct broker_conn *c, const struct sk_msg *req, const struct attest_input *in,
                 const struct fido2_attest_result *res, struct sk_msg *reply)
{
	char aaguid[FIDO2_AAGUID_STR];
	struct fido2_rec rec;
	struct user_rec u;
	int64_t id = 0;
	int r;

	fido2_aaguid_format(res->aaguid, aaguid);
	if ((r = store_user_get(c->db, c->enroll.user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	r = r == SK_OK ? store_begin(c->db) : r;
	if (r == SK_OK) {
		fido2_rec_from(&rec, u.id, res, in->fmt);
		r = store_fido2_insert(c->db, &rec, in->attstmt, in->attstmt_len, &id);
	}
	if (r == SK_ERR_EXISTS) {
		store_rollback(c->db);
		return reply_status(reply, SK_ST_EXISTS);
	}
	r = attempt_end(c, r, "admin.fido2_enroll", c->enroll.user, "ok", admin_actor(req,
	                audit_field(audit_field(audit_field_int(NULL, "factor", id), "aaguid",
	                aaguid), "attestation", res->trusted ? "trusted" : "untrusted")));
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_FACTOR_ID, (uint64_t)id);
	return r;
}

int
admin_fido2_enroll_finish(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct attest_input *in = calloc(1, sizeof(*in));
	struct fido2_attest_result *res = calloc(1, sizeof(*res));
	const struct fido2_policy *loaded = fido2_factor_policy();
	struct fido2_attest_policy policy = {
		.roots = loaded->roots, .allowed = loaded->allowed,
		.require_uv = c->enroll.require_uv != 0,
	};
	struct fido2_attest_req ar;
	int r;

	c->state = CONN_IDLE;
	if (in == NULL || res == NULL) {
		r = SK_ERR_NOMEM;
		goto out;
	}
	if (read_attestation(req, in) != SK_OK) {
		r = admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
		goto out;
	}
	memset(&ar, 0, sizeof(ar));
	ar.rp_id = c->b->conf.fido2.rp_id;
	ar.cdh = c->enroll.challenge;
	ar.cdh_len = BROKER_CHALLENGE_LEN;
	ar.fmt = in->fmt;
	ar.cose_type = -(int)in->alg;
	ar.authdata = in->authdata;
	ar.authdata_len = in->authdata_len;
	ar.attstmt = in->attstmt_len ? in->attstmt : NULL;
	ar.attstmt_len = in->attstmt_len;
	if ((r = store_user_lock(c->db, c->enroll.user)) != SK_OK)
		goto out;
	if (fido2_attest_verify(&policy, &ar, res) != SK_OK)
		r = refused(c, req, reply, res->reason ? res->reason : "attestation refused");
	else
		r = store_credential(c, req, in, res, reply);
	store_user_unlock(c->db);
out:
	free(in);
	free(res);
	memset(&c->enroll, 0, sizeof(c->enroll));   /* the challenge is single-use */
	return r;
}

static int
fido2_list_all(struct broker_conn *c, int64_t user_id, void *recs, size_t cap, size_t *n)
{
	return store_fido2_list(c->db, user_id, 0, recs, cap, n);
}

static json_object *
fido2_json(const void *rec)
{
	const struct fido2_rec *k = rec;
	char aaguid[FIDO2_AAGUID_STR];
	json_object *o = json_object_new_object();

	fido2_aaguid_format(k->aaguid, aaguid);
	json_object_object_add(o, "id", json_object_new_int64(k->id));
	json_object_object_add(o, "aaguid", json_object_new_string(aaguid));
	json_object_object_add(o, "cose_alg", json_object_new_int(k->cose_type));
	json_object_object_add(o, "attestation", json_object_new_string(k->fmt));
	json_object_object_add(o, "trusted", json_object_new_boolean(k->trusted));
	json_object_object_add(o, "subject", json_object_new_string(k->subject));
	json_object_object_add(o, "sign_count", json_object_new_int64(k->sign_count));
	json_object_object_add(o, "clone_suspected", json_object_new_boolean(k->clone_flagged));
	json_object_object_add(o, "created", json_object_new_int64(k->created));
	json_object_object_add(o, "last_used", json_object_new_int64(k->last_used));
	return o;
}

int
admin_fido2_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_list_json(c, req, reply, sizeof(struct fido2_rec), FIDO2_PER_USER_MAX,
	                       fido2_list_all, fido2_json);
}

static int
do_remove(struct broker_conn *c, struct user_rec *u, void *arg)
{
	return store_fido2_delete(c->db, u->id, *(const int64_t *)arg);
}

int
admin_fido2_remove(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	uint64_t id;
	int64_t sid;

	if (sk_msg_get_uint(req, SK_K_FACTOR_ID, &id) != SK_OK || id > INT64_MAX)
		return admin_refuse(reply, SK_ST_INVALID, SK_REASON_INVALID_FACTOR_ID);
	sid = (int64_t)id;
	return admin_change_user(c, req, reply, "admin.fido2_remove", do_remove, &sid);
}
