/* libFuzzer target: sk_msg_decode on arbitrary bytes (R-INPUT-1). On success every getter
 * runs on every key with several buffer sizes, and the message must survive an encode and
 * decode round trip unchanged. Any invariant broken is a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"
#include "sk_utf8.h"

static char text[SK_TEXT_MAX + 2];
static unsigned char bytes[SK_MSG_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Decode errors are logged; with -close_fd_mask=2 that costs nothing. */
	sk_log_to_stderr(1);
	return 0;
}

static void
check_text(const struct sk_msg *m, unsigned key)
{
	static const size_t caps[] = { 1, 2, 7, 64, 257, sizeof(text) };
	int full = sk_msg_get_text(m, key, text, sizeof(text));
	size_t n = full == SK_OK ? strlen(text) : 0;

	CHECK(full == SK_OK || full == SK_ERR_NOTFOUND || full == SK_ERR_PROTO);
	if (full == SK_OK)
		CHECK(sk_utf8_valid(text, n));
	else
		CHECK(text[0] == '\0');
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int r = sk_msg_get_text(m, key, text, caps[i]);
		/* Refused when it does not fit, never cut. */
		if (full == SK_OK)
			CHECK(r == (n < caps[i] ? SK_OK : SK_ERR_PROTO));
		else
			CHECK(r == full);
		if (r == SK_OK)
			CHECK(strlen(text) == n);
	}
	CHECK(sk_msg_get_text_opt(m, key, text, sizeof(text)) ==
	      (full == SK_ERR_NOTFOUND ? SK_OK : full));
}

static void
check_bytes(const struct sk_msg *m, unsigned key)
{
	size_t len = 0, len2 = 0;
	int full = sk_msg_get_bytes(m, key, bytes, sizeof(bytes), &len);

	CHECK(full == SK_OK || full == SK_ERR_NOTFOUND || full == SK_ERR_PROTO);
	if (full == SK_OK) {
		CHECK(len <= SK_MSG_MAX);
		if (len > 0)
			CHECK(sk_msg_get_bytes(m, key, bytes, len - 1, &len2) == SK_ERR_PROTO);
		CHECK(sk_msg_get_bytes(m, key, bytes, len, &len2) == SK_OK && len2 == len);
	}
}

static void
check_array(const struct sk_msg *m, unsigned key)
{
	size_t n = 0, len = 0;
	uint64_t u;
	int r = sk_msg_get_array_len(m, key, &n);

	CHECK(r == SK_OK || r == SK_ERR_NOTFOUND || r == SK_ERR_PROTO);
	if (r != SK_OK) {
		/* An absent key stays absent for the element getters (sk_msg.h); a value that is not
		 * an array is refused by them too. */
		CHECK(sk_msg_get_array_uint(m, key, 0, &u) == r);
		CHECK(sk_msg_get_array_bytes(m, key, 0, bytes, sizeof(bytes), &len) == r);
		return;
	}
	CHECK(n <= SK_ARRAY_MAX);
	for (size_t i = 0; i <= n; i++) {
		int ru = sk_msg_get_array_uint(m, key, i, &u);
		int rb = sk_msg_get_array_bytes(m, key, i, bytes, sizeof(bytes), &len);
		CHECK(ru == SK_OK || ru == SK_ERR_PROTO);
		CHECK(rb == SK_OK || rb == SK_ERR_PROTO);
		if (i == n)
			CHECK(ru == SK_ERR_PROTO && rb == SK_ERR_PROTO);
		CHECK(!(ru == SK_OK && rb == SK_OK));
	}
	CHECK(sk_msg_get_array_uint(m, key, SIZE_MAX, &u) == SK_ERR_PROTO);
}

static void
exercise(const struct sk_msg *m)
{
	uint64_t version = 0, u = 0;

	CHECK(sk_msg_get_uint(m, SK_K_VERSION, &version) == SK_OK && version == SK_PROTO_VERSION);
	CHECK(sk_msg_type(m) != 0);
	for (unsigned key = 0; key <= SK_K_KEY_MAX + 1; key++) {
		int b = -1;
		int ru = sk_msg_get_uint(m, key, &u);
		int rb = sk_msg_get_bool(m, key, &b);

		CHECK(ru == SK_OK || ru == SK_ERR_NOTFOUND || ru == SK_ERR_PROTO);
		CHECK(rb == SK_OK || rb == SK_ERR_NOTFOUND || rb == SK_ERR_PROTO);
		CHECK(ru != SK_OK || rb == SK_ERR_PROTO);
		if (rb == SK_OK)
			CHECK(b == 0 || b == 1);
		CHECK(sk_msg_get_uint_opt(m, key, 77, &u) == (ru == SK_ERR_NOTFOUND ? SK_OK : ru));
		if (key >= SK_K_KEY_MAX)
			CHECK(ru == SK_ERR_NOTFOUND);
		check_text(m, key);
		check_bytes(m, key);
		check_array(m, key);
	}
}

static void
roundtrip(const struct sk_msg *m)
{
	unsigned char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	struct sk_msg *again = NULL;
	int r = sk_msg_encode(m, &a, &la);

	/* A decoded message is at most SK_MSG_MAX bytes; one that needs a wider integer form
	 * or is close to the limit may not fit a frame again. */
	if (r == SK_ERR_RANGE)
		return;
	CHECK(r == SK_OK);
	CHECK(sk_msg_decode(a, la, &again) == SK_OK);
	CHECK(sk_msg_type(again) == sk_msg_type(m));
	CHECK(sk_msg_encode(again, &b, &lb) == SK_OK);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	sk_msg_free(again);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_msg *m = (struct sk_msg *)&m;
	int r = sk_msg_decode(data, size, &m);

	CHECK(r == SK_OK || r == SK_ERR_PROTO || r == SK_ERR_VERSION);
	if (r != SK_OK) {
		CHECK(m == NULL);
		return 0;
	}
	CHECK(m != NULL && size > 0 && size <= SK_MSG_MAX);
	exercise(m);
	roundtrip(m);
	sk_msg_free(m);
	return 0;
}
