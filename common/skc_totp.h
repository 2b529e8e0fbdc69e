/* Typed calls of the TOTP family (see skc.h): enrolment in two steps (BEGIN gives the seed
 * as an otpauth URI, CONFIRM proves the token shows the codes, R-MFA-1, R-CRED-2) and
 * removal. */
#ifndef SKC_TOTP_H
#define SKC_TOTP_H
#include "sk_totp.h"
#include "skc.h"

#define SKC_TOTP_URI_MAX 1024

struct skc_totp_enroll_begin_in {
	const char *actor;
	const char *user;
	const char *algorithm;           /* NULL: the broker's default */
	uint64_t digits;                 /* 0: the broker's default */
	uint64_t period;                 /* 0: the broker's default */
	const unsigned char *secret;     /* an imported seed (the broker takes 16 to
	                                  * SK_TOTP_SEED_MAX bytes), or NULL: it makes one */
	size_t secret_len;
};
/* A secret (the URI carries the seed): explicit_bzero it when done. */
struct skc_totp_enroll_begin_out {
	struct skc_result res;
	uint64_t enroll_id;
	char uri[SKC_TOTP_URI_MAX];      /* with status OK: "otpauth://..." */
};
int skc_totp_enroll_begin(struct sk_client *c, const struct skc_totp_enroll_begin_in *in,
                          struct skc_totp_enroll_begin_out *out);

struct skc_totp_enroll_confirm_in {
	const char *actor;
	const char *user;
	uint64_t enroll_id;
	const char *code;                /* the code the token shows now */
};
int skc_totp_enroll_confirm(struct sk_client *c, const struct skc_totp_enroll_confirm_in *in,
                            struct skc_reply_out *out);

int skc_totp_remove(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out);

#endif
