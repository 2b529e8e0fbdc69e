/* Authentication with a FIDO2 key (device side, for the PAM module): getAssertion over the
 * broker's challenge for the broker's allowed credential ids.
 *
 * Several plugged keys: each is asked silently (up=false, no PIN) whether it holds one of
 * the allowed credentials; the first that does is used. The PIN is asked through the
 * callback only when user verification is wanted and the key verifies by PIN (a key with
 * built-in verification, e.g. a fingerprint, is asked for that instead; on failure it falls
 * back to its PIN). A hard timeout bounds every wait for the key; the time a person spends
 * typing the PIN is not counted against it.
 *
 * The result is evidence only: the broker verifies it (fido2_verify) and decides. */
#ifndef SKF_ASSERT_H
#define SKF_ASSERT_H
#include "skf_common.h"
#include "skf_devices.h"

#define SKF_PREFLIGHT_MS 3000  /* a silent probe needs no person */

struct skf_assert_req {
	const char *rp_id;
	const unsigned char *cdh;   /* the broker's challenge, SKF_CDH_LEN bytes */
	size_t cdh_len;
	const struct skf_cred_ref *allow;  /* 1..SKF_MAX_ALLOW ids */
	size_t n_allow;
	bool up;                    /* ask for user presence (touch); normally true */
	enum skf_uv uv;
	int timeout_ms;             /* > 0: hard limit on waiting for the key */
	struct skf_ui ui;
};

/* What the PAM module sends back to the broker: cred_id, authdata, sig and
 * skf_uv_method_name(uv_method). ~3.5 KiB: allocate it, do not put it on a small stack. */
struct skf_assert_result {
	unsigned char cred_id[SKF_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char authdata[SKF_AUTHDATA_MAX];  /* CBOR byte string, as signed */
	size_t authdata_len;
	unsigned char sig[SKF_SIG_MAX];
	size_t sig_len;
	uint32_t sign_count;        /* informative; the broker reads the signed one */
	uint8_t flags;              /* informative (UP 0x01, UV 0x04) */
	enum skf_uv_method uv_method;
	enum skf_fail fail;         /* why it failed, when it did */
	int pin_retries;            /* PIN tries left as last read, -1 unknown */
	char dev_path[SKF_PATH_MAX];
};

/* SK_OK with res filled; otherwise an SK_ERR_* code and res->fail: SK_ERR_TIMEOUT when no
 * one touched the key in time, SK_ERR_NOTFOUND when no key (or no key with an allowed
 * credential) is plugged, SK_ERR_DENIED for PIN or UV failures, SK_ERR_IO for device errors,
 * SK_ERR_ARG/PROTO for a bad request. */
int skf_assert(struct skf_devlist *l, const struct skf_assert_req *req,
               struct skf_assert_result *res);

#endif
