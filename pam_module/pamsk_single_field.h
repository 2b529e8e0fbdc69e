/* Single-field mode (pam_sekimori(8) single_field=): front ends that relay one secret only
 * (FreeRADIUS rlm_pam, an OpenVPN client without static challenge) send the password and the
 * one-time code typed together in one field. The module splits the field; the password goes
 * to the password check and the code to the TOTP check, each as its own field of AUTH_FINISH,
 * so the code never reaches the password check, the logs or the audit record (R-MFA-3). */
#ifndef PAMSK_SINGLE_FIELD_H
#define PAMSK_SINGLE_FIELD_H
#include "sk_proto.h"
#include "sk_totp.h"

enum pamsk_single_mode {
	PAMSK_SINGLE_OFF = 0,
	PAMSK_SINGLE_SEPARATOR,   /* single_field=separator:S  password S code (last S) */
	PAMSK_SINGLE_SUFFIX,      /* single_field=suffix:N     the last N characters */
};

struct pamsk_single_field {
	enum pamsk_single_mode mode;
	char sep[8];
	unsigned suffix;
	int collected;                             /* the field was asked for */
	char password[SK_PASSWORD_MAX + 1];        /* wiped by pamsk_end */
	char code[SK_TOTP_CODE_MAX];               /* 8 digits and the NUL */
};

struct pamsk;
struct skc_auth_begin_out;
struct skc_auth_finish_in;
/* The value of single_field=: 0, or -1 when invalid. */
int pamsk_single_field_arg(struct pamsk_single_field *s, const char *value);
/* 1 when this line is in single-field mode and the broker asks for both a password and a
 * one-time code (otherwise each is asked as usual). */
int pamsk_single_field_wanted(const struct pamsk_single_field *s,
                              const struct skc_auth_begin_out *begin);
/* The password or TOTP step in single-field mode (pamsk_typed.c): asks for the field at the
 * first of the two, then fills its own part of finish. A PAM code. */
int pamsk_single_field_step(struct pamsk *m, unsigned step, struct skc_auth_finish_in *finish);

#endif
