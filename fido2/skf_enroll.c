#include "skf_enroll.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "skf_internal.h"

#define N_PREFERRED 3
static const int preferred_algs[N_PREFERRED] = { COSE_ES256, COSE_EDDSA, COSE_RS256 };

static int
check_str(const char *s, size_t max, bool optional, const char *what)
{
	size_t len;

	if (s == NULL) {
		if (optional)
			return SK_OK;
		sk_logerr("missing %s", what);
		return SK_ERR_ARG;
	}
	len = strnlen(s, max + 1);
	if (len == 0 || len > max) {
		sk_logerr("%s empty or too long", what);
		return SK_ERR_ARG;
	}
	return SK_OK;
}

static int
check_req(const struct skf_enroll_req *req)
{
	int r;

	if ((r = check_str(req->rp_id, SKF_RP_ID_MAX, false, "relying party id")) != SK_OK ||
	    (r = check_str(req->rp_name, 64, true, "relying party name")) != SK_OK ||
	    (r = check_str(req->user_name, 64, true, "user name")) != SK_OK ||
	    (r = check_str(req->display_name, 64, true, "display name")) != SK_OK)
		return r;
	if (req->user_id == NULL || req->user_id_len == 0 || req->user_id_len > SKF_USER_ID_MAX) {
		sk_logerr("user id missing or longer than %d bytes", SKF_USER_ID_MAX);
		return SK_ERR_ARG;
	}
	if (req->cdh == NULL || req->cdh_len != SKF_CDH_LEN) {
		sk_logerr("challenge must be %d bytes", SKF_CDH_LEN);
		return SK_ERR_ARG;
	}
	if ((r = skf_check_cred_list(req->exclude, req->n_exclude, "excluded")) != SK_OK)
		return r;
	return skf_check_timeout(req->timeout_ms);
}

/* The algorithms to try on d, best first. A key that lists none (CTAP 2.0) is tried with
 * each in turn: an unsupported one is refused before the key waits for a touch. */
static size_t
pick_algs(const struct skf_dev *d, int out[N_PREFERRED])
{
	size_t n = 0;

	for (size_t i = 0; i < N_PREFERRED; i++) {
		bool offered = d->n_algs == 0;

		for (size_t j = 0; j < d->n_algs && j < SKF_MAX_ALGS; j++)
			if (d->algs[j] == preferred_algs[i])
				offered = true;
		if (offered)
			out[n++] = preferred_algs[i];
	}
	if (!d->fido2 && n > 0)
		n = 1; /* U2F knows only ES256 */
	return n;
}

/* CTAP 2.0: a key protected by a PIN or built-in verification verifies the user for every
 * makeCredential, unless it says (makeCredUvNotRqd) that it does not need to for a
 * non-resident credential. */
static int
plan_uv(const struct skf_dev *d, const struct skf_enroll_req *req, enum skf_uv_method *m,
        enum skf_fail *fail)
{
	bool key_wants = (d->pin_set || d->builtin_uv) &&
	                 !(d->uv_not_required_mc && !req->resident);

	*m = SKF_UVM_NONE;
	if (req->uv == SKF_UV_DISCOURAGED && !key_wants)
		return SK_OK;
	if (d->builtin_uv)
		*m = SKF_UVM_BUILTIN;
	else if (d->pin_set && req->ui.pin != NULL)
		*m = SKF_UVM_PIN;
	else if (d->pin_set) {
		sk_logerr("%s needs its PIN but no PIN prompt is available", d->path);
		*fail = SKF_FAIL_PIN_CANCELLED;
		return SK_ERR_DENIED;
	} else if (req->uv == SKF_UV_REQUIRED) {
		sk_logerr("%s can verify no one: no PIN set, no built-in verification", d->path);
		*fail = d->pin_supported ? SKF_FAIL_PIN_NOT_SET : SKF_FAIL_UV_UNAVAILABLE;
		return SK_ERR_DENIED;
	}
	return SK_OK;
}

static int
build_cred(const struct skf_enroll_req *req, int alg, enum skf_uv_method m, fido_cred_t **out)
{
	fido_cred_t *c;

	*out = NULL;
	if ((c = fido_cred_new()) == NULL) {
		sk_logerr("fido_cred_new failed");
		return SK_ERR_NOMEM;
	}
	if (fido_cred_set_type(c, alg) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, req->cdh, req->cdh_len) != FIDO_OK ||
	    fido_cred_set_rp(c, req->rp_id, req->rp_name) != FIDO_OK ||
	    fido_cred_set_user(c, req->user_id, req->user_id_len, req->user_name,
	                       req->display_name, NULL) != FIDO_OK ||
	    fido_cred_set_rk(c, req->resident ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_cred_set_uv(c, m == SKF_UVM_BUILTIN ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK) {
		sk_logerr("cannot set up the credential request");
		fido_cred_free(&c);
		return SK_ERR_INTERNAL;
	}
	for (size_t i = 0; i < req->n_exclude; i++)
		if (fido_cred_exclude(c, req->exclude[i].id, req->exclude[i].len) != FIDO_OK) {
			sk_logerr("cannot add excluded credential");
			fido_cred_free(&c);
			return SK_ERR_INTERNAL;
		}
	*out = c;
	return SK_OK;
}

static int
take_result(const fido_cred_t *c, struct skf_enroll_result *res)
{
	const char *fmt = fido_cred_fmt(c);
	size_t fmtlen, cdh_len;
	int r;

	if (fmt == NULL || (fmtlen = strnlen(fmt, sizeof(res->fmt))) == 0 ||
	    fmtlen >= sizeof(res->fmt)) {
		sk_logerr("key returned no or an overlong attestation format");
		return SK_ERR_PROTO;
	}
	memcpy(res->fmt, fmt, fmtlen + 1);
	if (fido_cred_aaguid_len(c) != SKF_AAGUID_LEN || fido_cred_aaguid_ptr(c) == NULL) {
		sk_logerr("key returned no AAGUID");
		return SK_ERR_PROTO;
	}
	memcpy(res->aaguid, fido_cred_aaguid_ptr(c), SKF_AAGUID_LEN);
	if ((r = skf_copy_blob(res->authdata, sizeof(res->authdata), &res->authdata_len,
	                       fido_cred_authdata_ptr(c), fido_cred_authdata_len(c),
	                       "authenticator data")) != SK_OK ||
	    (r = skf_copy_blob(res->attstmt, sizeof(res->attstmt), &res->attstmt_len,
	                       fido_cred_attstmt_ptr(c), fido_cred_attstmt_len(c),
	                       "attestation statement")) != SK_OK ||
	    (r = skf_copy_blob(res->cdh, sizeof(res->cdh), &cdh_len,
	                       fido_cred_clientdata_hash_ptr(c), fido_cred_clientdata_hash_len(c),
	                       "client data hash")) != SK_OK ||
	    (r = skf_copy_blob(res->cred_id, sizeof(res->cred_id), &res->cred_id_len,
	                       fido_cred_id_ptr(c), fido_cred_id_len(c), "credential id")) != SK_OK ||
	    (r = skf_copy_blob(res->pubkey, sizeof(res->pubkey), &res->pubkey_len,
	                       fido_cred_pubkey_ptr(c), fido_cred_pubkey_len(c),
	                       "public key")) != SK_OK)
		return r;
	/* Self attestation has no certificate and "none" no signature either. */
	if (fido_cred_x5c_len(c) > 0 &&
	    (r = skf_copy_blob(res->x5c, sizeof(res->x5c), &res->x5c_len, fido_cred_x5c_ptr(c),
	                       fido_cred_x5c_len(c), "attestation certificate")) != SK_OK)
		return r;
	if (fido_cred_sig_len(c) > 0 &&
	    (r = skf_copy_blob(res->sig, sizeof(res->sig), &res->sig_len, fido_cred_sig_ptr(c),
	                       fido_cred_sig_len(c), "attestation signature")) != SK_OK)
		return r;
	res->cose_type = fido_cred_type(c);
	res->sign_count = fido_cred_sigcount(c);
	res->flags = fido_cred_flags(c);
	if ((res->flags & CTAP_AUTHDATA_USER_VERIFIED) == 0)
		res->uv_method = SKF_UVM_NONE;
	return SK_OK;
}

static int
run_enroll(struct skf_dev *d, const struct skf_enroll_req *req, struct skf_deadline *dl,
           enum skf_uv_method m, struct skf_enroll_result *res)
{
	char pin[SKF_PIN_MAX + 1];
	int algs[N_PREFERRED];
	size_t n_algs = pick_algs(d, algs);
	fido_cred_t *c = NULL;
	int r = SK_ERR_DENIED, fr = FIDO_ERR_UNSUPPORTED_ALGORITHM;

	explicit_bzero(pin, sizeof(pin));
	res->uv_method = m;
	if (n_algs == 0) {
		sk_logerr("%s offers none of ES256, EdDSA, RS256", d->path);
		res->fail = SKF_FAIL_UNSUPPORTED;
		return SK_ERR_DENIED;
	}
	if (m == SKF_UVM_PIN &&
	    (r = skf_pin_ask(d, &req->ui, dl, pin, sizeof(pin), &res->pin_retries,
	                     &res->fail)) != SK_OK)
		goto out;
	for (size_t i = 0; i < n_algs; i++) {
		fido_cred_free(&c);
		if ((r = build_cred(req, algs[i], m, &c)) != SK_OK)
			goto out;
		if ((r = skf_deadline_arm(dl, d, 0)) != SK_OK) {
			res->fail = SKF_FAIL_TIMEOUT;
			goto out;
		}
		skf_cue(&req->ui, m == SKF_UVM_BUILTIN ? SKF_CUE_BUILTIN_UV : SKF_CUE_TOUCH);
		fr = fido_dev_make_cred(d->dev, c, m == SKF_UVM_PIN ? pin : NULL);
		if (fr != FIDO_ERR_UNSUPPORTED_ALGORITHM)
			break;
		sk_logdebug("%s refused COSE algorithm %d", d->path, algs[i]);
	}
	explicit_bzero(pin, sizeof(pin));
	if (fr == FIDO_OK) {
		r = take_result(c, res);
		goto out;
	}
	r = skf_map_fido_err(fr, dl, &res->fail);
	if (r == SK_ERR_TIMEOUT) {
		sk_logerr("%s was not touched within the timeout (%s)", d->path, fido_strerr(fr));
		if (fido_dev_cancel(d->dev) != FIDO_OK)
			sk_logwarn("cancel on %s failed", d->path);
	} else {
		sk_logerr("makeCredential on %s failed: %s", d->path, fido_strerr(fr));
	}
out:
	explicit_bzero(pin, sizeof(pin));
	fido_cred_free(&c);
	return r;
}

int
skf_enroll(struct skf_devlist *l, const struct skf_enroll_req *req,
           struct skf_enroll_result *res)
{
	struct skf_deadline dl;
	struct skf_dev *d;
	enum skf_uv_method m;
	size_t plen;
	int r;

	memset(res, 0, sizeof(*res));
	res->pin_retries = -1;
	if ((r = check_req(req)) != SK_OK)
		return r;
	if (l == NULL || l->n == 0) {
		sk_logerr("no security key plugged in");
		res->fail = SKF_FAIL_NO_DEVICE;
		return SK_ERR_NOTFOUND;
	}
	if (l->n > 1) {
		sk_logerr("%zu security keys plugged in; enrolment needs exactly one", l->n);
		res->fail = SKF_FAIL_SEVERAL_DEVICES;
		return SK_ERR_BUSY;
	}
	d = &l->d[0];
	plen = strnlen(d->path, sizeof(d->path) - 1);
	memcpy(res->dev_path, d->path, plen);
	res->dev_path[plen] = '\0';
	if (req->resident && !d->rk) {
		sk_logerr("%s cannot store resident credentials", d->path);
		res->fail = SKF_FAIL_UNSUPPORTED;
		return SK_ERR_DENIED;
	}
	if ((r = plan_uv(d, req, &m, &res->fail)) != SK_OK)
		return r;
	skf_deadline_start(&dl, req->timeout_ms);
	if ((r = skf_keep_last_uv_try(d, &dl, req->ui.pin != NULL, &m, &res->fail)) != SK_OK)
		return r;
	return run_enroll(d, req, &dl, m, res);
}
