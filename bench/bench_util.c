/* Small helpers for the benchmark: clocks, child processes, statistics, /proc counters. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
bench_die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_pam_login: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
bench_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
bench_run(char *const argv[], char *out, size_t outsz)
{
	posix_spawn_file_actions_t fa;
	int p[2], status;
	size_t got = 0;
	pid_t pid;

	if (outsz == 0 || pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	for (;;) {
		char sink[512];
		char *dst = got + 1 < outsz ? out + got : sink;
		size_t room = got + 1 < outsz ? outsz - 1 - got : sizeof(sink);
		ssize_t r = read(p[0], dst, room);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst == out + got)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
bench_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		bench_die("cannot write %s: %s", path, strerror(errno));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of the sample at or below it. */
static double
rank(const double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);

	if (k == 0)
		k = 1;
	return v[k > n ? n - 1 : k - 1];
}

void
bench_stats_of(double *v, size_t n, struct bench_stats *s)
{
	double sum = 0;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->n = n;
	s->mean = sum / (double)n;
	s->p50 = rank(v, n, 0.50);
	s->p90 = rank(v, n, 0.90);
	s->p99 = rank(v, n, 0.99);
	s->max = v[n - 1];
}

int
bench_proc_read(pid_t pid, struct bench_proc *p)
{
	char path[64], line[512];
	unsigned long ut = 0, st = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			p->hwm_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			p->rss_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "Threads:", 8) == 0)
			p->threads = (int)strtol(line + 8, NULL, 10);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL) {
		/* The command name may hold spaces; fields count from the last ')'. utime and
		 * stime are fields 14 and 15, i.e. the 12th and 13th after the state field. */
		char *q = strrchr(line, ')');
		if (q != NULL &&
		    sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
			p->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	fclose(f);
	return 0;
}

int
bench_proc_reset_hwm(pid_t pid)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

double
bench_self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double
bench_system_cpu_s(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return 0;
	/* user nice system idle iowait irq softirq steal: busy is all but idle and iowait. */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	           &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* What the broker asks of the kernel: page faults (yescrypt maps and touches its memory
 * afresh on every hash), context switches, durable syncs, sleeps (SQLite's busy handler
 * sleeps while another connection holds the write lock) and thread creations. */
const char *const bench_event_names[BENCH_EVENTS] = {
	"page-faults", "context-switches", "syscalls:sys_enter_fdatasync",
	"syscalls:sys_enter_fsync", "syscalls:sys_enter_clock_nanosleep",
	"syscalls:sys_enter_clone3",
};
int bench_perf_stat;

pid_t
bench_perf_stat_start(pid_t target, const char *out)
{
	char pid[32], events[512];
	size_t off = 0;
	pid_t p;

	for (int i = 0; i < BENCH_EVENTS; i++) {
		int n = snprintf(events + off, sizeof(events) - off, "%s%s", i ? "," : "",
		                 bench_event_names[i]);
		if (n < 0 || (size_t)n >= sizeof(events) - off)
			bench_die("event list too long");
		off += (size_t)n;
	}
	snprintf(pid, sizeof(pid), "%d", (int)target);
	if ((p = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (p == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("perf", "perf", "stat", "-x", ",", "-e", events, "-p", pid, "-o", out,
		       (char *)NULL);
		_exit(127);
	}
	usleep(300000);   /* let it attach */
	return p;
}

void
bench_perf_stat_stop(pid_t perf, const char *out, struct bench_counts *c)
{
	char line[512];
	int status;
	FILE *f;

	memset(c, 0, sizeof(*c));
	kill(perf, SIGINT);
	while (waitpid(perf, &status, 0) < 0 && errno == EINTR)
		;
	if ((f = fopen(out, "r")) == NULL)
		return;
	/* CSV: value,unit,event,... ; "<not supported>" or "<not counted>" when unavailable. */
	while (fgets(line, sizeof(line), f) != NULL) {
		char *comma = strchr(line, ','), *ev, *end;
		if (comma == NULL || line[0] == '#' || line[0] == '<')
			continue;
		ev = strchr(comma + 1, ',');
		if (ev == NULL)
			continue;
		ev++;
		end = strchr(ev, ',');
		if (end != NULL)
			*end = '\0';
		for (int i = 0; i < BENCH_EVENTS; i++)
			if (strcmp(ev, bench_event_names[i]) == 0) {
				c->v[i] = strtod(line, NULL);
				c->valid = 1;
			}
	}
	fclose(f);
}
