/* pam_sekimori: a thin client. It collects evidence through the PAM conversation and asks
 * sekimorid; it keeps no secrets beyond the PAM transaction and writes no files. */
#ifndef PAMSK_H
#define PAMSK_H
#include <security/pam_modules.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "sk_msg.h"
#include "pamsk_single_field.h"

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
	int card_removal;               /* from SESSION_OPEN (effective profile); -1 unknown */
};

/* Parses arguments, loads the configuration, reads the PAM items. Returns a PAM code. */
int pamsk_start(pam_handle_t *pamh, int flags, int argc, const char **argv, int need_user,
                struct pamsk **out);
void pamsk_end(struct pamsk *m);

/* A request carrying user, service, rhost, tty and profile. */
struct sk_msg *pamsk_request(const struct pamsk *m, unsigned type);
/* Connects if needed and sends; SK_OK with reply, or SK_ERR_UNAVAILABLE (already told the
 * user the service is unavailable). */
int pamsk_call(struct pamsk *m, const struct sk_msg *req, struct sk_msg **reply, int timeout_ms);

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

/* Messages shared by several phases. */
void pamsk_say_locked(struct pamsk *m, const struct sk_msg *reply);
void pamsk_say_unavailable(struct pamsk *m);
void pamsk_format_time(int64_t t, char *out, size_t outsz);

/* Device evidence for AUTH_FINISH: run the device, add what it produced (or SK_K_DEVICE_FAIL
 * so the broker records the failed attempt). PAM_SUCCESS to go on to AUTH_FINISH. */
int pamsk_collect_fido2(struct pamsk *m, const struct sk_msg *begin, struct sk_msg *finish);
int pamsk_collect_card(struct pamsk *m, const struct sk_msg *begin, struct sk_msg *finish);

int pamsk_authenticate(struct pamsk *m);
int pamsk_account(struct pamsk *m);
int pamsk_chauthtok(struct pamsk *m);
int pamsk_open_session(struct pamsk *m);
int pamsk_close_session(struct pamsk *m);
/* The session agent (pamsk_card_watch.c): the auth phase remembers the card login (reader,
 * certificate); SESSION_OPEN carries the certificate; the agent is exec'd after it. */
int pamsk_card_watch_remember(struct pamsk *m, const char *reader, const unsigned char *cert,
                              size_t cert_len);
int pamsk_card_watch_put_cert(const struct pamsk *m, struct sk_msg *req);
int pamsk_card_watch_start(struct pamsk *m, unsigned long long session_id,
                           const char *card_hash);

/* Keys beyond libfido2's own discovery (pamsk_fido2_devices.c: none; a test build replaces
 * that file). */
struct skf_devlist;
void pamsk_fido2_extra_devices(struct skf_devlist *l);

#endif
