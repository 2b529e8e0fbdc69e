/* The account family's typed calls (skc_account.h). */
#include "skc_account.h"

#include <string.h>

#include "sk_err.h"

int
skc_acct(struct sk_client *c, const struct skc_acct_in *in, struct skc_acct_out *out)
{
	struct skc_req q;
	struct sk_msg *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_ACCT, NULL);
	skc_req_login(&q, &in->login);
	r = skc_exchange(c, &q, &reply, &out->res);
	if (r == SK_OK && out->res.status == SK_ST_OK &&
	    sk_msg_get_uint_opt(reply, SK_K_PW_EXPIRES, 0, &out->pw_expires) != SK_OK)
		r = SK_ERR_PROTO;
	sk_msg_free(reply);
	return r;
}

int
skc_chauthtok(struct sk_client *c, const struct skc_chauthtok_in *in,
              struct skc_chauthtok_out *out)
{
	struct skc_req q;
	struct sk_msg *reply = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (in->old_password == NULL || in->new_password == NULL ||
	    strnlen(in->old_password, SK_PASSWORD_MAX + 1) > SK_PASSWORD_MAX ||
	    strnlen(in->new_password, SK_PASSWORD_MAX + 1) > SK_PASSWORD_MAX)
		return SK_ERR_RANGE;
	skc_req_begin(&q, SK_REQ_CHAUTHTOK, NULL);
	skc_req_login(&q, &in->login);
	skc_put_text(&q, SK_K_PASSWORD, in->old_password);
	skc_put_text(&q, SK_K_NEW_PASSWORD, in->new_password);
	r = skc_exchange(c, &q, &reply, &out->res);
	if (r == SK_OK && out->res.status == SK_ST_LOCKED &&
	    sk_msg_get_uint_opt(reply, SK_K_LOCKED_UNTIL, 0, &out->locked_until) != SK_OK)
		r = SK_ERR_PROTO;
	sk_msg_free(reply);
	return r;
}
