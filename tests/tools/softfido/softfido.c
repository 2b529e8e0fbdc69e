/* softfido: instance registry, the io/transport functions libfido2 calls, CTAPHID
 * dispatch, authenticatorGetInfo. */
#include "sf_internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "sk_err.h"
#include "sk_log.h"

#define SF_REGISTRY 8
#define CTAPHID_CMD_INIT 0x06
#define CTAPHID_CMD_CBOR 0x10
#define CTAPHID_CMD_CANCEL 0x11
#define CTAP_CAP_CBOR 0x04
#define CTAP_CAP_NMSG 0x08

static struct softfido *registry[SF_REGISTRY];

static void *
sf_io_open(const char *path)
{
	for (size_t i = 0; i < SF_REGISTRY; i++)
		if (registry[i] != NULL && strcmp(registry[i]->path, path) == 0) {
			if (registry[i]->open) {
				sk_logerr("%s already open", path);
				return NULL;
			}
			registry[i]->open = true;
			registry[i]->pending = false;
			registry[i]->hang = false;
			return registry[i];
		}
	sk_logerr("no software authenticator at %s", path);
	return NULL;
}

static void
sf_io_close(void *h)
{
	struct softfido *sf = h;

	if (sf != NULL)
		sf->open = false;
}

/* The transport functions carry whole messages, so libfido2 never calls these two; they
 * exist because libfido2 requires all four io callbacks. */
static int
sf_io_read(void *h, unsigned char *buf, size_t len, int ms)
{
	(void)h;
	(void)buf;
	(void)len;
	(void)ms;
	sk_logerr("report-level read is not supported");
	return -1;
}

static int
sf_io_write(void *h, const unsigned char *buf, size_t len)
{
	(void)h;
	(void)buf;
	(void)len;
	sk_logerr("report-level write is not supported");
	return -1;
}

void
sf_reply_status(struct softfido *sf, uint8_t status)
{
	sf->resp[0] = status;
	sf->resp_len = 1;
	sf->pending = true;
	sf->hang = false;
}

int
sf_reply_cbor(struct softfido *sf, cbor_item_t *map)
{
	unsigned char *buf = NULL;
	size_t cap = 0, len;

	if (map == NULL) {
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return SK_ERR_NOMEM;
	}
	len = cbor_serialize_alloc(map, &buf, &cap);
	cbor_decref(&map);
	if (len == 0 || len + 1 > sizeof(sf->resp)) {
		free(buf);
		sk_logerr("response does not fit");
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return SK_ERR_RANGE;
	}
	sf->resp[0] = FIDO_OK;
	memcpy(sf->resp + 1, buf, len);
	sf->resp_len = len + 1;
	sf->pending = true;
	sf->hang = false;
	free(buf);
	return SK_OK;
}

static cbor_item_t *
versions_array(void)
{
	cbor_item_t *a = cbor_new_definite_array(1);

	if (!sf_push(a, cbor_build_string("FIDO_2_0"))) {
		if (a != NULL)
			cbor_decref(&a);
		return NULL;
	}
	return a;
}

static cbor_item_t *
protocols_array(void)
{
	cbor_item_t *a = cbor_new_definite_array(1);

	if (!sf_push(a, cbor_build_uint8(1))) {
		if (a != NULL)
			cbor_decref(&a);
		return NULL;
	}
	return a;
}

/* In canonical order: shorter names first, then bytewise. */
static cbor_item_t *
options_map(const struct softfido *sf)
{
	cbor_item_t *m = cbor_new_definite_map(5);

	if (!sf_put(m, cbor_build_string("rk"), cbor_build_bool(sf->o.rk)) ||
	    !sf_put(m, cbor_build_string("up"), cbor_build_bool(true)) ||
	    (sf->o.builtin_uv && !sf_put(m, cbor_build_string("uv"), cbor_build_bool(true))) ||
	    (sf->o.bio_enroll &&
	     !sf_put(m, cbor_build_string("bioEnroll"), cbor_build_bool(true))) ||
	    (sf->o.client_pin &&
	     !sf_put(m, cbor_build_string("clientPin"), cbor_build_bool(sf->pin_set)))) {
		if (m != NULL)
			cbor_decref(&m);
		return NULL;
	}
	return m;
}

/* [{"alg": a, "type": "public-key"}, ...] */
static cbor_item_t *
algorithms_array(const struct softfido *sf)
{
	cbor_item_t *a = cbor_new_definite_array(3);

	for (size_t i = 0; a != NULL && i < 3; i++) {
		cbor_item_t *e;

		if (sf->o.algs[i] == 0)
			continue;
		e = cbor_new_definite_map(2);
		if (!sf_put(e, cbor_build_string("alg"), sf_negint(sf->o.algs[i])) ||
		    !sf_put(e, cbor_build_string("type"), cbor_build_string("public-key"))) {
			if (e != NULL)
				cbor_decref(&e);
			cbor_decref(&a);
			return NULL;
		}
		if (!sf_push(a, e))
			cbor_decref(&a);
	}
	return a;
}

static void
cmd_get_info(struct softfido *sf)
{
	cbor_item_t *m = cbor_new_definite_map(7);

	/* sf_put consumes what it is given, so a failure part way leaks nothing */
	if (!sf_put(m, cbor_build_uint8(1), versions_array()) ||
	    !sf_put(m, cbor_build_uint8(3), cbor_build_bytestring(sf->o.aaguid, SOFTFIDO_AAGUID_LEN)) ||
	    !sf_put(m, cbor_build_uint8(4), options_map(sf)) ||
	    !sf_put(m, cbor_build_uint8(5), cbor_build_uint16(SF_MAXMSG)) ||
	    (sf->o.client_pin && !sf_put(m, cbor_build_uint8(6), protocols_array())) ||
	    (sf->o.list_algs && !sf_put(m, cbor_build_uint8(10), algorithms_array(sf)))) {
		if (m != NULL)
			cbor_decref(&m);
		sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		return;
	}
	(void)sf_reply_cbor(sf, m);
}

static void
dispatch_cbor(struct softfido *sf, const unsigned char *buf, size_t count)
{
	struct cbor_load_result lr;
	cbor_item_t *req = NULL;

	if (count < 1) {
		sf_reply_status(sf, FIDO_ERR_INVALID_LENGTH);
		return;
	}
	if (count > 1) {
		if ((req = cbor_load(buf + 1, count - 1, &lr)) == NULL ||
		    lr.error.code != CBOR_ERR_NONE || lr.read != count - 1 || !cbor_isa_map(req) ||
		    !cbor_map_is_definite(req)) {
			if (req != NULL)
				cbor_decref(&req);
			sf_reply_status(sf, FIDO_ERR_INVALID_CBOR);
			return;
		}
	}
	switch (buf[0]) {
	case CTAP_CBOR_GETINFO:
		cmd_get_info(sf);
		break;
	case CTAP_CBOR_MAKECRED:
		if (req == NULL)
			sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		else
			sf_cmd_make_credential(sf, req);
		break;
	case CTAP_CBOR_ASSERT:
		if (req == NULL)
			sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		else
			sf_cmd_get_assertion(sf, req);
		break;
	case CTAP_CBOR_CLIENT_PIN:
		if (req == NULL)
			sf_reply_status(sf, FIDO_ERR_MISSING_PARAMETER);
		else
			sf_cmd_client_pin(sf, req);
		break;
	default:
		sf_reply_status(sf, FIDO_ERR_INVALID_COMMAND);
		break;
	}
	if (req != NULL)
		cbor_decref(&req);
}

static int
sf_tx(fido_dev_t *dev, uint8_t cmd, const unsigned char *buf, size_t count)
{
	struct softfido *sf = fido_dev_io_handle(dev);

	if (sf == NULL || (count > 0 && buf == NULL) || count > SF_MAXMSG) {
		sk_logerr("bad transmit");
		return -1;
	}
	switch (cmd) {
	case CTAPHID_CMD_CANCEL:
		/* CTAP: the cancelled request answers KEEPALIVE_CANCEL; nobody is listening
		 * after a host timeout, so the request is simply dropped. */
		sf->pending = false;
		sf->hang = false;
		return (int)count;
	case CTAPHID_CMD_INIT:
		if (count != 8) {
			sk_logerr("CTAPHID_INIT nonce of %zu bytes", count);
			return -1;
		}
		/* nonce | channel id | protocol 2 | version 1.0.0 | capabilities */
		memcpy(sf->resp, buf, 8);
		memcpy(sf->resp + 8, "\x5f\x1d\x00\x01", 4);
		sf->resp[12] = 2;
		sf->resp[13] = 1;
		sf->resp[14] = 0;
		sf->resp[15] = 0;
		sf->resp[16] = CTAP_CAP_CBOR | CTAP_CAP_NMSG;
		sf->resp_len = 17;
		sf->pending = true;
		sf->hang = false;
		break;
	case CTAPHID_CMD_CBOR:
		dispatch_cbor(sf, buf, count);
		/* What the key keeps (counter, credentials, PIN retries) outlives this process;
		 * a key that cannot keep it answers with an error rather than forget. */
		if (sf->state_file != NULL && softfido_save(sf, sf->state_file) != SK_OK)
			sf_reply_status(sf, FIDO_ERR_ERR_OTHER);
		break;
	default:
		sk_logerr("unknown CTAPHID command 0x%02x", cmd);
		return -1;
	}
	sf->pend_cmd = cmd;
	return (int)count;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
sf_rx(fido_dev_t *dev, uint8_t cmd, unsigned char *buf, size_t count, int ms)
{
	struct softfido *sf = fido_dev_io_handle(dev);
	int own = sf != NULL && sf->o.device_timeout_ms > 0 ? sf->o.device_timeout_ms : 30000;

	if (sf == NULL || !sf->pending || cmd != sf->pend_cmd) {
		sk_logerr("nothing to receive");
		return -1;
	}
	if (sf->hang) {
		/* Nobody touches the key: the host gives up first when its timeout is shorter
		 * than the key's own; otherwise the key reports its own timeout. */
		if (ms >= 0 && ms < own) {
			sleep_ms(ms);
			return -1;
		}
		sleep_ms(own);
		sf_reply_status(sf, FIDO_ERR_USER_ACTION_TIMEOUT);
	}
	if (sf->resp_len > count) {
		sk_logerr("answer of %zu bytes does not fit %zu", sf->resp_len, count);
		return -1;
	}
	memcpy(buf, sf->resp, sf->resp_len);
	sf->pending = false;
	return (int)sf->resp_len;
}

static const fido_dev_io_t sf_io = {
	.open = sf_io_open,
	.close = sf_io_close,
	.read = sf_io_read,
	.write = sf_io_write,
};

static const fido_dev_transport_t sf_transport = {
	.rx = sf_rx,
	.tx = sf_tx,
};

const fido_dev_io_t *
softfido_io(void)
{
	return &sf_io;
}

const fido_dev_transport_t *
softfido_transport(void)
{
	return &sf_transport;
}

/* A new instance with its power-up state (key agreement key, PIN token), not registered. */
static struct softfido *
sf_alloc(const char *path)
{
	struct softfido *sf;
	size_t plen = strlen(path);

	if (plen == 0 || plen >= sizeof(sf->path)) {
		sk_logerr("bad path");
		return NULL;
	}
	if ((sf = calloc(1, sizeof(*sf))) == NULL) {
		sk_logerr("calloc failed");
		return NULL;
	}
	memcpy(sf->path, path, plen + 1);
	sf->pin_retries = SF_PIN_RETRIES;
	sf->uv_retries = SF_UV_RETRIES;
	if ((sf->ka_key = sf_ec_gen()) == NULL || sf_random(sf->pin_token, 32) != SK_OK) {
		softfido_free(sf);
		return NULL;
	}
	return sf;
}

static int
sf_register(struct softfido *sf)
{
	for (size_t i = 0; i < SF_REGISTRY; i++) {
		if (registry[i] != NULL && strcmp(registry[i]->path, sf->path) == 0)
			break;
		if (registry[i] == NULL) {
			registry[i] = sf;
			return SK_OK;
		}
	}
	sk_logerr("registry full or %s taken", sf->path);
	return SK_ERR_RANGE;
}

struct softfido *
softfido_new(const char *path, const struct softfido_opts *o)
{
	struct softfido *sf;

	if ((sf = sf_alloc(path)) == NULL)
		return NULL;
	sf->o = *o;
	sf->o.pin = NULL;
	sf->counter = o->counter_start;
	if (o->pin != NULL) {
		size_t len = strlen(o->pin);

		if (!o->client_pin || len < 4 || len >= sizeof(sf->pin)) {
			sk_logerr("PIN needs clientPin and 4..63 bytes");
			goto fail;
		}
		memcpy(sf->pin, o->pin, len + 1);
		sf->pin_set = true;
	}
	if (o->att == SOFTFIDO_ATT_PACKED && sf_make_att_cert(sf) != SK_OK)
		goto fail;
	if (sf_register(sf) != SK_OK)
		goto fail;
	return sf;
fail:
	softfido_free(sf);
	return NULL;
}

struct softfido *
softfido_load(const char *path, const char *file, bool autosave)
{
	struct softfido *sf;

	if ((sf = sf_alloc(path)) == NULL)
		return NULL;
	if (sf_state_read(sf, file) != SK_OK ||
	    (autosave && (sf->state_file = strdup(file)) == NULL) || sf_register(sf) != SK_OK) {
		softfido_free(sf);
		return NULL;
	}
	return sf;
}

void
softfido_free(struct softfido *sf)
{
	if (sf == NULL)
		return;
	for (size_t i = 0; i < SF_REGISTRY; i++)
		if (registry[i] == sf)
			registry[i] = NULL;
	for (size_t i = 0; i < SF_MAX_CREDS; i++)
		EVP_PKEY_free(sf->creds[i].key);
	EVP_PKEY_free(sf->ka_key);
	EVP_PKEY_free(sf->att_key);
	OPENSSL_free(sf->att_der);
	free(sf->state_file);
	OPENSSL_cleanse(sf, sizeof(*sf));
	free(sf);
}

void
softfido_set_never_touched(struct softfido *sf, bool on)
{
	sf->o.never_touched = on;
}

void
softfido_set_counter_mode(struct softfido *sf, enum softfido_counter mode)
{
	sf->o.counter = mode;
}

void
softfido_set_pin_retries(struct softfido *sf, int retries)
{
	sf->pin_retries = retries;
}

void
softfido_set_uv_retries(struct softfido *sf, int retries)
{
	sf->uv_retries = retries;
}

int
softfido_uv_retries(const struct softfido *sf)
{
	return sf->uv_retries;
}

int
softfido_power_cycle(struct softfido *sf)
{
	EVP_PKEY *k = sf_ec_gen();

	if (k == NULL || sf_random(sf->pin_token, sizeof(sf->pin_token)) != SK_OK) {
		EVP_PKEY_free(k);
		return SK_ERR_CRYPTO;
	}
	EVP_PKEY_free(sf->ka_key);
	sf->ka_key = k;
	sf->pin_fails_in_row = 0;
	return SK_OK;
}

void
softfido_set_bio_match(struct softfido *sf, bool match)
{
	sf->o.bio_match = match;
}

uint32_t
softfido_counter(const struct softfido *sf)
{
	return sf->counter;
}

int
softfido_pin_retries(const struct softfido *sf)
{
	return sf->pin_retries;
}

unsigned
softfido_touches(const struct softfido *sf)
{
	return sf->n_touch;
}

unsigned
softfido_pin_tokens(const struct softfido *sf)
{
	return sf->n_pin_token;
}

unsigned
softfido_builtin_uvs(const struct softfido *sf)
{
	return sf->n_builtin_uv;
}
