/* The privileged session's terminal (issue 9): the deadline warning is written to it, as
 * write(1) and wall(1) do, and its last input time (the device's atime, which the tty layer
 * updates on input, as w(1) reads it) says how long the session has been idle. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "sk_i18n.h"
#include "sk_log.h"

int
agent_tty_path(const char *tty, char *out, size_t outsz)
{
	const char *name = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
	const char *num;

	if (strncmp(name, "pts/", 4) == 0)
		num = name + 4;
	else if (strncmp(name, "tty", 3) == 0)
		num = name + 3;
	else
		return 0;
	if (*num == '\0' || strspn(num, "0123456789") != strlen(num) || strlen(num) > 6)
		return 0;
	return snprintf(out, outsz, "/dev/%s", name) < (int)outsz;
}

int
agent_warn_tty(const struct agent_job *j, int64_t ends_at)
{
	char msg[512], line[640], when[32];
	time_t t = (time_t)ends_at;
	int64_t left = ends_at - (int64_t)time(NULL);
	struct tm tm;
	ssize_t w;
	int fd, n;

	if (j->tty[0] == '\0')
		return 0;
	if (left < 0)
		left = 0;
	if (localtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)ends_at);
	if (left >= 60)
		n = snprintf(msg, sizeof(msg), _("Your privileged access ends at %s (in %lld "
		                                 "minutes); this session will then be ended."),
		             when, (long long)((left + 59) / 60));
	else
		n = snprintf(msg, sizeof(msg), _("Your privileged access ends at %s (in %lld "
		                                 "seconds); this session will then be ended."),
		             when, (long long)left);
	if (n <= 0 || n >= (int)sizeof(msg) ||
	    (n = snprintf(line, sizeof(line), "\r\n*** sekimori: %s ***\r\n", msg)) <= 0 ||
	    n >= (int)sizeof(line))
		return 0;
	/* Not our controlling terminal, and never blocking on a stopped one. */
	if ((fd = open(j->tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		sk_logwarn("cannot write the warning to %s: %s", j->tty, strerror(errno));
		return 0;
	}
	w = write(fd, line, (size_t)n);
	close(fd);
	return w == n;
}

int64_t
agent_tty_idle(const struct agent_job *j)
{
	struct stat st;
	int64_t idle;

	if (j->tty[0] == '\0' || stat(j->tty, &st) != 0)
		return -1;
	idle = (int64_t)time(NULL) - (int64_t)st.st_atime;
	return idle < 0 ? 0 : idle;
}
