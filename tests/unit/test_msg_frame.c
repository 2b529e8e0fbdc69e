/* Framed protocol I/O (R-INPUT-1), driven over a socketpair: good frames, the size
 * boundary, bad lengths, bad bodies, short bodies, silent and slow peers. All data is
 * generated (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"

/* ---- Framed I/O over a socketpair ----------------------------------------------------- */

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
raw_write(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
write_len(int fd, uint32_t len)
{
	unsigned char h[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
	                       (unsigned char)(len >> 8), (unsigned char)len };

	raw_write(fd, h, 4);
}

static void
test_frame_good(void **state)
{
	int sv[2];
	struct sk_msg *m = sk_msg_new(SK_REQ_AUTH_FINISH), *got = NULL;
	char text[64];

	(void)state;
	pair(sv);
	assert_non_null(m);
	assert_int_equal(sk_msg_put_text(m, SK_K_OTP, "123456"), SK_OK);
	/* Two frames back to back come out in order and whole. */
	assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
	assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_OK);
		assert_int_equal(sk_msg_type(got), SK_REQ_AUTH_FINISH);
		assert_int_equal(sk_msg_get_text(got, SK_K_OTP, text, sizeof(text)), SK_OK);
		assert_string_equal(text, "123456");
		sk_msg_free(got);
	}
	/* The header is the body length, big-endian. */
	{
		unsigned char *body = NULL, hdr[4], back[64];
		size_t len = 0;
		assert_int_equal(sk_msg_encode(m, &body, &len), SK_OK);
		assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_OK);
		assert_int_equal(recv(sv[1], hdr, 4, MSG_WAITALL), 4);
		assert_int_equal(((size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3]),
		                 len);
		assert_true(len <= sizeof(back));
		assert_int_equal(recv(sv[1], back, len, MSG_WAITALL), (ssize_t)len);
		assert_memory_equal(back, body, len);
		free(body);
	}
	sk_msg_free(m);
	close(sv[0]);
	close(sv[1]);
}

/* The largest body the frame allows (SK_MSG_MAX - 4) is received; one byte more is refused
 * from the header alone. */
static void
test_frame_size_boundary(void **state)
{
	const size_t body_len = SK_MSG_MAX - 4;
	unsigned char *body = calloc(1, body_len), *back = malloc(body_len);
	struct sk_msg *got = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	assert_non_null(body);
	assert_non_null(back);
	/* {0: 1, 1: 20, 22: bytes(65523)}: 59 fff3 = bytes, uint16 length. */
	memcpy(body, (const unsigned char[]){ 0xa3, 0x00, 0x01, 0x01, 0x14, 0x16, 0x59, 0xff, 0xf3 }, 9);
	assert_int_equal(9 + 0xfff3, body_len);
	pair(sv);
	write_len(sv[0], (uint32_t)body_len);
	raw_write(sv[0], body, body_len);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_OK);
	assert_int_equal(sk_msg_get_bytes(got, SK_K_JSON, back, 0xfff3, &n), SK_OK);
	assert_int_equal(n, 0xfff3);
	sk_msg_free(got);
	write_len(sv[0], (uint32_t)body_len + 1);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_PROTO);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
	free(body);
	free(back);
}

/* Bad lengths are refused from the 4 header bytes, at once: the reader does not wait for
 * (or allocate) a body it would refuse. */
static void
test_frame_bad_lengths(void **state)
{
	static const uint32_t lens[] = { 0, SK_MSG_MAX - 3, SK_MSG_MAX, SK_MSG_MAX + 1, 0x00100000,
	                                 0x7fffffff, 0xffffffff };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct sk_msg *got = (struct sk_msg *)&got;
		int sv[2];
		int64_t t0;

		pair(sv);
		write_len(sv[0], lens[i]);
		t0 = sk_now_ms();
		if (sk_msg_recv(sv[1], &got, 5000) != SK_ERR_PROTO)
			fail_msg("frame length %u was not refused", (unsigned)lens[i]);
		assert_true(sk_now_ms() - t0 < 1000);
		assert_null(got);
		close(sv[0]);
		close(sv[1]);
	}
}

static void
test_frame_bad_body(void **state)
{
	static const unsigned char junk[] = { 0xff, 0xfe, 0xfd, 0x00, 0x01 };
	/* A frame around a top-level array [0, 1]. */
	static const unsigned char array[] = { 0x82, 0x00, 0x01 };
	struct sk_msg *got = NULL;
	int sv[2];

	(void)state;
	pair(sv);
	write_len(sv[0], sizeof(junk));
	raw_write(sv[0], junk, sizeof(junk));
	assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_ERR_PROTO);
	assert_null(got);
	write_len(sv[0], sizeof(array));
	raw_write(sv[0], array, sizeof(array));
	assert_int_equal(sk_msg_recv(sv[1], &got, 1000), SK_ERR_PROTO);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
}

/* The peer hangs up: before the header, inside the header, inside the body. */
static void
test_frame_short_then_close(void **state)
{
	static const unsigned char part[10] = { 0xa2, 0x00, 0x01, 0x01, 0x14 };
	struct sk_msg *got = NULL;
	int sv[2];
	int64_t t0;

	(void)state;
	pair(sv);
	close(sv[0]);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_IO);
	close(sv[1]);

	pair(sv);
	raw_write(sv[0], "\x00\x00", 2);
	close(sv[0]);
	assert_int_equal(sk_msg_recv(sv[1], &got, 2000), SK_ERR_IO);
	close(sv[1]);

	pair(sv);
	write_len(sv[0], 100);
	raw_write(sv[0], part, sizeof(part));
	close(sv[0]);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 5000), SK_ERR_IO);
	assert_true(sk_now_ms() - t0 < 1000);
	assert_null(got);
	close(sv[1]);

	/* Sending to a peer that is gone is an error, not a SIGPIPE. */
	pair(sv);
	close(sv[1]);
	{
		struct sk_msg *m = sk_msg_new(SK_REQ_STATUS);
		assert_int_equal(sk_msg_send(sv[0], m, 1000), SK_ERR_IO);
		sk_msg_free(m);
	}
	close(sv[0]);
}

/* A silent peer: SK_ERR_TIMEOUT after about the timeout, with or without a header. */
static void
test_frame_timeout(void **state)
{
	struct sk_msg *got = NULL;
	int sv[2];
	int64_t t0, took;

	(void)state;
	pair(sv);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 300), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	assert_true(took >= 290 && took < 1300);
	assert_null(got);

	write_len(sv[0], 50);
	raw_write(sv[0], "\xa2\x00", 2);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 300), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	assert_true(took >= 290 && took < 1300);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
}

struct drip {
	int fd;
	unsigned char frame[64];
	size_t len;
	atomic_int stop;
};

static void *
drip_thread(void *arg)
{
	struct drip *d = arg;

	for (size_t i = 0; i < d->len && !atomic_load(&d->stop); i++) {
		if (send(d->fd, d->frame + i, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(100 * 1000);
	}
	return NULL;
}

/* The timeout covers the whole message: a peer sending one byte every 100 ms cannot keep a
 * reader busy past its deadline (a slowloris on the broker socket). */
static void
test_frame_slow_drip(void **state)
{
	struct drip d = { .len = 0 };
	struct sk_msg *m = sk_msg_new(SK_REQ_STATUS), *got = NULL;
	unsigned char *body = NULL;
	size_t len = 0;
	pthread_t tid;
	int sv[2];
	int64_t t0, took;

	(void)state;
	assert_int_equal(sk_msg_encode(m, &body, &len), SK_OK);
	assert_true(len + 4 <= sizeof(d.frame));
	d.frame[0] = 0;
	d.frame[1] = 0;
	d.frame[2] = (unsigned char)(len >> 8);
	d.frame[3] = (unsigned char)len;
	memcpy(d.frame + 4, body, len);
	d.len = len + 4;     /* about 2 s of dripping */
	free(body);
	sk_msg_free(m);
	pair(sv);
	d.fd = sv[0];
	atomic_store(&d.stop, 0);
	assert_int_equal(pthread_create(&tid, NULL, drip_thread, &d), 0);
	t0 = sk_now_ms();
	assert_int_equal(sk_msg_recv(sv[1], &got, 600), SK_ERR_TIMEOUT);
	took = sk_now_ms() - t0;
	atomic_store(&d.stop, 1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_true(took >= 590 && took < 1500);
	assert_null(got);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_good),
		cmocka_unit_test(test_frame_size_boundary),
		cmocka_unit_test(test_frame_bad_lengths),
		cmocka_unit_test(test_frame_bad_body),
		cmocka_unit_test(test_frame_short_then_close),
		cmocka_unit_test(test_frame_timeout),
		cmocka_unit_test(test_frame_slow_drip),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
