#include "auth_card.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "card_verify.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store_card.h"

int
auth_card_init(struct broker *b)
{
	const struct sk_card_conf *cc = &b->conf.card;

	if (cc->trust_anchors[0] == '\0')
		return SK_OK;
	return card_verify_trust_load(cc->trust_anchors, cc->crl, &b->card_trust);
}

void
auth_card_free(struct broker *b)
{
	card_verify_trust_free(b->card_trust);
	b->card_trust = NULL;
}

unsigned
auth_card_kind_classes(unsigned kind)
{
	switch (kind) {
	case SK_CARD_JPKI:
	case SK_CARD_PIV_AUTH:
		/* The card signs only after its PIN was verified on the card itself. */
		return SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE;
	case SK_CARD_PIV_CARD:
		return SK_CLASS_POSSESSION;
	default:
		return 0;
	}
}

static int
active_card(struct broker_conn *c, int64_t user_id, struct card_rec *out)
{
	struct card_rec *recs = calloc(CARDS_PER_USER_MAX, sizeof(*recs));
	size_t n = 0;
	int r;

	if (recs == NULL)
		return SK_ERR_NOMEM;
	r = store_card_list(c->db, user_id, 1, recs, CARDS_PER_USER_MAX, &n);
	if (r == SK_OK && n == 0)
		r = SK_ERR_NOTFOUND;
	if (r == SK_OK)
		*out = recs[n - 1];   /* the newest: a replacement revokes the older ones */
	free(recs);
	return r;
}

unsigned
auth_card_classes(struct broker_conn *c, int64_t user_id)
{
	struct card_rec rec;

	if (c->b->card_trust == NULL || active_card(c, user_id, &rec) != SK_OK)
		return 0;
	return auth_card_kind_classes(rec.kind);
}

int
auth_card_begin(struct broker_conn *c, int64_t user_id, struct sk_msg *reply)
{
	struct card_rec rec;
	int r = active_card(c, user_id, &rec);

	if (r != SK_OK)
		return r;
	if (RAND_bytes(c->txn.card_challenge, BROKER_CHALLENGE_LEN) != 1) {
		sk_logerr("RAND_bytes");
		return SK_ERR_CRYPTO;
	}
	r = sk_msg_put_bytes(reply, SK_K_CARD_CHALLENGE, c->txn.card_challenge, BROKER_CHALLENGE_LEN);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_CARD_KIND, rec.kind);
	return r;
}

static const char *
refusal(int err)
{
	switch (err) {
	case CARD_VERIFY_BAD_SIGNATURE: return "card_bad_signature";
	case CARD_VERIFY_UNTRUSTED: return "card_untrusted";
	case CARD_VERIFY_EXPIRED: return "card_expired";
	case CARD_VERIFY_NOT_YET_VALID: return "card_not_yet_valid";
	case CARD_VERIFY_REVOKED: return "card_revoked_by_crl";
	case CARD_VERIFY_CRL_UNUSABLE: return "card_crl_unusable";
	default: return "card_evidence_malformed";
	}
}

void
auth_card_verify(struct broker_conn *c, int64_t user_id, const struct sk_msg *req, int64_t now,
                 struct card_outcome *o)
{
	unsigned char *cert = malloc(CARD_CERT_MAX), sig[512];
	size_t cert_len = 0, sig_len = 0;
	struct card_binding binding;
	struct card_rec bound;
	uint64_t fail;
	int r;

	memset(o, 0, sizeof(*o));
	o->reason = "card_internal";
	if (cert == NULL || c->b->card_trust == NULL)
		goto out;
	if (sk_msg_get_uint(req, SK_K_DEVICE_FAIL, &fail) == SK_OK) {
		o->reason = "card_no_evidence";
		goto out;
	}
	if (sk_msg_get_bytes(req, SK_K_CERT, cert, CARD_CERT_MAX, &cert_len) != SK_OK ||
	    sk_msg_get_bytes(req, SK_K_SIG, sig, sizeof(sig), &sig_len) != SK_OK) {
		o->reason = "card_evidence_malformed";
		goto out;
	}
	r = card_verify_login(c->b->card_trust, cert, cert_len, c->txn.card_challenge,
	                      BROKER_CHALLENGE_LEN, sig, sig_len, (time_t)now, &binding);
	if (r != SK_OK) {
		o->reason = refusal(r);
		goto out;
	}
	/* The certificate must be the one bound to this user, and not revoked (R-CARD-1/3). */
	if (store_card_by_spki(c->db, binding.spki_sha256, &bound) != SK_OK ||
	    bound.user_id != user_id) {
		o->reason = "card_not_bound_to_user";
		goto out;
	}
	o->card_row = bound.id;
	if (bound.revoked) {
		o->reason = "card_revoked";
		goto out;
	}
	o->ok = 1;
	o->classes = auth_card_kind_classes(bound.kind);
	o->reason = "ok";
out:
	free(cert);
}
