/* Typed client calls for the admin session family (doc/protocol.md "Admin sessions"): the
 * step-up login of an administrator, presenting a session on a connection, logout and
 * whoami. Returns as common/skc.h says; out->res is the verdict. */
#ifndef SKC_ADMIN_H
#define SKC_ADMIN_H
#include <stddef.h>
#include <stdint.h>

#include "sk_conf.h"
#include "skc.h"

#define SKC_ADMIN_STEPS_MAX 4

struct skc_admin_login_begin_in {
	const char *user;               /* NULL: the account of the caller's uid (not for root) */
};
struct skc_admin_login_begin_out {
	struct skc_result res;
	unsigned steps[SKC_ADMIN_STEPS_MAX];   /* OK: enum sk_method, in order (at least one) */
	size_t n_steps;
	char banner[SK_MESSAGE_MAX];
	uint64_t locked_until;          /* LOCKED */
};
int skc_admin_login_begin(struct sk_client *c, const struct skc_admin_login_begin_in *in,
                          struct skc_admin_login_begin_out *out);

struct skc_admin_login_finish_in {
	const char *password;           /* NULL when the plan asks for none */
	const char *otp;
};
struct skc_admin_login_finish_out {
	struct skc_result res;
	uint64_t remaining;             /* DENIED: attempts left before the lock */
	uint64_t locked_until;          /* LOCKED */
	unsigned char token[SK_ADMIN_TOKEN_LEN];   /* OK; secret: explicit_bzero after use */
	uint64_t expires;               /* OK */
	char user[SK_USER_MAX];         /* OK: the authenticated person */
};
int skc_admin_login_finish(struct sk_client *c, const struct skc_admin_login_finish_in *in,
                           struct skc_admin_login_finish_out *out);

/* The session a connection's later requests run under. */
struct skc_admin_attach_in {
	const unsigned char *token;     /* SK_ADMIN_TOKEN_LEN bytes */
};
struct skc_admin_session_out {
	struct skc_result res;
	uint64_t roles;                 /* enum sk_role bits (whoami) */
	int has_session;                /* OK with a session: user, expires, auth_at */
	char user[SK_USER_MAX];
	uint64_t expires;
	uint64_t auth_at;
};
int skc_admin_attach(struct sk_client *c, const struct skc_admin_attach_in *in,
                     struct skc_admin_session_out *out);
int skc_admin_whoami(struct sk_client *c, struct skc_admin_session_out *out);
int skc_admin_logout(struct sk_client *c, struct skc_admin_session_out *out);

#endif
