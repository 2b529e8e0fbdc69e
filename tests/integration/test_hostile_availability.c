/* Availability of logins against a peer that may reach the socket (issue 7): nobody, a
 * member of socket_group but not an administrator, tries to hold every broker slot and to
 * flood the log, while root (the PAM module) probes and a real user logs in through PAM; a
 * connection that keeps sending is still closed at the end of its lifetime; a client whose
 * broker has stopped accepting (listen queue full) gives up within its timeout, and a PAM
 * login fails closed within request_timeout_ms; slot settings that cannot work stop the
 * broker. These are not policy IDs: every requirement needs logins to work (compliance.md). */
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sk_client.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_pamdrive.h"
#include "sk_proto.h"
#include "sk_test_helpers.h"

#define PER_UID 4
#define LIFETIME_S 12
#define LOG_INTERVAL_S 3

/* nogroup is nobody's own group: nobody is a socket_group member, not an administrator.
 * The root-reserved slots are the default, a quarter of max_clients. */
static const char *profiles =
	"max_clients = 32\n"
	"request_timeout_ms = 5000\n"
	"socket_group = nogroup\n"
	"max_clients_per_uid = 4\n"
	"auth_timeout = 5\n"
	"connection_lifetime = 12\n"
	"refusal_log_interval = 3\n"
	"[profile mynumber]\n"
	"classes = knowledge, possession\n"
	"methods = password, totp\n"
	/* The first login takes the next time step; a login after it the one after. */
	"totp_window = 2\n";

static struct sk_fixture fx;

static int
setup(void **state)
{
	char args[1024];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	skfx_start(&fx, "C", profiles);
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-test", args, NULL);
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

/* Runs fn(arg) in a child as nobody with its own group nogroup (the socket_group); returns
 * the child's pid. */
static pid_t
spawn_as_nobody(int (*fn)(void *), void *arg)
{
	struct passwd *nobody = getpwnam("nobody");
	struct group *g = getgrnam("nogroup");
	pid_t pid;

	assert_non_null(nobody);
	assert_non_null(g);
	/* nobody must reach the socket (0660 root:nogroup) through the test folder. */
	assert_int_equal(chmod(fx.dir, 0711), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gid_t gid = g->gr_gid;
		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(nobody->pw_uid) != 0)
			_exit(100);
		_exit(fn(arg));
	}
	return pid;
}

/* Waits for pid up to ms; kills it and fails the test if it is still running then. */
static int
wait_child(pid_t pid, int ms, const char *what)
{
	int64_t deadline = sk_now_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		assert_int_equal(r, 0);
		if (sk_now_ms() > deadline) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			fail_msg("%s did not end within %d ms", what, ms);
		}
		usleep(20 * 1000);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A STATUS request frame, ready to write. */
static size_t
status_frame(unsigned char *buf, size_t cap)
{
	struct sk_msg *m = sk_msg_new(SK_REQ_STATUS);
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

/* As nobody: one refused request, then the broker hangs up (exit 0), else 1..3. */
static int
nobody_refused_then_closed(void *arg)
{
	struct sk_client c;
	struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply = NULL;
	char byte;

	(void)arg;
	if (req == NULL || sk_client_open(&c, fx.socket, 2000) != SK_OK ||
	    sk_client_call(&c, req, &reply, 0) != SK_OK)
		return 1;
	if (sk_reply_status(reply) != SK_ST_FORBIDDEN)
		return 2;
	{
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		if (poll(&p, 1, 2000) != 1 || recv(c.fd, &byte, 1, 0) != 0)
			return 3;   /* still open after 2 s */
	}
	sk_client_close(&c);
	sk_msg_free(req);
	sk_msg_free(reply);
	return 0;
}

/* As nobody: opens 3 * PER_UID silent connections; exits with how many the broker kept
 * (the others get BUSY). */
static int
nobody_count_admitted(void *arg)
{
	int fds[3 * PER_UID], kept = 0;

	(void)arg;
	for (int i = 0; i < 3 * PER_UID; i++)
		if (sk_connect_unix(fx.socket, &fds[i]) != SK_OK)
			return 200;
	usleep(300 * 1000);
	for (int i = 0; i < 3 * PER_UID; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		struct sk_msg *m = NULL;
		if (poll(&p, 1, 0) == 0) {
			kept++;
			continue;
		}
		if (sk_msg_recv(fds[i], &m, 1000) != SK_OK || sk_reply_status(m) != SK_ST_BUSY)
			return 201;
		sk_msg_free(m);
	}
	for (int i = 0; i < 3 * PER_UID; i++)
		close(fds[i]);
	return kept;
}

#define ATTACK_CONNS 260

static volatile sig_atomic_t attack_stop;

static void
on_term(int sig)
{
	(void)sig;
	attack_stop = 1;
}

/* As nobody, the attack of issue 7: ATTACK_CONNS connections, each sending a refused
 * STATUS every second, and every connection the broker closes or refuses opened again at
 * once. Runs until SIGTERM (or arg seconds); writes "answers refused" to the pipe in arg. */
struct attack {
	int pipe_w;
	int seconds;
};

static int
attack(void *arg)
{
	const struct attack *a = arg;
	static int fds[ATTACK_CONNS];
	static int64_t next_send[ATTACK_CONNS];
	unsigned char frame[256];
	size_t flen = status_frame(frame, sizeof(frame));
	long answers = 0, refused = 0;
	int64_t end = sk_now_ms() + (int64_t)a->seconds * 1000;
	char out[64];

	signal(SIGTERM, on_term);
	/* Every refused connect would be logged: keep the test output readable. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		return 102;
	for (int i = 0; i < ATTACK_CONNS; i++)
		fds[i] = -1;
	while (!attack_stop && sk_now_ms() < end) {
		for (int i = 0; i < ATTACK_CONNS && !attack_stop; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };
			if (fds[i] < 0) {
				if (sk_connect_unix_by(fx.socket, sk_now_ms() + 100, &fds[i]) != SK_OK)
					continue;
				next_send[i] = 0;
			}
			if (poll(&p, 1, 0) == 1) {
				unsigned char buf[512];
				ssize_t r = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
				if (r > 0) {
					answers++;   /* FORBIDDEN or BUSY: the broker said no */
					refused++;
				} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
					close(fds[i]);
					fds[i] = -1;
					continue;
				}
			}
			if (sk_now_ms() >= next_send[i]) {
				if (send(fds[i], frame, flen, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
				    errno != EAGAIN) {
					close(fds[i]);
					fds[i] = -1;
					continue;
				}
				next_send[i] = sk_now_ms() + 1000;
			}
		}
		usleep(5 * 1000);
	}
	snprintf(out, sizeof(out), "%ld %ld\n", answers, refused);
	if (write(a->pipe_w, out, strlen(out)) < 0)
		return 1;
	return 0;
}

static long
attack_stop_and_count(pid_t pid, int pipe_r)
{
	char buf[64] = { 0 };
	long answers = -1, refused = -1;

	kill(pid, SIGTERM);
	assert_int_equal(wait_child(pid, 10000, "the attacker"), 0);
	assert_true(read(pipe_r, buf, sizeof(buf) - 1) > 0);
	close(pipe_r);
	assert_int_equal(sscanf(buf, "%ld %ld", &answers, &refused), 2);
	return refused;
}

/* As nobody: MALFORMED_BURST connections, each with one malformed frame (a top-level array),
 * each hung up on without an answer (exit 0), else 1..3. */
#define MALFORMED_BURST 50

static int
nobody_malformed_burst(void *arg)
{
	static const unsigned char frame[] = { 0, 0, 0, 3, 0x82, 0x01, 0x14 };

	(void)arg;
	for (int i = 0; i < MALFORMED_BURST; i++) {
		struct pollfd p;
		char byte;
		int fd = -1;

		if (sk_connect_unix(fx.socket, &fd) != SK_OK)
			return 1;
		if (send(fd, frame, sizeof(frame), MSG_NOSIGNAL) != (ssize_t)sizeof(frame))
			return 2;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 3000) != 1 || recv(fd, &byte, 1, 0) != 0)
			return 3;
		close(fd);
	}
	return 0;
}

/* Lines in the broker log from offset on that mention a refusal for uid_text; *counted gets
 * those that carry a count of lines left out, *suppressed the sum of those counts. */
static int
refusal_lines(long offset, const char *uid_text, int *counted, long *suppressed)
{
	char log[700], line[1024];
	int lines = 0;
	FILE *f;

	snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	*counted = 0;
	*suppressed = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *more;
		if (strstr(line, "refused") == NULL || strstr(line, uid_text) == NULL)
			continue;
		lines++;
		if ((more = strstr(line, "(and ")) != NULL && strstr(line, "not logged") != NULL) {
			(*counted)++;
			*suppressed += atol(more + 5);
		}
	}
	fclose(f);
	return lines;
}

static long
log_size(void)
{
	char log[700];
	struct stat st;

	snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
	assert_int_equal(stat(log, &st), 0);
	return (long)st.st_size;
}

/* A user who can log in: password changed from the temporary one, TOTP enrolled. */
static void
ready_user(const char *user, char *seed, size_t seedsz, const char *password)
{
	char temp[64];

	skfx_add_user(&fx, user, "mynumber", temp, sizeof(temp));
	skfx_enroll_totp(&fx, user, seed, seedsz);
	skfx_first_login(&fx, user, temp, seed, password);
}

/* The refused request closes the connection, and one uid holds at most PER_UID slots. */
static void
test_avail_refused_peer_is_hung_up_and_bounded(void **state)
{
	(void)state;
	assert_int_equal(wait_child(spawn_as_nobody(nobody_refused_then_closed, NULL), 10000,
	                            "the refused client"), 0);
	assert_int_equal(wait_child(spawn_as_nobody(nobody_count_admitted, NULL), 10000,
	                            "the connection counter"), PER_UID);
	broker_alive();
}

/* Issue 7: nobody (a socket_group member) runs the attack while root probes the broker 60
 * times and a real user logs in through PAM: every probe is answered, the login succeeds,
 * and the attacker never holds more than PER_UID slots. */
static void
test_avail_nonadmin_cannot_hold_every_slot(void **state)
{
	const char *password = "Sakura-Namiki-2026";
	char seed[64], code[16];
	struct attack a = { .seconds = 120 };
	int pipefd[2], ok = 0, most = 0, pam;
	struct skpd d;
	pid_t pid;
	long refused;
	int64_t t0, t1;

	(void)state;
	ready_user("avail1", seed, sizeof(seed), password);
	assert_int_equal(pipe(pipefd), 0);
	a.pipe_w = pipefd[1];
	pid = spawn_as_nobody(attack, &a);
	close(pipefd[1]);
	/* Let the attack reach its height: the attacker's slots are full. */
	usleep(1500 * 1000);
	for (int i = 0; i < 60; i++) {
		int fd = -1, clients;
		struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply = NULL;
		assert_non_null(req);
		if (sk_connect_unix_by(fx.socket, sk_now_ms() + 2000, &fd) == SK_OK &&
		    sk_msg_send(fd, req, 2000) == SK_OK && sk_msg_recv(fd, &reply, 2000) == SK_OK &&
		    sk_reply_status(reply) == SK_ST_OK) {
			char *json = malloc(SK_TEXT_MAX + 1);
			assert_non_null(json);
			assert_int_equal(sk_msg_get_text(reply, SK_K_JSON, json, SK_TEXT_MAX + 1), SK_OK);
			clients = atoi(strstr(json, "\"clients\":") + 10);
			most = clients > most ? clients : most;
			free(json);
			ok++;
		}
		if (fd >= 0)
			close(fd);
		sk_msg_free(req);
		sk_msg_free(reply);
		usleep(50 * 1000);
	}
	skfx_totp_code(seed, 60, code, sizeof(code));
	t0 = sk_now_ms();
	pam = skpd_authenticate(&d, fx.pamdir, "sk-test", "avail1", NULL, password, code);
	t1 = sk_now_ms();
	refused = attack_stop_and_count(pid, pipefd[0]);
	print_message("under attack: %d of 60 root probes answered, at most %d clients, "
	              "%ld refusals to the attacker; PAM login %d after %lld ms\n", ok, most,
	              refused, pam, (long long)(t1 - t0));
	if (pam != PAM_SUCCESS)
		print_message("%s", d.transcript);
	assert_int_equal(pam, PAM_SUCCESS);
	assert_int_equal(ok, 60);
	/* The attacker's PER_UID, this probe, and at most the PAM login's connection. */
	assert_true(most <= PER_UID + 2);
	assert_true(refused > 60);   /* it did attack */
	assert_int_equal(skfx_audit_count(&fx, "\"user\":\"avail1\"", "\"event\":\"auth\"",
	                                   "\"result\":\"allow\"", (const char *)NULL) >= 1, 1);
	broker_alive();
}

/* The refusals of the attack above were logged at most once per LOG_INTERVAL_S for nobody's
 * uid, and a later line counted the ones left out. */
static void
test_r_log_1_refusal_log_rate_limited(void **state)
{
	struct attack a = { .seconds = 2 * LOG_INTERVAL_S + 1 };
	char log[700], line[1024], uid_text[64];
	int pipefd[2], lines = 0, counted = 0;
	int64_t t0;
	long start;
	long refused;
	pid_t pid;
	FILE *f;

	(void)state;
	/* A fresh interval: the previous test's window has passed. */
	usleep((LOG_INTERVAL_S * 1000 + 200) * 1000);
	snprintf(log, sizeof(log), "%s/broker.log", fx.dir);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	start = ftell(f);
	fclose(f);
	assert_int_equal(pipe(pipefd), 0);
	a.pipe_w = pipefd[1];
	t0 = sk_now_ms();
	pid = spawn_as_nobody(attack, &a);
	close(pipefd[1]);
	assert_int_equal(wait_child(pid, 30000, "the attacker"), 0);
	{
		char buf[64] = { 0 };
		long answers = 0;
		assert_true(read(pipefd[0], buf, sizeof(buf) - 1) > 0);
		close(pipefd[0]);
		assert_int_equal(sscanf(buf, "%ld %ld", &answers, &refused), 2);
	}
	/* One more refusal after the interval brings the count of those left out. */
	usleep((LOG_INTERVAL_S * 1000 + 200) * 1000);
	assert_int_equal(wait_child(spawn_as_nobody(nobody_refused_then_closed, NULL), 10000,
	                            "the refused client"), 0);
	snprintf(uid_text, sizeof(uid_text), "uid %u", (unsigned)getpwnam("nobody")->pw_uid);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, start, SEEK_SET), 0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "refused") == NULL || strstr(line, uid_text) == NULL)
			continue;
		lines++;
		counted += strstr(line, "not logged") != NULL;
	}
	fclose(f);
	print_message("%ld refusals in %lld ms, %d log lines, %d with a count\n", refused,
	              (long long)(sk_now_ms() - t0), lines, counted);
	assert_true(refused > 100);
	/* One line per interval: the attack's ~(2 * interval + 1) s, and the last refusal. */
	assert_true(lines >= 2);
	assert_true(lines <= (int)((sk_now_ms() - t0) / (LOG_INTERVAL_S * 1000)) + 2);
	assert_true(counted >= 1);

	/* Malformed frames are refusals too, and none goes uncounted: every one after this point
	 * is either a line of its own or in the count of a later line. The line just written
	 * opened a window with nothing left out yet. */
	{
		long before = log_size(), suppressed = 0;
		int c = 0, n;
		int64_t t1 = sk_now_ms();
		assert_int_equal(wait_child(spawn_as_nobody(nobody_malformed_burst, NULL), 20000,
		                            "the malformed burst"), 0);
		usleep((LOG_INTERVAL_S * 1000 + 200) * 1000);
		assert_int_equal(wait_child(spawn_as_nobody(nobody_refused_then_closed, NULL), 10000,
		                            "the refused client"), 0);
		n = refusal_lines(before, uid_text, &c, &suppressed);
		print_message("%d malformed frames and 1 refusal: %d lines, %ld counted\n",
		              MALFORMED_BURST, n, suppressed);
		assert_int_equal(n + suppressed, MALFORMED_BURST + 1);
		assert_true(n >= 1 && n <= (int)((sk_now_ms() - t1) / (LOG_INTERVAL_S * 1000)) + 1);
		assert_true(c >= 1);
	}
}

/* A connection that keeps sending requests is still closed connection_lifetime after it was
 * accepted: idle time counts from the start, not from the last frame. */
static void
test_avail_connection_lifetime(void **state)
{
	int fd = connect_broker();
	int64_t t0 = sk_now_ms();

	(void)state;
	for (;;) {
		struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply = NULL;
		int r;

		assert_non_null(req);
		r = sk_msg_send(fd, req, 2000);
		if (r == SK_OK)
			r = sk_msg_recv(fd, &reply, 3000);
		sk_msg_free(req);
		sk_msg_free(reply);
		if (r != SK_OK)
			break;
		if (sk_now_ms() - t0 > (LIFETIME_S + 5) * 1000)
			fail_msg("a busy connection stayed open past connection_lifetime (%d s)",
			         LIFETIME_S);
		usleep(2000 * 1000);   /* within request_timeout_ms: only the lifetime ends it */
	}
	print_message("closed after %lld ms\n", (long long)(sk_now_ms() - t0));
	assert_true(sk_now_ms() - t0 >= LIFETIME_S * 1000 - 500);
	close(fd);
	broker_alive();
}

/* A listener whose backlog is full and that never accepts, like a stopped broker. */
static int
stalled_listener(const char *path, int *clients, size_t n_clients, size_t *filled)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(lfd >= 0 && strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	*filled = 0;
	while (*filled < n_clients) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(c >= 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			assert_int_equal(errno, EAGAIN);   /* full */
			close(c);
			break;
		}
		clients[(*filled)++] = c;
	}
	assert_true(*filled < n_clients);
	return lfd;
}

static const char *stalled_socket;

static int
client_against_stalled(void *arg)
{
	struct sk_client c;
	struct sk_msg *req = sk_msg_new(SK_REQ_STATUS), *reply = NULL;
	int64_t t0 = sk_now_ms();
	int r;

	(void)arg;
	r = sk_client_open(&c, stalled_socket, 1500);
	if (r == SK_OK)
		r = sk_client_call(&c, req, &reply, 0);
	if (r == SK_OK)
		return 2;
	return sk_now_ms() - t0 <= 1500 + 500 ? 0 : 3;
}

/* Issue 7 item 5: with the broker not accepting and its backlog full, the client gives up
 * within its timeout, and a PAM login fails closed within request_timeout_ms. */
static void
test_avail_connect_times_out_on_full_backlog(void **state)
{
	char path[700], conf[700], text[16384], args[1024];
	int clients[64], lfd;
	size_t filled, n;
	FILE *f;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/stalled.sock", fx.dir);
	lfd = stalled_listener(path, clients, 64, &filled);
	stalled_socket = path;
	/* Run where a hang cannot take the test with it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(client_against_stalled(NULL));
	assert_int_equal(wait_child(pid, 10000, "sk_client against a full backlog"), 0);

	/* The module, configured for that socket with request_timeout_ms = 2000. */
	f = fopen(fx.conf, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	{
		char *sock = strstr(text, "socket = sekimorid.sock"), *rt = strstr(text, "request_timeout_ms = 5000");
		assert_non_null(sock);
		assert_non_null(rt);
		memcpy(sock, "socket = stalled.sock  ", 23);
		memcpy(rt, "request_timeout_ms = 2000", 25);
	}
	sk_test_write_file(fx.dir, "stalled.conf", text, conf, sizeof(conf));
	snprintf(args, sizeof(args), "profile=mynumber conf=%s", conf);
	skpd_write_service(fx.pamdir, "sk-stalled", args, NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct skpd d;
		int64_t t0 = sk_now_ms();
		int r = skpd_authenticate(&d, fx.pamdir, "sk-stalled", "stall1", NULL, "Some-Password-1",
		                          "123456");
		if (r == PAM_SUCCESS)
			_exit(2);
		_exit(sk_now_ms() - t0 <= 2000 + 1000 ? 0 : 3);
	}
	assert_int_equal(wait_child(pid, 15000, "a PAM login against a full backlog"), 0);
	for (size_t i = 0; i < filled; i++)
		close(clients[i]);
	close(lfd);
	unlink(path);
}

/* Slot settings that cannot work together stop the broker at start, with the reason. */
static void
test_avail_slot_settings_refused(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "max_clients = 8\nroot_reserved_clients = 8\n", "root_reserved_clients (8) must be below max_clients (8)" },
		{ "auth_timeout = 300\nconnection_lifetime = 300\n", "connection_lifetime (300 s) must be longer than auth_timeout (300 s)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024], conf[1024], cmd[2048], out[4096];
		/* Everything the start needs before the socket, in a folder of its own. */
		snprintf(text, sizeof(text), "[broker]\nsocket = bad%zu/s.sock\nstore = bad%zu/s.db\n"
		         "audit_log = bad%zu/audit.jsonl\naudit_anchor = bad%zu/audit.anchor\n"
		         "key_dir = bad%zu/keys\n%s\n[profile standard]\nmethods = password, totp\n",
		         i, i, i, i, i, cases[i].text);
		sk_test_write_file(fx.dir, "bad-slots.conf", text, conf, sizeof(conf));
		snprintf(cmd, sizeof(cmd), "'%s' -c '%s' -f 2>&1", getenv("SK_SEKIMORID"), conf);
		assert_int_not_equal(sk_test_run(cmd, out, sizeof(out)), 0);
		if (strstr(out, cases[i].why) == NULL)
			fail_msg("expected '%s' in: %s", cases[i].why, out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_avail_refused_peer_is_hung_up_and_bounded),
		cmocka_unit_test(test_avail_nonadmin_cannot_hold_every_slot),
		cmocka_unit_test(test_r_log_1_refusal_log_rate_limited),
		cmocka_unit_test(test_avail_connection_lifetime),
		cmocka_unit_test(test_avail_connect_times_out_on_full_backlog),
		cmocka_unit_test(test_avail_slot_settings_refused),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
