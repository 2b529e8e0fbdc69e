/* FIDO2 evidence for a login (issue 3), in pam_sekimori_devices.so (pamsk_devices.h): find
 * the plugged keys, show a cue, ask the key's PIN through the PAM conversation when needed,
 * and give up after the configured timeout with a clear message rather than hang. The
 * broker verifies what comes back. */
#include <stdlib.h>
#include <string.h>

#include "pamsk_factor.h"
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

/* The assertion, within the typed evidence's bounds. */
static int
put_evidence(struct skc_fido2_evidence *e, const struct skf_assert_result *res)
{
	const char *uvm = skf_uv_method_name(res->uv_method);

	if (res->cred_id_len > sizeof(e->cred_id) || res->authdata_len > sizeof(e->authdata) ||
	    res->sig_len > sizeof(e->sig) || strlen(uvm) >= sizeof(e->uv_method))
		return SK_ERR_RANGE;
	memcpy(e->cred_id, res->cred_id, res->cred_id_len);
	e->cred_id_len = res->cred_id_len;
	memcpy(e->authdata, res->authdata, res->authdata_len);
	e->authdata_len = res->authdata_len;
	memcpy(e->sig, res->sig, res->sig_len);
	e->sig_len = res->sig_len;
	memcpy(e->uv_method, uvm, strlen(uvm) + 1);
	e->present = 1;
	return SK_OK;
}

static int
collect(struct pamsk *m, const struct skc_auth_begin_out *begin,
        struct skc_auth_finish_in *finish)
{
	const struct skc_fido2_challenge *ch = &begin->fido2;
	struct skf_cred_ref refs[SKF_MAX_ALLOW];
	struct skf_assert_result *res = NULL;
	struct skf_assert_req req;
	struct skf_devlist *l = NULL;
	int r = PAM_BUF_ERR;

	memset(&req, 0, sizeof(req));
	if (!begin->has_fido2 || ch->challenge_len != SKF_CDH_LEN || ch->n_cred_ids > SKF_MAX_ALLOW) {
		sk_logerr("the broker's FIDO2 challenge is malformed");
		return PAM_SERVICE_ERR;
	}
	if ((res = calloc(1, sizeof(*res))) == NULL || (l = calloc(1, sizeof(*l))) == NULL)
		goto out;
	for (size_t i = 0; i < ch->n_cred_ids; i++) {
		refs[i].id = ch->cred_ids[i];
		refs[i].len = ch->cred_id_lens[i];
	}
	req.rp_id = ch->rp_id;
	req.cdh = ch->challenge;
	req.cdh_len = ch->challenge_len;
	req.allow = refs;
	req.n_allow = ch->n_cred_ids;
	req.up = true;
	req.uv = (enum skf_uv)ch->uv;
	req.timeout_ms = (int)ch->timeout_ms;
	req.ui.pin = ask_pin;
	req.ui.cue = show_cue;
	req.ui.arg = m;
	skf_devlist_init(l);
	(void)skf_devlist_enumerate(l);
	pamsk_fido2_extra_devices(l);
	if (skf_assert(l, &req, res) == SK_OK) {
		r = put_evidence(&finish->fido2, res) == SK_OK ? PAM_SUCCESS : PAM_BUF_ERR;
	} else {
		/* No evidence: the broker still decides, counts and records the attempt. */
		pamsk_error(m, "%s", failure_text(res->fail));
		finish->fido2.present = 1;
		finish->fido2.failed = 1;
		finish->fido2.device_fail = (uint64_t)res->fail;
		r = PAM_SUCCESS;
	}
	skf_devlist_close(l);
out:
	free(res);
	free(l);
	return r;
}

/* Handed to the module by pamsk_dev_entry.c (the module's row is in pamsk_devices.c). */
const struct pamsk_factor pamsk_device_fido2 = { SK_METHOD_FIDO2, collect };
