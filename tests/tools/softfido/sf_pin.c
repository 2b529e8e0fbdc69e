/* softfido: authenticatorClientPIN, protocol 1 (CTAP 2.0 section 5.5), with CTAP 2.1's
 * getPINRetries powerCycleState and getUVRetries, which need no PIN protocol. */
#include "sf_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "sk_err.h"
#include "sk_log.h"

#define SUB_GET_RETRIES 1
#define SUB_GET_KEY_AGREEMENT 2
#define SUB_GET_PIN_TOKEN 5
#define SUB_GET_UV_RETRIES 7
#define CTAP2_ERR_INVALID_SUBCOMMAND 0x3e

/* Sends m when every sf_put into it went well, else an error (m freed either way). */
static void
reply_map(struct softfido *sf, cbor_item_t *m, bool filled)
{
	if (!filled) {
		if (m != NULL)
			cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	(void)sf_reply_cbor(sf, m);
}

/* getPINRetries: pinRetries (0x03) and CTAP 2.1's powerCycleState (0x04). */
static void
get_retries(struct softfido *sf)
{
	cbor_item_t *m = cbor_new_definite_map(2);
	bool filled = sf_put(m, cbor_build_uint8(3), cbor_build_uint8((uint8_t)sf->pin_retries)) &&
	              sf_put(m, cbor_build_uint8(4), cbor_build_bool(sf->pin_fails_in_row >= 3));

	reply_map(sf, m, filled);
}

/* getUVRetries (CTAP 2.1): uvRetries (0x05), for keys with built-in verification. */
static void
get_uv_retries(struct softfido *sf)
{
	cbor_item_t *m = cbor_new_definite_map(1);

	reply_map(sf, m, sf_put(m, cbor_build_uint8(5), cbor_build_uint8((uint8_t)sf->uv_retries)));
}

static void
get_key_agreement(struct softfido *sf)
{
	cbor_item_t *m = cbor_new_definite_map(1);

	reply_map(sf, m, sf_put(m, cbor_build_uint8(1), sf_cose_ec2(sf->ka_key, COSE_ECDH_ES256)));
}

/* A new key agreement key after a mismatch, as CTAP requires. */
static void
regenerate_key_agreement(struct softfido *sf)
{
	EVP_PKEY *k = sf_ec_gen();

	if (k != NULL) {
		EVP_PKEY_free(sf->ka_key);
		sf->ka_key = k;
	}
}

static void
get_pin_token(struct softfido *sf, const cbor_item_t *req)
{
	const cbor_item_t *ka = sf_map_uint(req, 3);
	const unsigned char *x, *y, *enc;
	size_t xl, yl, encl;
	unsigned char shared[32], got[16], want[32], token_enc[32];
	cbor_item_t *m;
	int64_t kty, crv;

	if (!sf->pin_set) {
		sf_reply_status(sf, FIDO_ERR_PIN_NOT_SET);
		return;
	}
	if (sf->pin_retries <= 0) {
		sf_reply_status(sf, FIDO_ERR_PIN_BLOCKED);
		return;
	}
	if (sf->pin_fails_in_row >= 3) {
		sf_reply_status(sf, FIDO_ERR_PIN_AUTH_BLOCKED);
		return;
	}
	if (ka == NULL || !cbor_isa_map(ka) || !cbor_map_is_definite(ka) ||
	    !sf_int(sf_map_uint(ka, 1), &kty) || kty != 2 ||
	    !sf_int(sf_map_negint(ka, 0), &crv) || crv != 1 ||
	    !sf_bytes(sf_map_negint(ka, 1), 32, 32, &x, &xl) ||
	    !sf_bytes(sf_map_negint(ka, 2), 32, 32, &y, &yl) ||
	    !sf_bytes(sf_map_uint(req, 6), 16, 16, &enc, &encl)) {
		sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		return;
	}
	if (sf_ecdh_shared(sf->ka_key, x, y, shared) != SK_OK) {
		sf_reply_status(sf, FIDO_ERR_INVALID_PARAMETER);
		return;
	}
	sf->pin_retries--;
	if (sf_aes256cbc(shared, 0, enc, 16, got) != SK_OK ||
	    sf_sha256(sf->pin, strlen(sf->pin), want) != SK_OK ||
	    CRYPTO_memcmp(got, want, 16) != 0) {
		regenerate_key_agreement(sf);
		sf->pin_fails_in_row++;
		OPENSSL_cleanse(shared, sizeof(shared));
		if (sf->pin_retries <= 0)
			sf_reply_status(sf, FIDO_ERR_PIN_BLOCKED);
		else if (sf->pin_fails_in_row >= 3)
			sf_reply_status(sf, FIDO_ERR_PIN_AUTH_BLOCKED);
		else
			sf_reply_status(sf, FIDO_ERR_PIN_INVALID);
		return;
	}
	sf->pin_retries = SF_PIN_RETRIES;
	sf->pin_fails_in_row = 0;
	sf->uv_retries = SF_UV_RETRIES;   /* a right PIN unblocks the sensor too */
	if (sf_aes256cbc(shared, 1, sf->pin_token, sizeof(sf->pin_token), token_enc) != SK_OK ||
	    (m = cbor_new_definite_map(1)) == NULL) {
		OPENSSL_cleanse(shared, sizeof(shared));
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	OPENSSL_cleanse(shared, sizeof(shared));
	if (!sf_put(m, cbor_build_uint8(2), cbor_build_bytestring(token_enc, sizeof(token_enc)))) {
		cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	sf->n_pin_token++;
	(void)sf_reply_cbor(sf, m);
}

void
sf_cmd_client_pin(struct softfido *sf, const cbor_item_t *req)
{
	int64_t proto = 0, sub;

	if (!sf->o.client_pin && !sf->o.builtin_uv) {
		sf_reply_status(sf, FIDO_ERR_INVALID_COMMAND);
		return;
	}
	if (!sf_int(sf_map_uint(req, 2), &sub)) {
		sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		return;
	}
	/* CTAP 2.1: the two counters need no PIN protocol; every other subcommand does. */
	if (sub == SUB_GET_UV_RETRIES) {
		if (sf->o.builtin_uv)
			get_uv_retries(sf);
		else
			sf_reply_status(sf, CTAP2_ERR_INVALID_SUBCOMMAND);
		return;
	}
	if (!sf->o.client_pin) {
		sf_reply_status(sf, FIDO_ERR_INVALID_COMMAND);
		return;
	}
	if (sub == SUB_GET_RETRIES) {
		get_retries(sf);
		return;
	}
	if (!sf_int(sf_map_uint(req, 1), &proto)) {
		sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		return;
	}
	if (proto != 1) {
		sf_reply_status(sf, FIDO_ERR_INVALID_PARAMETER);
		return;
	}
	switch (sub) {
	case SUB_GET_KEY_AGREEMENT:
		get_key_agreement(sf);
		break;
	case SUB_GET_PIN_TOKEN:
		get_pin_token(sf, req);
		break;
	default:
		sf_reply_status(sf, CTAP2_ERR_INVALID_SUBCOMMAND);
		break;
	}
}

/* pinAuth = LEFT(HMAC-SHA-256(pinToken, clientDataHash), 16), protocol 1 only. */
uint8_t
sf_check_pin_auth(struct softfido *sf, const cbor_item_t *pin_auth, const cbor_item_t *protocol,
                  const unsigned char cdh[32])
{
	unsigned char mac[32];
	unsigned int mlen = 0;
	const unsigned char *p;
	size_t len;
	int64_t proto;

	if (!sf->o.client_pin)
		return FIDO_ERR_UNSUPPORTED_OPTION;
	if (!sf_int(protocol, &proto))
		return FIDO_ERR_MISSING_PARAMETER;
	if (proto != 1)
		return FIDO_ERR_INVALID_PARAMETER;
	if (!sf->pin_set)
		return FIDO_ERR_PIN_NOT_SET;
	if (!sf_bytes(pin_auth, 16, 16, &p, &len))
		return FIDO_ERR_PIN_AUTH_INVALID;
	if (HMAC(EVP_sha256(), sf->pin_token, sizeof(sf->pin_token), cdh, 32, mac, &mlen) == NULL ||
	    mlen != sizeof(mac) || CRYPTO_memcmp(mac, p, 16) != 0)
		return FIDO_ERR_PIN_AUTH_INVALID;
	return FIDO_OK;
}
