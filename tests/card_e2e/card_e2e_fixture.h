/* What the IC-card end-to-end tests share (tests/card_e2e/test_card_e2e*.c, one program):
 * the real pcscd + vsmartcard-vpcd with sk-cardemu as the card (tests/smartcard/harness.sh
 * gives the namespaces and the test PKI), a real sekimorid with [card] trust_anchors = the
 * test CA, the built pam_sekimori.so through real libpam (pam_start_confdir), and the real
 * `sekimori card ...` CLI.
 *
 * The lock command and a fake loginctl (bind-mounted over /usr/bin/loginctl inside the
 * private mount namespace only) append their arguments to a marker file. */
#ifndef CARD_E2E_FIXTURE_H
#define CARD_E2E_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sc_pcsc.h"
#include "sc_test_card.h"
#include "sk_err.h"
#include "sk_fixture.h"
#include "sk_pamdrive.h"
#include "sk_test_helpers.h"

#define CARD_WAIT_MS 5000
#define REMOVAL_BOUND_MS 2000       /* generous: the watcher acts within 1 s of pcscd noticing */
#define END ((const char *)NULL)

extern struct sk_fixture fx;
/* Sections setup appends to the broker's configuration (NULL: none); a program sets it
 * before setup runs (test_card_life5.c: [fido2] and the profiles of a key and a card). */
extern const char *setup_extra_conf;
extern const char *pki, *emu_bin, *work, *agent;
extern char readers[2][SC_READER_NAME_MAX];
extern int slot;   /* the reader of the current (or last) card */
extern pid_t emu_pid;
extern SCARDCONTEXT ctx;
extern char marker[1024];
extern char fake_loginctl[1024];   /* bound over /usr/bin/loginctl while a test needs it */
extern char loginctl_fail[1024];   /* while this file exists the fake loginctl fails */
extern char cli_out[65536];   /* the last CLI output */
extern char tanaka_pw[64];   /* tanaka's temporary password */
extern int stale;   /* a reader whose card was pulled, not yet seen empty */
extern char current[1024];   /* the options of the card in the reader, "" for none */

void
emu_settle(void);

/* The card is pulled (the emulator exits; vpcd reports the reader empty). */
void
emu_pull(void);

/* Makes sure the card with these options (NULL-terminated) is the one in a reader: when
 * another card is in, it is pulled and this one inserted in the other reader. */
void
emu_card(const char *type, ...);

/* A JPKI card with the key and certificate NAME.key / NAME.pem, and its state file. */
void
emu_jpki(const char *name, const char *option);

/* ---- the CLI, PAM, the audit log ------------------------------------------------------- */
int
cli(const char *fmt, ...);

/* The card list of user as JSON (`card list USER --json`); caller puts it. */
json_object *
card_list(const char *user);

const char *
jtext(json_object *o, const char *key);

/* SHA-256 of the SubjectPublicKeyInfo, computed by openssl, not by Sekimori. */
void
spki_hash(const char *pem, char hash[65]);

int
pam_login(struct skpd *d, const char *service, const char *user, const char *a1, const char *a2);

/* Waits until at least `want` audit records hold all the needles (at most 4; NULL ends). */
int
audit_wait(int want, const char *a, const char *b, const char *c, const char *e);

/* Live session agents (comm "sekimori-agent"; zombies waiting for their reaper do not
 * count). */
int
watchers(void);

int
watchers_wait(int want, int ms);

/* Waits up to bound ms until the marker file (the lock command's log) holds a line; returns
 * ms waited or -1. */
long long
marker_wait_for(long long since, long long bound, char *line, size_t cap);

long long
marker_wait(long long since, char *line, size_t cap);

/* A user of profile with a card enrolled from the emulator now in the reader. */
void
add_user_with_card(const char *user, const char *profile, char *pw, size_t pwsz,
                   const char *enroll_args);

/* ---- set-up ---------------------------------------------------------------------------- */
int
setup(void **state);

int
teardown(void **state);

/* ---- removal (R-CARD-2, R-LOGIN-2) ------------------------------------------------------ */

/* Opens a session for user on service with a card login; leaves the handle in d. */
void
open_card_session(struct skpd *d, const char *service, const char *user, const char *pw,
                  const char *pin);

void
end_session(struct skpd *d);

/* The tests, one file per concern; test_card_e2e.c runs them in this order. */
void test_enroll_jpki(void **state);
void test_login_password_and_card(void **state);
void test_wrong_pin_shows_tries(void **state);
void test_removal_locks_session(void **state);
void test_watcher_ends_with_session(void **state);
void test_card_missing_at_open(void **state);
void test_removal_loginctl_lock(void **state);
void test_removal_unlockable_hangs_up_leader(void **state);
void test_last_try_and_blocked(void **state);
void test_enroll_refusals(void **state);
void test_r_card_3_revoked_card_refused_by_every_broker(void **state);
void test_r_card_3_revocation_seen_by_every_broker(void **state);
void test_card_only_login(void **state);
void test_removal_ends_session(void **state);
void test_revoked_card_refused(void **state);
void test_r_card_3_lost_card_locks_open_session(void **state);
void test_r_card_3_lost_card_ends_open_session(void **state);
void test_r_card_3_card_revoked_before_session_open(void **state);
void test_r_card_3_agent_watches_again_after_broker_restart(void **state);
void test_card_of_another_user(void **state);
void test_replacement(void **state);
void test_piv(void **state);
void test_r_card_2_agent_is_execd_clean(void **state);
void test_pcscd_gone_locks_session(void **state);
void test_r_life_2_retirement_ends_live_card_session(void **state);

#endif
