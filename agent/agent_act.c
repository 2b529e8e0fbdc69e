/* What the agent does to the session: lock_command, or logind (loginctl), escalating from
 * lock to end and, when nothing worked, to SIGHUP for the session's leader (R-CARD-2). A
 * privileged session (issue 9) is ended by killing every process of it (agent_kill.c) first;
 * the lock command's "end" or logind's terminate-session follow for what a session manager
 * keeps (both best effort there: the processes are gone already). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "sk_io.h"
#include "sk_log.h"

#define COMMAND_TIMEOUT_MS 5000
#define LOGINCTL "/usr/bin/loginctl"

/* logind session ids are short [A-Za-z0-9] strings ("3", "c2"). */
int
agent_valid_session_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= AGENT_XDG_ID_MAX)
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

	if (pid <= 0 || snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid) >= (int)sizeof(path) ||
	    (f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *s = strstr(line, "/session-"), *e;

		if (s == NULL || (e = strstr(s, ".scope")) == NULL)
			continue;
		s += strlen("/session-");
		*e = '\0';
		found = (size_t)(e - s) < cap && agent_valid_session_id(s);
		if (found)
			memcpy(out, s, (size_t)(e - s) + 1);
	}
	fclose(f);
	return found;
}

/* Runs argv[0] (absolute path) with a clean environment; 1 when it exited 0 in time. */
static int
run_command(char *const argv[])
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL };
	int64_t deadline = sk_now_ms() + COMMAND_TIMEOUT_MS;
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
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && sk_now_ms() < deadline)
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
try_action(const struct agent_job *j, const char *session, int end)
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

/* SIGHUP to the PAM application's process through its pidfd (no pid reuse race). */
static int
hang_up_leader(const struct agent_job *j)
{
	return j->have_leader_fd && pidfd_send_signal(AGENT_FD_LEADER, SIGHUP, NULL, 0) == 0;
}

const char *
agent_act(const struct agent_job *j, unsigned action, const char *why)
{
	char session[AGENT_XDG_ID_MAX];
	int done = 0, ended = action == SK_CARD_REMOVAL_END;

	memcpy(session, j->xdg_session, sizeof(session));
	if (session[0] == '\0')
		(void)leader_session(j->leader, session, sizeof(session));
	if (j->ends_at != 0) {
		sk_log(LOG_NOTICE, "%s: ending the privileged session of %s (session %llu)", why,
		       j->user, j->session_id);
		done = agent_kill_session(j);
		if (j->lock_command[0] != '\0' || session[0] != '\0')
			(void)try_action(j, session, 1);
		if (!done)
			sk_log(LOG_ALERT, "could not end every process of the privileged session of %s",
			       j->user);
		return done ? "end" : "unhandled";
	}
	sk_log(LOG_NOTICE, "%s: %s the session of %s (session %llu)", why,
	       ended ? "ending" : "locking", j->user, j->session_id);
	if (!ended)
		done = try_action(j, session, 0);
	if (!done) {
		ended = 1;
		done = try_action(j, session, 1);
	}
	if (!done) {
		/* Nothing ended the session: hang up its leader rather than leave it open. */
		done = hang_up_leader(j);
		sk_log(LOG_ALERT, "could not lock or end the session of %s; %s", j->user,
		       done ? "sent SIGHUP to its leader" : "the session may still be open");
	}
	return !done ? "unhandled" : ended ? "end" : "lock";
}
