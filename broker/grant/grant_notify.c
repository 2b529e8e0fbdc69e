/* grant_notify.h: the notification command, run without a shell on a thread of its own. */
#include "grant_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit_event.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

static atomic_uint running;

struct notify_job {
	struct broker *b;
	struct grant_notice n;
	char command[PATH_MAX];
	unsigned timeout;
};

unsigned
grant_notify_running(void)
{
	return atomic_load(&running);
}

/* The broker itself, as the peer of the record (like the HR scheduler's). */
static void
audit_failure(struct broker *b, const struct grant_notice *n, const char *what, int status)
{
	struct broker_conn c;
	json_object *f;

	memset(&c, 0, sizeof(c));
	c.b = b;
	c.peer_pid = getpid();
	c.peer_is_root = 1;
	snprintf(c.peer_name, sizeof(c.peer_name), "sekimorid");
	if (store_acquire(b->store, &c.db) != SK_OK)
		return;
	f = audit_field(NULL, "notified_event", n->event);
	f = audit_field_int(f, "id", n->id);
	f = audit_field(f, "failure", what);
	f = audit_field_int(f, "status", status);
	if (broker_audit(&c, "grant.notify_failed", n->user[0] ? n->user : NULL, "error", f) != SK_OK)
		sk_logerr("notification of %s %lld: the failure could not be audited", n->event,
		          (long long)n->id);
	store_release(c.db);
}

static int
env_add(char **env, size_t *k, size_t cap, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;

	if (*k + 1 >= cap || (env[*k] = malloc(len)) == NULL)
		return -1;
	snprintf(env[*k], len, "%s=%s", name, value);
	(*k)++;
	env[*k] = NULL;
	return 0;
}

static void
env_free(char **env)
{
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
}

/* Spawns the command and waits for it up to timeout seconds: 0 exited 0; else what went
 * wrong in *what and the exit status (or signal) in *status. */
static int
run_command(struct notify_job *j, const char **what, int *status)
{
	char id[32], *argv[4], *env[12] = { NULL };
	posix_spawn_file_actions_t fa;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long waited_ms = 0;
	size_t k = 0;
	pid_t pid;
	int r, st = 0;

	snprintf(id, sizeof(id), "%lld", (long long)j->n.id);
	argv[0] = j->command;
	argv[1] = j->n.event;
	argv[2] = id;
	argv[3] = NULL;
	*status = 0;
	if (env_add(env, &k, 12, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin") ||
	    env_add(env, &k, 12, "SEKIMORI_EVENT", j->n.event) ||
	    env_add(env, &k, 12, "SEKIMORI_ID", id) ||
	    env_add(env, &k, 12, "SEKIMORI_ROLE", j->n.role) ||
	    env_add(env, &k, 12, "SEKIMORI_USER", j->n.user) ||
	    env_add(env, &k, 12, "SEKIMORI_ACTOR", j->n.actor) ||
	    env_add(env, &k, 12, "SEKIMORI_REASON", j->n.reason) ||
	    env_add(env, &k, 12, "SEKIMORI_NOTIFY_ROLES", j->n.notify_roles) ||
	    env_add(env, &k, 12, "SEKIMORI_NOTIFY_USERS", j->n.notify_users)) {
		env_free(env);
		*what = "allocation";
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, j->command, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	env_free(env);
	if (r != 0) {
		*status = r;
		*what = "cannot_start";
		return -1;
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			*what = "wait";
			return -1;
		}
		if (waited_ms >= (long)j->timeout * 1000) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			*what = "timeout";
			*status = SIGKILL;
			return -1;
		}
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	*what = WIFEXITED(st) ? "exit_status" : "signal";
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
	return -1;
}

static void *
notify_thread(void *arg)
{
	struct notify_job *j = arg;
	const char *what = "";
	int status = 0;

	if (run_command(j, &what, &status) != 0) {
		sk_log(LOG_WARNING, "notification %s %lld: %s failed (%s, %d)", j->n.event,
		       (long long)j->n.id, j->command, what, status);
		audit_failure(j->b, &j->n, what, status);
	}
	free(j);
	atomic_fetch_sub(&running, 1);
	return NULL;
}

void
grant_notify(struct broker *b, const struct grant_notice *n)
{
	const struct sk_grant_conf *g = &b->conf.grant;
	struct notify_job *j;
	pthread_attr_t attr;
	pthread_t t;

	if (g->notify_command[0] == '\0')
		return;
	if (atomic_fetch_add(&running, 1) >= GRANT_NOTIFY_MAX_RUNNING) {
		atomic_fetch_sub(&running, 1);
		sk_log(LOG_WARNING, "notification %s %lld dropped: %d already running", n->event,
		       (long long)n->id, GRANT_NOTIFY_MAX_RUNNING);
		audit_failure(b, n, "dropped", 0);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		atomic_fetch_sub(&running, 1);
		sk_logerr("notification %s: allocation", n->event);
		audit_failure(b, n, "allocation", 0);
		return;
	}
	j->b = b;
	j->n = *n;
	snprintf(j->command, sizeof(j->command), "%s", g->notify_command);
	j->timeout = g->notify_timeout;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, notify_thread, j) != 0) {
		free(j);
		atomic_fetch_sub(&running, 1);
		sk_logerr("notification %s: cannot start its thread", n->event);
		audit_failure(b, n, "cannot_start", 0);
	}
	pthread_attr_destroy(&attr);
}
