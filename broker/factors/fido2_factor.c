#include "fido2_factor.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_decoy.h"
#include "fido2_attest.h"
#include "fido2_verify.h"
#include "sk_err.h"
#include "sk_log.h"
#include "skf_common.h"
#include "store_fido2.h"

/* Loaded by init before the server starts, read by every connection thread afterwards. */
static struct fido2_policy policy;

const struct fido2_policy *
fido2_factor_policy(void)
{
	return &policy;
}

static int
load_list(const char *text, struct fido2_aaguid_list **out)
{
	char buf[1024], *save = NULL, *tok;
	struct fido2_aaguid_list *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL)
		return SK_ERR_NOMEM;
	fido2_aaguid_list_init(l);
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
		free(l);
		return SK_ERR_CONFIG;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (fido2_aaguid_list_add(l, tok) != SK_OK) {
			sk_logerr("[fido2] AAGUID '%s' invalid", tok);
			free(l);
			return SK_ERR_CONFIG;
		}
	}
	*out = l;
	return SK_OK;
}

static int
fido2_init(const struct broker *b)
{
	const struct sk_fido2_conf *f = &b->conf.fido2;
	struct fido2_aaguid_list *allowed = NULL, *inherence = NULL;
	int r;

	if (f->rp_id[0] == '\0')
		return SK_OK;
	if (f->attestation_roots[0] != '\0' &&
	    (r = fido2_attest_load_roots(f->attestation_roots, &policy.roots)) != SK_OK)
		return r;
	if (f->allowed_aaguids[0] != '\0') {
		if ((r = load_list(f->allowed_aaguids, &allowed)) != SK_OK)
			return r;
		policy.allowed = allowed;
	}
	if ((r = load_list(f->inherence_aaguids, &inherence)) != SK_OK)
		return r;
	policy.inherence = inherence;
	policy.enabled = 1;
	return SK_OK;
}

static void
fido2_release(void)
{
	X509_STORE_free(policy.roots);
	free(policy.allowed);
	free(policy.inherence);
	memset(&policy, 0, sizeof(policy));
}

static int
fido2_configured(void)
{
	return policy.enabled;
}

/* Whether a credential can ever prove inherence: a model on the inherence list whose
 * attestation chained to a root at enrolment (R-MFA-1: not on the key's own word). */
static int
can_prove_inherence(const struct fido2_rec *rec)
{
	return rec->trusted && policy.roots != NULL &&
	       fido2_aaguid_list_contains(policy.inherence, rec->aaguid);
}

/* Possession and knowledge (the PIN) for any usable key; inherence only for one that can
 * prove it. Nothing when FIDO2 is not configured or the keys cannot be read. */
static int
fido2_can_prove(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
                unsigned *classes)
{
	struct fido2_rec *recs;
	size_t n = 0;

	(void)u;
	*classes = 0;
	if (!policy.enabled || (recs = calloc(FIDO2_PER_USER_MAX, sizeof(*recs))) == NULL)
		return SK_OK;
	if (store_fido2_list(c->db, user_id, 1, recs, FIDO2_PER_USER_MAX, &n) != SK_OK)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		*classes |= SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE;
		if (can_prove_inherence(&recs[i]))
			*classes |= SK_CLASS_INHERENCE;
	}
	free(recs);
	return SK_OK;
}

/* A user with every kind of key: inherence when a sensor model could be trusted at all. */
static unsigned
fido2_decoy_can_prove(void)
{
	if (!policy.enabled)
		return 0;
	return SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE |
	       (policy.roots != NULL && policy.inherence != NULL && policy.inherence->n > 0 ?
	        SK_CLASS_INHERENCE : 0);
}

/* Possession for sure; under fido2_uv = required one of knowledge (PIN) or, where one of
 * the user's keys can prove it, inherence (sensor) when the key answers. */
static void
fido2_offer(const struct sk_profile *p, unsigned can_prove, struct plan_offer *o)
{
	o->sure = SK_CLASS_POSSESSION;
	if (p->fido2_uv == SKF_UV_REQUIRED)
		o->wildcard = can_prove & (SK_CLASS_KNOWLEDGE | SK_CLASS_INHERENCE);
}

/* R-MFA-1: inherence rests on a verified attestation chain, and a profile must be able to
 * get what it requires. Refused here, with the file and line, rather than refusing every
 * login later. */
static int conf_refuse(char *err, size_t errsz, const struct sk_conf *conf, int line,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
conf_refuse(char *err, size_t errsz, const struct sk_conf *conf, int line, const char *fmt, ...)
{
	int n = snprintf(err, errsz, "%s:%d: ", conf->path, line);
	va_list ap;

	if (n > 0 && (size_t)n < errsz) {
		va_start(ap, fmt);
		vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return SK_ERR_CONFIG;
}

static int
fido2_check_conf(const struct sk_conf *conf, char *err, size_t errsz)
{
	const struct sk_fido2_conf *f = &conf->fido2;

	if (f->inherence_aaguids[0] != '\0' && f->attestation_roots[0] == '\0')
		return conf_refuse(err, errsz, conf, f->inherence_line,
		                   "[fido2] inherence_aaguids needs attestation_roots: without a "
		                   "verified attestation chain a key's model is only its own claim "
		                   "(R-MFA-1)");
	for (size_t i = 0; i < conf->n_profiles; i++) {
		const struct sk_profile *p = &conf->profiles[i];

		if (!(p->required_classes & SK_CLASS_INHERENCE) && p->min_classes < 3)
			continue;
		if (f->attestation_roots[0] == '\0' || f->rp_id[0] == '\0')
			return conf_refuse(err, errsz, conf, p->line,
			                   "profile '%s' requires inherence, which needs [fido2] rp_id and "
			                   "attestation_roots (a verified attestation chain, R-MFA-1)",
			                   p->name);
		if (f->inherence_aaguids[0] == '\0')
			return conf_refuse(err, errsz, conf, p->line,
			                   "profile '%s' requires inherence, but [fido2] inherence_aaguids "
			                   "names no model", p->name);
		if (p->fido2_uv != SKF_UV_REQUIRED)
			return conf_refuse(err, errsz, conf, p->line,
			                   "profile '%s' requires inherence, which only a key's built-in "
			                   "verification proves: set fido2_uv = required", p->name);
	}
	return SK_OK;
}

/* The challenge, relying party, allowed credential ids, UV and timeout. */
static int
put_challenge(struct broker_conn *c, unsigned char challenge[BROKER_CHALLENGE_LEN],
              const unsigned char **ids, const size_t *lens, size_t n, struct sk_msg *reply)
{
	int r = SK_OK;

	if (RAND_bytes(challenge, BROKER_CHALLENGE_LEN) != 1) {
		sk_logerr("RAND_bytes");
		r = SK_ERR_CRYPTO;
	}
	if (r == SK_OK)
		r = sk_msg_put_bytes(reply, SK_K_FIDO2_CHALLENGE, challenge, BROKER_CHALLENGE_LEN);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_RP_ID, c->b->conf.fido2.rp_id);
	if (r == SK_OK)
		r = sk_msg_put_bytes_array(reply, SK_K_CRED_IDS, ids, lens, n);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_UV, c->txn.profile.fido2_uv);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_TIMEOUT_MS, (uint64_t)c->b->conf.fido2.timeout * 1000);
	return r;
}

/* The fields for a decoy plan (auth_decoy.h): one credential id derived from the name. */
static int
begin_decoy(struct broker_conn *c, unsigned char challenge[BROKER_CHALLENGE_LEN],
            struct sk_msg *reply)
{
	unsigned char id[AUTH_DECOY_CRED_ID_LEN];
	const unsigned char *ids[1] = { id };
	size_t lens[1] = { sizeof(id) };
	int r = auth_decoy_bytes(c->b, "fido2-cred-id", c->txn.user, id, sizeof(id));

	if (r == SK_OK)
		r = put_challenge(c, challenge, ids, lens, 1, reply);
	return r;
}

static int
fido2_begin(struct broker_conn *c, int64_t user_id, unsigned char challenge[BROKER_CHALLENGE_LEN],
            struct sk_msg *reply)
{
	struct fido2_rec *recs;
	const unsigned char *ids[FIDO2_PER_USER_MAX];
	size_t lens[FIDO2_PER_USER_MAX], n = 0;
	int r;

	if (c->txn.decoy)
		return begin_decoy(c, challenge, reply);
	if ((recs = calloc(FIDO2_PER_USER_MAX, sizeof(*recs))) == NULL)
		return SK_ERR_NOMEM;
	r = store_fido2_list(c->db, user_id, 1, recs, FIDO2_PER_USER_MAX, &n);
	for (size_t i = 0; i < n; i++) {
		ids[i] = recs[i].cred_id;
		lens[i] = recs[i].cred_id_len;
	}
	if (r == SK_OK)
		r = put_challenge(c, challenge, ids, lens, n, reply);
	free(recs);
	return r;
}

static unsigned
classes_of(unsigned fido2_classes)
{
	unsigned c = 0;

	if (fido2_classes & FIDO2_CLASS_KNOWLEDGE)
		c |= SK_CLASS_KNOWLEDGE;
	if (fido2_classes & FIDO2_CLASS_POSSESSION)
		c |= SK_CLASS_POSSESSION;
	if (fido2_classes & FIDO2_CLASS_INHERENCE)
		c |= SK_CLASS_INHERENCE;
	return c;
}

/* The evidence the module sent, bounded by the fixed buffers (R-INPUT-1). */
struct fido2_evidence {
	unsigned char cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char authdata[FIDO2_AUTHDATA_MAX];
	size_t authdata_len;
	unsigned char sig[FIDO2_SIG_MAX];
	size_t sig_len;
	char uvm[16];
};

static const char *
read_evidence(const struct sk_msg *req, struct fido2_evidence *e)
{
	uint64_t fail;

	if (sk_msg_get_uint(req, SK_K_DEVICE_FAIL, &fail) == SK_OK)
		return "fido2_no_evidence";
	if (sk_msg_get_bytes(req, SK_K_CRED_ID, e->cred_id, sizeof(e->cred_id),
	                     &e->cred_id_len) != SK_OK ||
	    sk_msg_get_bytes(req, SK_K_AUTHDATA, e->authdata, sizeof(e->authdata),
	                     &e->authdata_len) != SK_OK ||
	    sk_msg_get_bytes(req, SK_K_SIG, e->sig, sizeof(e->sig), &e->sig_len) != SK_OK ||
	    sk_msg_get_text(req, SK_K_UV_METHOD, e->uvm, sizeof(e->uvm)) != SK_OK)
		return "fido2_evidence_malformed";
	return NULL;
}

static const struct fido2_rec *
find_cred(const struct fido2_rec *recs, size_t n, const struct fido2_evidence *e)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].cred_id_len == e->cred_id_len &&
		    memcmp(recs[i].cred_id, e->cred_id, e->cred_id_len) == 0)
			return &recs[i];
	return NULL;
}

static void
verify_with(struct broker_conn *c, const struct fido2_rec *rec, const struct fido2_evidence *e,
            enum skf_uv_method uvm, const unsigned char challenge[BROKER_CHALLENGE_LEN],
            struct factor_result *o)
{
	struct fido2_stored_cred cred = {
		.cred_id = rec->cred_id, .cred_id_len = rec->cred_id_len, .cose_type = rec->cose_type,
		.pubkey = rec->pubkey, .pubkey_len = rec->pubkey_len, .sign_count = rec->sign_count,
	};
	struct fido2_verify_req vr = {
		.rp_id = c->b->conf.fido2.rp_id, .cdh = challenge,
		.cdh_len = BROKER_CHALLENGE_LEN, .cred_id = e->cred_id, .cred_id_len = e->cred_id_len,
		.authdata = e->authdata, .authdata_len = e->authdata_len, .sig = e->sig,
		.sig_len = e->sig_len, .require_up = c->txn.profile.fido2_up != 0,
		.require_uv = c->txn.profile.fido2_uv == SKF_UV_REQUIRED, .uv_method = uvm,
		.inherence_aaguids = policy.inherence,
	};
	struct fido2_verify_result res;

	memcpy(cred.aaguid, rec->aaguid, FIDO2_AAGUID_LEN);
	cred.chain_verified = rec->trusted != 0;
	memset(&res, 0, sizeof(res));
	o->row = rec->id;
	if (fido2_verify_assertion(&cred, &vr, &res) == SK_OK && res.verdict == FIDO2_VERDICT_OK) {
		o->ok = 1;
		o->classes = classes_of(res.classes);
		o->counter = res.sign_count;
		o->reason = "ok";
		return;
	}
	o->clone = res.verdict == FIDO2_VERDICT_CLONE_SUSPECTED;
	o->reason = o->clone ? "fido2_clone_suspected" : "fido2_refused";
	sk_log(LOG_WARNING, "fido2 assertion for credential %lld refused: %s",
	       (long long)rec->id, res.reason ? res.reason : fido2_verdict_name(res.verdict));
}

static void
fido2_verify(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
             const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
             struct factor_result *o)
{
	struct fido2_evidence *e = calloc(1, sizeof(*e));
	struct fido2_rec *recs = calloc(FIDO2_PER_USER_MAX, sizeof(*recs));
	const struct fido2_rec *rec;
	enum skf_uv_method uvm;
	size_t n = 0;

	(void)now;
	memset(o, 0, sizeof(*o));
	o->reason = "fido2_internal";
	if (e == NULL || recs == NULL)
		goto out;
	if ((o->reason = read_evidence(req, e)) != NULL)
		goto out;
	if (skf_uv_method_parse(e->uvm, &uvm) != SK_OK) {
		o->reason = "fido2_evidence_malformed";
		goto out;
	}
	if (store_fido2_list(c->db, u->id, 1, recs, FIDO2_PER_USER_MAX, &n) != SK_OK ||
	    (rec = find_cred(recs, n, e)) == NULL) {
		o->reason = "fido2_unknown_credential";
		goto out;
	}
	verify_with(c, rec, e, uvm, challenge, o);
out:
	free(e);
	free(recs);
}

/* The counter of a key that answered, whatever the rest of the login did; the clone flag of
 * one whose counter went backwards. */
static int
fido2_commit(struct broker_conn *c, const struct factor_result *o, int login_ok, int64_t now)
{
	(void)login_ok;
	if (o->row <= 0)
		return SK_OK;
	if (o->ok)
		return store_fido2_used(c->db, o->row, (uint32_t)o->counter, now);
	if (o->clone)
		return store_fido2_flag_clone(c->db, o->row);
	return SK_OK;
}

const struct factor_ops fido2_factor = {
	.method = SK_METHOD_FIDO2,
	.credential_classes = SK_CLASS_INHERENCE,
	.local_only = 1,
	.check_conf = fido2_check_conf,
	.init = fido2_init,
	.release = fido2_release,
	.configured = fido2_configured,
	.can_prove = fido2_can_prove,
	.decoy_can_prove = fido2_decoy_can_prove,
	.offer = fido2_offer,
	.begin = fido2_begin,
	.verify = fido2_verify,
	.commit = fido2_commit,
};
