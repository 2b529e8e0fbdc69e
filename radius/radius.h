/* sekimori-radius: RADIUS challenge mode for FreeRADIUS (doc/remote-access.md). FreeRADIUS'
 * rlm_exec runs it once per Access-Request with the request's attributes in its
 * environment (shell_escape = no: the attribute names and values as they are); it asks
 * sekimorid through the typed calls of common/skc_radius.h and answers with its exit
 * status and, for a challenge, reply attributes on stdout. */
#ifndef SK_RADIUS_H
#define SK_RADIUS_H
#include <stddef.h>

#include "sk_proto.h"
#include "skc_radius.h"

/* Exit statuses: rlm_exec turns a status N > 0 into module code N - 1. */
enum radius_exit {
	RADIUS_ACCEPT = 0,      /* ok: Access-Accept */
	RADIUS_REJECT = 1,      /* reject: Access-Reject */
	RADIUS_FAIL = 2,        /* fail: broker unreachable or silent, a malformed request or
	                         * reply, a bad configuration; Access-Reject */
	RADIUS_CHALLENGE = 9,   /* updated: the site's unlang sends the Access-Challenge */
};

/* The attributes of one Access-Request, read from the environment and bounded. */
struct radius_request {
	char user[SK_USER_MAX];
	char password[SK_PASSWORD_MAX + 1];      /* secret: round one's password, round two's code */
	int has_state;
	unsigned char state[SKC_RADIUS_STATE_LEN];
	char calling_station[SK_HOST_MAX];       /* Calling-Station-Id: the client's address */
	char nas[SK_HOST_MAX];                   /* NAS-IP-Address, NAS-IPv6-Address or NAS-Identifier */
};

/* SK_OK, or SK_ERR_PROTO with the reason logged (never a secret): an attribute missing,
 * too long or malformed, or rlm_exec's shell_escape = yes environment. */
int radius_read_env(struct radius_request *rq);
/* Prints the challenge's reply attributes (State, Reply-Message) for rlm_exec's
 * output_pairs. SK_OK or SK_ERR_IO. */
int radius_print_challenge(const unsigned char state[SKC_RADIUS_STATE_LEN], const char *banner,
                           const char *prompt);

#endif
