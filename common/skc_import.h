/* Typed client calls for importing an existing TOTP token (sekimori migrate): the user's
 * TOTP state, then the broker's ordinary enrolment with the seed given (TOTP_ENROLL_BEGIN
 * with SK_K_SECRET) and its confirmation by a code. Each returns SK_OK once a reply was
 * decoded (its status and reason in out), SK_ERR_UNAVAILABLE when the broker could not be
 * reached or answered nothing usable, SK_ERR_ARG/SK_ERR_NOMEM before sending. */
#ifndef SKC_IMPORT_H
#define SKC_IMPORT_H
#include <stddef.h>
#include <stdint.h>

#include "sk_client.h"
#include "sk_totp.h"

struct skc_reply_status {
	unsigned status;     /* enum sk_status */
	uint64_t reason;     /* enum sk_reason, SK_REASON_NONE when none was given */
};

struct skc_user_totp_in {
	const char *user;
	const char *actor;   /* SUDO_USER for the audit record, or NULL */
};
struct skc_user_totp_out {
	struct skc_reply_status st;
	int has_confirmed;   /* SK_ST_OK: the user already has a confirmed TOTP token */
};
/* USER_SHOW, reduced to whether a confirmed TOTP token exists. */
int skc_user_totp(struct sk_client *c, const struct skc_user_totp_in *in,
                  struct skc_user_totp_out *out);

struct skc_totp_import_begin_in {
	const char *user;
	const char *actor;
	const unsigned char *seed;
	size_t seed_len;
	struct sk_totp_params params;
};
struct skc_totp_import_begin_out {
	struct skc_reply_status st;
	uint64_t enroll_id;  /* SK_ST_OK */
};
/* TOTP_ENROLL_BEGIN with the seed. The otpauth URI of the reply (it holds the seed) is
 * not passed on: the token is in the user's hands already. */
int skc_totp_import_begin(struct sk_client *c, const struct skc_totp_import_begin_in *in,
                          struct skc_totp_import_begin_out *out);

struct skc_totp_import_confirm_in {
	const char *user;
	const char *actor;
	uint64_t enroll_id;
	const char *code;
};
/* TOTP_ENROLL_CONFIRM. */
int skc_totp_import_confirm(struct sk_client *c, const struct skc_totp_import_confirm_in *in,
                            struct skc_reply_status *out);

#endif
