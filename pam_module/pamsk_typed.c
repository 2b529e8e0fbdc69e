/* Evidence the user types or a preceding module vouches for: the broker's password, the
 * one-time code, and knowledge = stack. Over-long answers are refused, never cut into
 * something else, and the conversation's copy is wiped at once. */
#include <string.h>

#include "pamsk_factor.h"
#include "sk_err.h"
#include "sk_i18n.h"

/* Asks (echo off) and copies the answer into buf (cap bytes with its NUL). */
static int
ask_secret(struct pamsk *m, const char *prompt, char *buf, size_t cap, int *has)
{
	char *answer = pamsk_prompt(m, 0, prompt);
	size_t n;

	if (answer == NULL)
		return PAM_CONV_ERR;
	n = strlen(answer);
	if (n >= cap) {
		pamsk_free_secret(answer);
		pamsk_error(m, "%s", _("Authentication failed."));
		return PAM_AUTH_ERR;
	}
	memcpy(buf, answer, n + 1);
	pamsk_free_secret(answer);
	*has = 1;
	return PAM_SUCCESS;
}

static int
collect_password(struct pamsk *m, const struct skc_auth_begin_out *begin,
                 struct skc_auth_finish_in *finish)
{
	if (pamsk_single_field_wanted(&m->single, begin))   /* single_field=: one answer */
		return pamsk_single_field_step(m, SK_METHOD_PASSWORD, finish);
	return ask_secret(m, _("Password: "), finish->password, sizeof(finish->password),
	                  &finish->has_password);
}

static int
collect_totp(struct pamsk *m, const struct skc_auth_begin_out *begin,
             struct skc_auth_finish_in *finish)
{
	if (pamsk_single_field_wanted(&m->single, begin))
		return pamsk_single_field_step(m, SK_METHOD_TOTP, finish);
	return ask_secret(m, _("One-time code: "), finish->otp, sizeof(finish->otp),
	                  &finish->has_otp);
}

/* The preceding PAM module checked the password; the broker credits it only under a
 * profile with knowledge = stack. */
static int
collect_stack(struct pamsk *m, const struct skc_auth_begin_out *begin,
              struct skc_auth_finish_in *finish)
{
	(void)m;
	(void)begin;
	finish->stack_knowledge = 1;
	return PAM_SUCCESS;
}

const struct pamsk_factor pamsk_factor_password = { SK_METHOD_PASSWORD, collect_password };
const struct pamsk_factor pamsk_factor_totp = { SK_METHOD_TOTP, collect_totp };
const struct pamsk_factor pamsk_factor_stack = { SK_METHOD_STACK, collect_stack };
