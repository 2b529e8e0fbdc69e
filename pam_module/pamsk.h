/* pam_sekimori: a thin client. It collects evidence through the PAM conversation and asks
 * sekimorid; it keeps no secrets beyond the PAM transaction and writes no files. */
#ifndef PAMSK_H
#define PAMSK_H
#include <security/pam_modules.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "pamsk_single_field.h"
#include "skc.h"

enum pamsk_mode {
	PAMSK_MODE_NORMAL = 0,
	PAMSK_MODE_PREAUTH,    /* before pam_unix: refuse a locked account early */
	PAMSK_MODE_AUTHFAIL,   /* after a failed pam_unix: count the failure */
};

struct pamsk {
	pam_handle_t *pamh;
	int flags;
	enum pamsk_mode mode;
	int debug;
	unsigned retry;                 /* password change attempts */
	unsigned frontend;              /* frontend=: enum sk_frontend, 0 when not named */
	struct pamsk_single_field single; /* single_field=: password and code in one answer */
	char conf_path[PATH_MAX];
	char agent_path[PATH_MAX];      /* the session agent (SK_SESSION_AGENT, session_agent=) */
	char profile[SK_NAME_MAX];
	const char *user;
	const char *service;
	const char *rhost;
	const char *tty;
	struct sk_conf conf;
	struct sk_client client;
	int64_t connected_ms;           /* when client connected (sk_now_ms) */
	int card_removal;               /* from SESSION_OPEN (effective profile); -1 unknown */
};

/* Parses arguments, loads the configuration, reads the PAM items. Returns a PAM code. */
int pamsk_start(pam_handle_t *pamh, int flags, int argc, const char **argv, int need_user,
                struct pamsk **out);
void pamsk_end(struct pamsk *m);

/* Requests go through the typed calls of common/skc_*.h, given these two: */
/* The login this transaction is about (user, service, rhost, tty, profile). */
struct skc_login pamsk_login(const struct pamsk *m);
/* The connection to the broker, connected on first use (fd -1 when it cannot be: the typed
 * call then returns SK_ERR_UNAVAILABLE). */
struct sk_client *pamsk_client(struct pamsk *m);
/* Whether a typed call's return is a verdict to read (SK_OK). Otherwise the connection is
 * dropped and the user told the service is unavailable: the caller denies (fail closed). */
int pamsk_answered(struct pamsk *m, int r);
/* After a phase that succeeded: leaves the connection in the PAM handle for the next phase
 * (pamsk_request.c says when that phase uses it). */
void pamsk_keep_client(struct pamsk *m);

/* The conversation. prompt returns a malloc'ed answer (wipe + free it) or NULL. */
char *pamsk_prompt(struct pamsk *m, int echo, const char *text);
void pamsk_info(struct pamsk *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pamsk_error(struct pamsk *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pamsk_free_secret(char *s);
/* Asks (echo off) and copies the answer into buf: SK_OK, SK_ERR_IO (no answer) or
 * SK_ERR_RANGE (empty or too long). The conversation's copy is wiped. */
int pamsk_prompt_secret(struct pamsk *m, const char *text, char *buf, size_t cap);
/* Shows a multi-line text one line per message, so no line meets PAM_MAX_MSG_SIZE. */
void pamsk_info_lines(struct pamsk *m, const char *text);

/* Messages shared by several phases. until: SK_K_LOCKED_UNTIL, 0 = until an administrator
 * unlocks. */
void pamsk_say_locked_until(struct pamsk *m, uint64_t until);
void pamsk_say_unavailable(struct pamsk *m);
/* The PAM code for a broker status no phase expects: PAM_USER_UNKNOWN for NOT_FOUND, else
 * PAM_AUTHINFO_UNAVAIL after telling the user the service is unavailable (fail closed). */
int pamsk_refused(struct pamsk *m, unsigned status);
void pamsk_format_time(int64_t t, char *out, size_t outsz);

int pamsk_authenticate(struct pamsk *m);
int pamsk_account(struct pamsk *m);
int pamsk_chauthtok(struct pamsk *m);
int pamsk_open_session(struct pamsk *m);
int pamsk_close_session(struct pamsk *m);
/* The session agent (pamsk_card_watch.c): the auth phase remembers the card login (reader,
 * certificate); SESSION_OPEN carries the certificate; the agent is exec'd after it. */
int pamsk_card_watch_remember(struct pamsk *m, const char *reader, const unsigned char *cert,
                              size_t cert_len);
/* The certificate of this transaction's card login; NULL (len 0) when it used no card. */
const unsigned char *pamsk_card_watch_cert(const struct pamsk *m, size_t *len);
struct skc_session_open_out;
/* Starts the session agent after SESSION_OPEN (out): for a card login, and for every
 * privileged session (out->priv_ends != 0), which it ends at its deadline. */
int pamsk_card_watch_start(struct pamsk *m, unsigned long long session_id,
                           const char *card_hash, const struct skc_session_open_out *out);

/* The auth phase's ticket (pamsk_ticket.c): kept after AUTH_FINISH, presented by ACCT
 * (NULL: none, or PAM_USER changed since) and, after ACCT let a privileged login in, by
 * SESSION_OPEN for the user who authenticated (*user). */
int pamsk_ticket_keep(struct pamsk *m, const unsigned char ticket[SK_AUTH_TICKET_LEN]);
const unsigned char *pamsk_ticket_for_acct(const struct pamsk *m);
void pamsk_ticket_mark_privileged(struct pamsk *m);
const unsigned char *pamsk_ticket_for_session(const struct pamsk *m, const char **user);

/* The grant's unix groups (pamsk_groups.c): kept by a successful account phase (out's
 * priv_groups, none when not privileged), added by pam_sm_setcred (PAM_ESTABLISH_CRED,
 * PAM_REINITIALIZE_CRED) and taken away again by PAM_DELETE_CRED. */
struct skc_acct_out;
int pamsk_groups_keep(struct pamsk *m, const struct skc_acct_out *out);
int pamsk_setcred(pam_handle_t *pamh, int flags);

/* Keys beyond libfido2's own discovery (pamsk_fido2_devices.c: none; a test build replaces
 * that file). */
struct skf_devlist;
void pamsk_fido2_extra_devices(struct skf_devlist *l);

#endif
