/* Typed client calls for RADIUS challenge mode (RADIUS_BEGIN, RADIUS_CONTINUE), which
 * sekimori-radius (radius/) sends for FreeRADIUS; what they return is as skc.h says. A
 * secret too long is refused (SK_ERR_RANGE), never cut, and nothing is sent. Secrets in the
 * inputs are the caller's to wipe. */
#ifndef SKC_RADIUS_H
#define SKC_RADIUS_H
#include <stddef.h>
#include <stdint.h>

#include "sk_conf.h"
#include "sk_proto.h"
#include "sk_totp.h"
#include "skc.h"
#include "skc_auth.h"   /* struct skc_auth_verdict */

#define SKC_RADIUS_STATE_LEN 32

/* Round one: who (frontend must be SK_FRONTEND_RADIUS; rhost is the RADIUS client's
 * address, Calling-Station-Id), the NAS and the password. */
struct skc_radius_begin_in {
	struct skc_login who;
	const char *nas;                     /* NULL or "": none */
	char password[SK_PASSWORD_MAX + 1];  /* secret */
};

struct skc_radius_begin_out {
	struct skc_result res;
	struct skc_auth_verdict v;
	/* SK_ST_CHALLENGE: the State to send with the Access-Challenge, and the profile's
	 * login message ("" when none). */
	unsigned char state[SKC_RADIUS_STATE_LEN];
	char banner[SK_MESSAGE_MAX];
};

/* Round two: the State the RADIUS client returned, the same user, service, client address
 * and NAS as round one, and the one-time code. */
struct skc_radius_continue_in {
	unsigned char state[SKC_RADIUS_STATE_LEN];
	const char *user;
	const char *service;
	const char *rhost;
	const char *nas;
	char code[SK_TOTP_CODE_MAX + 1];     /* secret */
};

struct skc_radius_continue_out {
	struct skc_result res;
	struct skc_auth_verdict v;
};

int skc_radius_begin(struct sk_client *c, const struct skc_radius_begin_in *in,
                     struct skc_radius_begin_out *out);
int skc_radius_continue(struct sk_client *c, const struct skc_radius_continue_in *in,
                        struct skc_radius_continue_out *out);

#endif
