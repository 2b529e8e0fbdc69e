/* Typed calls of the user family (see skc.h): the administrator's STATUS and USER_*
 * requests. Every input names the administrator (actor, SUDO_USER) for the audit record. */
#ifndef SKC_USER_H
#define SKC_USER_H
#include "skc.h"

struct skc_status_in {
	const char *actor;
};
/* STATUS, USER_LIST: the broker's JSON document. */
int skc_status(struct sk_client *c, const struct skc_status_in *in, struct skc_json_out *out);
int skc_user_list(struct sk_client *c, const struct skc_status_in *in,
                  struct skc_json_out *out);
/* USER_SHOW: one user's JSON document. */
int skc_user_show(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out);

struct skc_user_add_in {
	const char *actor;
	const char *user;
	const char *profile;   /* NULL: the default profile */
	int contractor;        /* 1: marked a contractor (SK_K_CONTRACTOR, sent only when 1) */
	const char *staff_no;  /* NULL: not linked to HR; else 1-16 digits (SK_K_STAFF_NO) */
};
/* USER_ADD and USER_RESET_PASSWORD: the temporary password, shown once (R-CRED-1). It is a
 * secret: explicit_bzero the output when done. */
struct skc_temp_password_out {
	struct skc_result res;
	char temp_password[SK_PASSWORD_MAX + 1];   /* with status OK, never empty */
};
int skc_user_add(struct sk_client *c, const struct skc_user_add_in *in,
                 struct skc_temp_password_out *out);
int skc_user_reset_password(struct sk_client *c, const struct skc_user_in *in,
                            struct skc_temp_password_out *out);

/* USER_UNLOCK, USER_LOCK, USER_DISABLE, USER_ENABLE: the verdict only. */
int skc_user_unlock(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out);
int skc_user_lock(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out);
int skc_user_disable(struct sk_client *c, const struct skc_user_in *in,
                     struct skc_reply_out *out);
int skc_user_enable(struct sk_client *c, const struct skc_user_in *in, struct skc_reply_out *out);

/* USER_RECONFIRM: an HR return's factors re-confirmed; doc = the factors confirmed. Status
 * INVALID with SK_REASON_NOTHING_TO_RECONFIRM when the account is not marked. */
int skc_user_reconfirm(struct sk_client *c, const struct skc_user_in *in,
                       struct skc_json_out *out);

/* USER_SET_STAFF: links the user to an HR staff number; staff_no "" unlinks. Status EXISTS
 * with reason SK_REASON_STAFF_NO_TAKEN: another account has that number. */
struct skc_user_set_staff_in {
	const char *actor;
	const char *user;
	const char *staff_no;
};
int skc_user_set_staff(struct sk_client *c, const struct skc_user_set_staff_in *in,
                       struct skc_reply_out *out);

#endif
