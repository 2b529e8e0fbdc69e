/* The account family's typed calls (skc_account.h). */
#include "skc_account.h"

#include <string.h>

#include "sk_err.h"
#include "sk_utf8.h"

#define SKC_PRIV_GROUPS_TEXT (SKC_PRIV_GROUPS_MAX * SK_NAME_MAX)

int
skc_acct_split_groups(const char *text, struct skc_acct_out *out)
{
	const char *p = text;

	out->n_priv_groups = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (len == 0 || len >= SK_NAME_MAX || out->n_priv_groups == SKC_PRIV_GROUPS_MAX)
			goto bad;
		memcpy(out->priv_groups[out->n_priv_groups], p, len);
		out->priv_groups[out->n_priv_groups][len] = '\0';
		if (!sk_valid_name(out->priv_groups[out->n_priv_groups]))
			goto bad;
		out->n_priv_groups++;
		p += len;
		if (*p == ' ' && *++p == '\0')
			goto bad;   /* a trailing space: an empty item */
	}
	return SK_OK;
bad:
	/* Nothing half-read: a malformed list names no group at all. */
	memset(out->priv_groups, 0, sizeof(out->priv_groups));
	out->n_priv_groups = 0;
	return SK_ERR_PROTO;
}

static int
decode_acct(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_acct_out *o = out;
	char groups[SKC_PRIV_GROUPS_TEXT] = "";

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_uint_opt(reply, SK_K_PW_EXPIRES, 0, &o->pw_expires) != SK_OK ||
	    sk_msg_get_uint_opt(reply, SK_K_PRIV_ENDS, 0, &o->priv_ends) != SK_OK ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_PRIV_ROLE, o->priv_role,
	                                  sizeof(o->priv_role))) ||
	    !skc_optional(sk_msg_get_text(reply, SK_K_PRIV_GROUPS, groups, sizeof(groups))))
		return SK_ERR_PROTO;
	return skc_acct_split_groups(groups, o);
}

int
skc_acct(struct sk_client *c, const struct skc_acct_in *in, struct skc_acct_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ACCT, NULL);
	skc_req_login(&q, &in->login);
	if (in->ticket != NULL)
		skc_put_bytes(&q, SK_K_AUTH_TICKET, in->ticket, SK_AUTH_TICKET_LEN);
	return skc_exchange(c, &q, &out->res, decode_acct, out);
}

static int
decode_chauthtok(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_chauthtok_out *o = out;

	if (res->status != SK_ST_LOCKED)
		return SK_OK;
	return sk_msg_get_uint_opt(reply, SK_K_LOCKED_UNTIL, 0, &o->locked_until);
}

int
skc_chauthtok(struct sk_client *c, const struct skc_chauthtok_in *in,
              struct skc_chauthtok_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->old_password == NULL || in->new_password == NULL ||
	    strnlen(in->old_password, SK_PASSWORD_MAX + 1) > SK_PASSWORD_MAX ||
	    strnlen(in->new_password, SK_PASSWORD_MAX + 1) > SK_PASSWORD_MAX)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_CHAUTHTOK, NULL);
	skc_req_login(&q, &in->login);
	skc_put_text(&q, SK_K_PASSWORD, in->old_password);
	skc_put_text(&q, SK_K_NEW_PASSWORD, in->new_password);
	return skc_exchange(c, &q, &out->res, decode_chauthtok, out);
}
