/* FIDO2 evidence for a login (issue 3): find the plugged keys, show a cue, ask the key's PIN
 * through the PAM conversation when needed, and give up after the configured timeout with a
 * clear message rather than hang. The broker verifies what comes back. */
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "skf_assert.h"

static int
ask_pin(void *arg, int retries, char *pin, size_t pinsz)
{
	struct pamsk *m = arg;

	if (retries > 0 && retries <= 3)
		pamsk_info(m, _("%d PIN attempts are left on this security key."), retries);
	return pamsk_prompt_secret(m, _("Security key PIN: "), pin, pinsz);
}

static void
show_cue(void *arg, enum skf_cue cue)
{
	struct pamsk *m = arg;

	if (cue == SKF_CUE_BUILTIN_UV)
		pamsk_info(m, "%s", _("Touch the fingerprint sensor of your security key."));
	else
		pamsk_info(m, "%s", _("Touch your security key."));
}

static const char *
failure_text(enum skf_fail f)
{
	switch (f) {
	case SKF_FAIL_NO_DEVICE: return _("No security key is plugged in.");
	case SKF_FAIL_NO_CREDENTIAL:
		return _("The plugged security key is not registered for this account.");
	case SKF_FAIL_TIMEOUT: return _("The security key was not touched in time.");
	case SKF_FAIL_PIN_INVALID: return _("The security key PIN is wrong.");
	case SKF_FAIL_PIN_BLOCKED:
		return _("The security key PIN is blocked. Ask an administrator for help.");
	case SKF_FAIL_PIN_LAST_TRY:
		return _("Only one PIN attempt is left on this security key, so it is not asked for "
		         "here. Ask an administrator for help before the key is blocked.");
	case SKF_FAIL_PIN_POWER_CYCLE:
		return _("The security key PIN was wrong three times in a row. Remove the key, "
		         "insert it again and try once more.");
	case SKF_FAIL_UV_FAILED: return _("The fingerprint was not recognised.");
	case SKF_FAIL_UV_LAST_TRY:
		return _("Only one fingerprint attempt is left on this security key. Ask an "
		         "administrator for help.");
	default: return _("The security key could not be used.");
	}
}

static int
allowed_ids(const struct sk_msg *begin, unsigned char (*ids)[SKF_CRED_ID_MAX],
            struct skf_cred_ref *refs, size_t *n)
{
	if (sk_msg_get_array_len(begin, SK_K_CRED_IDS, n) != SK_OK || *n == 0 ||
	    *n > SKF_MAX_ALLOW)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < *n; i++) {
		if (sk_msg_get_array_bytes(begin, SK_K_CRED_IDS, i, ids[i], SKF_CRED_ID_MAX,
		                           &refs[i].len) != SK_OK)
			return SK_ERR_PROTO;
		refs[i].id = ids[i];
	}
	return SK_OK;
}

static int
add_evidence(struct sk_msg *finish, const struct skf_assert_result *res)
{
	int r = sk_msg_put_bytes(finish, SK_K_CRED_ID, res->cred_id, res->cred_id_len);

	if (r == SK_OK)
		r = sk_msg_put_bytes(finish, SK_K_AUTHDATA, res->authdata, res->authdata_len);
	if (r == SK_OK)
		r = sk_msg_put_bytes(finish, SK_K_SIG, res->sig, res->sig_len);
	if (r == SK_OK)
		r = sk_msg_put_text(finish, SK_K_UV_METHOD, skf_uv_method_name(res->uv_method));
	return r;
}

int
pamsk_collect_fido2(struct pamsk *m, const struct sk_msg *begin, struct sk_msg *finish)
{
	unsigned char challenge[SKF_CDH_LEN], (*ids)[SKF_CRED_ID_MAX] = NULL;
	struct skf_cred_ref refs[SKF_MAX_ALLOW];
	struct skf_assert_result *res = NULL;
	struct skf_assert_req req;
	struct skf_devlist *l = NULL;
	char rp_id[SKF_RP_ID_MAX + 1];
	uint64_t uv = 1, timeout = 30000;
	size_t clen = 0, n = 0;
	int r = PAM_BUF_ERR;

	memset(&req, 0, sizeof(req));
	if ((ids = calloc(SKF_MAX_ALLOW, sizeof(*ids))) == NULL ||
	    (res = calloc(1, sizeof(*res))) == NULL || (l = calloc(1, sizeof(*l))) == NULL)
		goto out;
	if (sk_msg_get_bytes(begin, SK_K_FIDO2_CHALLENGE, challenge, sizeof(challenge), &clen) ||
	    clen != SKF_CDH_LEN || sk_msg_get_text(begin, SK_K_RP_ID, rp_id, sizeof(rp_id)) ||
	    sk_msg_get_uint_opt(begin, SK_K_UV, 1, &uv) || uv > 2 ||
	    sk_msg_get_uint_opt(begin, SK_K_TIMEOUT_MS, 30000, &timeout) || timeout > 600000 ||
	    allowed_ids(begin, ids, refs, &n) != SK_OK) {
		sk_logerr("the broker's FIDO2 challenge is malformed");
		r = PAM_SERVICE_ERR;
		goto out;
	}
	req.rp_id = rp_id;
	req.cdh = challenge;
	req.cdh_len = clen;
	req.allow = refs;
	req.n_allow = n;
	req.up = true;
	req.uv = (enum skf_uv)uv;
	req.timeout_ms = (int)timeout;
	req.ui.pin = ask_pin;
	req.ui.cue = show_cue;
	req.ui.arg = m;
	skf_devlist_init(l);
	(void)skf_devlist_enumerate(l);
	pamsk_fido2_extra_devices(l);
	if (skf_assert(l, &req, res) == SK_OK) {
		r = add_evidence(finish, res) == SK_OK ? PAM_SUCCESS : PAM_BUF_ERR;
	} else {
		/* No evidence: the broker still decides, counts and records the attempt. */
		pamsk_error(m, "%s", failure_text(res->fail));
		r = sk_msg_put_uint(finish, SK_K_DEVICE_FAIL, (uint64_t)res->fail) == SK_OK ?
		    PAM_SUCCESS : PAM_BUF_ERR;
	}
	skf_devlist_close(l);
out:
	free(ids);
	free(res);
	free(l);
	return r;
}
