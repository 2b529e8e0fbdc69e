/* Reading the fields every login-related request carries, strictly (R-INPUT-1). */
#ifndef BROKER_REQUEST_H
#define BROKER_REQUEST_H
#include "broker.h"
#include "store_user.h"
#include "tally.h"

struct login_ctx {
	char user[SK_USER_MAX];
	char service[SK_NAME_MAX];
	char rhost[SK_HOST_MAX];
	char tty[SK_HOST_MAX];
	unsigned frontend;               /* enum sk_frontend: where the login comes from */
	char nas[SK_HOST_MAX];           /* RADIUS challenge mode: the NAS ("" otherwise) */
	const struct sk_profile *line;   /* the profile the PAM line names */
};

/* SK_ERR_PROTO for a malformed field, SK_ERR_NOTFOUND for an unknown profile. */
int request_login_ctx(const struct broker *b, const struct sk_msg *req, struct login_ctx *out);
/* The line's profile merged with the user's own (u may be NULL). */
void request_effective_profile(const struct broker *b, const struct sk_profile *line,
                               const struct user_rec *u, struct sk_profile *out);
void request_limits(const struct sk_profile *p, struct tally_limits *l);
/* Sets the reply status; returns SK_OK so handlers can `return reply_status(...)`. */
int reply_status(struct sk_msg *reply, enum sk_status st);
/* Sets the status and SK_K_REASON; returns SK_OK like reply_status. */
int request_refuse(struct sk_msg *reply, enum sk_status st, enum sk_reason why);
/* The status for a locked account, with the time it opens again. */
int reply_locked(struct sk_msg *reply, const struct tally *t);

#endif
