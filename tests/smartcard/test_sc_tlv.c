/* R-INPUT-1: the BER-TLV reader that every card answer goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_tlv.h"
#include "sk_err.h"
#include "sk_log.h"

static void
test_short_and_long_lengths(void **state)
{
	static const uint8_t one[] = { 0x70, 0x02, 0xAA, 0xBB };
	static const uint8_t l81[] = { 0x82, 0x81, 0x01, 0xCC };
	uint8_t l82[4 + 300] = { 0x53, 0x82, 0x01, 0x2C };
	struct sc_tlv t;

	(void)state;
	assert_int_equal(sc_tlv_only(one, sizeof(one), 0x70, &t), SK_OK);
	assert_int_equal(t.len, 2);
	assert_ptr_equal(t.val, one + 2);
	assert_int_equal(sc_tlv_only(l81, sizeof(l81), 0x82, &t), SK_OK);
	assert_int_equal(t.len, 1);
	assert_int_equal(t.val[0], 0xCC);
	assert_int_equal(sc_tlv_only(l82, sizeof(l82), 0x53, &t), SK_OK);
	assert_int_equal(t.len, 300);
	assert_int_equal(t.hdr_len, 4);
}

static void
test_multibyte_tags(void **state)
{
	static const uint8_t two[] = { 0x5F, 0x2F, 0x02, 0x40, 0x00 };
	static const uint8_t three[] = { 0x5F, 0xC1, 0x05, 0x00 };
	static const uint8_t four[] = { 0x5F, 0xC1, 0x85, 0x01, 0x00 };
	struct sc_tlv t;

	(void)state;
	assert_int_equal(sc_tlv_only(two, sizeof(two), 0x5F2F, &t), SK_OK);
	assert_int_equal(t.len, 2);
	assert_int_equal(sc_tlv_only(three, sizeof(three), 0x5FC105, &t), SK_OK);
	assert_int_equal(t.len, 0);
	assert_int_equal(sc_tlv_only(four, sizeof(four), 0x5FC18501, &t), SK_ERR_PROTO);
}

static void
test_overruns_refused(void **state)
{
	static const uint8_t over[] = { 0x70, 0x05, 0x01, 0x02 };
	static const uint8_t over82[] = { 0x53, 0x82, 0xFF, 0xFF, 0x00 };
	static const uint8_t trunc81[] = { 0x70, 0x81 };
	static const uint8_t trunc82[] = { 0x70, 0x82, 0x01 };
	static const uint8_t indef[] = { 0x70, 0x80, 0x00, 0x00 };
	static const uint8_t l83[] = { 0x70, 0x83, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t trailing[] = { 0x70, 0x01, 0x00, 0x00 };
	static const uint8_t tagonly[] = { 0x5F };
	struct sc_tlv t;

	(void)state;
	assert_int_equal(sc_tlv_only(over, sizeof(over), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(over82, sizeof(over82), 0x53, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(trunc81, sizeof(trunc81), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(trunc82, sizeof(trunc82), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(indef, sizeof(indef), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(l83, sizeof(l83), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(trailing, sizeof(trailing), 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(tagonly, sizeof(tagonly), 0x5F, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(NULL, 0, 0x70, &t), SK_ERR_PROTO);
	assert_int_equal(sc_tlv_only(over, sizeof(over), 0x71, &t), SK_ERR_PROTO);
}

/* The header alone (no value yet) gives an object's full size from its first bytes. */
static void
test_header_only(void **state)
{
	static const uint8_t hdr[] = { 0x30, 0x82, 0x05, 0xA0 };
	unsigned int tag;
	size_t h, v;

	(void)state;
	assert_int_equal(sc_tlv_header(hdr, sizeof(hdr), &tag, &h, &v), SK_OK);
	assert_int_equal(tag, 0x30);
	assert_int_equal(h, 4);
	assert_int_equal(v, 0x5A0);
	assert_int_equal(sc_tlv_header(hdr, 3, &tag, &h, &v), SK_ERR_PROTO);
}

static void
test_sequence_walk(void **state)
{
	static const uint8_t seq[] = { 0x70, 0x01, 0xAA, 0x71, 0x01, 0x00, 0xFE, 0x00 };
	struct sc_tlv t;
	size_t off = 0;

	(void)state;
	assert_int_equal(sc_tlv_next(seq, sizeof(seq), &off, &t), SK_OK);
	assert_int_equal(t.tag, 0x70);
	assert_int_equal(sc_tlv_next(seq, sizeof(seq), &off, &t), SK_OK);
	assert_int_equal(t.tag, 0x71);
	assert_int_equal(sc_tlv_next(seq, sizeof(seq), &off, &t), SK_OK);
	assert_int_equal(t.tag, 0xFE);
	assert_int_equal(t.len, 0);
	assert_int_equal(off, sizeof(seq));
	assert_int_equal(sc_tlv_next(seq, sizeof(seq), &off, &t), SK_ERR_PROTO);
}

static void
test_put_len(void **state)
{
	uint8_t b[3];

	(void)state;
	assert_int_equal(sc_tlv_put_len(b, sizeof(b), 0x7F), 1);
	assert_int_equal(b[0], 0x7F);
	assert_int_equal(sc_tlv_put_len(b, sizeof(b), 0x80), 2);
	assert_int_equal(b[0], 0x81);
	assert_int_equal(sc_tlv_put_len(b, sizeof(b), 0x106), 3);
	assert_int_equal(b[1], 0x01);
	assert_int_equal(b[2], 0x06);
	assert_int_equal(sc_tlv_put_len(b, sizeof(b), 0x10000), 0);
	assert_int_equal(sc_tlv_put_len(b, 1, 0x80), 0);
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(sk_strerror(SK_ERR_PIN_LAST_TRY), "one PIN try left: PIN not sent");
	assert_string_equal(sk_strerror(SK_ERR_TIMEOUT), "timed out");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_and_long_lengths),
		cmocka_unit_test(test_multibyte_tags),
		cmocka_unit_test(test_overruns_refused),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_sequence_walk),
		cmocka_unit_test(test_put_len),
		cmocka_unit_test(test_strerror),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests_name("smartcard_tlv", tests, NULL, NULL);
}
