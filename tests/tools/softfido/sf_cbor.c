/* softfido: reading requests and building answers with libcbor. Requests are untrusted:
 * every byte string and text is bounded before use. */
#include "sf_internal.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "sk_err.h"
#include "sk_log.h"

const cbor_item_t *
sf_map_uint(const cbor_item_t *map, uint8_t key)
{
	struct cbor_pair *p = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_uint(p[i].key) && cbor_get_int(p[i].key) == key)
			return p[i].value;
	return NULL;
}

const cbor_item_t *
sf_map_negint(const cbor_item_t *map, uint8_t n)
{
	struct cbor_pair *p = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_negint(p[i].key) && cbor_get_int(p[i].key) == n)
			return p[i].value;
	return NULL;
}

const cbor_item_t *
sf_map_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *p = cbor_map_handle(map);
	size_t klen = strlen(key);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
		    cbor_string_length(p[i].key) == klen &&
		    memcmp(cbor_string_handle(p[i].key), key, klen) == 0)
			return p[i].value;
	return NULL;
}

bool
sf_bytes(const cbor_item_t *it, size_t min, size_t max, const unsigned char **p, size_t *len)
{
	if (it == NULL || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
		return false;
	*len = cbor_bytestring_length(it);
	*p = cbor_bytestring_handle(it);
	return *len >= min && *len <= max && (*len == 0 || *p != NULL);
}

bool
sf_text(const cbor_item_t *it, size_t max, char *out, size_t outsz)
{
	size_t len;

	if (it == NULL || !cbor_isa_string(it) || !cbor_string_is_definite(it))
		return false;
	len = cbor_string_length(it);
	if (len == 0 || len > max || len >= outsz || memchr(cbor_string_handle(it), 0, len))
		return false;
	memcpy(out, cbor_string_handle(it), len);
	out[len] = '\0';
	return true;
}

bool
sf_bool(const cbor_item_t *it, bool *out)
{
	if (it == NULL || !cbor_isa_float_ctrl(it) || !cbor_is_bool(it))
		return false;
	*out = cbor_get_bool(it);
	return true;
}

bool
sf_int(const cbor_item_t *it, int64_t *out)
{
	uint64_t v;

	if (it == NULL || (!cbor_isa_uint(it) && !cbor_isa_negint(it)))
		return false;
	v = cbor_get_int(it);
	if (v > INT32_MAX)
		return false;
	*out = cbor_isa_uint(it) ? (int64_t)v : -1 - (int64_t)v;
	return true;
}

bool
sf_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *val)
{
	bool ok = map != NULL && key != NULL && val != NULL &&
	          cbor_map_add(map, (struct cbor_pair){ .key = key, .value = val });

	if (key != NULL)
		cbor_decref(&key);
	if (val != NULL)
		cbor_decref(&val);
	return ok;
}

bool
sf_push(cbor_item_t *array, cbor_item_t *val)
{
	bool ok = array != NULL && val != NULL && cbor_array_push(array, val);

	if (val != NULL)
		cbor_decref(&val);
	return ok;
}

cbor_item_t *
sf_negint(int64_t v)
{
	uint64_t n = (uint64_t)(-1 - v);

	return n <= UINT8_MAX ? cbor_build_negint8((uint8_t)n) : cbor_build_negint16((uint16_t)n);
}

/* COSE_Key of an EC2 P-256 key: {1: 2, 3: alg, -1: 1, -2: x, -3: y} in canonical order. */
cbor_item_t *
sf_cose_ec2(EVP_PKEY *key, int alg)
{
	unsigned char x[32], y[32];
	cbor_item_t *m;

	if (sf_ec_xy(key, x, y) != SK_OK || (m = cbor_new_definite_map(5)) == NULL)
		return NULL;
	if (!sf_put(m, cbor_build_uint8(1), cbor_build_uint8(2)) ||
	    !sf_put(m, cbor_build_uint8(3), sf_negint(alg)) ||
	    !sf_put(m, sf_negint(-1), cbor_build_uint8(1)) ||
	    !sf_put(m, sf_negint(-2), cbor_build_bytestring(x, 32)) ||
	    !sf_put(m, sf_negint(-3), cbor_build_bytestring(y, 32))) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

static cbor_item_t *
cose_okp(EVP_PKEY *key)
{
	unsigned char x[32];
	size_t xlen = sizeof(x);
	cbor_item_t *m;

	if (EVP_PKEY_get_raw_public_key(key, x, &xlen) != 1 || xlen != sizeof(x) ||
	    (m = cbor_new_definite_map(4)) == NULL)
		return NULL;
	if (!sf_put(m, cbor_build_uint8(1), cbor_build_uint8(1)) ||
	    !sf_put(m, cbor_build_uint8(3), sf_negint(COSE_EDDSA)) ||
	    !sf_put(m, sf_negint(-1), cbor_build_uint8(6)) ||
	    !sf_put(m, sf_negint(-2), cbor_build_bytestring(x, xlen))) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

static cbor_item_t *
cose_rsa(EVP_PKEY *key)
{
	unsigned char n[256], e[3];
	BIGNUM *bn = NULL, *be = NULL;
	cbor_item_t *m = NULL;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &be) == 1 &&
	    BN_bn2binpad(bn, n, sizeof(n)) == sizeof(n) &&
	    BN_bn2binpad(be, e, sizeof(e)) == sizeof(e) &&
	    (m = cbor_new_definite_map(4)) != NULL &&
	    (!sf_put(m, cbor_build_uint8(1), cbor_build_uint8(3)) ||
	     !sf_put(m, cbor_build_uint8(3), sf_negint(COSE_RS256)) ||
	     !sf_put(m, sf_negint(-1), cbor_build_bytestring(n, sizeof(n))) ||
	     !sf_put(m, sf_negint(-2), cbor_build_bytestring(e, sizeof(e)))))
		cbor_decref(&m);
	BN_free(bn);
	BN_free(be);
	return m;
}

cbor_item_t *
sf_cose_key(EVP_PKEY *key, int alg)
{
	switch (alg) {
	case COSE_ES256: return sf_cose_ec2(key, alg);
	case COSE_EDDSA: return cose_okp(key);
	case COSE_RS256: return cose_rsa(key);
	default: return NULL;
	}
}
