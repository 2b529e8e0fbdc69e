#include "skf_internal.h"

#include <string.h>
#include <time.h>

#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_io.h"
#include "sk_log.h"
#include "skf_assert.h"   /* SKF_PREFLIGHT_MS */

void
skf_deadline_start(struct skf_deadline *dl, int timeout_ms)
{
	dl->end_ms = sk_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
}

int
skf_deadline_left(const struct skf_deadline *dl)
{
	int64_t left = dl->end_ms - sk_now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

void
skf_deadline_extend(struct skf_deadline *dl, int64_t by_ms)
{
	if (by_ms > 0)
		dl->end_ms += by_ms;
}

int
skf_deadline_arm(const struct skf_deadline *dl, struct skf_dev *d, int cap_ms)
{
	int left = skf_deadline_left(dl);

	if (left <= 0) {
		sk_logerr("no time left to wait for the key");
		return SK_ERR_TIMEOUT;
	}
	if (cap_ms > 0 && left > cap_ms)
		left = cap_ms;
	if (fido_dev_set_timeout(d->dev, left) != FIDO_OK) {
		sk_logerr("fido_dev_set_timeout failed");
		return SK_ERR_INTERNAL;
	}
	return SK_OK;
}

int
skf_map_fido_err(int fido_err, const struct skf_deadline *dl, enum skf_fail *fail)
{
	switch (fido_err) {
	case FIDO_OK:
		*fail = SKF_FAIL_NONE;
		return SK_OK;
	case FIDO_ERR_PIN_INVALID:
		*fail = SKF_FAIL_PIN_INVALID;
		return SK_ERR_DENIED;
	case FIDO_ERR_PIN_BLOCKED:
		*fail = SKF_FAIL_PIN_BLOCKED;
		return SK_ERR_DENIED;
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		/* CTAP: three wrong in a row; the key takes no PIN until it is re-plugged. */
		*fail = SKF_FAIL_PIN_POWER_CYCLE;
		return SK_ERR_DENIED;
	case FIDO_ERR_PIN_NOT_SET:
		*fail = SKF_FAIL_PIN_NOT_SET;
		return SK_ERR_DENIED;
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_UNSUPPORTED_OPTION:
		*fail = SKF_FAIL_UV_UNAVAILABLE;
		return SK_ERR_DENIED;
	case FIDO_ERR_UV_INVALID:
	case FIDO_ERR_UV_BLOCKED:
	case FIDO_ERR_OPERATION_DENIED:
		*fail = SKF_FAIL_UV_FAILED;
		return SK_ERR_DENIED;
	case FIDO_ERR_NO_CREDENTIALS:
		*fail = SKF_FAIL_NO_CREDENTIAL;
		return SK_ERR_NOTFOUND;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		*fail = SKF_FAIL_EXCLUDED;
		return SK_ERR_EXISTS;
	case FIDO_ERR_UNSUPPORTED_ALGORITHM:
		*fail = SKF_FAIL_UNSUPPORTED;
		return SK_ERR_DENIED;
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_KEEPALIVE_CANCEL:
		*fail = SKF_FAIL_TIMEOUT;
		return SK_ERR_TIMEOUT;
	case FIDO_ERR_RX:
	case FIDO_ERR_TX:
		if (dl != NULL && skf_deadline_left(dl) == 0) {
			*fail = SKF_FAIL_TIMEOUT;
			return SK_ERR_TIMEOUT;
		}
		*fail = SKF_FAIL_DEVICE;
		return SK_ERR_IO;
	default:
		*fail = SKF_FAIL_DEVICE;
		return SK_ERR_IO;
	}
}

int
skf_check_cred_list(const struct skf_cred_ref *list, size_t n, const char *what)
{
	if (n > SKF_MAX_ALLOW || (n > 0 && list == NULL)) {
		sk_logerr("%s credential list invalid (%zu ids)", what, n);
		return SK_ERR_ARG;
	}
	for (size_t i = 0; i < n; i++)
		if (list[i].id == NULL || list[i].len == 0 || list[i].len > SKF_CRED_ID_MAX) {
			sk_logerr("%s credential id %zu empty or too long", what, i);
			return SK_ERR_ARG;
		}
	return SK_OK;
}

int
skf_check_timeout(int timeout_ms)
{
	if (timeout_ms <= 0) {
		sk_logerr("a positive timeout is required");
		return SK_ERR_ARG;
	}
	return SK_OK;
}

int
skf_copy_blob(unsigned char *dst, size_t cap, size_t *dst_len, const unsigned char *src,
              size_t len, const char *what)
{
	*dst_len = 0;
	if (len == 0 || src == NULL) {
		sk_logerr("key returned no %s", what);
		return SK_ERR_PROTO;
	}
	if (len > cap) {
		sk_logerr("%s from the key too long (%zu bytes)", what, len);
		return SK_ERR_RANGE;
	}
	memcpy(dst, src, len);
	*dst_len = len;
	return SK_OK;
}

/* CTAP: a PIN is at least 4 code points and at most 63 bytes of UTF-8. */
static int
pin_acceptable(const char *pin, size_t pinsz)
{
	size_t len = strnlen(pin, pinsz);
	size_t points = 0;

	if (len == pinsz || len > SKF_PIN_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)pin[i] & 0xc0) != 0x80)
			points++;
	return points >= SKF_PIN_MIN;
}

int
skf_pin_ask(struct skf_dev *d, const struct skf_ui *ui, struct skf_deadline *dl, char *pin,
            size_t pinsz, int *retries, enum skf_fail *fail)
{
	int64_t asked;
	int r;

	*retries = -1;
	if (ui == NULL || ui->pin == NULL) {
		sk_logerr("a PIN is needed but there is no way to ask for it");
		*fail = SKF_FAIL_PIN_CANCELLED;
		return SK_ERR_DENIED;
	}
	if (pinsz < SKF_PIN_MAX + 1) {
		sk_logerr("PIN buffer too small");
		return SK_ERR_INTERNAL;
	}
	if ((r = skf_deadline_arm(dl, d, 0)) != SK_OK) {
		*fail = SKF_FAIL_TIMEOUT;
		return r;
	}
	if ((r = fido_dev_get_retry_count(d->dev, retries)) != FIDO_OK) {
		sk_logerr("cannot read PIN tries left on %s: %s", d->path, fido_strerr(r));
		*retries = -1;
		return skf_map_fido_err(r, dl, fail);
	}
	if (*retries == 0) {
		sk_logerr("PIN of %s is blocked", d->path);
		*fail = SKF_FAIL_PIN_BLOCKED;
		return SK_ERR_DENIED;
	}
	if (*retries == 1) {
		/* The last try would block the key for good if it were wrong: keep it, as for
		 * cards. Its owner unblocks it with a right PIN in a trusted tool. */
		sk_logerr("only one PIN try left on %s: not asking for the PIN", d->path);
		*fail = SKF_FAIL_PIN_LAST_TRY;
		return SK_ERR_DENIED;
	}
	explicit_bzero(pin, pinsz);
	asked = sk_now_ms();
	r = ui->pin(ui->arg, *retries, pin, pinsz);
	skf_deadline_extend(dl, sk_now_ms() - asked);
	if (r != SK_OK) {
		explicit_bzero(pin, pinsz);
		sk_logerr("PIN prompt cancelled");
		*fail = SKF_FAIL_PIN_CANCELLED;
		return SK_ERR_DENIED;
	}
	if (!pin_acceptable(pin, pinsz)) {
		explicit_bzero(pin, pinsz);
		sk_logerr("PIN of unacceptable length given");
		*fail = SKF_FAIL_PIN_CANCELLED;
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
skf_keep_last_uv_try(struct skf_dev *d, const struct skf_deadline *dl, bool can_ask_pin,
                     enum skf_uv_method *m, enum skf_fail *fail)
{
	int left = -1, r;

	if (*m != SKF_UVM_BUILTIN)
		return SK_OK;
	if ((r = skf_deadline_arm(dl, d, SKF_PREFLIGHT_MS)) != SK_OK) {
		*fail = SKF_FAIL_TIMEOUT;
		return r;
	}
	if ((r = fido_dev_get_uv_retry_count(d->dev, &left)) != FIDO_OK) {
		sk_logdebug("%s does not tell its built-in verification tries: %s", d->path,
		            fido_strerr(r));
		return SK_OK;   /* a CTAP 2.0 key: its sensor falls back to the PIN itself */
	}
	if (left > 1)
		return SK_OK;
	if (d->pin_set && can_ask_pin) {
		sk_logwarn("%d built-in verification tries left on %s: using its PIN", left, d->path);
		*m = SKF_UVM_PIN;
		return SK_OK;
	}
	sk_logerr("%d built-in verification tries left on %s and no PIN to use", left, d->path);
	*fail = SKF_FAIL_UV_LAST_TRY;
	return SK_ERR_DENIED;
}

void
skf_cue(const struct skf_ui *ui, enum skf_cue cue)
{
	if (ui != NULL && ui->cue != NULL)
		ui->cue(ui->arg, cue);
}

/* The wire names of the UV requirement and method, each with its enum value. */
struct skf_wire_name {
	const char *name;
	int value;
};

static const struct skf_wire_name uv_names[] = {
	{ "required", SKF_UV_REQUIRED },
	{ "preferred", SKF_UV_PREFERRED },
	{ "discouraged", SKF_UV_DISCOURAGED },
};

static const struct skf_wire_name uv_method_names[] = {
	{ "none", SKF_UVM_NONE },
	{ "pin", SKF_UVM_PIN },
	{ "builtin", SKF_UVM_BUILTIN },
};

#define N_NAMES(t) (sizeof(t) / sizeof((t)[0]))

/* The value named s in t, or -1 (s NULL or unknown). */
static int
wire_value(const struct skf_wire_name *t, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].value;
	return -1;
}

/* The name of value in t, or fallback for a value outside the enum. */
static const char *
wire_name(const struct skf_wire_name *t, size_t n, int value, const char *fallback)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return fallback;
}

int
skf_uv_parse(const char *s, enum skf_uv *out)
{
	int v = wire_value(uv_names, N_NAMES(uv_names), s);

	if (v < 0) {
		sk_logerr(s == NULL ? "missing user verification requirement"
		                    : "unknown user verification requirement");
		return SK_ERR_PROTO;
	}
	*out = (enum skf_uv)v;
	return SK_OK;
}

const char *
skf_uv_name(enum skf_uv uv)
{
	return wire_name(uv_names, N_NAMES(uv_names), (int)uv, "discouraged");
}

int
skf_uv_method_parse(const char *s, enum skf_uv_method *out)
{
	int v = wire_value(uv_method_names, N_NAMES(uv_method_names), s);

	if (v < 0) {
		sk_logerr("unknown user verification method");
		return SK_ERR_PROTO;
	}
	*out = (enum skf_uv_method)v;
	return SK_OK;
}

const char *
skf_uv_method_name(enum skf_uv_method m)
{
	return wire_name(uv_method_names, N_NAMES(uv_method_names), (int)m, "none");
}

const char *
skf_fail_name(enum skf_fail f)
{
	switch (f) {
	case SKF_FAIL_NONE: return N_("ok");
	case SKF_FAIL_NO_DEVICE: return N_("no security key found");
	case SKF_FAIL_SEVERAL_DEVICES: return N_("several security keys plugged in");
	case SKF_FAIL_NO_CREDENTIAL: return N_("no registered security key found");
	case SKF_FAIL_TIMEOUT: return N_("security key not touched in time");
	case SKF_FAIL_PIN_INVALID: return N_("wrong security key PIN");
	case SKF_FAIL_PIN_BLOCKED: return N_("security key PIN blocked");
	case SKF_FAIL_PIN_NOT_SET: return N_("security key has no PIN");
	case SKF_FAIL_PIN_CANCELLED: return N_("PIN entry cancelled");
	case SKF_FAIL_UV_UNAVAILABLE: return N_("security key cannot verify the user");
	case SKF_FAIL_UV_FAILED: return N_("security key could not verify the user");
	case SKF_FAIL_EXCLUDED: return N_("security key already registered");
	case SKF_FAIL_UNSUPPORTED: return N_("security key does not support what is required");
	case SKF_FAIL_DEVICE: return N_("security key error");
	case SKF_FAIL_PIN_LAST_TRY: return N_("only one PIN try left on the security key");
	case SKF_FAIL_PIN_POWER_CYCLE:
		return N_("security key PIN wrong three times in a row: remove and re-insert the key");
	case SKF_FAIL_UV_LAST_TRY:
		return N_("only one fingerprint try left on the security key");
	}
	return N_("security key error");
}
