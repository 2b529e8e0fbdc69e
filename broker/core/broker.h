/* The broker's shared state and the per-connection context every handler receives. */
#ifndef BROKER_H
#define BROKER_H
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "admin_session.h"
#include "sk_aead.h"
#include "sk_conf.h"
#include "sk_msg.h"
#include "sk_proto.h"

struct audit_log;
struct sk_store;
struct sk_store_txn;
struct user_import;

/* Nothing factor-specific lives here: each factor keeps what it loaded at start in its own
 * file (factors/factor.h). */
struct broker {
	struct sk_conf conf;
	struct audit_log *audit;
	unsigned char seed_key[SK_AEAD_KEY_LEN];   /* seals TOTP seeds (R-CRED-2) */
	gid_t admin_gid;
	int have_admin_gid;
	gid_t auditor_gid;                /* auditor_group: the read-only role */
	int have_auditor_gid;
	int listen_fd;
	atomic_uint clients;
	/* The state (store.h). Everything that changes one user's authentication state runs
	 * under that user's lock (store_user_lock), so parallel attempts for one user are
	 * serialised (R-LOGIN-1) while different users proceed in parallel. */
	struct sk_store *store;
	volatile sig_atomic_t stop;
	/* SIGUSR1 / SIGUSR2: a log rotation announced / done (audit_log_rotate_*), carried
	 * out by the accept loop (server_run). */
	volatile sig_atomic_t audit_rotate_prepare, audit_rotate_finish;
};

enum conn_state {
	CONN_IDLE = 1 << 0,
	CONN_AUTH = 1 << 1,     /* AUTH_BEGIN answered, waiting for AUTH_FINISH */
	CONN_ENROLL = 1 << 2,   /* FIDO2_ENROLL_BEGIN answered, waiting for FINISH */
};

#define BROKER_CHALLENGE_LEN 32

#define PLAN_MAX 4

/* An authentication transaction between AUTH_BEGIN and AUTH_FINISH. */
struct auth_txn {
	char user[SK_USER_MAX];
	char service[SK_NAME_MAX];
	char rhost[SK_HOST_MAX];
	char tty[SK_HOST_MAX];
	unsigned frontend;          /* enum sk_frontend (sk_origin.h), audited as "origin" */
	char nas[SK_HOST_MAX];      /* RADIUS challenge mode: the NAS, audited as "nas" */
	struct sk_profile profile;  /* effective: line and user profiles merged */
	unsigned steps[PLAN_MAX];
	size_t n_steps;
	int user_known;
	int decoy;                  /* a decoy plan (auth_decoy.h): AUTH_FINISH denies */
	int admin_login;            /* begun by ADMIN_LOGIN_BEGIN: only ADMIN_LOGIN_FINISH ends it */
	const char *decoy_reason;   /* static: unknown_user, no_factors, or origin_refusal's */
	int64_t begun;
	/* What each step's factor asked to be signed at AUTH_BEGIN (FIDO2, card), kept for its
	 * verification at AUTH_FINISH; unused by the others. */
	unsigned char challenge[PLAN_MAX][BROKER_CHALLENGE_LEN];
};

/* A FIDO2 enrolment between FIDO2_ENROLL_BEGIN and FIDO2_ENROLL_FINISH. */
struct enroll_txn {
	char user[SK_USER_MAX];
	unsigned char challenge[BROKER_CHALLENGE_LEN];
	int require_uv;
};

struct broker_conn {
	struct broker *b;
	int fd;
	pid_t peer_pid;
	uid_t peer_uid;
	gid_t peer_gid;
	int peer_is_root;
	int peer_is_admin;          /* a member of admin_group: may log in as an administrator */
	int peer_is_auditor;        /* a member of auditor_group */
	char peer_name[SK_USER_MAX];
	/* A remote terminal on the TLS listener (server_tls.c): its certificate is its identity
	 * (subject CN, SHA-256 fingerprint and serial in hex), recorded in every audit record
	 * the connection makes; it has the module role only (dispatch.c). */
	int is_terminal;
	char terminal[128];
	char terminal_fp[65];
	char terminal_serial[65];
	char terminal_addr[64];
	/* The admin session presented on this connection (ADMIN_ATTACH or ADMIN_LOGIN_FINISH),
	 * checked again against the registry before every request (dispatch.c), and why the
	 * last one presented was lost (enum sk_reason, 0 = none). */
	int has_admin;
	struct admin_session_view admin;
	unsigned admin_lost;
	unsigned roles;             /* enum sk_role bits, as dispatch.c found them for this request */
	struct sk_store_txn *db;   /* this client's handle on the store (store_acquire) */
	/* The handler sent its last answer itself (SESSION_WATCH's order goes out before its
	 * audit record is written): the server sends no reply for this request. */
	int reply_sent;
	unsigned state;
	struct auth_txn txn;
	struct enroll_txn enroll;
	struct user_import *import; /* rows staged by USER_IMPORT_STAGE (admin_import.c) */
};

/* Handlers fill reply (status and fields) and return SK_OK; any other return makes the
 * dispatcher answer SK_ST_ERROR, which every client treats as deny. */
typedef int (*broker_handler)(struct broker_conn *c, const struct sk_msg *req,
                              struct sk_msg *reply);

int broker_dispatch(struct broker_conn *c, const struct sk_msg *req, struct sk_msg **reply);

int64_t broker_now(void);
/* A connection for the broker's own work (HR schedule, dormancy check): the peer named
 * "sekimorid" in the audit records it makes. store_release(c->db) when done. */
int broker_system_conn(struct broker *b, struct broker_conn *c);

#endif
