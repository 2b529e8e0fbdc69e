/* Ending a privileged session: every process of it gone (issue 9, item 4; R-PRIV-7).
 *
 * "The session" is the PAM application's process that opened it (the leader: sshd's session
 * process, sudo) and every process descended from it. The module made the leader its
 * descendants' subreaper at session open (PR_SET_CHILD_SUBREAPER), so a process that
 * double-forks away is reparented to the leader and stays in the tree.
 *
 * Without a cgroup to kill at once, the set is frozen first. The tree is walked from the
 * leader down through the kernel's children lists (/proc/PID/task/TID/children), each process
 * sent SIGSTOP before its children are read (a stopped process forks no more), and walked
 * again from the top until a walk finds nobody new. Then all of them get SIGKILL. The kernel
 * makes a killed process exit at once; it is gone when /proc no longer lists it or lists it as
 * a zombie.
 *
 * A kernel without children lists (CONFIG_PROC_CHILDREN off): /proc is read whole instead,
 * again until a pass finds nobody new, and it also takes every process whose process-session
 * id is the pid of a process found (a daemon that setsid'd away keeps that id), but never the
 * leader's own process session (sudo's is the invoking user's unprivileged shell).
 *
 * A process that left the tree anyway (a process that another subreaper below the leader took
 * in and that then escaped it) is not found here; logind's terminate-session (agent_act.c)
 * covers a session scope after this. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "sk_log.h"

#define KILL_PASSES 64
#define PROCS_MAX 65536

struct proc {
	pid_t pid, ppid, sid;
	char state;
};

/* /proc/PID/stat: "pid (comm) state ppid pgrp session ..."; comm may hold spaces and ')'. */
static int
read_stat(pid_t pid, struct proc *p)
{
	char path[64], buf[1024], *close_paren;
	int ppid, pgrp, sid;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((close_paren = strrchr(buf, ')')) == NULL ||
	    sscanf(close_paren + 1, " %c %d %d %d", &p->state, &ppid, &pgrp, &sid) != 4)
		return -1;
	p->pid = pid;
	p->ppid = ppid;
	p->sid = sid;
	return 0;
}

/* Every process now, or NULL. */
static struct proc *
scan(size_t *n)
{
	struct proc *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL && *n < PROCS_MAX) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (*n == cap) {
			struct proc *nv = realloc(v, (cap = cap ? cap * 2 : 512) * sizeof(*v));

			if (nv == NULL)
				break;
			v = nv;
		}
		if (read_stat((pid_t)pid, &v[*n]) == 0)
			(*n)++;
	}
	closedir(d);
	return v;
}

static int
member(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* Adds to set every process of the session not in it yet (see the top); returns how many. */
static size_t
grow(const struct proc *v, size_t nv, pid_t leader, pid_t leader_sid, pid_t **set, size_t *n,
     size_t *cap)
{
	size_t added = 0, before;
	pid_t self = getpid(), own_sid = getsid(0);

	do {
		before = added;
		for (size_t i = 0; i < nv; i++) {
			const struct proc *p = &v[i];
			/* The leader, a child of a member, or a member of a process session a member
			 * started (its id is that member's pid). */
			int in = p->pid == leader || member(*set, *n, p->ppid) ||
			         (p->sid != leader_sid && p->sid != own_sid && member(*set, *n, p->sid));

			if (!in || p->pid == self || p->state == 'Z' || member(*set, *n, p->pid))
				continue;
			if (*n == *cap) {
				pid_t *ns = realloc(*set, (*cap = *cap ? *cap * 2 : 64) * sizeof(**set));

				if (ns == NULL)
					return added;
				*set = ns;
			}
			(*set)[(*n)++] = p->pid;
			added++;
		}
	} while (added != before);
	return added;
}

/* The children of every thread of pid (/proc/PID/task/TID/children), added to set when new;
 * -1 when the kernel has no such file (CONFIG_PROC_CHILDREN off). */
static int
add_children(pid_t pid, pid_t **set, size_t *n, size_t *cap)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;   /* gone meanwhile */
	while ((e = readdir(d)) != NULL) {
		char file[320];
		FILE *f;
		long child;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(file, sizeof(file), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		if ((f = fopen(file, "re")) == NULL) {
			if (errno == ENOENT && found == 0)
				found = -1;
			continue;
		}
		found = found < 0 ? 0 : found;
		while (fscanf(f, "%ld", &child) == 1) {
			if (child <= 0 || child == getpid() || member(*set, *n, (pid_t)child))
				continue;
			if (*n == *cap) {
				pid_t *ns = realloc(*set, (*cap = *cap ? *cap * 2 : 64) * sizeof(**set));

				if (ns == NULL)
					break;
				*set = ns;
			}
			(*set)[(*n)++] = (pid_t)child;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* The fast way: from the leader down through the children lists, each process stopped before
 * its children are read (a stopped process forks no more). Walks again from the top until a
 * walk finds nobody new. Returns -1 when the kernel has no children lists. */
static int
collect_tree(pid_t leader, pid_t **set, size_t *n, size_t *cap)
{
	for (int pass = 0; pass < KILL_PASSES; pass++) {
		size_t before = *n;

		if (*n == 0) {
			if ((*set = malloc(64 * sizeof(**set))) == NULL)
				return 0;
			*cap = 64;
			(*set)[(*n)++] = leader;
			(void)kill(leader, SIGSTOP);
		}
		for (size_t i = 0; i < *n; i++) {
			size_t had = *n;

			if (add_children((*set)[i], set, n, cap) < 0 && i == 0 && pass == 0)
				return -1;
			for (size_t k = had; k < *n; k++)
				(void)kill((*set)[k], SIGSTOP);
		}
		if (*n == before && pass > 0)
			break;
	}
	return 0;
}

/* The slow way, without children lists: /proc read whole, again until nobody new. */
static void
collect_scan(pid_t leader, pid_t leader_sid, pid_t **set, size_t *n, size_t *cap)
{
	for (int pass = 0; pass < KILL_PASSES; pass++) {
		size_t nv, added;
		struct proc *v = scan(&nv);

		if (v == NULL)
			break;
		added = grow(v, nv, leader, leader_sid, set, n, cap);
		free(v);
		for (size_t i = *n - added; i < *n; i++)
			(void)kill((*set)[i], SIGSTOP);
		if (added == 0)
			break;
	}
}

int
agent_kill_session(const struct agent_job *j)
{
	pid_t *set = NULL, leader_sid;
	size_t n = 0, cap = 0, left = 0;

	if (j->leader <= 0 || (leader_sid = getsid(j->leader)) < 0)
		return 0;
	if (collect_tree(j->leader, &set, &n, &cap) < 0) {
		free(set);
		set = NULL;
		n = cap = 0;
		collect_scan(j->leader, leader_sid, &set, &n, &cap);
	}
	for (size_t i = 0; i < n; i++)
		(void)kill(set[i], SIGKILL);
	/* Gone when exited; a zombie waits only for its parent's wait(). */
	for (int tries = 0; tries < 200; tries++) {
		struct timespec pause = { 0, 5 * 1000 * 1000 };

		left = 0;
		for (size_t i = 0; i < n; i++) {
			struct proc p;

			if (read_stat(set[i], &p) == 0 && p.state != 'Z')
				left++;
		}
		if (left == 0)
			break;
		nanosleep(&pause, NULL);
	}
	sk_log(LOG_NOTICE, "ended the session of %s: %zu process(es) killed%s", j->user, n,
	       left ? ", some still running" : "");
	free(set);
	return n > 0 && left == 0;
}
