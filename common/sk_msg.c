/* CBOR encoding of protocol messages with libcbor. Decoding runs a streaming pre-pass that
 * bounds every declared size before libcbor builds anything, because cbor_load allocates
 * arrays and maps from their declared sizes. */
#include "sk_msg.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "sk_utf8.h"

struct sk_msg {
	cbor_item_t *map;
};

/* check_shape tracks the keys seen in a 128-bit mask (two words). */
#define SK_KEY_MASK_WORDS 2
_Static_assert(SK_K_KEY_MAX <= 64 * SK_KEY_MASK_WORDS, "message keys must fit the duplicate-key mask");

static cbor_item_t *
msg_find(const struct sk_msg *m, unsigned key)
{
	struct cbor_pair *pairs = cbor_map_handle(m->map);
	size_t n = cbor_map_size(m->map);

	for (size_t i = 0; i < n; i++) {
		if (cbor_isa_uint(pairs[i].key) && cbor_get_int(pairs[i].key) == key)
			return pairs[i].value;
	}
	return NULL;
}

static int
msg_put(struct sk_msg *m, unsigned key, cbor_item_t *value)
{
	cbor_item_t *k;
	bool ok;

	if (value == NULL) {
		sk_logerr("cbor value for key %u", key);
		return SK_ERR_NOMEM;
	}
	if (key >= SK_K_KEY_MAX || msg_find(m, key) != NULL) {
		sk_logerr("key %u invalid or repeated", key);
		cbor_decref(&value);
		return SK_ERR_ARG;
	}
	k = cbor_build_uint8((uint8_t)key);
	if (k == NULL) {
		cbor_decref(&value);
		sk_logerr("cbor key");
		return SK_ERR_NOMEM;
	}
	ok = cbor_map_add(m->map, (struct cbor_pair){ .key = k, .value = value });
	cbor_decref(&k);
	cbor_decref(&value);
	if (!ok) {
		sk_logerr("cbor_map_add");
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

struct sk_msg *
sk_msg_new(unsigned type)
{
	struct sk_msg *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->map = cbor_new_definite_map(SK_K_KEY_MAX)) == NULL) {
		free(m);
		sk_logerr("allocation");
		return NULL;
	}
	if (sk_msg_put_uint(m, SK_K_VERSION, SK_PROTO_VERSION) != SK_OK ||
	    sk_msg_put_uint(m, SK_K_TYPE, type) != SK_OK) {
		sk_msg_free(m);
		return NULL;
	}
	return m;
}

static void
wipe_item(cbor_item_t *item)
{
	if (cbor_isa_string(item) && cbor_string_is_definite(item) && cbor_string_handle(item))
		explicit_bzero(cbor_string_handle(item), cbor_string_length(item));
	else if (cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item) &&
	         cbor_bytestring_handle(item))
		explicit_bzero(cbor_bytestring_handle(item), cbor_bytestring_length(item));
	else if (cbor_isa_array(item)) {
		for (size_t i = 0; i < cbor_array_size(item); i++)
			wipe_item(cbor_array_handle(item)[i]);
	}
}

void
sk_msg_free(struct sk_msg *m)
{
	if (m == NULL)
		return;
	if (m->map != NULL) {
		struct cbor_pair *pairs = cbor_map_handle(m->map);
		for (size_t i = 0; i < cbor_map_size(m->map); i++)
			wipe_item(pairs[i].value);
		cbor_decref(&m->map);
	}
	free(m);
}

unsigned
sk_msg_type(const struct sk_msg *m)
{
	uint64_t t = 0;

	if (sk_msg_get_uint(m, SK_K_TYPE, &t) != SK_OK || t > 0xffff)
		return 0;
	return (unsigned)t;
}

int
sk_msg_put_uint(struct sk_msg *m, unsigned key, uint64_t v)
{
	return msg_put(m, key, cbor_build_uint64(v));
}

int
sk_msg_put_bool(struct sk_msg *m, unsigned key, int v)
{
	return msg_put(m, key, cbor_build_bool(v != 0));
}

int
sk_msg_put_text(struct sk_msg *m, unsigned key, const char *s)
{
	size_t n;

	if (s == NULL || (n = strnlen(s, SK_TEXT_MAX + 1)) > SK_TEXT_MAX || !sk_utf8_valid(s, n)) {
		sk_logerr("text for key %u missing, too long or not UTF-8", key);
		return SK_ERR_RANGE;
	}
	return msg_put(m, key, cbor_build_stringn(s, n));
}

int
sk_msg_put_bytes(struct sk_msg *m, unsigned key, const void *p, size_t n)
{
	if (n > SK_TEXT_MAX || (p == NULL && n != 0)) {
		sk_logerr("bytes for key %u too long", key);
		return SK_ERR_RANGE;
	}
	return msg_put(m, key, cbor_build_bytestring(p, n));
}

/* An array of n items, item(ctx, i) building each (NULL: no memory). */
static int
msg_put_array(struct sk_msg *m, unsigned key, size_t n,
              cbor_item_t *(*item)(const void *ctx, size_t i), const void *ctx)
{
	cbor_item_t *a;

	if (n > SK_ARRAY_MAX || (a = cbor_new_definite_array(n)) == NULL) {
		sk_logerr("array for key %u", key);
		return SK_ERR_RANGE;
	}
	for (size_t i = 0; i < n; i++) {
		cbor_item_t *e = item(ctx, i);
		bool ok = e != NULL && cbor_array_push(a, e);
		if (e != NULL)
			cbor_decref(&e);
		if (!ok) {
			cbor_decref(&a);
			sk_logerr("array element");
			return SK_ERR_NOMEM;
		}
	}
	return msg_put(m, key, a);
}

static cbor_item_t *
uint_item(const void *ctx, size_t i)
{
	return cbor_build_uint64(((const uint64_t *)ctx)[i]);
}

int
sk_msg_put_uint_array(struct sk_msg *m, unsigned key, const uint64_t *v, size_t n)
{
	return msg_put_array(m, key, n, uint_item, v);
}

struct bytes_items {
	const unsigned char *const *items;
	const size_t *lens;
};

static cbor_item_t *
bytes_item(const void *ctx, size_t i)
{
	const struct bytes_items *b = ctx;

	return cbor_build_bytestring(b->items[i], b->lens[i]);
}

int
sk_msg_put_bytes_array(struct sk_msg *m, unsigned key, const unsigned char *const *items,
                       const size_t *lens, size_t n)
{
	const struct bytes_items b = { items, lens };

	for (size_t i = 0; i < n && i <= SK_ARRAY_MAX; i++)
		if (lens[i] > SK_TEXT_MAX) {
			sk_logerr("array element for key %u too long", key);
			return SK_ERR_RANGE;
		}
	return msg_put_array(m, key, n, bytes_item, &b);
}

/* The value under key when it has the type `isa` checks: SK_ERR_NOTFOUND when the key is
 * absent, SK_ERR_PROTO when the value has another type. Every getter starts here. */
static int
msg_get(const struct sk_msg *m, unsigned key, bool (*isa)(const cbor_item_t *),
        cbor_item_t **out)
{
	cbor_item_t *v = msg_find(m, key);

	if (v == NULL)
		return SK_ERR_NOTFOUND;
	if (!isa(v))
		return SK_ERR_PROTO;
	*out = v;
	return SK_OK;
}

/* Scalars (uint, bool, an array's length) go through one reader: type check, then the value
 * as a uint64_t. */
static uint64_t
uint_of(const cbor_item_t *v)
{
	return cbor_get_int(v);
}

static uint64_t
bool_of(const cbor_item_t *v)
{
	return cbor_get_bool(v) ? 1 : 0;
}

static uint64_t
array_len_of(const cbor_item_t *v)
{
	return cbor_array_size(v);
}

static int
msg_get_scalar(const struct sk_msg *m, unsigned key, bool (*isa)(const cbor_item_t *),
               uint64_t (*value_of)(const cbor_item_t *), uint64_t *out)
{
	cbor_item_t *v = NULL;
	int r = msg_get(m, key, isa, &v);

	if (r == SK_OK)
		*out = value_of(v);
	return r;
}

int
sk_msg_get_uint(const struct sk_msg *m, unsigned key, uint64_t *out)
{
	return msg_get_scalar(m, key, cbor_isa_uint, uint_of, out);
}

int
sk_msg_get_uint_opt(const struct sk_msg *m, unsigned key, uint64_t def, uint64_t *out)
{
	int r = sk_msg_get_uint(m, key, out);

	if (r == SK_ERR_NOTFOUND) {
		*out = def;
		return SK_OK;
	}
	return r;
}

int
sk_msg_get_bool(const struct sk_msg *m, unsigned key, int *out)
{
	uint64_t b = 0;
	int r = msg_get_scalar(m, key, cbor_is_bool, bool_of, &b);

	*out = r == SK_OK ? (int)b : *out;
	return r;
}

static int
copy_text(cbor_item_t *v, char *buf, size_t cap)
{
	size_t n;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return SK_ERR_PROTO;
	n = cbor_string_length(v);
	if (n >= cap || !sk_utf8_valid((const char *)cbor_string_handle(v), n) ||
	    (n > 0 && memchr(cbor_string_handle(v), '\0', n) != NULL))
		return SK_ERR_PROTO;
	if (n > 0)
		memcpy(buf, cbor_string_handle(v), n);
	buf[n] = '\0';
	return SK_OK;
}

int
sk_msg_get_text(const struct sk_msg *m, unsigned key, char *buf, size_t cap)
{
	cbor_item_t *v = NULL;
	int r;

	if (cap == 0)
		return SK_ERR_ARG;
	buf[0] = '\0';
	r = msg_get(m, key, cbor_isa_string, &v);
	return r == SK_OK ? copy_text(v, buf, cap) : r;
}

int
sk_msg_get_text_opt(const struct sk_msg *m, unsigned key, char *buf, size_t cap)
{
	int r = sk_msg_get_text(m, key, buf, cap);

	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static int
copy_bytes(cbor_item_t *v, unsigned char *buf, size_t cap, size_t *len)
{
	size_t n;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return SK_ERR_PROTO;
	n = cbor_bytestring_length(v);
	if (n > cap)
		return SK_ERR_PROTO;
	if (n > 0)
		memcpy(buf, cbor_bytestring_handle(v), n);
	*len = n;
	return SK_OK;
}

int
sk_msg_get_bytes(const struct sk_msg *m, unsigned key, unsigned char *buf, size_t cap,
                 size_t *len)
{
	cbor_item_t *v = NULL;
	int r = msg_get(m, key, cbor_isa_bytestring, &v);

	return r == SK_OK ? copy_bytes(v, buf, cap, len) : r;
}

/* SK_ERR_NOTFOUND when the key is absent, SK_ERR_PROTO when it is not an array or too short. */
static int
array_elem(const struct sk_msg *m, unsigned key, size_t i, cbor_item_t **out)
{
	cbor_item_t *v = NULL;
	int r = msg_get(m, key, cbor_isa_array, &v);

	if (r == SK_OK && i >= cbor_array_size(v))
		r = SK_ERR_PROTO;
	if (r == SK_OK)
		*out = cbor_array_handle(v)[i];
	return r;
}

int
sk_msg_get_array_len(const struct sk_msg *m, unsigned key, size_t *n)
{
	uint64_t len = 0;
	int r = msg_get_scalar(m, key, cbor_isa_array, array_len_of, &len);

	*n = r == SK_OK ? (size_t)len : *n;
	return r;
}

int
sk_msg_get_array_uint(const struct sk_msg *m, unsigned key, size_t i, uint64_t *out)
{
	cbor_item_t *e = NULL;
	int r = array_elem(m, key, i, &e);

	if (r != SK_OK)
		return r;
	if (!cbor_isa_uint(e))
		return SK_ERR_PROTO;
	*out = cbor_get_int(e);
	return SK_OK;
}

int
sk_msg_get_array_bytes(const struct sk_msg *m, unsigned key, size_t i, unsigned char *buf,
                       size_t cap, size_t *len)
{
	cbor_item_t *e = NULL;
	int r = array_elem(m, key, i, &e);

	return r != SK_OK ? r : copy_bytes(e, buf, cap, len);
}

/* The bytes libcbor 0.8's cbor_serialize writes for a head: an integer item keeps the width
 * it was built or decoded with; lengths and counts use the shortest form. */
static size_t
int_width_size(cbor_item_t *item)
{
	switch (cbor_int_get_width(item)) {
	case CBOR_INT_8:
		return cbor_get_uint8(item) <= 23 ? 1 : 2;
	case CBOR_INT_16:
		return 3;
	case CBOR_INT_32:
		return 5;
	default:
		return 9;
	}
}

static size_t
head_size(uint64_t n)
{
	return n <= 23 ? 1 : n <= UINT8_MAX ? 2 : n <= UINT16_MAX ? 3 : n <= UINT32_MAX ? 5 : 9;
}

/* SIZE_MAX for anything a protocol message cannot hold. libcbor 0.8 has no size function
 * (cbor_serialized_size came in 0.10); sk_msg_encode checks this against what is written. */
static size_t
encoded_size(cbor_item_t *item)
{
	size_t n, total;

	if (cbor_isa_uint(item))
		return int_width_size(item);
	if (cbor_is_bool(item))
		return 1;
	if (cbor_isa_string(item) && cbor_string_is_definite(item))
		return head_size(cbor_string_length(item)) + cbor_string_length(item);
	if (cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item))
		return head_size(cbor_bytestring_length(item)) + cbor_bytestring_length(item);
	if (cbor_isa_array(item) && cbor_array_is_definite(item)) {
		n = cbor_array_size(item);
		total = head_size(n);
		for (size_t i = 0; i < n; i++) {
			size_t e = encoded_size(cbor_array_handle(item)[i]);
			if (e == SIZE_MAX || e > SK_MSG_MAX)
				return SIZE_MAX;
			total += e;
		}
		return total;
	}
	if (cbor_isa_map(item) && cbor_map_is_definite(item)) {
		struct cbor_pair *pairs = cbor_map_handle(item);
		n = cbor_map_size(item);
		total = head_size(n);
		for (size_t i = 0; i < n; i++) {
			size_t k = encoded_size(pairs[i].key), v = encoded_size(pairs[i].value);
			if (k == SIZE_MAX || v == SIZE_MAX || k + v > SK_MSG_MAX)
				return SIZE_MAX;
			total += k + v;
		}
		return total;
	}
	return SIZE_MAX;
}

int
sk_msg_encode(const struct sk_msg *m, unsigned char **buf, size_t *len)
{
	/* One block of the exact size: cbor_serialize_alloc grows its buffer with realloc,
	 * which frees blocks still holding the password or PIN being sent. */
	size_t size = encoded_size(m->map), written;

	*buf = NULL;
	*len = 0;
	if (size == SIZE_MAX || size > SK_MSG_MAX - 4) {
		sk_logerr("message too large for a frame (limit %d bytes)", SK_MSG_MAX - 4);
		return SK_ERR_RANGE;
	}
	if ((*buf = malloc(size)) == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	written = cbor_serialize(m->map, *buf, size);
	if (written != size) {
		explicit_bzero(*buf, size);
		free(*buf);
		*buf = NULL;
		sk_logerr("cbor_serialize wrote %zu bytes, %zu expected", written, size);
		return SK_ERR_INTERNAL;
	}
	*len = size;
	return SK_OK;
}

/* Pre-pass: every declared collection size must fit in the bytes that remain, and nothing
 * outside the protocol's value types may appear. */
struct prepass {
	size_t remaining;
	int bad;
	int first;
};

static void pp_bad(void *ctx) { ((struct prepass *)ctx)->bad = 1; }
static void pp_bad_i64(void *ctx, uint64_t v) { (void)v; pp_bad(ctx); }
static void pp_bad_i32(void *ctx, uint32_t v) { (void)v; pp_bad(ctx); }
static void pp_bad_i16(void *ctx, uint16_t v) { (void)v; pp_bad(ctx); }
static void pp_bad_i8(void *ctx, uint8_t v) { (void)v; pp_bad(ctx); }
static void pp_bad_f(void *ctx, float v) { (void)v; pp_bad(ctx); }
static void pp_bad_d(void *ctx, double v) { (void)v; pp_bad(ctx); }
static void pp_ok_u8(void *ctx, uint8_t v) { (void)ctx; (void)v; }
static void pp_ok_u16(void *ctx, uint16_t v) { (void)ctx; (void)v; }
static void pp_ok_u32(void *ctx, uint32_t v) { (void)ctx; (void)v; }
static void pp_ok_u64(void *ctx, uint64_t v) { (void)ctx; (void)v; }
static void pp_ok_str(void *ctx, cbor_data d, size_t n) { (void)ctx; (void)d; (void)n; }
static void pp_ok_bool(void *ctx, bool v) { (void)ctx; (void)v; }

static void
pp_array(void *ctx, size_t n)
{
	struct prepass *p = ctx;

	if (n > SK_ARRAY_MAX || n > p->remaining)
		p->bad = 1;
}

static void
pp_map(void *ctx, size_t n)
{
	struct prepass *p = ctx;

	/* Only the top level may be a map. */
	if (!p->first || n > SK_K_KEY_MAX || n * 2 > p->remaining)
		p->bad = 1;
}

static int
prepass(const unsigned char *buf, size_t len)
{
	struct cbor_callbacks cb = {
		.uint8 = pp_ok_u8, .uint16 = pp_ok_u16, .uint32 = pp_ok_u32, .uint64 = pp_ok_u64,
		.negint8 = pp_bad_i8, .negint16 = pp_bad_i16, .negint32 = pp_bad_i32,
		.negint64 = pp_bad_i64,
		.byte_string_start = pp_bad, .byte_string = pp_ok_str,
		.string = pp_ok_str, .string_start = pp_bad,
		.indef_array_start = pp_bad, .array_start = pp_array,
		.indef_map_start = pp_bad, .map_start = pp_map,
		.tag = pp_bad_i64, .float2 = pp_bad_f, .float4 = pp_bad_f, .float8 = pp_bad_d,
		.undefined = pp_bad, .null = pp_bad, .boolean = pp_ok_bool, .indef_break = pp_bad,
	};
	struct prepass p = { .remaining = len, .bad = 0, .first = 1 };
	size_t off = 0;
	unsigned items = 0;

	while (off < len) {
		struct cbor_decoder_result r;

		p.remaining = len - off;
		if (p.first && buf[off] >> 5 != CBOR_TYPE_MAP)
			return SK_ERR_PROTO;
		r = cbor_stream_decode(buf + off, len - off, &cb, &p);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || p.bad ||
		    ++items > SK_MSG_MAX / 2)
			return SK_ERR_PROTO;
		p.first = 0;
		off += r.read;
	}
	return items > 0 ? SK_OK : SK_ERR_PROTO;
}

/* After loading: a map of unique uint keys below SK_K_KEY_MAX whose values are scalars or
 * flat arrays of scalars. */
static int
check_shape(cbor_item_t *map)
{
	struct cbor_pair *pairs;
	size_t n;
	uint64_t seen[SK_KEY_MASK_WORDS] = { 0 };

	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return SK_ERR_PROTO;
	pairs = cbor_map_handle(map);
	n = cbor_map_size(map);
	for (size_t i = 0; i < n; i++) {
		uint64_t k;
		cbor_item_t *v = pairs[i].value;

		if (!cbor_isa_uint(pairs[i].key) || (k = cbor_get_int(pairs[i].key)) >= SK_K_KEY_MAX)
			return SK_ERR_PROTO;
		if (seen[k / 64] & (UINT64_C(1) << (k % 64)))
			return SK_ERR_PROTO;
		seen[k / 64] |= UINT64_C(1) << (k % 64);
		if (cbor_isa_array(v)) {
			for (size_t j = 0; j < cbor_array_size(v); j++) {
				cbor_item_t *e = cbor_array_handle(v)[j];
				if (cbor_isa_array(e) || cbor_isa_map(e))
					return SK_ERR_PROTO;
			}
		} else if (cbor_isa_map(v)) {
			return SK_ERR_PROTO;
		}
	}
	return SK_OK;
}

/* Decodes without logging; *why says what was wrong (a fixed text). */
static int
decode_quiet(const unsigned char *buf, size_t len, struct sk_msg **out, const char **why)
{
	struct cbor_load_result res;
	struct sk_msg *m;
	cbor_item_t *item;
	uint64_t version;

	*out = NULL;
	if (len == 0 || len > SK_MSG_MAX || prepass(buf, len) != SK_OK) {
		*why = "malformed message";
		return SK_ERR_PROTO;
	}
	item = cbor_load(buf, len, &res);
	if (item == NULL || res.error.code != CBOR_ERR_NONE || res.read != len ||
	    check_shape(item) != SK_OK) {
		if (item != NULL)
			cbor_decref(&item);
		*why = "message does not decode to a protocol map";
		return SK_ERR_PROTO;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		cbor_decref(&item);
		*why = "allocation";
		return SK_ERR_NOMEM;
	}
	m->map = item;
	if (sk_msg_get_uint(m, SK_K_VERSION, &version) != SK_OK || version != SK_PROTO_VERSION) {
		sk_msg_free(m);
		*why = "protocol version missing or not the one this build speaks";
		return SK_ERR_VERSION;
	}
	if (sk_msg_type(m) == 0) {
		sk_msg_free(m);
		*why = "message type missing";
		return SK_ERR_PROTO;
	}
	*out = m;
	return SK_OK;
}

int
sk_msg_decode(const unsigned char *buf, size_t len, struct sk_msg **out)
{
	const char *why = NULL;
	int r = decode_quiet(buf, len, out, &why);

	if (r != SK_OK)
		sk_logerr("%s (%zu bytes)", why, len);
	return r;
}

int
sk_msg_send(int fd, const struct sk_msg *m, int timeout_ms)
{
	unsigned char *body = NULL, hdr[4];
	size_t len = 0;
	int64_t deadline = sk_now_ms() + timeout_ms;
	int r;

	if ((r = sk_msg_encode(m, &body, &len)) != SK_OK)
		return r;
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
	r = sk_write_all(fd, hdr, sizeof(hdr), deadline);
	if (r == SK_OK)
		r = sk_write_all(fd, body, len, deadline);
	explicit_bzero(body, len);
	free(body);
	if (r != SK_OK)
		sk_logerr("sending message: %s", sk_strerror(r));
	return r;
}

/* Receives one frame without logging what the peer did wrong: *why says it (a fixed text),
 * SK_ERR_TIMEOUT and SK_ERR_IO before a header leave it NULL (a peer that went quiet or
 * hung up). */
static int
recv_quiet(int fd, struct sk_msg **out, int timeout_ms, const char **why)
{
	unsigned char hdr[4], *body;
	size_t len;
	int64_t deadline = sk_now_ms() + timeout_ms;
	int r;

	*out = NULL;
	*why = NULL;
	if ((r = sk_read_all(fd, hdr, sizeof(hdr), deadline)) != SK_OK)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > SK_MSG_MAX - 4) {
		*why = "frame length out of range";
		return SK_ERR_PROTO;
	}
	if ((body = malloc(len)) == NULL) {
		*why = "allocation";
		return SK_ERR_NOMEM;
	}
	r = sk_read_all(fd, body, len, deadline);
	if (r == SK_OK)
		r = decode_quiet(body, len, out, why);
	else
		*why = r == SK_ERR_TIMEOUT ? "frame body not complete in time" : "frame body cut off";
	explicit_bzero(body, len);
	free(body);
	return r;
}

int
sk_msg_recv(int fd, struct sk_msg **out, int timeout_ms)
{
	const char *why = NULL;
	int r = recv_quiet(fd, out, timeout_ms, &why);

	/* A peer that hung up or went quiet before a frame: callers decide how loud to be. */
	if (r != SK_OK && why != NULL)
		sk_logerr("%s", why);
	return r;
}

int
sk_msg_recv_why(int fd, struct sk_msg **out, int timeout_ms, const char **why)
{
	return recv_quiet(fd, out, timeout_ms, why);
}

int
sk_msg_decode_why(const unsigned char *buf, size_t len, struct sk_msg **out, const char **why)
{
	*why = NULL;
	return decode_quiet(buf, len, out, why);
}
