#include "card_factor.h"

#include "auth_decoy.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "card_verify.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store_card.h"

/* Loaded by init before the server starts, read by every connection thread afterwards. */
static struct card_trust *trust;

static int
card_init(const struct broker *b)
{
	const struct sk_card_conf *cc = &b->conf.card;

	if (cc->trust_anchors[0] == '\0')
		return SK_OK;
	return card_verify_trust_load(cc->trust_anchors, cc->crl, &trust);
}

static void
card_release(void)
{
	card_verify_trust_free(trust);
	trust = NULL;
}

const struct card_trust *
card_factor_trust(void)
{
	return trust;
}

static int
card_configured(void)
{
	return trust != NULL;
}

unsigned
card_factor_kind_classes(unsigned kind)
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

int
card_factor_list_active(struct broker_conn *c, int64_t user_id, struct card_rec **recs, size_t *n)
{
	int r;

	*n = 0;
	if ((*recs = calloc(CARDS_PER_USER_MAX, sizeof(**recs))) == NULL)
		return SK_ERR_NOMEM;
	r = store_card_list(c->db, user_id, 1, *recs, CARDS_PER_USER_MAX, n);
	if (r != SK_OK) {
		free(*recs);
		*recs = NULL;
		*n = 0;
	}
	return r;
}

static int
active_card(struct broker_conn *c, int64_t user_id, struct card_rec *out)
{
	struct card_rec *recs;
	size_t n;
	int r = card_factor_list_active(c, user_id, &recs, &n);

	if (r == SK_OK && n == 0)
		r = SK_ERR_NOTFOUND;
	if (r == SK_OK)
		*out = recs[n - 1];   /* the newest: a replacement revokes the older ones */
	free(recs);
	return r;
}

/* What the user's active card proves; nothing without one, or when cards are not
 * configured. */
static int
card_can_prove(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
               unsigned *classes)
{
	struct card_rec rec;

	(void)u;
	*classes = 0;
	if (trust != NULL && active_card(c, user_id, &rec) == SK_OK)
		*classes = card_factor_kind_classes(rec.kind);
	return SK_OK;
}

/* The common card: JPKI proves possession and, by its PIN, knowledge. */
static unsigned
card_decoy_can_prove(void)
{
	return trust != NULL ? SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE : 0;
}

static int
hex_key(const char *hex, unsigned char out[CARD_KEY_HASH_LEN])
{
	for (size_t i = 0; i < CARD_KEY_HASH_LEN; i++) {
		unsigned v = 0;

		for (size_t k = 0; k < 2; k++) {
			char ch = hex[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else
				return SK_ERR_STORE;
		}
		out[i] = (unsigned char)v;
	}
	return SK_OK;
}

/* The challenge, the kind of card to read, and the keys a card must hold to be asked for its
 * PIN (R-CARD-1: the module identifies the user's card before any PIN is sent). */
static int
card_begin(struct broker_conn *c, int64_t user_id, unsigned char challenge[BROKER_CHALLENGE_LEN],
           struct sk_msg *reply)
{
	unsigned char keys[CARDS_PER_USER_MAX][CARD_KEY_HASH_LEN];
	const unsigned char *items[CARDS_PER_USER_MAX];
	size_t lens[CARDS_PER_USER_MAX], n = 0;
	unsigned kind = SK_CARD_JPKI;
	int r = SK_OK;

	if (!c->txn.user_known || c->txn.decoy) {
		/* The key list a decoy plan gets (auth_decoy.h): one hash, the same for the same
		 * name every time, that no card holds; a user with one card gets one hash too, so
		 * the answer does not tell the two apart. The module finds no matching card and
		 * sends no PIN. */
		r = auth_decoy_bytes(c->b, "card-key-hash", c->txn.user, keys[0], CARD_KEY_HASH_LEN);
		n = 1;
	} else {
		struct card_rec *recs;

		r = card_factor_list_active(c, user_id, &recs, &n);
		if (r == SK_OK && n == 0)
			r = SK_ERR_NOTFOUND;
		for (size_t i = 0; i < n && r == SK_OK; i++)
			r = hex_key(recs[i].binding.spki_sha256, keys[i]);
		if (r == SK_OK)
			kind = recs[n - 1].kind;   /* the newest: a replacement revokes the older ones */
		free(recs);
	}
	for (size_t i = 0; i < n; i++) {
		items[i] = keys[i];
		lens[i] = CARD_KEY_HASH_LEN;
	}
	if (r == SK_OK && RAND_bytes(challenge, BROKER_CHALLENGE_LEN) != 1) {
		sk_logerr("RAND_bytes");
		r = SK_ERR_CRYPTO;
	}
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_CARD_CHALLENGE, challenge, BROKER_CHALLENGE_LEN);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_CARD_KIND, kind);
	if (r == SK_OK)
		r = sk_msg_put_bytes_array(reply, SK_K_CARD_KEYS, items, lens, n);
	return r;
}

/* The module's account of a card step without evidence (SK_K_CARD_FAIL), as its own audit
 * reason (R-LOG-1). */
static const char *
card_fail_reason(uint64_t reason)
{
	switch (reason) {
	case SK_REASON_CARD_PIN_WRONG: return "card_pin_wrong";
	case SK_REASON_CARD_PIN_LAST_TRY: return "card_pin_last_try_withheld";
	case SK_REASON_CARD_PIN_BLOCKED: return "card_pin_blocked";
	case SK_REASON_CARD_FOREIGN: return "card_not_enrolled";
	case SK_REASON_CARD_PIN_EMPTY: return "card_pin_empty";
	case SK_REASON_CARD_PIN_FORMAT: return "card_pin_format";
	case SK_REASON_CARD_ABSENT: return "card_absent";
	case SK_REASON_CARD_REMOVED: return "card_removed";
	case SK_REASON_CARD_UNREADABLE: return "card_unreadable";
	case SK_REASON_CARD_PIN_CANCELLED: return "card_pin_cancelled";
	default: return "card_no_evidence";
	}
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

static void
card_verify(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
            const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
            struct factor_result *o)
{
	int64_t user_id = u->id;
	unsigned char *cert = malloc(CARD_CERT_MAX), sig[512];
	char uid[CARD_UID_MAX] = "";
	size_t cert_len = 0, sig_len = 0;
	struct card_binding binding;
	struct card_rec bound;
	uint64_t fail, why = 0;
	int64_t other = 0;
	int r;

	memset(o, 0, sizeof(*o));
	o->reason = "card_internal";
	if (cert == NULL || trust == NULL)
		goto out;
	if (sk_msg_get_uint(req, SK_K_DEVICE_FAIL, &fail) == SK_OK) {
		o->reason = sk_msg_get_uint(req, SK_K_CARD_FAIL, &why) == SK_OK ?
		            card_fail_reason(why) : "card_no_evidence";
		goto out;
	}
	if (sk_msg_get_bytes(req, SK_K_CERT, cert, CARD_CERT_MAX, &cert_len) != SK_OK ||
	    sk_msg_get_bytes(req, SK_K_SIG, sig, sizeof(sig), &sig_len) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_CARD_UID, uid, sizeof(uid)) != SK_OK) {
		o->reason = "card_evidence_malformed";
		goto out;
	}
	r = card_verify_login(trust, cert, cert_len, challenge, BROKER_CHALLENGE_LEN, sig, sig_len,
	                      (time_t)now, &binding);
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
	o->row = bound.id;
	if (bound.revoked) {
		o->reason = "card_revoked";
		goto out;
	}
	/* The card itself, not only one key on it (R-CARD-1): the identity the card states
	 * (PIV CHUID) must be the one enrolled, and no other person's card. */
	if (bound.card_uid[0] != '\0' && strcmp(bound.card_uid, uid) != 0) {
		o->reason = "card_identity_mismatch";
		goto out;
	}
	if (store_card_other_owner(c->db, user_id, uid, NULL, 0, &other) != SK_OK || other != 0) {
		o->reason = other != 0 ? "card_shared" : "card_internal";
		goto out;
	}
	o->ok = 1;
	o->classes = card_factor_kind_classes(bound.kind);
	o->reason = "ok";
out:
	free(cert);
}

const struct factor_ops card_factor = {
	.method = SK_METHOD_CARD,
	/* A PIV 9E card proves possession only; JPKI and PIV 9A add knowledge by their PIN. */
	.credential_classes = SK_CLASS_KNOWLEDGE,
	.local_only = 1,
	.init = card_init,
	.release = card_release,
	.configured = card_configured,
	.can_prove = card_can_prove,
	.decoy_can_prove = card_decoy_can_prove,
	.begin = card_begin,
	.verify = card_verify,
};
