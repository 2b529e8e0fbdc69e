/* Single-field mode: one answer carries the password and the one-time code
 * (pamsk_single_field.h). */
#include "pamsk_single_field.h"

#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "skc_auth.h"

int
pamsk_single_field_arg(struct pamsk_single_field *s, const char *value)
{
	memset(s, 0, sizeof(*s));
	if (strncmp(value, "separator:", 10) == 0) {
		const char *sep = value + 10;
		size_t n = strlen(sep);
		/* A digit in the separator could be part of the code; PAM arguments end at blanks. */
		if (n == 0 || n >= sizeof(s->sep) || strpbrk(sep, "0123456789") != NULL)
			return -1;
		memcpy(s->sep, sep, n + 1);
		s->mode = PAMSK_SINGLE_SEPARATOR;
		return 0;
	}
	if (strncmp(value, "suffix:", 7) == 0 && value[7] >= '6' && value[7] <= '8' &&
	    value[8] == '\0') {
		s->suffix = (unsigned)(value[7] - '0');
		s->mode = PAMSK_SINGLE_SUFFIX;
		return 0;
	}
	return -1;
}

int
pamsk_single_field_wanted(const struct pamsk_single_field *s,
                          const struct skc_auth_begin_out *begin)
{
	int password = 0, totp = 0;

	if (s->mode == PAMSK_SINGLE_OFF)
		return 0;
	for (size_t i = 0; i < begin->n_steps; i++) {
		password |= begin->steps[i] == SK_METHOD_PASSWORD;
		totp |= begin->steps[i] == SK_METHOD_TOTP;
	}
	return password && totp;
}

static int
all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

/* Splits field into s->password and s->code. A field that does not have the configured form
 * leaves both empty: the login fails and counts as a failure, and no part of the field is
 * sent anywhere (it may be a password alone, or hold the code somewhere unexpected). */
static void
split(struct pamsk_single_field *s, const char *field)
{
	size_t len = strlen(field), pw_len = 0, code_len = 0;
	const char *code = NULL;

	if (s->mode == PAMSK_SINGLE_SEPARATOR) {
		const char *at = NULL;
		size_t sl = strlen(s->sep);
		/* The last separator: the password may contain it, the code cannot. */
		for (const char *p = strstr(field, s->sep); p != NULL; p = strstr(p + 1, s->sep))
			at = p;
		if (at != NULL) {
			pw_len = (size_t)(at - field);
			code = at + sl;
			code_len = len - pw_len - sl;
		}
	} else if (len > s->suffix) {
		pw_len = len - s->suffix;
		code = field + pw_len;
		code_len = s->suffix;
	}
	if (code == NULL || pw_len == 0 || pw_len > SK_PASSWORD_MAX ||
	    code_len >= sizeof(s->code) || !all_digits(code, code_len))
		return;
	memcpy(s->password, field, pw_len);
	s->password[pw_len] = '\0';
	memcpy(s->code, code, code_len);
	s->code[code_len] = '\0';
}

_Static_assert(sizeof(((struct skc_auth_finish_in *)0)->password) >=
               sizeof(((struct pamsk_single_field *)0)->password), "password part fits");
_Static_assert(sizeof(((struct skc_auth_finish_in *)0)->otp) >=
               sizeof(((struct pamsk_single_field *)0)->code), "code part fits");

int
pamsk_single_field_step(struct pamsk *m, unsigned step, struct skc_auth_finish_in *finish)
{
	struct pamsk_single_field *s = &m->single;

	if (!s->collected) {
		/* The prompt begins with "Password" so that OpenVPN's prompt map and the like
		 * recognise it. */
		char *field = pamsk_prompt(m, 0, _("Password and one-time code: "));
		if (field == NULL)
			return PAM_CONV_ERR;
		s->collected = 1;
		split(s, field);
		pamsk_free_secret(field);
	}
	/* Both parts fit: split() bounds them by SK_PASSWORD_MAX and the code buffer. */
	if (step == SK_METHOD_PASSWORD) {
		memcpy(finish->password, s->password, sizeof(s->password));
		finish->has_password = 1;
		explicit_bzero(s->password, sizeof(s->password));
	} else {
		memcpy(finish->otp, s->code, sizeof(s->code));
		finish->has_otp = 1;
		explicit_bzero(s->code, sizeof(s->code));
	}
	return PAM_SUCCESS;
}
