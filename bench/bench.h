/* bench_pam_login: throughput and latency of whole PAM logins (password + TOTP) through
 * libpam, the built pam_sekimori.so and a real sekimorid, plus microbenchmarks of the pieces.
 * A program, not a test: it asserts nothing about time; it measures and reports. */
#ifndef SK_BENCH_H
#define SK_BENCH_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_USER_LEN 32
#define BENCH_SEED_LEN 20          /* SHA1 TOTP seed, as authenticator apps use */
#define BENCH_PASSWORD "Sakura-Namiki-2026"
#define BENCH_SERVICE "sk-bench"
#define BENCH_PROFILE "mynumber"
#define BENCH_PERIOD 30
#define BENCH_WINDOW 2             /* totp_window in the bench profile */

/* bench_util.c */
double bench_now_ms(void);         /* CLOCK_MONOTONIC */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* stderr */
/* Runs argv (argv[0] is a path) with LANG=C, stdin from /dev/null, stdout+stderr captured
 * into out. Returns the exit status, or -1 when it could not run. */
int bench_run(char *const argv[], char *out, size_t outsz);
void bench_write_file(const char *path, const char *text);

struct bench_stats {
	size_t n;
	double mean, p50, p90, p99, max;   /* ms */
};
/* Sorts v in place. */
void bench_stats_of(double *v, size_t n, struct bench_stats *s);

/* A process's counters from /proc: peak RSS since the last reset, CPU time. */
struct bench_proc {
	long hwm_kb;
	long rss_kb;
	double cpu_s;       /* user + system */
	int threads;
};
int bench_proc_read(pid_t pid, struct bench_proc *p);
/* Resets VmHWM (writes 5 to /proc/PID/clear_refs); 0 when the kernel allowed it. */
int bench_proc_reset_hwm(pid_t pid);
double bench_self_cpu_s(void);
/* CPU seconds all processes have used since boot (/proc/stat, busy time of every CPU). */
double bench_system_cpu_s(void);

/* bench_broker.c: the broker on its own folder, the CLI, and the users. */
struct bench_env {
	char dir[512];
	char conf[600];
	char socket[600];
	char pamdir[600];
	const char *sekimorid;
	const char *cli;
	const char *module;
	const char *locale_dir;
	pid_t broker;
};

struct bench_user {
	char name[BENCH_USER_LEN];
	unsigned char seed[BENCH_SEED_LEN];
	char seed_b32[64];
	int64_t last_step;     /* the highest step this user has spent (mirrors the broker) */
	int busy;
};

struct bench_pool {
	struct bench_user *users;
	size_t n;
	size_t cursor;
	pthread_mutex_t mu;
	double waited_ms;      /* time spent waiting for a user with an unspent step */
};

void bench_env_start(struct bench_env *e, const char *base);
/* bench_sekimorid.c: starts sekimorid on e->conf (stderr to DIR/broker.log) and waits for
 * its socket; stops it with SIGTERM; removes its folder; a bench seed's TOTP code at a step. */
void bench_broker_spawn(struct bench_env *e);
void bench_env_stop(struct bench_env *e);
void bench_env_remove(const struct bench_env *e);
void bench_totp_at(const unsigned char *seed, int64_t step, char *code, size_t codesz);
/* Checks sk_totp_generate against oathtool at a few times; dies on any difference. */
void bench_check_totp_against_oathtool(void);
/* Creates n users with the real CLI (add, enrol TOTP) and gives each its permanent
 * password through PAM chauthtok, using `threads` workers. */
void bench_pool_setup(struct bench_env *e, struct bench_pool *pool, size_t n, int threads);
/* Takes a user that is not in use and has a step it has not spent within the window;
 * waits when there is none. code gets the TOTP code for that step. */
struct bench_user *bench_pool_take(struct bench_pool *pool, char *code, size_t codesz);
void bench_pool_give_back(struct bench_pool *pool, struct bench_user *u);

/* bench_pam.c */
enum bench_phase { PH_START, PH_AUTH, PH_ACCT, PH_OPEN, PH_CLOSE, PH_END, PH_COUNT };
/* Conversation answers for one PAM transaction. */
struct bench_conv {
	const char *answers[4];
	size_t n, next;
	char transcript[2048];
};
void bench_write_service(const struct bench_env *e);
/* One whole login; total and per-phase times in ms. Returns 0, or -1 with why set. */
int bench_pam_login(const struct bench_env *e, const char *user, const char *code,
                    double *total_ms, double phase_ms[PH_COUNT], char *why, size_t whysz);
int bench_pam_chauthtok(const struct bench_env *e, const char *user, const char *old_pw,
                        const char *new_pw, char *why, size_t whysz);

/* Optional: kernel event counts for the broker during a phase, from `perf stat -p`. */
#define BENCH_EVENTS 6
extern const char *const bench_event_names[BENCH_EVENTS];
extern int bench_perf_stat;            /* set by -P */
struct bench_counts {
	int valid;
	double v[BENCH_EVENTS];
};
pid_t bench_perf_stat_start(pid_t target, const char *out);
void bench_perf_stat_stop(pid_t perf, const char *out, struct bench_counts *c);

struct bench_phase_result {
	int threads;
	size_t tx;
	size_t failed;
	double wall_s;
	double tps;
	struct bench_stats lat;
	double phase_mean_ms[PH_COUNT];
	double broker_cpu_s;
	double client_cpu_s;
	double other_cpu_s;        /* everything else on the machine meanwhile: noise */
	long broker_hwm_kb;
	int broker_threads_max;
	double waited_ms;
	struct bench_counts counts;
};
void bench_run_phase(const struct bench_env *e, struct bench_pool *pool, int threads, size_t tx,
                     struct bench_phase_result *out);


/* bench_micro.c */
struct bench_micro {
	const char *what;
	struct bench_stats s;
};
#define BENCH_MICRO_MAX 12
extern char bench_micro_notes[512];   /* a sentence about yescrypt's CPU split */
/* Fills out[] with in-process measurements (password hash/verify, fdatasync, audit append,
 * store commit) in a folder beside the broker's files, and protocol round trips against the
 * running broker. Returns the count. */
size_t bench_micro_run(const struct bench_env *e, struct bench_pool *pool, unsigned scale,
                       struct bench_micro *out);

/* bench_kdf.c: the bare KDF beside the logins (-Y). The hash the broker stored for user
 * (its users.pw_hash), and yescrypt verifies per second of pw against it with crypt_r in
 * this process, threads at once, for about seconds. */
int bench_kdf_hash_of(const struct bench_env *e, const char *user, char *out, size_t outsz);
double bench_kdf_rate(const char *hash, const char *pw, int threads, double seconds);

#endif
