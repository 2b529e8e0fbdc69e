/* The session agent's launcher (R-CARD-2, R-CARD-3, R-LOGIN-2, R-PRIV-7): after a card login
 * and after every privileged login (issue 9) the session is watched by
 * sekimori-session-agent (agent/), a separate program that locks or ends the session when the
 * card leaves its reader or when the broker orders it (a card reported lost, the grant's
 * deadline, a revoke or lock), and ends a privileged session at its deadline or idle limit by
 * itself too. This file only starts it; everything it does is in agent/.
 *
 * How it starts, in the manner of pam_unix's helpers: pamsk_open_session() calls
 * pamsk_card_watch_start() after the broker opened the session. When the auth phase in this
 * PAM handle logged in with a card (pamsk_card_watch_remember() kept the reader's name and the
 * certificate under "pam_sekimori_card_login") and the profile's card_removal is not "none",
 * the module forks; the child calls setsid() and forks again, and the grandchild execve()s the
 * agent (SK_SESSION_AGENT from sk_build.h, or the module argument session_agent=, which tests
 * use) with an empty environment, every signal back to its default and none blocked,
 * stdin/stdout/stderr on /dev/null and exactly three more descriptors (agent/agent.h):
 * 3 a pidfd of this process, 4 the lifeline pipe, 5 the ready pipe; all others are closed
 * first. Between fork and execve only async-signal-safe calls run: the argument vector is
 * built before the fork. No PAM state, no secret crosses: argv holds the user, the session
 * ids, the reader, the card's binding hash, the action, the lock command, the socket path.
 * The first child exits at once and is reaped here, so the agent is nobody's child in the
 * PAM application and holds no terminal.
 *
 * The agent opens its pcscd watch and registers with the broker, and only then writes one
 * byte on the ready pipe: 'w' watching, 'g' the card is gone (or pcscd or the reader is).
 * So the card is watched before pam_open_session() returns; 'g', no answer within 5 s or an
 * agent that cannot be started refuses the session (fail closed), recorded as
 * "card_missing_at_open".
 *
 * How it ends without acting: the module keeps the write end of the lifeline (pam_set_data
 * "pam_sekimori_card_watch"); pam_end() - after pam_close_session() - closes it, and so does
 * the PAM application's exit. The agent also leaves when the pidfd reports this process gone,
 * even if a descendant kept a copy of the pipe. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_io.h"
#include "sk_log.h"
#include "sk_proto.h"
#include "skc_session.h"

#define PAMSK_CARD_LOGIN "pam_sekimori_card_login"
#define PAMSK_CARD_WATCH "pam_sekimori_card_watch"
#define WATCH_READY_MS 5000        /* how long the module waits for the agent to watch */
#define XDG_ID_MAX 64
#define CARD_CERT_MAX 8192

/* The agent's descriptors (agent/agent.h). */
enum { FD_LEADER = 3, FD_LIFELINE = 4, FD_READY = 5 };

/* What the auth phase leaves for the session phase in the same PAM handle. */
struct card_login {
	char reader[256];
	size_t cert_len;
	unsigned char cert[];
};

static void
free_card_login(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

int
pamsk_card_watch_remember(struct pamsk *m, const char *reader, const unsigned char *cert,
                          size_t cert_len)
{
	struct card_login *l;

	if (cert_len == 0 || cert_len > CARD_CERT_MAX || strlen(reader) >= sizeof(l->reader) ||
	    (l = malloc(sizeof(*l) + cert_len)) == NULL)
		return PAM_BUF_ERR;
	memcpy(l->reader, reader, strlen(reader) + 1);
	memcpy(l->cert, cert, cert_len);
	l->cert_len = cert_len;
	if (pam_set_data(m->pamh, PAMSK_CARD_LOGIN, l, free_card_login) != PAM_SUCCESS) {
		free(l);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static const struct card_login *
card_login(const struct pamsk *m)
{
	const void *l = NULL;

	if (pam_get_data(m->pamh, PAMSK_CARD_LOGIN, &l) != PAM_SUCCESS)
		return NULL;
	return l;
}

const unsigned char *
pamsk_card_watch_cert(const struct pamsk *m, size_t *len)
{
	const struct card_login *l = card_login(m);

	*len = l != NULL ? l->cert_len : 0;
	return l != NULL ? l->cert : NULL;
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

/* The agent's command line; every string lives here (no allocation after the fork). */
struct agent_argv {
	char session[24], timeout[16], leader[16], ends[24], warn[16], idle[16], grant[24];
	const char *argv[48];
};

/* A privileged session's arguments: the deadline, the idle limit, the role, the terminal the
 * warning is written to, and the language it is written in. */
static size_t
privileged_argv(struct pamsk *m, const struct skc_session_open_out *o, struct agent_argv *a,
                size_t n)
{
	snprintf(a->ends, sizeof(a->ends), "%llu", (unsigned long long)o->priv_ends);
	snprintf(a->idle, sizeof(a->idle), "%llu", (unsigned long long)o->priv_idle);
	a->argv[n++] = "--ends-at";
	a->argv[n++] = a->ends;
	a->argv[n++] = "--idle";
	a->argv[n++] = a->idle;
	if (o->priv_role[0] != '\0') {
		a->argv[n++] = "--role";
		a->argv[n++] = o->priv_role;
	}
	if (o->priv_grant != 0) {
		snprintf(a->grant, sizeof(a->grant), "%llu", (unsigned long long)o->priv_grant);
		a->argv[n++] = "--grant";
		a->argv[n++] = a->grant;
	}
	if (m->tty[0] != '\0' && strlen(m->tty) < 64) {
		a->argv[n++] = "--tty";
		a->argv[n++] = m->tty;   /* the agent accepts /dev/pts/N, /dev/ttyN, pts/N, ttyN */
	}
	a->argv[n++] = "--language";
	a->argv[n++] = m->conf.language;
	if (m->conf.locale_dir[0] == '/') {
		a->argv[n++] = "--locale-dir";
		a->argv[n++] = m->conf.locale_dir;
	}
	return n;
}

static void
build_argv(struct pamsk *m, const struct card_login *l, unsigned long long session_id,
           const char *card_hash, const struct skc_session_open_out *o, struct agent_argv *a)
{
	const char *xdg = pam_getenv(m->pamh, "XDG_SESSION_ID");
	size_t n = 0;

	snprintf(a->session, sizeof(a->session), "%llu", session_id);
	snprintf(a->timeout, sizeof(a->timeout), "%u", m->conf.request_timeout_ms);
	snprintf(a->leader, sizeof(a->leader), "%d", (int)getpid());
	a->argv[n++] = m->agent_path;
	a->argv[n++] = "--user";
	a->argv[n++] = m->user;
	a->argv[n++] = "--session";
	a->argv[n++] = a->session;
	a->argv[n++] = "--action";
	/* A privileged session is ended, never only locked. */
	a->argv[n++] = o->priv_ends != 0 || removal_action(m) == SK_CARD_REMOVAL_END ? "end" :
	               "lock";
	a->argv[n++] = "--socket";
	a->argv[n++] = m->conf.socket_path;
	a->argv[n++] = "--timeout";
	a->argv[n++] = a->timeout;
	if (l != NULL) {
		a->argv[n++] = "--reader";
		a->argv[n++] = l->reader;
	}
	a->argv[n++] = "--leader";
	a->argv[n++] = a->leader;
	if (card_hash[0] != '\0') {
		a->argv[n++] = "--card";
		a->argv[n++] = card_hash;
	}
	/* The agent checks its form (and ignores a malformed one: "-" to the lock command). */
	if (xdg != NULL && xdg[0] != '\0' && strlen(xdg) < XDG_ID_MAX) {
		a->argv[n++] = "--xdg-session";
		a->argv[n++] = xdg;
	}
	if (m->conf.card.lock_command[0] != '\0') {
		a->argv[n++] = "--lock-command";
		a->argv[n++] = m->conf.card.lock_command;
	}
	if (o->priv_ends != 0)
		n = privileged_argv(m, o, a, n);
	a->argv[n] = NULL;
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
 * (the agent then leaves only when the module's pipe closes). */
static int
leader_pidfd(void)
{
	int fd = pidfd_open(getpid(), 0);

	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* In the grandchild, between fork and execve: async-signal-safe calls only. */
static void __attribute__((noreturn))
exec_agent(const struct agent_argv *a, int null, int leader_fd, int life_fd, int ready_fd)
{
	static char *const envp[] = { NULL };
	struct sigaction sa;
	sigset_t none;
	int have_leader = leader_fd >= 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* The kept descriptors go to 3, 4, 5 by way of fresh numbers above 16, so that no dup2
	 * overwrites one not yet moved; a missing pidfd becomes /dev/null, then closed. */
	if ((leader_fd = fcntl(leader_fd >= 0 ? leader_fd : null, F_DUPFD, 16)) < 0 ||
	    (life_fd = fcntl(life_fd, F_DUPFD, 16)) < 0 ||
	    (ready_fd = fcntl(ready_fd, F_DUPFD, 16)) < 0 ||
	    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(leader_fd, FD_LEADER) < 0 || dup2(life_fd, FD_LIFELINE) < 0 ||
	    dup2(ready_fd, FD_READY) < 0)
		_exit(127);
	closefrom(FD_READY + 1);
	if (!have_leader)
		close(FD_LEADER);   /* the agent then leaves only when the lifeline closes */
	if (a->argv[0] == NULL)
		_exit(127);
	execve(a->argv[0], (char *const *)a->argv, envp);
	_exit(127);
}

/* Forks twice and execs the agent; returns its first word ('w' or 'g') or 0. */
static char
spawn(const struct agent_argv *a, int *lifeline_out)
{
	int life[2] = { -1, -1 }, ready[2] = { -1, -1 }, leader = leader_pidfd(), status;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct pollfd p;
	char word = 0;
	pid_t first;

	if (null < 0 || pipe2(life, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
		sk_logerr("pipe2 or /dev/null failed: %s", strerror(errno));
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
			exec_agent(a, null, leader, life[0], ready[1]);
		_exit(second < 0 ? 1 : 0);
	}
	close(ready[1]);
	ready[1] = -1;
	while (waitpid(first, &status, 0) < 0 && errno == EINTR)
		;
	p.fd = ready[0];
	p.events = POLLIN;
	for (int64_t deadline = sk_now_ms() + WATCH_READY_MS; word == 0 && sk_now_ms() < deadline;) {
		int n = poll(&p, 1, (int)(deadline - sk_now_ms() > 0 ? deadline - sk_now_ms() : 0));
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
	if (null >= 0)
		close(null);
	return word;
}

static void
say_missing(struct pamsk *m, unsigned long long session_id)
{
	struct skc_session_event_in in = {
		.session = { .user = m->user, .session_id = session_id },
		.event = "card_missing_at_open",
	};
	struct skc_reply_out out;

	pamsk_error(m, "%s", _("The IC card is no longer in the reader (or the reader cannot be "
	                       "used), so the session is not opened."));
	if (pamsk_answered(m, skc_session_event(pamsk_client(m), &in, &out)) &&
	    out.res.status != SK_ST_OK)
		sk_logerr("the broker did not record card_missing_at_open");
}

int
pamsk_card_watch_start(struct pamsk *m, unsigned long long session_id, const char *card_hash,
                       const struct skc_session_open_out *o)
{
	const struct card_login *l = card_login(m);
	struct agent_argv *a;
	int *keep, lifeline = -1;
	char word;

	if (o->priv_ends == 0 && (l == NULL || removal_action(m) == SK_CARD_REMOVAL_NONE))
		return PAM_SUCCESS;   /* no card in this login, or nothing to do on removal */
	if ((a = calloc(1, sizeof(*a))) == NULL || (keep = malloc(sizeof(*keep))) == NULL) {
		free(a);
		return PAM_BUF_ERR;
	}
	build_argv(m, l, session_id, card_hash, o, a);
	word = spawn(a, &lifeline);
	free(a);
	if (word != 'w') {
		if (word == 0)
			sk_logerr("the session agent %s did not start", m->agent_path);
		free(keep);
		if (l != NULL)
			say_missing(m, session_id);
		else
			pamsk_error(m, "%s", _("The privileged session cannot be watched, so it is not "
			                       "opened."));
		return PAM_SESSION_ERR;
	}
	/* A privileged session: this process (the session's leader) becomes its descendants'
	 * subreaper, so a daemon that double-forks out of the session is reparented here, not to
	 * init, and the agent still finds it under the leader (agent/agent_kill.c). Set after
	 * the agent is started, which must not be one of them. */
	if (o->priv_ends != 0 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		sk_logwarn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	*keep = lifeline;
	if (pam_set_data(m->pamh, PAMSK_CARD_WATCH, keep, close_lifeline) != PAM_SUCCESS) {
		close(lifeline);   /* the agent sees the pipe close and leaves */
		free(keep);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}
