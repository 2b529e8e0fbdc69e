/* sekimori-session-agent: watches one session and locks or ends it when the IC card used for
 * the login leaves its reader (R-CARD-2, R-LOGIN-2) or when the broker orders it (a card
 * reported lost, R-CARD-3; later a grant's deadline). See agent.h for how it is started and
 * doc/architecture.md ("The session agent") for the whole story.
 *
 *   sekimori-session-agent --user USER --session ID --action lock|end --socket PATH
 *                          [--timeout MS] [--reader NAME] [--card SPKI_SHA256]
 *                          [--xdg-session ID] [--lock-command PATH] [--leader PID]
 *                          [--ends-at EPOCH [--idle SECONDS] [--role NAME] [--grant ID]
 *                           [--tty TTY] [--language LANG] [--locale-dir DIR]]
 *
 * --ends-at makes it a privileged session's agent (issue 9): any order ends the session,
 * every process of it (agent_kill.c); the broker's deadline warning is written to the
 * terminal; at the deadline it ends the session by itself if the broker's order has not come
 * AGENT_DEADLINE_GRACE_MS after it, and after --idle seconds without input on the terminal.
 *
 * Start-up, in this order, before the one ready byte on descriptor 5: the pcscd watch on the
 * reader ('g' and exit when the card is already gone or pcscd cannot vouch for it), then the
 * broker watch (SESSION_WATCH); so the card is watched, and the broker can reach the agent,
 * before pam_open_session() returns. A broker that cannot be reached then does not refuse
 * the session (the card watch works without it); the agent tries again every few seconds.
 *
 * It leaves without acting when the session is over: EOF on the lifeline (descriptor 4, the
 * module's pipe, closed by pam_end() and by the application's exit) or the leader's pidfd
 * (descriptor 3) reporting the process gone. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "sc_watch.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_io.h"
#include "sk_utf8.h"
#include "sk_log.h"
#include "sk_proto.h"

#define WATCH_SLICE_MS 500
#define RECONNECT_FIRST_MS 1000
#define RECONNECT_MAX_MS 10000
#define IDLE_CHECK_MAX_MS 5000   /* the terminal's idle time is read at least this often */

static int removal_pipe[2] = { -1, -1 };
static atomic_int stopping;   /* set before sc_watch_cancel: a cancel between waits is not lost */

static int
copy_arg(char *dst, size_t cap, const char *v)
{
	return snprintf(dst, cap, "%s", v) < (int)cap ? SK_OK : SK_ERR_RANGE;
}

static int
valid_hash(const char *s)
{
	if (strlen(s) != AGENT_HASH_MAX - 1)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int
parse_number(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno == 0 && end != v && *end == '\0' && *out <= max && v[0] != '-' ?
	       SK_OK : SK_ERR_PROTO;
}

int
agent_parse_args(int argc, char **argv, struct agent_job *j)
{
	unsigned long long n;
	int have_user = 0, have_session = 0, have_socket = 0, r = SK_OK;

	memset(j, 0, sizeof(*j));
	j->request_timeout_ms = 15000;
	j->action = SK_CARD_REMOVAL_LOCK;
	for (int i = 1; i < argc && r == SK_OK; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			r = SK_ERR_PROTO;
		else if (strcmp(k, "--user") == 0 && (have_user = 1))
			r = v[0] ? copy_arg(j->user, sizeof(j->user), v) : SK_ERR_PROTO;
		else if (strcmp(k, "--session") == 0 && (have_session = 1))
			r = parse_number(v, INT64_MAX, &j->session_id);
		else if (strcmp(k, "--action") == 0)
			r = strcmp(v, "lock") == 0 ? (j->action = SK_CARD_REMOVAL_LOCK, SK_OK) :
			    strcmp(v, "end") == 0 ? (j->action = SK_CARD_REMOVAL_END, SK_OK) :
			    SK_ERR_PROTO;
		else if (strcmp(k, "--socket") == 0 && (have_socket = 1))
			r = v[0] == '/' ? copy_arg(j->socket_path, sizeof(j->socket_path), v) :
			    SK_ERR_PROTO;
		else if (strcmp(k, "--timeout") == 0 && (r = parse_number(v, 600000, &n)) == SK_OK)
			j->request_timeout_ms = (int)n;
		else if (strcmp(k, "--reader") == 0)
			r = copy_arg(j->reader, sizeof(j->reader), v);
		else if (strcmp(k, "--card") == 0)
			r = valid_hash(v) ? copy_arg(j->card, sizeof(j->card), v) : SK_ERR_PROTO;
		else if (strcmp(k, "--xdg-session") == 0 && agent_valid_session_id(v))
			r = copy_arg(j->xdg_session, sizeof(j->xdg_session), v);
		else if (strcmp(k, "--xdg-session") == 0)
			sk_logwarn("ignoring a malformed XDG_SESSION_ID");   /* the leader's cgroup */
		else if (strcmp(k, "--lock-command") == 0)
			r = v[0] == '/' ? copy_arg(j->lock_command, sizeof(j->lock_command), v) :
			    SK_ERR_PROTO;
		else if (strcmp(k, "--leader") == 0 && (r = parse_number(v, INT32_MAX, &n)) == SK_OK)
			j->leader = (pid_t)n;
		else if (strcmp(k, "--ends-at") == 0 &&
		         (r = parse_number(v, INT64_MAX / 1000, &n)) == SK_OK)
			j->ends_at = (int64_t)n;
		else if (strcmp(k, "--idle") == 0 && (r = parse_number(v, 86400, &n)) == SK_OK)
			j->idle = (unsigned)n;
		else if (strcmp(k, "--grant") == 0 &&
		         (r = parse_number(v, INT64_MAX, &n)) == SK_OK)
			j->grant_id = (uint64_t)n;
		else if (strcmp(k, "--role") == 0)
			r = sk_valid_name(v) ? copy_arg(j->role, sizeof(j->role), v) : SK_ERR_PROTO;
		else if (strcmp(k, "--tty") == 0) {
			if (!agent_tty_path(v, j->tty, sizeof(j->tty)))
				j->tty[0] = '\0';   /* no terminal ("ssh", ":0"): no warning, no idle */
		} else if (strcmp(k, "--language") == 0)
			r = copy_arg(j->language, sizeof(j->language), v);
		else if (strcmp(k, "--locale-dir") == 0)
			r = v[0] == '/' ? copy_arg(j->locale_dir, sizeof(j->locale_dir), v) :
			    SK_ERR_PROTO;
		else if (r == SK_OK)
			r = SK_ERR_PROTO;
	}
	if (r == SK_OK && !(have_user && have_session && have_socket))
		r = SK_ERR_PROTO;
	if (r == SK_OK && j->ends_at != 0)
		j->action = SK_CARD_REMOVAL_END;   /* a privileged session is ended, never locked */
	if (r != SK_OK)
		sk_logerr("invalid arguments (%s); this program is started by pam_sekimori",
		          sk_strerror(r));
	return r;
}

/* Execve'd: all signal dispositions but ignored ones are default already; the module left
 * the mask empty. The agent outlives the session's terminal, so SIGHUP is ignored. */
static void
settle(struct agent_job *j)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)prctl(PR_SET_NAME, "sekimori-agent");
	umask(077);
	if (chdir("/") != 0)
		_exit(1);
	j->have_leader_fd = fcntl(AGENT_FD_LEADER, F_GETFD) >= 0;
	/* The lock command and loginctl inherit none of them. */
	for (int fd = AGENT_FD_LEADER; fd <= AGENT_FD_READY; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void
ready(char word)
{
	(void)!write(AGENT_FD_READY, &word, 1);
	close(AGENT_FD_READY);
}

/* pcscd answers SCardGetStatusChange only through a blocking call: it waits here, and tells
 * the main loop through a pipe. */
static void *
card_watch_thread(void *arg)
{
	struct sc_watch *w = arg;
	int r;

	while ((r = sc_watch_wait(w, WATCH_SLICE_MS)) == SK_ERR_TIMEOUT && !atomic_load(&stopping))
		;
	if (r != SK_ERR_BUSY && !atomic_load(&stopping))   /* removed, swapped, or pcscd/reader
	                                                     * gone: fail closed */
		(void)!write(removal_pipe[1], "r", 1);
	return NULL;
}

/* 1 when the session is over: the module closed the pipe or the PAM application is gone. */
static int
session_over(const struct agent_job *j)
{
	struct pollfd p[2] = { { AGENT_FD_LIFELINE, POLLIN, 0 },
	                       { j->have_leader_fd ? AGENT_FD_LEADER : -1, POLLIN, 0 } };

	if (poll(p, 2, 0) < 0)
		return errno != EINTR;
	return (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 ||
	       (p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/* Acts and records "CAUSE_OUTCOME" (card_removed_lock, card_revoked_end, ...). */
static void
act_and_report(const struct agent_job *j, unsigned action, const char *cause)
{
	char event[SK_NAME_MAX];
	const char *outcome = agent_act(j, action, cause);

	if (snprintf(event, sizeof(event), "%s_%s", cause, outcome) >= (int)sizeof(event))
		snprintf(event, sizeof(event), "session_%s", outcome);
	agent_report(j, event);
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A privileged session's own limits: the deadline (wall clock, like the grant) and the idle
 * limit. Returns the cause when one is reached, else NULL and *wait_ms how long (at most)
 * until the next look. */
static const char *
own_limit(const struct agent_job *j, int64_t *wait_ms)
{
	int64_t now = wall_ms(), left, idle;

	*wait_ms = -1;
	if (j->ends_at == 0)
		return NULL;
	left = j->ends_at * 1000 + AGENT_DEADLINE_GRACE_MS - now;
	if (left <= 0)
		return "grant_expired";
	*wait_ms = left;
	if (j->idle > 0 && (idle = agent_tty_idle(j)) >= 0) {
		int64_t until = ((int64_t)j->idle - idle) * 1000;

		if (until <= 0)
			return "idle_timeout";
		if (until > IDLE_CHECK_MAX_MS)
			until = IDLE_CHECK_MAX_MS;
		if (until < *wait_ms)
			*wait_ms = until;
	}
	return NULL;
}

static int
min_wait(int64_t a, int64_t b)
{
	int64_t m = a < 0 ? b : b < 0 ? a : (a < b ? a : b);

	return m < 0 ? -1 : m > INT32_MAX ? INT32_MAX : (int)m;
}

/* The main loop: the first of session over, card gone, broker order, and for a privileged
 * session its own deadline or idle limit. */
static void
watch(const struct agent_job *j, int broker_fd, int retry)
{
	int64_t retry_at = sk_now_ms() + RECONNECT_FIRST_MS, priv_ends = 0, own_wait;
	int backoff = RECONNECT_FIRST_MS;
	char cause[SK_NAME_MAX];
	const char *limit;
	unsigned action;

	for (;;) {
		struct pollfd p[4] = { { AGENT_FD_LIFELINE, POLLIN, 0 },
		                       { j->have_leader_fd ? AGENT_FD_LEADER : -1, POLLIN, 0 },
		                       { removal_pipe[0], POLLIN, 0 }, { broker_fd, POLLIN, 0 } };
		int64_t wait = retry ? retry_at - sk_now_ms() : -1;
		int n;

		if ((limit = own_limit(j, &own_wait)) != NULL) {
			if (!session_over(j))
				act_and_report(j, SK_CARD_REMOVAL_END, limit);
			break;
		}
		n = poll(p, 4, min_wait(retry ? (wait > 0 ? wait : 0) : -1, own_wait));
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0 && !(retry && sk_now_ms() >= retry_at))
			continue;
		if ((p[0].revents | p[1].revents) != 0)
			break;   /* the session is over */
		if (p[2].revents != 0) {
			if (!session_over(j))
				act_and_report(j, j->action, "card_removed");
			break;
		}
		if (p[3].revents != 0) {
			int r = agent_watch_read(broker_fd, &action, cause, sizeof(cause), &priv_ends);

			if (r == SK_OK && action == SK_SESSION_WARN) {
				/* Written, then recorded; the watch goes on. */
				agent_report(j, agent_warn_tty(j, priv_ends) ? "deadline_warning_shown" :
				             "deadline_warning_no_terminal");
				continue;
			}
			if (r == SK_OK) {
				if (!session_over(j))
					act_and_report(j, action, cause);
				break;
			}
			/* The broker went away (restart): register again. */
			close(broker_fd);
			broker_fd = -1;
			retry = 1;
			backoff = RECONNECT_FIRST_MS;
			retry_at = sk_now_ms() + backoff;
			continue;
		}
		if (retry && sk_now_ms() >= retry_at) {
			unsigned ordered = 0;
			int r = agent_watch_open(j, &broker_fd, &ordered, cause, sizeof(cause));

			if (r == SK_OK && ordered) {
				if (!session_over(j))
					act_and_report(j, ordered, cause);
				break;
			}
			retry = r != SK_OK && r != SK_ERR_DENIED;   /* refused: the card watch only */
			backoff = backoff * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : backoff * 2;
			retry_at = sk_now_ms() + backoff;
		}
	}
	if (broker_fd >= 0)
		close(broker_fd);
}

int
main(int argc, char **argv)
{
	struct agent_job j;
	struct sc_watch w;
	pthread_t thread;
	int broker_fd = -1, watching = 0, r;
	unsigned ordered = 0;
	char cause[SK_NAME_MAX] = "";

	sk_log_to_stderr(0);
	sk_log_set_ident("sekimori-session-agent");
	openlog("sekimori-session-agent", LOG_PID, LOG_AUTHPRIV);
	if (agent_parse_args(argc, argv, &j) != SK_OK)
		return 2;   /* no ready byte: the module refuses the session */
	if (j.language[0] != '\0')
		sk_i18n_init(j.language, j.locale_dir[0] ? j.locale_dir : NULL);
	settle(&j);
	if (pipe2(removal_pipe, O_CLOEXEC) != 0)
		return 1;
	if (j.reader[0] != '\0') {
		if (sc_watch_open(&w, j.reader) != SK_OK) {
			ready('g');
			return 0;
		}
		watching = 1;
	}
	r = agent_watch_open(&j, &broker_fd, &ordered, cause, sizeof(cause));
	if (r != SK_OK && r != SK_ERR_DENIED)
		sk_logwarn("the broker cannot reach this session's agent yet; trying again");
	ready('w');
	if (watching && pthread_create(&thread, NULL, card_watch_thread, &w) != 0) {
		sk_logerr("cannot start the card watch");
		act_and_report(&j, j.action, "card_removed");   /* fail closed */
		sc_watch_close(&w);
		return 1;
	}
	if (ordered)
		act_and_report(&j, ordered, cause);
	else
		watch(&j, broker_fd, r != SK_OK && r != SK_ERR_DENIED);
	if (watching) {
		atomic_store(&stopping, 1);
		(void)sc_watch_cancel(&w);
		pthread_join(thread, NULL);
		sc_watch_close(&w);
	}
	return 0;
}
