/* Typed client calls for the admin session family (doc/protocol.md "Roles"): the step-up
 * login of an administrator, presenting a session on a connection, logout and whoami.
 * Each returns SK_OK with out->status (and the decoded fields) filled, SK_ERR_UNAVAILABLE
 * when the broker could not be asked, SK_ERR_NOMEM; out is zeroed first. */
#ifndef SKC_ADMIN_H
#define SKC_ADMIN_H
#include <stddef.h>
#include <stdint.h>

#include "sk_client.h"
#include "sk_conf.h"
#include "sk_proto.h"

#define SKC_ADMIN_STEPS_MAX 4

struct skc_admin_login_begin_in {
	const char *user;               /* NULL: the account of the caller's uid (not for root) */
};
struct skc_admin_login_begin_out {
	unsigned status;
	uint64_t reason;
	unsigned steps[SKC_ADMIN_STEPS_MAX];   /* enum sk_method, in order */
	size_t n_steps;
	char banner[SK_MESSAGE_MAX];
	uint64_t locked_until;
};
int skc_admin_login_begin(struct sk_client *c, const struct skc_admin_login_begin_in *in,
                          struct skc_admin_login_begin_out *out);

struct skc_admin_login_finish_in {
	const char *password;           /* may be NULL when the plan asks for none */
	const char *otp;
};
struct skc_admin_login_finish_out {
	unsigned status;
	uint64_t reason;
	uint64_t remaining;             /* DENIED: attempts left before the lock */
	uint64_t locked_until;
	int has_token;
	unsigned char token[SK_ADMIN_TOKEN_LEN];   /* secret: explicit_bzero after use */
	uint64_t expires;
	char user[SK_USER_MAX];
};
int skc_admin_login_finish(struct sk_client *c, const struct skc_admin_login_finish_in *in,
                           struct skc_admin_login_finish_out *out);

/* The session a connection's later requests run under. */
struct skc_admin_attach_in {
	const unsigned char *token;     /* SK_ADMIN_TOKEN_LEN bytes */
};
struct skc_admin_session_out {
	unsigned status;
	uint64_t reason;
	uint64_t roles;                 /* enum sk_role bits (whoami) */
	int has_session;
	char user[SK_USER_MAX];
	uint64_t expires;
	uint64_t auth_at;
};
int skc_admin_attach(struct sk_client *c, const struct skc_admin_attach_in *in,
                     struct skc_admin_session_out *out);
int skc_admin_whoami(struct sk_client *c, struct skc_admin_session_out *out);
int skc_admin_logout(struct sk_client *c, struct skc_admin_session_out *out);

#endif
