/* The worker pool against a hostile local user (issue 11, item 3): nobody, a member of
 * admin_group (so that the broker answers its ADMIN_WHOAMI instead of hanging up), sends
 * requests on every connection it may open and never reads a reply. Each reply then waits
 * in the broker's send for request_timeout_ms, holding the worker that serves it. A uid
 * other than root may hold only half of the workers, so root (the PAM module: every login)
 * is still served at once by the others: its requests are answered within its own timeout,
 * well below what one held worker costs. Not a policy ID: every requirement needs logins to
 * work (compliance.md). */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_client.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"

#define HOLD_MS 6000        /* request_timeout_ms: how long a reply nobody never reads waits */
#define ROOT_LIMIT_MS 2000  /* root's own timeout per request, a third of HOLD_MS */
#define PER_UID 4
#define ROOT_CALLS 8

static const char *profiles =
	"workers = 2\n"
	"request_timeout_ms = 6000\n"
	"socket_group = nogroup\n"
	"admin_group = nogroup\n"
	"max_clients_per_uid = 4\n"
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

/* One ADMIN_WHOAMI frame, ready to write. */
static size_t
whoami_frame(unsigned char *buf, size_t cap)
{
	struct sk_msg *m = sk_msg_new(SK_REQ_ADMIN_WHOAMI);
	unsigned char *body = NULL;
	size_t len = 0;

	if (m == NULL || sk_msg_encode(m, &body, &len) != SK_OK || len + 4 > cap)
		_exit(101);
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (unsigned char)(len >> 8);
	buf[3] = (unsigned char)len;
	memcpy(buf + 4, body, len);
	free(body);
	sk_msg_free(m);
	return len + 4;
}

static volatile sig_atomic_t attack_stop;

static void
on_term(int sig)
{
	(void)sig;
	attack_stop = 1;
}

/* Writes whoami frames on fd until the broker stops taking them (its worker is stuck in a
 * send to us, or the connection waits in the queue). 0 when blocked, -1 when closed. */
static int
stuff(int fd, const unsigned char *frame, size_t len)
{
	for (;;) {
		ssize_t k = send(fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0 && errno == EAGAIN)
			return 0;
		if (k < 0 || attack_stop)
			return -1;
		/* A short write leaves a partial frame: the rest goes out when there is room. */
		if ((size_t)k < len) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			size_t done = (size_t)k;

			while (done < len && !attack_stop) {
				if (poll(&p, 1, 200) < 0)
					return -1;
				if ((k = send(fd, frame + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
					done += (size_t)k;
				else if (k < 0 && errno != EAGAIN)
					return -1;
			}
		}
	}
}

/* As nobody: PER_UID connections, each stuffed with requests whose replies are never read;
 * a connection the broker closes is opened and stuffed again. Writes one byte to the pipe
 * once every connection is stuffed, then keeps going until SIGTERM. */
static int
attack(int ready_w)
{
	unsigned char frame[256];
	size_t len = whoami_frame(frame, sizeof(frame));
	int fds[PER_UID], told = 0;

	signal(SIGTERM, on_term);
	for (int i = 0; i < PER_UID; i++)
		fds[i] = -1;
	while (!attack_stop) {
		int stuffed = 0;

		for (int i = 0; i < PER_UID && !attack_stop; i++) {
			if (fds[i] < 0 && sk_connect_unix(fx.socket, &fds[i]) != SK_OK)
				fds[i] = -1;
			if (fds[i] >= 0 && stuff(fds[i], frame, len) != 0) {
				close(fds[i]);
				fds[i] = -1;
			} else if (fds[i] >= 0) {
				stuffed++;
			}
		}
		if (stuffed == PER_UID && !told) {
			told = write(ready_w, "r", 1) == 1;
		}
		usleep(20 * 1000);
	}
	return 0;
}

static pid_t
spawn_attack(int ready_w)
{
	struct passwd *nobody = getpwnam("nobody");
	struct group *g = getgrnam("nogroup");
	pid_t pid;

	assert_non_null(nobody);
	assert_non_null(g);
	assert_int_equal(chmod(fx.dir, 0711), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gid_t gid = g->gr_gid;

		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(nobody->pw_uid) != 0)
			_exit(100);
		_exit(attack(ready_w));
	}
	return pid;
}

static void
test_avail_hostile_uid_cannot_take_every_worker(void **state)
{
	int pipefd[2], answered = 0, status;
	struct pollfd p;
	pid_t pid;
	char byte;

	(void)state;
	if (geteuid() != 0)
		skip();   /* needs root to become nobody */
	assert_int_equal(pipe(pipefd), 0);
	pid = spawn_attack(pipefd[1]);
	close(pipefd[1]);
	/* The attack is in place when every one of its connections takes no more bytes. */
	p.fd = pipefd[0];
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 30000), 1);
	assert_int_equal(read(pipefd[0], &byte, 1), 1);
	close(pipefd[0]);

	/* Root, one request at a time, each on a new connection as the module makes them. */
	for (int i = 0; i < ROOT_CALLS; i++) {
		struct sk_client c = { .fd = -1 };
		struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply = NULL;

		assert_non_null(req);
		if (sk_client_open(&c, fx.socket, ROOT_LIMIT_MS) == SK_OK &&
		    sk_client_call(&c, req, &reply, ROOT_LIMIT_MS) == SK_OK &&
		    sk_reply_status(reply) == SK_ST_OK)
			answered++;
		sk_client_close(&c);
		sk_msg_free(req);
		sk_msg_free(reply);
		usleep(HOLD_MS / ROOT_CALLS * 1000);   /* spread over more than one hold */
	}
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(answered, ROOT_CALLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_avail_hostile_uid_cannot_take_every_worker),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
