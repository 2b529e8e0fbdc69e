/* Side-by-side benchmarks against the peer PAM modules (issue 11, item 5): one TOTP + attempt
 * limit transaction per user, through real libpam in this process, for Sekimori (the built
 * pam_sekimori.so and its own sekimorid) and for pam_oath or pam_google_authenticator with
 * pam_faillock. Programs, not tests: they assert nothing about time; each counts the
 * transactions whose PAM result was not the expected one and exits 3 when there was any. */
#ifndef SK_BENCH_PEER_H
#define SK_BENCH_PEER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

#define PEER_NAME_LEN 32
#define PEER_SEED_LEN 20           /* SHA1 seeds, as the authenticator apps use */
#define PEER_PROFILE "totplock"
#define PEER_DENY 3                /* pam_faillock's default deny, used by all three */
#define PEER_UID_BASE 200000
/* The service name of the pam_oath stack. pam_oath 2.6.7 does not free the response its
 * conversation gets (seen with ASan: one pam_response and its string per transaction), so
 * the answers to that service are made in a function of their own,
 * peer_answer_kept_by_pam_oath, which the smoke test's leak suppression names; a leak of any
 * other module's answers is still reported. */
#define PEER_OATH_SERVICE "sk-oath"

/* The users of a run: names peer000000.. and one random seed each; the same seed is
 * enrolled with every module under test. */
struct peer_users {
	size_t n;
	char (*name)[PEER_NAME_LEN];
	unsigned char (*seed)[PEER_SEED_LEN];
};

/* Makes n users with random seeds. */
void peer_users_make(struct peer_users *u, size_t n);
void peer_users_free(struct peer_users *u);

/* faillock counts only users the system knows (pam_modutil_getpwnam; unknown users get
 * PAM_IGNORE and are never counted). So that it does its real work without touching
 * /etc/passwd, the process re-executes itself once under nss_wrapper with a passwd file
 * that holds root and peer000000..peer(n-1) (uids from PEER_UID_BASE). base is the folder
 * for that file. Returns only in the re-executed process. */
void peer_nss_reexec(int argc, char **argv, const char *base, size_t n);

/* A running sekimorid on its own folder with the TOTP + attempt-limit profile, its store
 * filled with users (accounts and sealed, confirmed TOTP seeds). */
struct peer_sekimori {
	char dir[512];
	char conf[600];
	char socket[600];
	pid_t broker;
	double seed_s;        /* time taken to write the users into the store */
};

/* Starts the broker on a new folder under base, stops it, writes the users into its store
 * (one SQLite transaction; seeds sealed with the broker's seed key as totp_factor_seal
 * does), and starts it again. */
void peer_sekimori_start(struct peer_sekimori *s, const char *base, const char *sekimorid,
                         const char *locale_dir, const struct peer_users *u);
void peer_sekimori_stop(struct peer_sekimori *s);
/* The PAM service lines for Sekimori: the knowledge = stack form (pam_permit standing in
 * for the password module) so that the transaction is TOTP + the attempt limit. */
void peer_sekimori_service(const struct peer_sekimori *s, const char *module, const char *pamdir,
                           const char *service);

/* Makes the folder of the benchmark's PAM service files with the "other" service in it
 * (pam_deny), as /etc/pam.d has: without it libpam logs "no default config other" at every
 * pam_start_confdir, and with no syslog daemon glibc writes that line to /dev/console. */
void peer_pamdir_make(const char *pamdir);

/* The peers: a pam_oath users file (HOTP/T30 lines) and a google-authenticator secret file
 * per user, each with pam_faillock around it (the example stack of pam_faillock(8)). */
void peer_oath_setup(const char *dir, const struct peer_users *u, const char *pamdir,
                     const char *service);
void peer_google_setup(const char *dir, const struct peer_users *u, const char *pamdir,
                       const char *service);

/* One transaction: pam_start_confdir, pam_authenticate (the conversation answers every
 * prompt with code), pam_acct_mgmt when authentication succeeded, pam_end. The results of
 * both calls (acct is -1 when it was not called) and the wall time in ms. */
enum peer_call { PC_START, PC_AUTH, PC_ACCT, PC_END, PC_COUNT };
struct peer_tx {
	int auth;
	int acct;
	int prompts;
	double ms;
	double call_ms[PC_COUNT];   /* pam_start_confdir, pam_authenticate, pam_acct_mgmt, pam_end */
};
void peer_transaction(const char *pamdir, const char *service, const char *user,
                      const char *code, struct peer_tx *tx);

/* The TOTP code of seed for the current time step (sk_totp_generate, RFC 6238, SHA1, 6
 * digits, 30 s), and for an explicit time. */
void peer_code_now(const unsigned char seed[PEER_SEED_LEN], char code[16]);
void peer_code_at(const unsigned char seed[PEER_SEED_LEN], time_t t, char code[16]);
/* A 6-digit code that is not the one for any step within +-10 steps of now. */
void peer_wrong_code(const unsigned char seed[PEER_SEED_LEN], char code[16]);

/* The lockout check (not timed): for user, PEER_DENY transactions with a wrong code, each
 * expected to fail, then one with the right code, expected to fail too (locked). Prints one
 * markdown row; returns the number of transactions whose result was not the expected one. */
size_t peer_lockout_check(const char *label, const char *pamdir, const char *service,
                          const char *user, const unsigned char seed[PEER_SEED_LEN]);

/* The disk's floor, measured beside the transactions: write 300 bytes at the end of fd and
 * fdatasync them; the time in ms. */
double peer_fdatasync_ms(int fd);

/* Machine state for the report: load average now, in "a b c". */
void peer_loadavg(char *out, size_t outsz);

#endif
