#include "skf_assert.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sk_err.h"
#include "sk_log.h"
#include "skf_internal.h"

static int
check_req(const struct skf_assert_req *req)
{
	size_t rplen;
	int r;

	if (req->rp_id == NULL || req->cdh == NULL || req->allow == NULL) {
		sk_logerr("incomplete assertion request");
		return SK_ERR_ARG;
	}
	rplen = strnlen(req->rp_id, SKF_RP_ID_MAX + 1);
	if (rplen == 0 || rplen > SKF_RP_ID_MAX) {
		sk_logerr("relying party id empty or too long");
		return SK_ERR_ARG;
	}
	if (req->cdh_len != SKF_CDH_LEN) {
		sk_logerr("challenge must be %d bytes", SKF_CDH_LEN);
		return SK_ERR_ARG;
	}
	if (req->n_allow == 0) {
		sk_logerr("no allowed credential");
		return SK_ERR_ARG;
	}
	if ((r = skf_check_cred_list(req->allow, req->n_allow, "allowed")) != SK_OK)
		return r;
	return skf_check_timeout(req->timeout_ms);
}

/* Index of id in the allow list, or -1. */
static int
allow_index(const struct skf_assert_req *req, const unsigned char *id, size_t len)
{
	for (size_t i = 0; i < req->n_allow; i++)
		if (req->allow[i].len == len && CRYPTO_memcmp(req->allow[i].id, id, len) == 0)
			return (int)i;
	return -1;
}

/* A request for d: only the one allowed credential when known (idx >= 0), else all. */
static int
build_assert(const struct skf_assert_req *req, const unsigned char *cdh, int idx,
             fido_assert_t **out)
{
	fido_assert_t *a;

	*out = NULL;
	if ((a = fido_assert_new()) == NULL) {
		sk_logerr("fido_assert_new failed");
		return SK_ERR_NOMEM;
	}
	if (fido_assert_set_rp(a, req->rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, SKF_CDH_LEN) != FIDO_OK) {
		sk_logerr("cannot set relying party or challenge");
		fido_assert_free(&a);
		return SK_ERR_INTERNAL;
	}
	for (size_t i = 0; i < req->n_allow; i++) {
		if (idx >= 0 && (size_t)idx != i)
			continue;
		if (fido_assert_allow_cred(a, req->allow[i].id, req->allow[i].len) != FIDO_OK) {
			sk_logerr("cannot add allowed credential");
			fido_assert_free(&a);
			return SK_ERR_INTERNAL;
		}
	}
	*out = a;
	return SK_OK;
}

/* Asks d silently (no touch, no PIN, throw-away challenge) whether it holds an allowed
 * credential. SK_OK with *idx set (-1: holds one, but did not say which), SK_ERR_NOTFOUND
 * when it holds none, other codes when the key could not tell. */
static int
preflight(struct skf_dev *d, const struct skf_assert_req *req, const struct skf_deadline *dl,
          int *idx)
{
	unsigned char cdh[SKF_CDH_LEN];
	fido_assert_t *a = NULL;
	enum skf_fail fail;
	const unsigned char *id;
	size_t idlen;
	int r;

	*idx = -1;
	if (RAND_bytes(cdh, sizeof(cdh)) != 1) {
		sk_logerr("RAND_bytes failed");
		return SK_ERR_CRYPTO;
	}
	if ((r = build_assert(req, cdh, -1, &a)) != SK_OK)
		return r;
	if (fido_assert_set_up(a, FIDO_OPT_FALSE) != FIDO_OK) {
		sk_logerr("cannot clear user presence");
		r = SK_ERR_INTERNAL;
		goto out;
	}
	if ((r = skf_deadline_arm(dl, d, SKF_PREFLIGHT_MS)) != SK_OK)
		goto out;
	if ((r = fido_dev_get_assert(d->dev, a, NULL)) != FIDO_OK) {
		int fr = r;

		r = skf_map_fido_err(fr, dl, &fail);
		if (r == SK_ERR_NOTFOUND)
			sk_logdebug("%s holds no allowed credential", d->path);
		else
			sk_logerr("probe of %s failed: %s", d->path, fido_strerr(fr));
		goto out;
	}
	if (fido_assert_count(a) < 1) {
		sk_logerr("probe of %s returned no assertion", d->path);
		r = SK_ERR_PROTO;
		goto out;
	}
	id = fido_assert_id_ptr(a, 0);
	idlen = fido_assert_id_len(a, 0);
	if (id != NULL && idlen > 0) {
		if ((*idx = allow_index(req, id, idlen)) < 0) {
			sk_logerr("%s answered with a credential that was not asked for", d->path);
			r = SK_ERR_PROTO;
			goto out;
		}
	} else if (req->n_allow == 1) {
		*idx = 0;
	}
	r = SK_OK;
out:
	fido_assert_free(&a);
	return r;
}

/* Finds the key to use. */
static int
choose_device(struct skf_devlist *l, const struct skf_assert_req *req,
              const struct skf_deadline *dl, struct skf_dev **chosen, int *idx,
              enum skf_fail *fail)
{
	struct skf_dev *maybe = NULL;

	*chosen = NULL;
	for (size_t i = 0; i < l->n && i < SKF_MAX_DEVICES; i++) {
		int r = preflight(&l->d[i], req, dl, idx);

		if (r == SK_OK) {
			*chosen = &l->d[i];
			return SK_OK;
		}
		if (r == SK_ERR_TIMEOUT) {
			*fail = SKF_FAIL_TIMEOUT;
			return r;
		}
		if (r != SK_ERR_NOTFOUND)
			maybe = &l->d[i];
	}
	/* A lone key that could not answer the probe (some refuse silent requests) is tried
	 * for real: the person touching it is then the answer. */
	if (l->n == 1 && maybe != NULL) {
		*chosen = maybe;
		*idx = -1;
		return SK_OK;
	}
	sk_logerr("no plugged key holds an allowed credential");
	*fail = SKF_FAIL_NO_CREDENTIAL;
	return SK_ERR_NOTFOUND;
}

/* How to verify the user on d for requirement uv. */
static int
plan_uv(const struct skf_dev *d, enum skf_uv uv, bool can_ask_pin, enum skf_uv_method *m,
        enum skf_fail *fail)
{
	*m = SKF_UVM_NONE;
	if (uv == SKF_UV_DISCOURAGED)
		return SK_OK;
	if (d->builtin_uv)
		*m = SKF_UVM_BUILTIN;
	else if (d->pin_set && can_ask_pin)
		*m = SKF_UVM_PIN;
	else if (uv == SKF_UV_REQUIRED) {
		if (d->pin_set) {
			sk_logerr("%s needs its PIN but no PIN prompt is available", d->path);
			*fail = SKF_FAIL_PIN_CANCELLED;
			return SK_ERR_DENIED;
		}
		sk_logerr("%s can verify no one: no PIN set, no built-in verification", d->path);
		*fail = d->pin_supported ? SKF_FAIL_PIN_NOT_SET : SKF_FAIL_UV_UNAVAILABLE;
		return SK_ERR_DENIED;
	}
	return SK_OK;
}

static int
take_result(const struct skf_assert_req *req, const fido_assert_t *a, int idx,
            struct skf_assert_result *res)
{
	const unsigned char *id = fido_assert_id_ptr(a, 0);
	size_t idlen = fido_assert_id_len(a, 0);
	int r;

	if (fido_assert_count(a) < 1) {
		sk_logerr("key returned no assertion");
		return SK_ERR_PROTO;
	}
	if (id == NULL || idlen == 0) {
		/* CTAP lets a key omit the id when only one was allowed. */
		if (idx < 0 && req->n_allow != 1) {
			sk_logerr("key did not say which credential it used");
			return SK_ERR_PROTO;
		}
		if (idx < 0)
			idx = 0;
		id = req->allow[idx].id;
		idlen = req->allow[idx].len;
	} else if (allow_index(req, id, idlen) < 0) {
		sk_logerr("key used a credential that was not allowed");
		return SK_ERR_PROTO;
	}
	if ((r = skf_copy_blob(res->cred_id, sizeof(res->cred_id), &res->cred_id_len, id, idlen,
	                       "credential id")) != SK_OK ||
	    (r = skf_copy_blob(res->authdata, sizeof(res->authdata), &res->authdata_len,
	                       fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0),
	                       "authenticator data")) != SK_OK ||
	    (r = skf_copy_blob(res->sig, sizeof(res->sig), &res->sig_len,
	                       fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0),
	                       "signature")) != SK_OK)
		return r;
	res->flags = fido_assert_flags(a, 0);
	res->sign_count = fido_assert_sigcount(a, 0);
	/* Report only what the signed flags back up. */
	if ((res->flags & CTAP_AUTHDATA_USER_VERIFIED) == 0)
		res->uv_method = SKF_UVM_NONE;
	return SK_OK;
}

static bool
builtin_failed(int fido_err)
{
	return fido_err == FIDO_ERR_UV_INVALID || fido_err == FIDO_ERR_UV_BLOCKED ||
	       fido_err == FIDO_ERR_PIN_REQUIRED || fido_err == FIDO_ERR_OPERATION_DENIED;
}

static int
run_assert(struct skf_dev *d, const struct skf_assert_req *req, struct skf_deadline *dl,
           int idx, enum skf_uv_method m, struct skf_assert_result *res)
{
	char pin[SKF_PIN_MAX + 1];
	fido_assert_t *a = NULL;
	int r, fr;

	explicit_bzero(pin, sizeof(pin));
	for (int attempt = 0; attempt < 2; attempt++) {
		res->uv_method = m;
		if (m == SKF_UVM_PIN &&
		    (r = skf_pin_ask(d, &req->ui, dl, pin, sizeof(pin), &res->pin_retries,
		                     &res->fail)) != SK_OK)
			goto out;
		if ((r = build_assert(req, req->cdh, idx, &a)) != SK_OK)
			goto out;
		if (fido_assert_set_up(a, req->up ? FIDO_OPT_OMIT : FIDO_OPT_FALSE) != FIDO_OK ||
		    fido_assert_set_uv(a, m == SKF_UVM_BUILTIN ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) !=
		        FIDO_OK) {
			sk_logerr("cannot set presence or verification options");
			r = SK_ERR_INTERNAL;
			goto out;
		}
		if ((r = skf_deadline_arm(dl, d, 0)) != SK_OK) {
			res->fail = SKF_FAIL_TIMEOUT;
			goto out;
		}
		if (req->up || m == SKF_UVM_BUILTIN)
			skf_cue(&req->ui, m == SKF_UVM_BUILTIN ? SKF_CUE_BUILTIN_UV : SKF_CUE_TOUCH);
		fr = fido_dev_get_assert(d->dev, a, m == SKF_UVM_PIN ? pin : NULL);
		explicit_bzero(pin, sizeof(pin));
		if (fr == FIDO_OK) {
			r = take_result(req, a, idx, res);
			goto out;
		}
		if (m == SKF_UVM_BUILTIN && builtin_failed(fr) && d->pin_set &&
		    req->ui.pin != NULL) {
			sk_logwarn("built-in verification on %s failed (%s); using the PIN", d->path,
			           fido_strerr(fr));
			fido_assert_free(&a);
			m = SKF_UVM_PIN;
			continue;
		}
		r = skf_map_fido_err(fr, dl, &res->fail);
		if (r == SK_ERR_TIMEOUT) {
			sk_logerr("%s was not touched within the timeout (%s)", d->path,
			          fido_strerr(fr));
			if (fido_dev_cancel(d->dev) != FIDO_OK)
				sk_logwarn("cancel on %s failed", d->path);
		} else {
			sk_logerr("assertion on %s failed: %s", d->path, fido_strerr(fr));
		}
		if (res->fail == SKF_FAIL_PIN_INVALID &&
		    skf_deadline_arm(dl, d, SKF_PREFLIGHT_MS) == SK_OK &&
		    fido_dev_get_retry_count(d->dev, &res->pin_retries) != FIDO_OK)
			res->pin_retries = -1;
		goto out;
	}
	sk_logerr("no way left to verify the user on %s", d->path);
	res->fail = SKF_FAIL_UV_FAILED;
	r = SK_ERR_DENIED;
out:
	explicit_bzero(pin, sizeof(pin));
	fido_assert_free(&a);
	return r;
}

int
skf_assert(struct skf_devlist *l, const struct skf_assert_req *req,
           struct skf_assert_result *res)
{
	struct skf_deadline dl;
	struct skf_dev *d = NULL;
	enum skf_uv_method m;
	size_t plen;
	int idx = -1;
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
	skf_deadline_start(&dl, req->timeout_ms);
	if ((r = choose_device(l, req, &dl, &d, &idx, &res->fail)) != SK_OK)
		return r;
	plen = strnlen(d->path, sizeof(d->path) - 1);
	memcpy(res->dev_path, d->path, plen);
	res->dev_path[plen] = '\0';
	if ((r = plan_uv(d, req->uv, req->ui.pin != NULL, &m, &res->fail)) != SK_OK ||
	    (r = skf_keep_last_uv_try(d, &dl, req->ui.pin != NULL, &m, &res->fail)) != SK_OK)
		return r;
	return run_assert(d, req, &dl, idx, m, res);
}
