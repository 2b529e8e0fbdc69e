/* A running sekimorid for one test: its own folder, config, store, keys and audit log. */
#ifndef SK_FIXTURE_H
#define SK_FIXTURE_H
#include <stddef.h>
#include <sys/types.h>

struct sk_fixture {
	char dir[512];
	char conf[600];
	char socket[600];
	char pamdir[600];
	char rundir[600];        /* XDG_RUNTIME_DIR of the test: the admin session token */
	char store[700];         /* the store = value: a SQLite path below dir, or a postgresql:// URI */
	pid_t broker;
	/* The fixture's own administrator (issue 8, item 5): every test runs its CLI commands
	 * under this person's admin session, got by a real step-up (password + TOTP). */
	int admin_ready;
	char admin_pw[64];
	char admin_seed[64];
	long long admin_last_step;   /* the last TOTP step used: the broker refuses replays */
};

/* The fixture administrator's account and profile. */
#define SKFX_ADMIN "fxadmin"
#define SKFX_ADMIN_PROFILE "fx-admin"
#define SKFX_ADMIN_PASSWORD "Fixture-Admin-Pass-9"

/* Writes sekimori.conf with the [broker] section pointing into dir and the given profile
 * sections (text), starts the broker and waits for its socket. language: "C" or "ja".
 * Then bootstraps the fixture administrator as root in the recovery role (account, TOTP,
 * own password) and logs them in with `sekimori admin login`: XDG_RUNTIME_DIR points into
 * dir, so every CLI the test runs presents that admin session. */
void skfx_start(struct sk_fixture *fx, const char *language, const char *profiles);
/* skfx_start without the administrator: CLI commands run as root without an admin session
 * (the recovery role). */
void skfx_start_bare(struct sk_fixture *fx, const char *language, const char *profiles);
/* A second broker on first's store (SK_TEST_STORE=pg: several sekimorid on one PostgreSQL):
 * its own folder, socket, audit log and broker_id, first's configuration and keys (the
 * TOTP seeds are sealed with the seed key, so every broker needs the same one), and a PAM
 * service "sk-test" of its own (conf=peer's) with module arguments args. No administrator:
 * administrative commands go through first. */
void skfx_start_peer(struct sk_fixture *peer, struct sk_fixture *first, const char *broker_id,
                     const char *args);
/* Starts the broker again on the same folder (after skfx_stop_broker); admin sessions live
 * in the broker's memory, so the fixture administrator logs in again. */
void skfx_restart(struct sk_fixture *fx);
/* `sekimori admin login --user USER` with password and the next unused TOTP step of seed;
 * *last_step tracks the steps used. Returns the CLI's exit status, its output in out. */
int skfx_admin_login_as(struct sk_fixture *fx, const char *user, const char *password,
                        const char *seed_b32, long long *last_step, char *out, size_t outsz);
/* Presents the fixture administrator's admin session (the token file `sekimori admin login`
 * wrote) on a test's own connection c, as the CLI does on each of its connections. */
struct sk_client;
void skfx_admin_attach(struct sk_fixture *fx, struct sk_client *c);
/* Changes user's password from old to new through the broker's CHAUTHTOK, as the module
 * does after a login (no TOTP step used). */
void skfx_set_password(struct sk_fixture *fx, const char *user, const char *profile,
                       const char *old_pw, const char *new_pw);
/* A second CLI user on the same broker: a copy of fx with a runtime folder of its own
 * (fx->dir/NAME), so that its admin session token is apart from fx's. */
void skfx_second_user(struct sk_fixture *second, const struct sk_fixture *fx, const char *name);
void skfx_stop_broker(struct sk_fixture *fx);
/* Stops the broker and removes the folder. */
void skfx_finish(struct sk_fixture *fx);

/* Runs the CLI with args (and stdin text, may be NULL); output goes to out. Returns the exit
 * status. */
int skfx_cli(struct sk_fixture *fx, const char *args, const char *input, char *out, size_t outsz);
/* skfx_cli with printf-style arguments and no input; prints the command and its output to
 * stderr when it fails, so that a test's failure says what the CLI answered. */
int skfx_clif(struct sk_fixture *fx, char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* `sekimori user add USER --profile P`; returns the temporary password in pw. */
void skfx_add_user(struct sk_fixture *fx, const char *user, const char *profile, char *pw,
                   size_t pwsz);
/* Enrols a random TOTP seed for user (confirmed with an oathtool code); seed_b32 gets it. */
void skfx_enroll_totp(struct sk_fixture *fx, const char *user, char *seed_b32, size_t sz);
/* The TOTP code oathtool computes for seed at now + offset seconds. */
void skfx_totp_code(const char *seed_b32, long offset, char *code, size_t sz);
/* Changes the temporary password to newpw through PAM (auth + chauthtok). */
void skfx_first_login(struct sk_fixture *fx, const char *user, const char *temp_pw,
                      const char *seed_b32, const char *newpw);
/* Runs one SQL statement on the test's store behind the broker's back, with the sqlite3
 * program or psql (SK_TEST_STORE=pg); the statement must mean the same in both. Returns the
 * program's exit status, its output in out. */
int skfx_store_sql(struct sk_fixture *fx, const char *sql, char *out, size_t outsz);
/* Counts the audit records whose line contains every given needle (NULL-terminated). */
int skfx_audit_count(struct sk_fixture *fx, ...);

#endif
