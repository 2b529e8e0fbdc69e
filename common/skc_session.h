/* Typed calls of the session family (see skc.h): SESSION_OPEN and SESSION_CLOSE from the PAM
 * module's session phase, SESSION_EVENT (the module and the session agent report what they
 * saw) and the session agent's standing SESSION_WATCH request. */
#ifndef SKC_SESSION_H
#define SKC_SESSION_H
#include "skc.h"

#define SKC_CARD_CERT_MAX 8192   /* SK_K_CERT of a card login */
#define SKC_EVENT_MAX SK_NAME_MAX

struct skc_session_open_in {
	struct skc_login login;
	uint64_t pid;
	const unsigned char *card_cert;   /* the certificate of a card login, or NULL */
	size_t card_cert_len;
	/* The auth phase's ticket that passed ACCT, or NULL: with it the broker opens a
	 * privileged session (issue 9) for the user the ticket names. */
	const unsigned char *ticket;
};
struct skc_session_open_out {
	struct skc_result res;            /* OK, NOT_FOUND (not a managed account), DENIED (the
	                                   * login's card was revoked since), ... */
	uint64_t session_id;
	uint64_t last_login;              /* epoch seconds, 0 = never */
	char last_from[SK_HOST_MAX];
	uint64_t last_logout;             /* epoch seconds, 0 = never */
	uint64_t failures;                /* failed attempts since the last login */
	uint64_t idle_timeout;            /* seconds, 0 = none */
	int card_removal;                 /* enum sk_card_removal of the effective profile; -1
	                                   * when the reply names none */
	char card_hash[SKC_HASH_HEX];     /* the login card's binding, "" without a card */
	/* A privileged session: its deadline (epoch seconds; 0 for any other session), how long
	 * before it the user is warned, its idle limit (seconds, 0 none) and its role. */
	uint64_t priv_ends;
	uint64_t priv_warn;
	uint64_t priv_idle;
	char priv_role[SK_NAME_MAX];
	uint64_t priv_grant;              /* the grant it runs under (the agent names it when it
	                                   * registers again after a broker restart) */
};
int skc_session_open(struct sk_client *c, const struct skc_session_open_in *in,
                     struct skc_session_open_out *out);

struct skc_session_close_in {
	const char *user;
	uint64_t session_id;
};
int skc_session_close(struct sk_client *c, const struct skc_session_close_in *in,
                      struct skc_reply_out *out);

/* The session named by user, id and (when known) the login card's binding hash. */
struct skc_session_ref {
	const char *user;
	uint64_t session_id;
	const char *card_hash;            /* NULL or "": not sent */
};

struct skc_session_event_in {
	struct skc_session_ref session;
	const char *event;                /* e.g. "card_missing_at_open", "card_removed" */
};
int skc_session_event(struct sk_client *c, const struct skc_session_event_in *in,
                      struct skc_reply_out *out);

/* SESSION_WATCH: the broker answers at once (registered) or with an order; later orders
 * arrive on the same connection (skc_session_watch_order). */
struct skc_session_watch_in {
	struct skc_session_ref session;
	unsigned action;                  /* SK_CARD_REMOVAL_LOCK or _END: the profile's */
	uint64_t priv_ends;               /* a privileged session's deadline, 0: not one */
	const char *priv_role;            /* ... and its role, or NULL */
	uint64_t priv_grant;              /* ... and its grant's id (0: not sent) */
};
struct skc_session_watch_out {
	struct skc_result res;
	int ordered;                      /* 1: an order (action, cause); 0: registered */
	unsigned action;                  /* SK_CARD_REMOVAL_LOCK or _END, or SK_SESSION_WARN:
	                                   * a warning, the connection stays open */
	char cause[SKC_EVENT_MAX];
	uint64_t priv_ends;               /* with SK_SESSION_WARN: the deadline (epoch seconds) */
};
int skc_session_watch(struct sk_client *c, const struct skc_session_watch_in *in,
                      struct skc_session_watch_out *out);
/* The next reply on a watching connection, within timeout_ms, decoded as by
 * skc_session_watch: SK_OK (the caller checks res.status and ordered: a second
 * registration answer is no order), SK_ERR_PROTO for a malformed order, SK_ERR_UNAVAILABLE
 * when the connection broke or stayed quiet. */
int skc_session_watch_order(struct sk_client *c, int timeout_ms,
                            struct skc_session_watch_out *out);

#endif
