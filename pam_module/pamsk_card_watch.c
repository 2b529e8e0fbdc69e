/* The card-removal watcher (R-CARD-2, R-LOGIN-2): when the IC card used for the login leaves
 * its reader, the session is locked or ended at once.
 *
 * How it starts. pamsk_open_session() calls pamsk_card_watch_start() after the broker opened
 * the session. When the auth phase in this PAM handle logged in with a card (it left the
 * reader's name under "pam_sekimori_card_reader") and the profile's card_removal is not
 * "none", the module double-forks: the first child calls setsid() and forks the watcher, then
 * exits, and the module reaps it, so the watcher is nobody's child in the PAM application and
 * holds no terminal. The watcher resets signal handlers, points stdin/stdout/stderr at
 * /dev/null, closes every other descriptor it does not need, makes itself non-dumpable and
 * never touches the PAM handle again; it keeps only the reader name, the user name, the
 * session ids, the action, the lock command and the broker's socket path (no secret).
 * It opens its pcscd watch (sc_watch) and only then tells the module, over a pipe, that it
 * watches; so the card is watched before pam_open_session() returns. If the card is already
 * gone, or pcscd or the reader is, the module refuses the session (fail closed) and records
 * "card_missing_at_open".
 *
 * What it does on removal (sc_watch answers as soon as pcscd sees the change; pcscd or the
 * reader vanishing counts as removal):
 *   - [card] lock_command, when set, is executed as
 *         LOCK_COMMAND ACTION USER LOGIND_SESSION SEKIMORI_SESSION
 *     ACTION "lock" or "end"; LOGIND_SESSION the XDG_SESSION_ID of the session ("-" when
 *     unknown); SEKIMORI_SESSION the broker's session id. It runs with an empty environment
 *     apart from PATH and LANG=C, stdin/stdout/stderr on /dev/null, and must exit 0 within
 *     5 seconds to count as done;
 *   - otherwise `loginctl lock-session ID` (lock) or `loginctl terminate-session ID` (end),
 *     with ID from the PAM environment's XDG_SESSION_ID or, failing that, the logind scope
 *     of the PAM application's process (/proc/PID/cgroup, ".../session-ID.scope");
 *   - a lock that fails is escalated to ending the session; if that fails too, the PAM
 *     application's process (the session leader) is sent SIGHUP.
 * Then it sends SK_REQ_SESSION_EVENT with "card_removed_lock" or "card_removed_end" (or
 * "card_removed_unhandled" when nothing worked) to the broker for the audit trail, and exits.
 *
 * How it ends without a removal: the module keeps the write end of a pipe (pam_set_data
 * "pam_sekimori_card_watch"); pam_end() - after pam_close_session() - closes it, and so does
 * the PAM application's exit. The watcher also holds a pidfd of the PAM application and
 * leaves when that process exits, even if a descendant kept a copy of the pipe. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "pamsk.h"
#include "sc_watch.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

#define PAMSK_CARD_READER "pam_sekimori_card_reader"   /* set by pamsk_card.c */
#define PAMSK_CARD_WATCH "pam_sekimori_card_watch"
#define WATCH_POLL_MS 500          /* how often the watcher looks whether the session ended */
#define WATCH_READY_MS 5000        /* how long the module waits for the watch to be open */
#define COMMAND_TIMEOUT_MS 5000
#define LOGINCTL "/usr/bin/loginctl"
#define XDG_ID_MAX 64

/* The three descriptors the watcher keeps, at fixed numbers. */
enum { FD_LEADER = 3, FD_LIFELINE = 4, FD_READY = 5 };

struct watch_job {
	char reader[SC_READER_NAME_MAX];
	char user[SK_USER_MAX];
	char xdg_session[XDG_ID_MAX];
	char lock_command[PATH_MAX];
	char socket_path[108];
	int request_timeout_ms;
	unsigned long long session_id;
	unsigned action;               /* SK_CARD_REMOVAL_LOCK or _END */
	pid_t leader;                  /* the PAM application's process */
};

/* logind session ids are short [A-Za-z0-9] strings ("3", "c2"). */
static int
valid_session_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= XDG_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* The logind session the leader's cgroup names, for stacks where pam_systemd runs after us. */
static int
leader_session(pid_t pid, char *out, size_t cap)
{
	char path[64], line[512];
	FILE *f;
	int found = 0;

	if (snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid) >= (int)sizeof(path) ||
	    (f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *s = strstr(line, "/session-"), *e;

		if (s == NULL || (e = strstr(s, ".scope")) == NULL)
			continue;
		s += strlen("/session-");
		*e = '\0';
		found = (size_t)(e - s) < cap && valid_session_id(s);
		if (found)
			memcpy(out, s, (size_t)(e - s) + 1);
	}
	fclose(f);
	return found;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv[0] (absolute path) with a clean environment; 1 when it exited 0 in time. */
static int
run_command(char *const argv[])
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL };
	long long deadline = now_ms() + COMMAND_TIMEOUT_MS;
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status;
	pid_t pid = fork(), w;

	if (pid < 0) {
		sk_logerr("fork for %s failed: %s", argv[0], strerror(errno));
		return 0;
	}
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		nanosleep(&pause, NULL);
	if (w == 0) {
		sk_logerr("%s did not finish within %d ms", argv[0], COMMAND_TIMEOUT_MS);
		kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		return 0;
	}
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sk_logerr("%s %s failed (status %d)", argv[0], argv[1], w < 0 ? -1 : status);
		return 0;
	}
	return 1;
}

/* One attempt at "lock" or "end". */
static int
try_action(const struct watch_job *j, const char *session, int end)
{
	if (j->lock_command[0] != '\0') {
		char sid[32];
		char *argv[] = { (char *)j->lock_command, end ? "end" : "lock", (char *)j->user,
		                 (char *)(session[0] ? session : "-"), sid, NULL };

		snprintf(sid, sizeof(sid), "%llu", j->session_id);
		return run_command(argv);
	}
	if (session[0] == '\0') {
		sk_logerr("no logind session known for %s: cannot %s it", j->user,
		          end ? "end" : "lock");
		return 0;
	}
	{
		char *argv[] = { LOGINCTL, end ? "terminate-session" : "lock-session",
		                 (char *)session, NULL };
		return run_command(argv);
	}
}

static void
report(const struct watch_job *j, const char *event)
{
	struct sk_client client = { .fd = -1 };
	struct sk_msg *req = sk_msg_new(SK_REQ_SESSION_EVENT), *reply = NULL;
	int r = req ? SK_OK : SK_ERR_NOMEM;

	if (r == SK_OK && (sk_msg_put_text(req, SK_K_USER, j->user) != SK_OK ||
	                   sk_msg_put_text(req, SK_K_EVENT, event) != SK_OK ||
	                   sk_msg_put_uint(req, SK_K_SESSION_ID, j->session_id) != SK_OK))
		r = SK_ERR_NOMEM;
	if (r == SK_OK)
		r = sk_client_open(&client, j->socket_path, j->request_timeout_ms);
	if (r == SK_OK)
		r = sk_client_call(&client, req, &reply, 0);
	if (r != SK_OK || sk_reply_status(reply) != SK_ST_OK)
		sk_logerr("the broker did not record %s for %s", event, j->user);
	sk_client_close(&client);
	sk_msg_free(req);
	sk_msg_free(reply);
}

/* SIGHUP to the PAM application's process through its pidfd (no pid reuse race). */
static int
hang_up_leader(void)
{
	return pidfd_send_signal(FD_LEADER, SIGHUP, NULL, 0) == 0;
}

static void
act(const struct watch_job *j)
{
	char session[XDG_ID_MAX];
	int done = 0, ended = j->action == SK_CARD_REMOVAL_END;
	const char *event;

	memcpy(session, j->xdg_session, sizeof(session));
	if (session[0] == '\0')
		(void)leader_session(j->leader, session, sizeof(session));
	sk_log(LOG_NOTICE, "IC card left \"%s\": %s the session of %s (session %llu)", j->reader,
	       ended ? "ending" : "locking", j->user, j->session_id);
	if (!ended)
		done = try_action(j, session, 0);
	if (!done) {
		ended = 1;
		done = try_action(j, session, 1);
	}
	if (!done) {
		/* Nothing ended the session: hang up its leader rather than leave it open. */
		done = hang_up_leader();
		sk_log(LOG_ALERT, "could not lock or end the session of %s; %s", j->user,
		       done ? "sent SIGHUP to its leader" : "the session may still be open");
	}
	event = !done ? "card_removed_unhandled" : ended ? "card_removed_end" : "card_removed_lock";
	report(j, event);
}

/* 1 when the session is over: the module closed the pipe or the PAM application is gone. */
static int
session_over(void)
{
	struct pollfd p[2] = { { FD_LEADER, POLLIN, 0 }, { FD_LIFELINE, POLLIN, 0 } };

	if (poll(p, 2, 0) < 0)
		return errno != EINTR;
	return (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 ||
	       (p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/* A process image copied from the PAM application: drop what it inherited. */
static void
detach(int leader_fd, int life_fd, int ready_fd)
{
	struct sigaction sa;
	sigset_t none;
	int null, have_leader = leader_fd >= 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)prctl(PR_SET_NAME, "sekimori-watch");
	closelog();   /* the application's syslog socket goes with the other descriptors */
	/* The kept descriptors go to 3, 4, 5 by way of fresh numbers above 16, so that no
	 * dup2 overwrites one not yet moved; a missing pidfd becomes /dev/null, then closed. */
	null = open("/dev/null", O_RDWR);
	if (null < 0 || (leader_fd = fcntl(leader_fd >= 0 ? leader_fd : null, F_DUPFD, 16)) < 0 ||
	    (life_fd = fcntl(life_fd, F_DUPFD, 16)) < 0 ||
	    (ready_fd = fcntl(ready_fd, F_DUPFD, 16)) < 0 ||
	    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(leader_fd, FD_LEADER) < 0 || dup2(life_fd, FD_LIFELINE) < 0 ||
	    dup2(ready_fd, FD_READY) < 0)
		_exit(1);
	closefrom(FD_READY + 1);
	if (!have_leader)
		close(FD_LEADER);
	/* The lock command and loginctl inherit none of them. */
	for (int fd = FD_LEADER; fd <= FD_READY; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (chdir("/") != 0)
		_exit(1);
	umask(077);
	sk_log_to_stderr(0);
	sk_log_set_ident("sekimori-watch");
	openlog("sekimori-watch", LOG_PID, LOG_AUTHPRIV);
}

static void __attribute__((noreturn))
watcher(const struct watch_job *j, int leader_fd, int life_fd, int ready_fd)
{
	struct sc_watch w;
	char ok = 'w';

	detach(leader_fd, life_fd, ready_fd);
	if (sc_watch_open(&w, j->reader) != SK_OK) {
		ok = 'g';
		(void)!write(FD_READY, &ok, 1);
		_exit(0);
	}
	(void)!write(FD_READY, &ok, 1);
	close(FD_READY);
	for (;;) {
		int r = sc_watch_wait(&w, WATCH_POLL_MS);

		if (session_over())
			break;
		if (r == SK_ERR_TIMEOUT)
			continue;
		/* SK_OK: removed or swapped. Anything else: pcscd or the reader is gone and the
		 * card can no longer be vouched for (fail closed). */
		act(j);
		break;
	}
	sc_watch_close(&w);
	_exit(0);
}

static unsigned
removal_action(const struct pamsk *m)
{
	const struct sk_profile *p = sk_conf_profile(&m->conf, m->profile[0] ? m->profile :
	                                             m->conf.default_profile);

	/* An unknown profile is refused by the broker before a session opens; lock anyway. */
	if (m->card_removal >= 0)
		return (unsigned)m->card_removal;   /* the effective profile, from the broker */
	return p ? p->card_removal : SK_CARD_REMOVAL_LOCK;
}

static int
fill_job(struct pamsk *m, const char *reader, unsigned long long session_id,
         struct watch_job *j)
{
	const char *xdg = pam_getenv(m->pamh, "XDG_SESSION_ID");

	memset(j, 0, sizeof(*j));
	if (snprintf(j->reader, sizeof(j->reader), "%s", reader) >= (int)sizeof(j->reader) ||
	    snprintf(j->user, sizeof(j->user), "%s", m->user) >= (int)sizeof(j->user) ||
	    snprintf(j->lock_command, sizeof(j->lock_command), "%s",
	             m->conf.card.lock_command) >= (int)sizeof(j->lock_command) ||
	    snprintf(j->socket_path, sizeof(j->socket_path), "%s",
	             m->conf.socket_path) >= (int)sizeof(j->socket_path)) {
		sk_logerr("a name is too long for the card watcher");
		return SK_ERR_RANGE;
	}
	if (xdg != NULL && valid_session_id(xdg))
		memcpy(j->xdg_session, xdg, strlen(xdg) + 1);
	j->request_timeout_ms = (int)m->conf.request_timeout_ms;
	j->session_id = session_id;
	j->action = removal_action(m);
	j->leader = getpid();
	return SK_OK;
}

static void
close_lifeline(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	close(*(int *)data);
	free(data);
}

/* A pidfd of this process (the session's leader), close-on-exec; -1 on kernels before 5.3
 * (the watcher then leaves only when the module's pipe closes). */
static int
leader_pidfd(void)
{
	int fd = pidfd_open(getpid(), 0);

	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Forks twice; returns the watcher's first word ('w' watching, 'g' card gone) or 0. */
static char
spawn(const struct watch_job *j, int *lifeline_out)
{
	int life[2] = { -1, -1 }, ready[2] = { -1, -1 }, leader = leader_pidfd(), status;
	struct pollfd p;
	char word = 0;
	pid_t first;

	if (pipe2(life, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
		sk_logerr("pipe2 failed: %s", strerror(errno));
		goto out;
	}
	first = fork();
	if (first < 0) {
		sk_logerr("fork failed: %s", strerror(errno));
		goto out;
	}
	if (first == 0) {
		pid_t second;

		(void)setsid();
		second = fork();
		if (second == 0)
			watcher(j, leader, life[0], ready[1]);
		_exit(second < 0 ? 1 : 0);
	}
	close(ready[1]);
	ready[1] = -1;
	while (waitpid(first, &status, 0) < 0 && errno == EINTR)
		;
	p.fd = ready[0];
	p.events = POLLIN;
	for (long long deadline = now_ms() + WATCH_READY_MS; word == 0 && now_ms() < deadline;) {
		int n = poll(&p, 1, (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0));
		ssize_t got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			break;
		got = read(ready[0], &word, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1) {
			word = 0;
			break;
		}
	}
	if (word == 'w') {
		*lifeline_out = life[1];
		life[1] = -1;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (life[i] >= 0)
			close(life[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	if (leader >= 0)
		close(leader);
	return word;
}

static void
say_missing(struct pamsk *m, unsigned long long session_id)
{
	struct sk_msg *req = sk_msg_new(SK_REQ_SESSION_EVENT), *reply = NULL;

	pamsk_error(m, "%s", _("The IC card is no longer in the reader (or the reader cannot be "
	                       "used), so the session is not opened."));
	if (req != NULL && sk_msg_put_text(req, SK_K_USER, m->user) == SK_OK &&
	    sk_msg_put_text(req, SK_K_EVENT, "card_missing_at_open") == SK_OK &&
	    sk_msg_put_uint(req, SK_K_SESSION_ID, session_id) == SK_OK &&
	    pamsk_call(m, req, &reply, 0) == SK_OK && sk_reply_status(reply) != SK_ST_OK)
		sk_logerr("the broker did not record card_missing_at_open");
	sk_msg_free(req);
	sk_msg_free(reply);
}

int
pamsk_card_watch_start(struct pamsk *m, unsigned long long session_id)
{
	const void *reader = NULL;
	struct watch_job *j;
	int *keep, lifeline = -1;
	char word;

	if (pam_get_data(m->pamh, PAMSK_CARD_READER, &reader) != PAM_SUCCESS || reader == NULL)
		return PAM_SUCCESS;   /* no card in this login */
	if (removal_action(m) == SK_CARD_REMOVAL_NONE)
		return PAM_SUCCESS;
	if ((j = calloc(1, sizeof(*j))) == NULL || (keep = malloc(sizeof(*keep))) == NULL) {
		free(j);
		return PAM_BUF_ERR;
	}
	if (fill_job(m, reader, session_id, j) != SK_OK) {
		free(j);
		free(keep);
		return PAM_SESSION_ERR;
	}
	word = spawn(j, &lifeline);
	free(j);
	if (word != 'w') {
		if (word == 0)
			sk_logerr("the card watcher did not start");
		free(keep);
		say_missing(m, session_id);
		return PAM_SESSION_ERR;
	}
	*keep = lifeline;
	if (pam_set_data(m->pamh, PAMSK_CARD_WATCH, keep, close_lifeline) != PAM_SUCCESS) {
		close(lifeline);   /* the watcher sees the pipe close and leaves */
		free(keep);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}
