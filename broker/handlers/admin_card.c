/* sekimori card enroll | list | revoke | dispose (issue 4): one card, one person
 * (R-CARD-1); a lost card stops at once everywhere (R-CARD-3); a replaced card is revoked
 * and its collection and destruction recorded (R-CARD-4, R-LIFE-5). */
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "attempt.h"
#include "audit_event.h"
#include "card_factor.h"
#include "card_verify.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "session_watch.h"
#include "store.h"
#include "store_card.h"
#include "store_user.h"

static int
refuse(struct sk_msg *reply, enum sk_status st, enum sk_reason reason, const char *detail)
{
	int r = reply_status(reply, st);

	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_REASON, reason);
	if (r == SK_OK && detail != NULL)
		r = sk_msg_put_text(reply, SK_K_MESSAGE, detail);
	return r;
}

static int64_t
cert_not_after(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	struct tm tm;
	int64_t t = 0;

	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		t = (int64_t)timegm(&tm);
	X509_free(x);
	return t;
}

/* Revokes the user's active cards other than keep, as replaced by keep (R-CARD-4). */
static int
revoke_others(struct broker_conn *c, int64_t user_id, int64_t keep, json_object **extra)
{
	struct card_rec *recs;
	size_t n;
	int r = card_factor_list_active(c, user_id, &recs, &n);

	for (size_t i = 0; i < n && r == SK_OK; i++) {
		if (recs[i].id == keep)
			continue;
		r = store_card_revoke(c->db, recs[i].id, "replaced", keep, broker_now());
		if (r == SK_OK)
			*extra = audit_field_int(*extra, "replaced_card", recs[i].id);
	}
	free(recs);
	return r;
}

/* What the card holds besides the certificate enrolled: its identity (PIV CHUID) and the
 * binding keys of its other certificates, so that the whole card is bound (R-CARD-1). */
struct card_whole {
	char uid[CARD_UID_MAX];
	char keys[CARD_KEYS_PER_CARD][CARD_SPKI_HEX];   /* [0] is the certificate enrolled */
	size_t n_keys;
};

static int
read_whole_card(const struct sk_msg *req, const struct card_binding *enrolled,
                struct card_whole *w)
{
	unsigned char *der;
	size_t n = 0, len = 0;
	int r;

	memset(w, 0, sizeof(*w));
	memcpy(w->keys[0], enrolled->spki_sha256, CARD_SPKI_HEX);
	w->n_keys = 1;
	if (sk_msg_get_text_opt(req, SK_K_CARD_UID, w->uid, sizeof(w->uid)) != SK_OK)
		return SK_ERR_PROTO;
	r = sk_msg_get_array_len(req, SK_K_CARD_CERTS, &n);
	if (r == SK_ERR_NOTFOUND)
		return SK_OK;
	if (r != SK_OK || n > CARD_KEYS_PER_CARD - 1 || (der = malloc(CARD_CERT_MAX)) == NULL)
		return r != SK_OK ? r : n > CARD_KEYS_PER_CARD - 1 ? SK_ERR_PROTO : SK_ERR_NOMEM;
	for (size_t i = 0; i < n && r == SK_OK; i++) {
		struct card_binding b;

		r = sk_msg_get_array_bytes(req, SK_K_CARD_CERTS, i, der, CARD_CERT_MAX, &len);
		if (r == SK_OK)
			r = card_verify_binding(der, len, &b) == SK_OK ? SK_OK : SK_ERR_PROTO;
		if (r == SK_OK)
			memcpy(w->keys[w->n_keys++], b.spki_sha256, CARD_SPKI_HEX);
	}
	free(der);
	return r;
}

/* The audit reason of a certificate refused at enrolment (R-LOG-1). */
static const char *
cert_refusal(int err)
{
	switch (err) {
	case CARD_VERIFY_UNTRUSTED: return "certificate_untrusted";
	case CARD_VERIFY_EXPIRED: return "certificate_expired";
	case CARD_VERIFY_NOT_YET_VALID: return "certificate_not_yet_valid";
	case CARD_VERIFY_REVOKED: return "certificate_revoked";
	case CARD_VERIFY_CRL_UNUSABLE: return "certificate_crl_unusable";
	default: return "certificate_malformed";
	}
}

static int
enroll_denied(struct broker_conn *c, const struct sk_msg *req, const char *name,
              const char *reason, const char *cert_hash, const char *uid)
{
	json_object *x = audit_field(NULL, "reason", reason);

	if (cert_hash != NULL && cert_hash[0] != '\0')
		x = audit_field(x, "cert", cert_hash);
	if (uid != NULL && uid[0] != '\0')
		x = audit_field(x, "card_uid", uid);
	return broker_audit(c, "admin.card_enroll", name, "deny", admin_actor(req, x));
}

static int
enroll_locked(struct broker_conn *c, const struct sk_msg *req, const char *name,
              const unsigned char *cert, size_t cert_len, unsigned kind, struct sk_msg *reply)
{
	struct card_rec rec, existing;
	struct card_whole whole;
	struct user_rec u;
	json_object *extra = NULL;
	int64_t other = 0;
	int r, v;

	if ((r = store_user_get(c->db, name, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	memset(&rec, 0, sizeof(rec));
	(void)card_verify_binding(cert, cert_len, &rec.binding);   /* for the record, if it parses */
	if ((v = card_verify_chain(card_factor_trust(), cert, cert_len, (time_t)broker_now())) != SK_OK ||
	    (v = card_verify_binding(cert, cert_len, &rec.binding)) != SK_OK) {
		/* A refused certificate is an administrative act too (R-LOG-1). */
		r = enroll_denied(c, req, name, cert_refusal(v), rec.binding.spki_sha256, NULL);
		return r == SK_OK ? refuse(reply, SK_ST_DENIED, SK_REASON_CERT_INVALID,
		                           card_verify_strerror(v)) : r;
	}
	if (read_whole_card(req, &rec.binding, &whole) != SK_OK)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if (store_card_by_spki(c->db, rec.binding.spki_sha256, &existing) == SK_OK) {
		/* Bound before, to anyone, active or revoked: never bound again (R-CARD-1). */
		r = enroll_denied(c, req, name, "certificate_already_bound", rec.binding.spki_sha256,
		                  whole.uid);
		return r == SK_OK ? refuse(reply, SK_ST_EXISTS, SK_REASON_CERT_BOUND,
		                           existing.user_id == u.id ? "bound to this user already" :
		                           "bound to another user") : r;
	}
	/* Another key of this card, or the card itself, belongs to somebody else: one card, one
	 * person, whatever key is enrolled (R-CARD-1). */
	if ((r = store_card_other_owner(c->db, u.id, whole.uid, (const char (*)[CARD_SPKI_HEX])
	                                whole.keys, whole.n_keys, &other)) != SK_OK)
		return r;
	if (other != 0) {
		r = enroll_denied(c, req, name, "card_already_bound", rec.binding.spki_sha256,
		                  whole.uid);
		return r == SK_OK ? refuse(reply, SK_ST_EXISTS, SK_REASON_CERT_BOUND,
		                           "card bound to another user") : r;
	}
	rec.user_id = u.id;
	rec.kind = kind;
	rec.not_after = cert_not_after(cert, cert_len);
	rec.created = broker_now();
	memcpy(rec.card_uid, whole.uid, sizeof(rec.card_uid));
	r = store_begin(c->db);
	if (r == SK_OK)
		r = store_card_insert(c->db, &rec, cert, cert_len);
	if (r == SK_OK)
		r = store_card_add_keys(c->db, rec.id, u.id, (const char (*)[CARD_SPKI_HEX])whole.keys,
		                        whole.n_keys);
	if (r == SK_OK)
		r = revoke_others(c, u.id, rec.id, &extra);
	extra = audit_field(audit_field(audit_field_int(extra, "card", rec.id), "cert",
	                    rec.binding.spki_sha256), "serial", rec.binding.serial);
	if (whole.uid[0] != '\0')
		extra = audit_field(extra, "card_uid", whole.uid);
	if ((r = attempt_end(c, r, "admin.card_enroll", name, "ok", admin_actor(req, extra))) != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_FACTOR_ID, (uint64_t)rec.id);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_CERT_HASH, rec.binding.spki_sha256);
	return r;
}

int
admin_card_enroll(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char name[SK_USER_MAX];
	unsigned char *cert;
	size_t cert_len = 0;
	uint64_t kind;
	int r;

	if (!card_factor.configured())
		return refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_NOT_CONFIGURED, NULL);
	if ((cert = malloc(CARD_CERT_MAX)) == NULL)
		return SK_ERR_NOMEM;
	if (admin_target_user(req, name, sizeof(name)) != SK_OK ||
	    sk_msg_get_bytes(req, SK_K_CERT, cert, CARD_CERT_MAX, &cert_len) != SK_OK ||
	    sk_msg_get_uint(req, SK_K_CARD_KIND, &kind) != SK_OK ||
	    card_factor_kind_classes((unsigned)(kind & 0xff)) == 0 || kind > 0xff) {
		free(cert);
		return reply_status(reply, SK_ST_BAD_REQUEST);
	}
	if ((r = store_user_lock(c->db, name)) == SK_OK) {
		r = enroll_locked(c, req, name, cert, cert_len, (unsigned)kind, reply);
		store_user_unlock(c->db);
	}
	free(cert);
	return r;
}

static json_object *
card_json(const struct card_rec *k)
{
	json_object *o = json_object_new_object();
	static const char *kinds[] = { "", "jpki", "piv-auth", "piv-card" };

	json_object_object_add(o, "id", json_object_new_int64(k->id));
	json_object_object_add(o, "kind", json_object_new_string(k->kind <= 3 ? kinds[k->kind] : "?"));
	json_object_object_add(o, "cert", json_object_new_string(k->binding.spki_sha256));
	json_object_object_add(o, "issuer", json_object_new_string(k->binding.issuer));
	json_object_object_add(o, "serial", json_object_new_string(k->binding.serial));
	json_object_object_add(o, "not_after", json_object_new_int64(k->not_after));
	json_object_object_add(o, "card_uid", json_object_new_string(k->card_uid));
	json_object_object_add(o, "state", json_object_new_string(k->revoked ? "revoked" : "active"));
	json_object_object_add(o, "revoked_at", json_object_new_int64(k->revoked_at));
	json_object_object_add(o, "revoke_reason", json_object_new_string(k->revoke_reason));
	json_object_object_add(o, "replaced_by", json_object_new_int64(k->replaced_by));
	json_object_object_add(o, "collected", json_object_new_int64(k->collected));
	json_object_object_add(o, "destroyed", json_object_new_int64(k->destroyed));
	json_object_object_add(o, "disposal_note", json_object_new_string(k->disposal_note));
	json_object_object_add(o, "created", json_object_new_int64(k->created));
	return o;
}

static int
card_list_all(struct broker_conn *c, int64_t user_id, void *recs, size_t cap, size_t *n)
{
	return store_card_list(c->db, user_id, 0, recs, cap, n);
}

static json_object *
card_json_any(const void *rec)
{
	return card_json(rec);
}

int
admin_card_list(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return admin_list_json(c, req, reply, sizeof(struct card_rec), CARDS_PER_USER_MAX,
	                       card_list_all, card_json_any);
}

/* The cards a revoke or dispose request names: all of USER's, or the one with CERT_HASH. */
static int
target_cards(struct broker_conn *c, const struct sk_msg *req, struct card_rec *out, size_t cap,
             size_t *n, int active_only, char *user, size_t usersz)
{
	char hash[CARD_SPKI_HEX];
	struct user_rec u;
	int r;

	*n = 0;
	user[0] = '\0';
	if (sk_msg_get_text(req, SK_K_CERT_HASH, hash, sizeof(hash)) == SK_OK) {
		if ((r = store_card_by_spki(c->db, hash, &out[0])) != SK_OK)
			return r;
		*n = 1;
		return SK_OK;
	}
	if (admin_target_user(req, user, usersz) != SK_OK)
		return SK_ERR_PROTO;
	if ((r = store_user_get(c->db, user, &u)) != SK_OK)
		return r;
	return store_card_list(c->db, u.id, active_only, out, cap, n);
}

static int
card_change(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply, int revoke)
{
	char name[SK_USER_MAX], action[32], note[256] = "";
	struct card_rec *recs = calloc(CARDS_PER_USER_MAX, sizeof(*recs));
	json_object *extra = NULL, *certs = NULL;
	size_t n = 0, done = 0;
	int r;

	if (recs == NULL)
		return SK_ERR_NOMEM;
	if (sk_msg_get_text(req, SK_K_CARD_REASON, action, sizeof(action)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_MESSAGE, note, sizeof(note)) != SK_OK ||
	    (revoke ? strcmp(action, "lost") && strcmp(action, "damaged") && strcmp(action, "returned")
	            : strcmp(action, "collected") && strcmp(action, "destroyed"))) {
		free(recs);
		return reply_status(reply, SK_ST_BAD_REQUEST);
	}
	r = target_cards(c, req, recs, CARDS_PER_USER_MAX, &n, revoke, name, sizeof(name));
	if (r == SK_OK && n == 0)
		r = SK_ERR_NOTFOUND;
	if (r == SK_ERR_NOTFOUND || r == SK_ERR_PROTO) {
		free(recs);
		return reply_status(reply, r == SK_ERR_PROTO ? SK_ST_BAD_REQUEST : SK_ST_NOT_FOUND);
	}
	r = r == SK_OK ? store_begin(c->db) : r;
	for (size_t i = 0; i < n && r == SK_OK; i++) {
		if (revoke)
			r = store_card_revoke(c->db, recs[i].id, action, 0, broker_now());
		else if (recs[i].revoked && !(strcmp(action, "collected") == 0 ? recs[i].collected :
		                              recs[i].destroyed))
			r = store_card_dispose(c->db, recs[i].id, strcmp(action, "collected") == 0,
			                       strcmp(action, "destroyed") == 0,
			                       note[0] ? note : recs[i].disposal_note, broker_now());
		else
			continue;   /* an active card is revoked first, then handed back; a step
			             * recorded once keeps its time and note (R-CARD-4) */
		if (r == SK_OK) {
			done++;
			extra = audit_field_int(extra, revoke ? "revoked_card" : "card", recs[i].id);
			/* Every card changed, by its binding key: with --cert HASH the record must say
			 * which certificate, and whose (R-LOG-1). */
			if (certs == NULL)
				certs = json_object_new_array();
			json_object_array_add(certs, json_object_new_string(recs[i].binding.spki_sha256));
			if (name[0] == '\0')
				r = store_card_user_name(c->db, recs[i].user_id, name, sizeof(name));
		} else if (r == SK_ERR_NOTFOUND) {
			r = SK_OK;
		}
	}
	if (certs != NULL) {
		extra = audit_field(extra, "cert", json_object_get_string(json_object_array_get_idx(
		                    certs, 0)));
		json_object_object_add(extra, "certs", certs);
		certs = NULL;
	}
	extra = audit_field(audit_field(extra, "action", action), "note", note);
	if (r == SK_OK && done == 0) {
		store_rollback(c->db);
		json_object_put(extra);
		free(recs);
		return reply_status(reply, SK_ST_NOT_FOUND);
	}
	r = attempt_end(c, r, revoke ? "admin.card_revoke" : "admin.card_dispose",
	                name[0] ? name : NULL, "ok", admin_actor(req, extra));
	if (r == SK_OK && revoke)   /* open sessions on these cards are locked or ended now (R-CARD-3) */
		(void)session_watch_cards_revoked(recs, n);
	free(recs);
	return r == SK_OK ? reply_status(reply, SK_ST_OK) : r;
}

int
admin_card_revoke(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return card_change(c, req, reply, 1);
}

int
admin_card_dispose(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	return card_change(c, req, reply, 0);
}
