/* bench_decisions: decisions/s through the broker with a protocol-level load generator (no
 * PAM in the client; the typed client calls of common/skc_auth.h). Shared between its files:
 * load_setup.c (the broker and its users), load_client.c (the clients) and
 * bench_decisions.c (phases, measurements, the report). */
#ifndef SK_LOAD_H
#define SK_LOAD_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

#define LOAD_PROFILE "loadstack"
#define LOAD_SERVICE "sk-load"
#define LOAD_USER_LEN 32
#define LOAD_CLIENTS_MAX 1024

struct load_user {
	char name[LOAD_USER_LEN];
	unsigned char seed[BENCH_SEED_LEN];
	int64_t last_step;     /* the highest step the broker has seen spent by this user */
	unsigned fails;        /* wrong codes since the last success (the broker's tally) */
	int busy;
};

struct load_pool {
	struct load_user *users;
	size_t n;
	size_t cursor;
	unsigned window;        /* totp_window of the profile */
	unsigned deny;          /* deny of the profile */
	unsigned wrong_per_right;   /* wrong codes per right one in a phase's decisions */
	pthread_mutex_t mu;
	double waited_ms;      /* time clients waited for a user with an unspent step */
};

/* load_setup.c */
/* Writes the configuration (the stack profile, see load_setup.c) and starts sekimorid on
 * a new folder under base; e->broker is its pid once its socket exists. */
/* The broker's `store =`: NULL for the SQLite file state/sekimori.db in the new folder, or
 * what --store named (a postgresql:// URI of an empty database). */
extern const char *load_store;
void load_broker_start(struct bench_env *e, const char *base, unsigned window, unsigned deny);
/* Creates n users with TOTP through the broker's own requests (USER_ADD,
 * TOTP_ENROLL_BEGIN with the seed, TOTP_ENROLL_CONFIRM with its current code) as root in the
 * recovery role, from `threads` connections at once. */
void load_users_setup(const struct bench_env *e, struct load_pool *pool, size_t n, int threads);

/* load_client.c */
enum load_kind { LOAD_RIGHT, LOAD_WRONG };
enum load_outcome { OUT_EXPECTED, OUT_REFUSED, OUT_UNEXPECTED };

/* How a decision is sent: the typed calls (load_client.c), or a PAM transaction through
 * libpam and the built module (load_pam.c). */
enum load_mode { LOAD_PROTOCOL, LOAD_PAM };
extern enum load_mode load_mode;

/* What one phase counts. Latencies are of whole decisions (connect, PREAUTH, AUTH_BEGIN,
 * AUTH_FINISH, close), in ms. */
struct load_phase {
	int clients;
	size_t decisions;          /* asked for */
	size_t done;               /* ran (every one has a latency) */
	size_t right, wrong;       /* of done: right codes (expected OK), wrong (expected DENIED) */
	size_t refused;            /* BUSY, or the broker could not be reached / did not answer */
	size_t unexpected;         /* any other verdict than the expected one */
	char first_unexpected[256];
	double *lat;               /* done entries */
	double wall_s;
	double waited_ms;
};
/* Runs `clients` threads until `decisions` decisions are done (each client takes the next
 * decision number; a failed one counts too). */
void load_run_phase(const struct bench_env *e, struct load_pool *pool, int clients,
                    size_t decisions, struct load_phase *out);

/* load_pam.c */
/* Writes the PAM service LOAD_SERVICE into e->pamdir: the shipped stack
 * (conf/pam.d/sekimori-stack) with pam_permit.so in pam_unix's place. */
void load_pam_write_service(const struct bench_env *e);
/* pam_start_confdir, pam_authenticate answering the code prompt with code, pam_end.
 * OUT_EXPECTED: PAM_SUCCESS for a right code, PAM_AUTH_ERR for a wrong one; OUT_REFUSED:
 * PAM_AUTHINFO_UNAVAIL (the broker busy, unreachable or silent). why gets the detail of an
 * unexpected result. */
enum load_outcome load_pam_decide(const struct bench_env *e, const char *user,
                                  enum load_kind kind, const char *code, char *why,
                                  size_t whysz);

#endif
