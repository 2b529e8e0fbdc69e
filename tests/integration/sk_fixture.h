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
	pid_t broker;
};

/* Writes sekimori.conf with the [broker] section pointing into dir and the given profile
 * sections (text), starts the broker and waits for its socket. language: "C" or "ja". */
void skfx_start(struct sk_fixture *fx, const char *language, const char *profiles);
/* Starts the broker again on the same folder (after skfx_stop_broker). */
void skfx_restart(struct sk_fixture *fx);
void skfx_stop_broker(struct sk_fixture *fx);
/* Stops the broker and removes the folder. */
void skfx_finish(struct sk_fixture *fx);

/* Runs the CLI with args (and stdin text, may be NULL); output goes to out. Returns the exit
 * status. */
int skfx_cli(struct sk_fixture *fx, const char *args, const char *input, char *out, size_t outsz);
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
/* Counts the audit records whose line contains every given needle (NULL-terminated). */
int skfx_audit_count(struct sk_fixture *fx, ...);

#endif
