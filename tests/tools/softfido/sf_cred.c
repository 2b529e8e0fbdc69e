/* softfido: authenticatorMakeCredential and authenticatorGetAssertion (CTAP 2.0 5.1, 5.2). */
#include "sf_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sk_err.h"
#include "sk_log.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define AUTHDATA_MAX 1024
#define SIG_MAX 512

uint32_t
sf_next_counter(struct softfido *sf)
{
	switch (sf->o.counter) {
	case SOFTFIDO_COUNTER_ZERO:
		return 0;
	case SOFTFIDO_COUNTER_REPLAY:
		return sf->counter > 0 ? sf->counter - 1 : 0;
	case SOFTFIDO_COUNTER_INCREMENT:
		break;
	}
	return ++sf->counter;
}

/* rpIdHash | flags | signCount (big endian) */
static size_t
authdata_head(unsigned char *out, const unsigned char rp_hash[32], uint8_t flags, uint32_t n)
{
	memcpy(out, rp_hash, 32);
	out[32] = flags;
	out[33] = (unsigned char)(n >> 24);
	out[34] = (unsigned char)(n >> 16);
	out[35] = (unsigned char)(n >> 8);
	out[36] = (unsigned char)n;
	return 37;
}

struct options {
	bool up, uv, rk;
};

/* Options map: unknown keys ignored, known ones must be booleans. */
static uint8_t
read_options(const cbor_item_t *it, struct options *o, bool allow_rk, bool allow_up)
{
	const cbor_item_t *v;

	o->up = true;
	o->uv = false;
	o->rk = false;
	if (it == NULL)
		return FIDO_OK;
	if (!cbor_isa_map(it) || !cbor_map_is_definite(it))
		return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
	if ((v = sf_map_text(it, "rk")) != NULL) {
		if (!allow_rk)
			return FIDO_ERR_INVALID_OPTION;
		if (!sf_bool(v, &o->rk))
			return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
	}
	if ((v = sf_map_text(it, "up")) != NULL) {
		if (!allow_up)
			return FIDO_ERR_INVALID_OPTION;
		if (!sf_bool(v, &o->up))
			return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
	}
	if ((v = sf_map_text(it, "uv")) != NULL && !sf_bool(v, &o->uv))
		return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
	return FIDO_OK;
}

/* User verification for a request: by pinAuth, by the built-in check (option uv), or none.
 * CTAP status; *verified says whether UV happened. */
static uint8_t
verify_user(struct softfido *sf, const cbor_item_t *req, uint8_t k_pin_auth, uint8_t k_proto,
            const struct options *o, const unsigned char cdh[32], bool *verified)
{
	const cbor_item_t *pin_auth = sf_map_uint(req, k_pin_auth);

	*verified = false;
	if (pin_auth != NULL) {
		uint8_t st = sf_check_pin_auth(sf, pin_auth, sf_map_uint(req, k_proto), cdh);

		if (st != FIDO_OK)
			return st;
		*verified = true;
		return FIDO_OK;
	}
	if (o->uv) {
		if (!sf->o.builtin_uv)
			return FIDO_ERR_UNSUPPORTED_OPTION;
		if (sf->uv_retries <= 0)
			return FIDO_ERR_UV_BLOCKED;   /* the sensor is off until a right PIN */
		sf->n_builtin_uv++;
		if (!sf->o.bio_match) {
			sf->uv_retries--;
			return sf->uv_retries <= 0 ? FIDO_ERR_UV_BLOCKED : FIDO_ERR_UV_INVALID;
		}
		sf->uv_retries = SF_UV_RETRIES;
		*verified = true;
	}
	return FIDO_OK;
}

static struct sf_cred *
find_cred(struct softfido *sf, const unsigned char *id, size_t len,
          const unsigned char rp_hash[32])
{
	if (len != SF_CRED_ID_LEN)
		return NULL;
	for (size_t i = 0; i < SF_MAX_CREDS; i++)
		if (sf->creds[i].used && memcmp(sf->creds[i].id, id, len) == 0 &&
		    memcmp(sf->creds[i].rp_hash, rp_hash, 32) == 0)
			return &sf->creds[i];
	return NULL;
}

/* A list of PublicKeyCredentialDescriptors: the first that names one of our credentials. */
static uint8_t
match_list(struct softfido *sf, const cbor_item_t *list, const unsigned char rp_hash[32],
           struct sf_cred **found)
{
	cbor_item_t **items;

	*found = NULL;
	if (!cbor_isa_array(list) || !cbor_array_is_definite(list) ||
	    cbor_array_size(list) > SF_MAX_LIST)
		return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
	items = cbor_array_handle(list);
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		const unsigned char *id;
		size_t len;

		if (!cbor_isa_map(items[i]) || !cbor_map_is_definite(items[i]) ||
		    !sf_bytes(sf_map_text(items[i], "id"), 1, SF_CRED_ID_MAX, &id, &len))
			return FIDO_ERR_CBOR_UNEXPECTED_TYPE;
		if (*found == NULL)
			*found = find_cred(sf, id, len, rp_hash);
	}
	return FIDO_OK;
}

/* The first algorithm of pubKeyCredParams (the platform's order) this key can make;
 * 0 when none. */
static int
pick_alg(const struct softfido *sf, const cbor_item_t *params)
{
	cbor_item_t **items;

	if (params == NULL || !cbor_isa_array(params) || !cbor_array_is_definite(params) ||
	    cbor_array_size(params) > SF_MAX_LIST)
		return 0;
	items = cbor_array_handle(params);
	for (size_t i = 0; i < cbor_array_size(params); i++) {
		char type[16];
		int64_t alg;

		if (cbor_isa_map(items[i]) && cbor_map_is_definite(items[i]) &&
		    sf_int(sf_map_text(items[i], "alg"), &alg) &&
		    sf_text(sf_map_text(items[i], "type"), 15, type, sizeof(type)) &&
		    strcmp(type, "public-key") == 0 && sf_alg_supported(sf, (int)alg))
			return (int)alg;
	}
	return 0;
}

static struct sf_cred *
new_cred_slot(struct softfido *sf)
{
	for (size_t i = 0; i < SF_MAX_CREDS; i++)
		if (!sf->creds[i].used)
			return &sf->creds[i];
	return NULL;
}

static cbor_item_t *
att_statement(struct softfido *sf, const struct sf_cred *c, const unsigned char *ad,
              size_t adlen, const unsigned char cdh[32])
{
	unsigned char sig[SIG_MAX];
	size_t siglen = sizeof(sig);
	cbor_item_t *m;
	bool full = sf->o.att == SOFTFIDO_ATT_PACKED;
	/* full attestation: the attestation key (ES256); self: the credential key */
	EVP_PKEY *signer = full ? sf->att_key : c->key;
	int alg = full ? COSE_ES256 : c->alg;

	if (sf->o.att == SOFTFIDO_ATT_NONE)
		return cbor_new_definite_map(0);
	if (sf_sign(signer, alg, ad, adlen, cdh, 32, sig, &siglen) != SK_OK ||
	    (m = cbor_new_definite_map(sf->o.att == SOFTFIDO_ATT_PACKED ? 3 : 2)) == NULL)
		return NULL;
	if (!sf_put(m, cbor_build_string("alg"), sf_negint(alg)) ||
	    !sf_put(m, cbor_build_string("sig"), cbor_build_bytestring(sig, siglen))) {
		cbor_decref(&m);
		return NULL;
	}
	if (sf->o.att == SOFTFIDO_ATT_PACKED) {
		cbor_item_t *x5c = cbor_new_definite_array(1);

		if (x5c != NULL &&
		    !sf_push(x5c, cbor_build_bytestring(sf->att_der, sf->att_der_len)))
			cbor_decref(&x5c);
		if (!sf_put(m, cbor_build_string("x5c"), x5c)) {
			cbor_decref(&m);
			return NULL;
		}
	}
	return m;
}

/* authData with attested credential data: head | AAGUID | L | credentialId | COSE key. */
static int
make_authdata(struct softfido *sf, const struct sf_cred *c, uint8_t flags, unsigned char *ad,
              size_t *adlen)
{
	cbor_item_t *cose = sf_cose_key(c->key, c->alg);
	unsigned char *buf = NULL;
	size_t cap = 0, klen, n;

	if (cose == NULL)
		return SK_ERR_CRYPTO;
	klen = cbor_serialize_alloc(cose, &buf, &cap);
	cbor_decref(&cose);
	if (klen == 0 || 37 + 16 + 2 + SF_CRED_ID_LEN + klen > AUTHDATA_MAX) {
		free(buf);
		return SK_ERR_RANGE;
	}
	n = authdata_head(ad, c->rp_hash, flags, sf_next_counter(sf));
	memcpy(ad + n, sf->o.aaguid, 16);
	n += 16;
	ad[n++] = 0;
	ad[n++] = SF_CRED_ID_LEN;
	memcpy(ad + n, c->id, SF_CRED_ID_LEN);
	n += SF_CRED_ID_LEN;
	memcpy(ad + n, buf, klen);
	*adlen = n + klen;
	free(buf);
	return SK_OK;
}

static void
reply_made(struct softfido *sf, const struct sf_cred *c, uint8_t flags, const unsigned char cdh[32])
{
	unsigned char ad[AUTHDATA_MAX];
	size_t adlen = 0;
	cbor_item_t *m, *att;

	if (make_authdata(sf, c, flags, ad, &adlen) != SK_OK ||
	    (att = att_statement(sf, c, ad, adlen, cdh)) == NULL) {
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	if ((m = cbor_new_definite_map(3)) == NULL) {
		cbor_decref(&att);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	if (!sf_put(m, cbor_build_uint8(1),
	            cbor_build_string(sf->o.att == SOFTFIDO_ATT_NONE ? "none" : "packed")) ||
	    !sf_put(m, cbor_build_uint8(2), cbor_build_bytestring(ad, adlen))) {
		cbor_decref(&att);
		cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	if (!sf_put(m, cbor_build_uint8(3), att)) {
		cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	(void)sf_reply_cbor(sf, m);
}

/* Waits for a touch: in "never touched" mode the answer never comes (rx times out). */
static bool
collect_presence(struct softfido *sf)
{
	if (sf->o.never_touched) {
		sf->pending = true;
		sf->hang = true;
		return false;
	}
	sf->n_touch++;
	return true;
}

void
sf_cmd_make_credential(struct softfido *sf, const cbor_item_t *req)
{
	const unsigned char *cdh, *uid;
	size_t cdhl, uidl;
	const cbor_item_t *rp = sf_map_uint(req, 2), *user = sf_map_uint(req, 3);
	const cbor_item_t *excl = sf_map_uint(req, 5);
	char rp_id[SF_RP_ID_MAX + 1];
	unsigned char rp_hash[32];
	struct options o;
	struct sf_cred *c, *excluded = NULL;
	bool uv;
	uint8_t st;
	int alg;

	if (!sf_bytes(sf_map_uint(req, 1), 32, 32, &cdh, &cdhl) || rp == NULL || user == NULL ||
	    !cbor_isa_map(rp) || !cbor_isa_map(user) ||
	    !sf_text(sf_map_text(rp, "id"), SF_RP_ID_MAX, rp_id, sizeof(rp_id)) ||
	    !sf_bytes(sf_map_text(user, "id"), 1, SF_USER_ID_MAX, &uid, &uidl) ||
	    sf_map_uint(req, 4) == NULL) {
		sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		return;
	}
	if ((alg = pick_alg(sf, sf_map_uint(req, 4))) == 0) {
		sf_reply_status(sf, FIDO_ERR_UNSUPPORTED_ALGORITHM);
		return;
	}
	if ((st = read_options(sf_map_uint(req, 7), &o, true, false)) != FIDO_OK) {
		sf_reply_status(sf, st);
		return;
	}
	if (o.rk && !sf->o.rk) {
		sf_reply_status(sf, FIDO_ERR_UNSUPPORTED_OPTION);
		return;
	}
	if ((st = verify_user(sf, req, 8, 9, &o, cdh, &uv)) != FIDO_OK) {
		sf_reply_status(sf, st);
		return;
	}
	/* CTAP 2.0: a key with a PIN wants it (or its built-in check) for every credential. */
	if (!uv && sf->pin_set) {
		sf_reply_status(sf, FIDO_ERR_PIN_REQUIRED);
		return;
	}
	if (sf_sha256(rp_id, strlen(rp_id), rp_hash) != SK_OK) {
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	if (excl != NULL && (st = match_list(sf, excl, rp_hash, &excluded)) != FIDO_OK) {
		sf_reply_status(sf, st);
		return;
	}
	if (!collect_presence(sf))
		return;
	if (excluded != NULL) {
		sf_reply_status(sf, FIDO_ERR_CREDENTIAL_EXCLUDED);
		return;
	}
	if ((c = new_cred_slot(sf)) == NULL) {
		sf_reply_status(sf, FIDO_ERR_KEY_STORE_FULL);
		return;
	}
	if ((c->key = sf_key_gen(alg)) == NULL || sf_random(c->id, sizeof(c->id)) != SK_OK) {
		EVP_PKEY_free(c->key);
		c->key = NULL;
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	c->used = true;
	c->alg = alg;
	c->resident = o.rk;
	memcpy(c->rp_hash, rp_hash, 32);
	memcpy(c->user_id, uid, uidl);
	c->user_id_len = uidl;
	reply_made(sf, c, (uint8_t)(FLAG_UP | FLAG_AT | (uv ? FLAG_UV : 0)), cdh);
}

static struct sf_cred *
first_resident(struct softfido *sf, const unsigned char rp_hash[32])
{
	for (size_t i = 0; i < SF_MAX_CREDS; i++)
		if (sf->creds[i].used && sf->creds[i].resident &&
		    memcmp(sf->creds[i].rp_hash, rp_hash, 32) == 0)
			return &sf->creds[i];
	return NULL;
}

/* PublicKeyCredentialDescriptor {"id": ..., "type": "public-key"} */
static cbor_item_t *
descriptor(const struct sf_cred *c)
{
	cbor_item_t *d = cbor_new_definite_map(2);

	if (!sf_put(d, cbor_build_string("id"), cbor_build_bytestring(c->id, sizeof(c->id))) ||
	    !sf_put(d, cbor_build_string("type"), cbor_build_string("public-key"))) {
		if (d != NULL)
			cbor_decref(&d);
		return NULL;
	}
	return d;
}

static cbor_item_t *
user_entity(const struct sf_cred *c)
{
	cbor_item_t *u = cbor_new_definite_map(1);

	if (!sf_put(u, cbor_build_string("id"), cbor_build_bytestring(c->user_id, c->user_id_len))) {
		if (u != NULL)
			cbor_decref(&u);
		return NULL;
	}
	return u;
}

static void
reply_assertion(struct softfido *sf, const struct sf_cred *c, uint8_t flags,
                const unsigned char cdh[32])
{
	unsigned char ad[37], sig[SIG_MAX];
	size_t siglen = sizeof(sig);
	cbor_item_t *m;

	(void)authdata_head(ad, c->rp_hash, flags, sf_next_counter(sf));
	if (sf_sign(c->key, c->alg, ad, sizeof(ad), cdh, 32, sig, &siglen) != SK_OK ||
	    (m = cbor_new_definite_map(c->resident ? 4 : 3)) == NULL) {
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	/* sf_put consumes key and value whatever happens, so nothing leaks on failure */
	if (!sf_put(m, cbor_build_uint8(1), descriptor(c)) ||
	    !sf_put(m, cbor_build_uint8(2), cbor_build_bytestring(ad, sizeof(ad))) ||
	    !sf_put(m, cbor_build_uint8(3), cbor_build_bytestring(sig, siglen)) ||
	    (c->resident && !sf_put(m, cbor_build_uint8(4), user_entity(c)))) {
		cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	(void)sf_reply_cbor(sf, m);
}

void
sf_cmd_get_assertion(struct softfido *sf, const cbor_item_t *req)
{
	const unsigned char *cdh;
	size_t cdhl;
	const cbor_item_t *allow = sf_map_uint(req, 3);
	char rp_id[SF_RP_ID_MAX + 1];
	unsigned char rp_hash[32];
	struct options o;
	struct sf_cred *c = NULL;
	bool uv;
	uint8_t st;

	if (!sf_text(sf_map_uint(req, 1), SF_RP_ID_MAX, rp_id, sizeof(rp_id)) ||
	    !sf_bytes(sf_map_uint(req, 2), 32, 32, &cdh, &cdhl)) {
		sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		return;
	}
	if ((st = read_options(sf_map_uint(req, 5), &o, false, true)) != FIDO_OK) {
		sf_reply_status(sf, st);
		return;
	}
	if (sf_sha256(rp_id, strlen(rp_id), rp_hash) != SK_OK) {
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	if (allow != NULL) {
		if ((st = match_list(sf, allow, rp_hash, &c)) != FIDO_OK) {
			sf_reply_status(sf, st);
			return;
		}
	} else {
		c = first_resident(sf, rp_hash);
	}
	if ((st = verify_user(sf, req, 6, 7, &o, cdh, &uv)) != FIDO_OK) {
		sf_reply_status(sf, st);
		return;
	}
	if (c == NULL) {
		sf_reply_status(sf, FIDO_ERR_NO_CREDENTIALS);
		return;
	}
	if (o.up && !collect_presence(sf))
		return;
	reply_assertion(sf, c, (uint8_t)((o.up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0)), cdh);
}
