/* A hostile client on the broker socket (R-INPUT-1: input is range- and validity-checked,
 * malformed input is rejected). A real sekimorid gets impossible frame lengths, random
 * bytes, well-formed frames with unknown types or out of order, a frame that stops halfway,
 * and a flood of 300 connections against max_clients = 32. Throughout, other clients must be
 * served; at the end the broker is alive, still answers, and its audit chain verifies.
 * A peer that is not root trying to hold the slots: test_hostile_availability.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"

#define MAX_CLIENTS 32
#define REQUEST_TIMEOUT_MS 5000
#define FLOOD 300

static const char *profiles =
	"max_clients = 32\n"
	"request_timeout_ms = 5000\n"
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n";

static struct sk_fixture fx;

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	skfx_start(&fx, "C", profiles);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	skfx_finish(&fx);
	return 0;
}

static int
connect_broker(void)
{
	int fd = -1;

	assert_int_equal(sk_connect_unix(fx.socket, &fd), SK_OK);
	return fd;
}

static void
broker_alive(void)
{
	int status;

	assert_true(fx.broker > 0);
	if (waitpid(fx.broker, &status, WNOHANG) == fx.broker) {
		fx.broker = 0;
		fail_msg("sekimorid died (status 0x%x); see %s/broker.log", (unsigned)status, fx.dir);
	}
	assert_int_equal(kill(fx.broker, 0), 0);
}

/* Sends a request and returns the reply (or fails the test). */
static struct sk_msg *
call(int fd, struct sk_msg *req)
{
	struct sk_msg *reply = NULL;
	int r;

	assert_int_equal(sk_msg_send(fd, req, 2000), SK_OK);
	r = sk_msg_recv(fd, &reply, 5000);
	if (r != SK_OK)
		fail_msg("no reply from the broker: %s", sk_strerror(r));
	assert_int_equal(sk_msg_type(reply), SK_MSG_REPLY);
	return reply;
}

static uint64_t
reply_status(const struct sk_msg *reply)
{
	uint64_t st = 999;

	assert_int_equal(sk_msg_get_uint(reply, SK_K_STATUS, &st), SK_OK);
	return st;
}

/* The number of clients the broker counts, from SK_REQ_STATUS's JSON, over fd. */
static int
status_on(int fd)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply;
	char *json = malloc(SK_TEXT_MAX + 1);
	const char *p;
	int clients = -1;

	assert_non_null(req);
	assert_non_null(json);
	reply = call(fd, req);
	assert_int_equal(reply_status(reply), SK_ST_OK);
	assert_int_equal(sk_msg_get_text(reply, SK_K_JSON, json, SK_TEXT_MAX + 1), SK_OK);
	p = strstr(json, "\"clients\":");
	assert_non_null(p);
	clients = atoi(p + 10);
	sk_msg_free(req);
	sk_msg_free(reply);
	free(json);
	return clients;
}

/* A fresh connection gets a good answer to SK_REQ_STATUS within a second. */
static int
status_fresh(void)
{
	int fd = connect_broker(), clients;
	int64_t t0 = sk_now_ms();

	clients = status_on(fd);
	assert_true(sk_now_ms() - t0 < 1000);
	close(fd);
	return clients;
}

static void
raw_send(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
send_len(int fd, uint32_t len)
{
	unsigned char h[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
	                       (unsigned char)(len >> 8), (unsigned char)len };

	raw_send(fd, h, 4);
}

/* The broker hangs up within ms: reads until EOF (a reply before it is allowed and counted);
 * fails if the connection is still open after ms. Returns the bytes read before EOF. */
static size_t
expect_hangup(int fd, int ms)
{
	int64_t deadline = sk_now_ms() + ms;
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned char buf[4096];
		int64_t left = deadline - sk_now_ms();
		ssize_t r;

		if (left <= 0)
			fail_msg("the broker kept a hostile connection open for more than %d ms", ms);
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return got;
		if (r < 0 && errno != EINTR)
			fail_msg("recv: %s", strerror(errno));
		if (r > 0)
			got += (size_t)r;
	}
}

/* ---- Impossible lengths ------------------------------------------------------------------ */

/* R-INPUT-1: a length of 0xFFFFFFFF (4 GiB) is refused from the header: the broker neither
 * waits for nor allocates the body, and hangs up at once without a reply. */
static void
test_length_ffffffff(void **state)
{
	int fd = connect_broker();

	(void)state;
	send_len(fd, 0xffffffffu);
	assert_int_equal(expect_hangup(fd, 2000), 0);
	close(fd);
	broker_alive();
	assert_true(status_fresh() >= 1);
}

/* Lengths just past the limit, and a zero length, the same way; even when the peer goes on
 * to send that many bytes. */
static void
test_length_too_large(void **state)
{
	static const uint32_t lens[] = { 0, SK_MSG_MAX - 3, SK_MSG_MAX, SK_MSG_MAX + 1, 1u << 20,
	                                 0x80000000u };
	unsigned char *junk = calloc(1, SK_MSG_MAX + 2);

	(void)state;
	assert_non_null(junk);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int fd = connect_broker();
		send_len(fd, lens[i]);
		if (i % 2 == 1)   /* the body as announced; the broker may hang up meanwhile */
			(void)send(fd, junk, SK_MSG_MAX + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (expect_hangup(fd, 2000) != 0)
			fail_msg("the broker answered a frame of length %u", (unsigned)lens[i]);
		close(fd);
	}
	free(junk);
	broker_alive();
	assert_true(status_fresh() >= 1);
}

/* ---- Random bytes and malformed bodies ------------------------------------------------- */

static uint64_t rng = UINT64_C(0x5ec1a0715ec1a071);

static uint8_t
next_byte(void)
{
	/* xorshift64*: reproducible generated data (R-TEST-1). */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint8_t)((rng * UINT64_C(0x2545F4914F6CDD1D)) >> 56);
}

/* Random streams, and frames with a plausible length around a random body: every one is
 * refused and the connection closed; none crashes or wedges the broker. */
static void
test_random_bytes(void **state)
{
	unsigned char buf[2048];

	(void)state;
	for (int round = 0; round < 40; round++) {
		int fd = connect_broker();
		size_t n = 16 + (size_t)(next_byte() % 200) * 8;

		for (size_t i = 0; i < n; i++)
			buf[i] = next_byte();
		if (round % 2 == 1) {
			/* A frame header that fits, then random CBOR-ish bytes. */
			uint32_t len = (uint32_t)(n - 4);
			buf[0] = 0;
			buf[1] = 0;
			buf[2] = (unsigned char)(len >> 8);
			buf[3] = (unsigned char)len;
		}
		(void)send(fd, buf, n, MSG_NOSIGNAL);
		/* Any bytes the broker sends back must be a reply frame, never an echo. */
		(void)expect_hangup(fd, REQUEST_TIMEOUT_MS + 2000);
		close(fd);
	}
	broker_alive();
	assert_true(status_fresh() >= 1);
}

/* Well-framed bodies that are not protocol messages: the broker hangs up without a reply. */
static void
test_malformed_bodies(void **state)
{
	static const struct {
		const char *what;
		unsigned char b[16];
		size_t n;
	} cases[] = {
		{ "version 2 {0: 2, 1: 20}", { 0xa2, 0x00, 0x02, 0x01, 0x14 }, 5 },
		{ "no type {0: 1}", { 0xa1, 0x00, 0x01 }, 3 },
		{ "top-level array [1, 20]", { 0x82, 0x01, 0x14 }, 3 },
		{ "nested map {0:1, 1:20, 3:{}}", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x03, 0xa0 }, 7 },
		{ "negative int {0:1, 1:20, 13:-1}", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x0d, 0x20 }, 7 },
		{ "indefinite map", { 0xbf, 0x00, 0x01, 0x01, 0x14, 0xff }, 6 },
		{ "array of 2^32-1 declared", { 0xa2, 0x00, 0x01, 0x08, 0x9a, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
		{ "duplicate type", { 0xa3, 0x00, 0x01, 0x01, 0x14, 0x01, 0x14 }, 7 },
		{ "trailing byte", { 0xa2, 0x00, 0x01, 0x01, 0x14, 0x00 }, 6 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = connect_broker();
		send_len(fd, (uint32_t)cases[i].n);
		raw_send(fd, cases[i].b, cases[i].n);
		if (expect_hangup(fd, 2000) != 0)
			fail_msg("the broker answered '%s'", cases[i].what);
		close(fd);
	}
	broker_alive();
	assert_true(status_fresh() >= 1);
}

/* ---- Well-formed but wrong requests ---------------------------------------------------- */

/* An unknown type gets SK_ST_BAD_REQUEST, and the connection stays usable. */
static void
test_unknown_type(void **state)
{
	static const unsigned types[] = { 150, 19, 200, 0xffff, SK_MSG_REPLY };   /* none is a request */
	int fd = connect_broker();

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct sk_msg *req = sk_msg_new(types[i]), *reply;
		assert_non_null(req);
		assert_int_equal(sk_msg_put_text(req, SK_K_USER, "hostile"), SK_OK);
		reply = call(fd, req);
		if (reply_status(reply) != SK_ST_BAD_REQUEST)
			fail_msg("type %u: status %u", types[i], (unsigned)reply_status(reply));
		sk_msg_free(req);
		sk_msg_free(reply);
	}
	assert_true(status_on(fd) >= 1);
	close(fd);
}

/* AUTH_FINISH without AUTH_BEGIN is out of order: SK_ST_BAD_REQUEST, nothing is checked. */
static void
test_auth_finish_without_begin(void **state)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_AUTH_FINISH), *reply;
	int fd = connect_broker();

	(void)state;
	assert_non_null(req);
	assert_int_equal(sk_msg_put_text(req, SK_K_USER, "nobody1"), SK_OK);
	assert_int_equal(sk_msg_put_text(req, SK_K_PASSWORD, "Generated-Pw-0001"), SK_OK);
	assert_int_equal(sk_msg_put_text(req, SK_K_OTP, "123456"), SK_OK);
	reply = call(fd, req);
	assert_int_equal(reply_status(reply), SK_ST_BAD_REQUEST);
	sk_msg_free(reply);
	/* Again on the same connection: still out of order. */
	reply = call(fd, req);
	assert_int_equal(reply_status(reply), SK_ST_BAD_REQUEST);
	sk_msg_free(reply);
	sk_msg_free(req);
	assert_true(status_on(fd) >= 1);
	close(fd);
	/* Nothing was decided for that user. */
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"nobody1\"", (const char *)NULL), 0);
}

/* ---- A stalled frame -------------------------------------------------------------------- */

/* A client that sends half a frame and goes quiet holds only its own connection: others are
 * served meanwhile, and the broker drops the stalled one after request_timeout_ms. */
static void
test_stalled_frame(void **state)
{
	static const unsigned char half[10] = { 0xa2, 0x00, 0x01, 0x01 };
	int stalled = connect_broker(), stalled_header = connect_broker();
	int64_t t0 = sk_now_ms();

	(void)state;
	send_len(stalled, 100);
	raw_send(stalled, half, sizeof(half));
	raw_send(stalled_header, "\x00\x00", 2);   /* half a header */
	usleep(200 * 1000);
	for (int i = 0; i < 5; i++) {
		int64_t t1 = sk_now_ms();
		assert_true(status_fresh() >= 3);       /* the two stalled ones and this one */
		assert_true(sk_now_ms() - t1 < 1000);
	}
	/* A long-lived second client is served too. */
	{
		int fd = connect_broker();
		assert_true(status_on(fd) >= 3);
		assert_true(status_on(fd) >= 3);
		close(fd);
	}
	assert_true(sk_now_ms() - t0 < REQUEST_TIMEOUT_MS);
	/* The stalled connections are closed by the deadline, not left open. */
	assert_int_equal(expect_hangup(stalled, REQUEST_TIMEOUT_MS + 3000), 0);
	assert_int_equal(expect_hangup(stalled_header, REQUEST_TIMEOUT_MS + 3000), 0);
	assert_true(sk_now_ms() - t0 >= REQUEST_TIMEOUT_MS - 500);
	close(stalled);
	close(stalled_header);
	broker_alive();
}

/* ---- 300 connections at once ---------------------------------------------------------- */

/* max_clients = 32: extra connections get SK_ST_BUSY (or are closed, or wait in the
 * listen backlog), admitted ones are served, and once they are gone the broker is back to
 * one client. */
static void
test_flood(void **state)
{
	int fds[FLOOD], open_idle[FLOOD];
	int n_fail = 0, n_busy = 0, n_closed = 0, n_idle = 0, n_other = 0;
	struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline;

	(void)state;
	assert_true(strlen(fx.socket) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, fx.socket, strlen(fx.socket) + 1);
	for (int i = 0; i < FLOOD; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fds[i] >= 0);
		/* A full listen backlog makes connect wait; bound that wait. */
		assert_int_equal(setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fds[i]);
			fds[i] = -1;
			n_fail++;
		}
	}
	/* Wait until at most max_clients connections are still silent: the rest must have been
	 * answered BUSY or closed. */
	deadline = sk_now_ms() + 15000;
	for (;;) {
		int silent = 0;
		for (int i = 0; i < FLOOD; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };
			if (fds[i] >= 0 && poll(&p, 1, 0) == 0)
				silent++;
		}
		if (silent <= MAX_CLIENTS)
			break;
		if (sk_now_ms() > deadline)
			fail_msg("%d of %d connections still silent; max_clients is %d", silent, FLOOD,
			         MAX_CLIENTS);
		usleep(100 * 1000);
	}
	for (int i = 0; i < FLOOD; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		struct sk_msg *m = NULL;
		int r;

		open_idle[i] = 0;
		if (fds[i] < 0)
			continue;
		if (poll(&p, 1, 0) == 0) {
			open_idle[i] = 1;
			n_idle++;
			continue;
		}
		r = sk_msg_recv(fds[i], &m, 1000);
		if (r == SK_OK) {
			if (sk_msg_type(m) == SK_MSG_REPLY && reply_status(m) == SK_ST_BUSY)
				n_busy++;
			else
				n_other++;
			sk_msg_free(m);
		} else {
			n_closed++;
		}
	}
	print_message("flood: %d connect failed, %d BUSY, %d closed, %d admitted, %d other\n",
	              n_fail, n_busy, n_closed, n_idle, n_other);
	assert_int_equal(n_other, 0);
	assert_true(n_idle <= MAX_CLIENTS);
	assert_int_equal(n_fail + n_busy + n_closed + n_idle, FLOOD);
	assert_true(n_busy > 0);
	/* Admitted connections are real clients: each is served, and the broker never counts
	 * more than max_clients. */
	for (int i = 0; i < FLOOD; i++) {
		if (open_idle[i]) {
			int c = status_on(fds[i]);
			assert_true(c >= 1 && c <= MAX_CLIENTS);
		}
	}
	for (int i = 0; i < FLOOD; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* The slots come back: soon this connection is the only client. */
	deadline = sk_now_ms() + 5000;
	while (status_fresh() != 1) {
		if (sk_now_ms() > deadline)
			fail_msg("the broker still counts clients after all connections closed");
		usleep(100 * 1000);
	}
	broker_alive();
}

/* ---- Afterwards ------------------------------------------------------------------------- */

/* After all of the above the broker still works for real requests, logged refusals, and its
 * audit chain verifies (R-LOG-3). */
static void
test_still_serving_and_audit_verifies(void **state)
{
	char pw[64], out[8192], log[700], line[1024];
	FILE *f;
	int refused = 0;

	(void)state;
	broker_alive();
	skfx_add_user(&fx, "after1", "mynumber", pw, sizeof(pw));
	assert_true(strlen(pw) >= 12);
	assert_int_equal(skfx_cli(&fx, "--json user show after1", NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"after1\""));
	assert_int_equal(skfx_cli(&fx, "audit verify", NULL, out, sizeof(out)), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"after1\"", (const char *)NULL) >= 1, 1);
	/* The flood was logged as refusals (at most one line per uid per refusal_log_interval,
	 * so the flood may share its line with what came before it). */
	snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
	f = fopen(log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		refused += strstr(line, "refused:") != NULL;
	fclose(f);
	assert_true(refused > 0);
	broker_alive();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_ffffffff),
		cmocka_unit_test(test_length_too_large),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_malformed_bodies),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_auth_finish_without_begin),
		cmocka_unit_test(test_stalled_frame),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_still_serving_and_audit_verifies),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
