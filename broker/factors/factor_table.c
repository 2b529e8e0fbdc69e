/* The one table of every factor the broker knows, and the walks over it that start-up,
 * AUTH_BEGIN and the plan use. A new factor is one file in this folder and one row here
 * (doc/hacking.md, "Adding a factor"). */
#include "factor.h"

#include <string.h>

#include "sk_err.h"

extern const struct factor_ops password_factor, stack_factor, totp_factor, fido2_factor,
	card_factor;

const struct factor_ops *const factor_table[] = {
	&password_factor,
	&totp_factor,
	&stack_factor,
	&fido2_factor,
	&card_factor,
};
const size_t factor_count = sizeof(factor_table) / sizeof(factor_table[0]);

const struct factor_ops *
factor_find(unsigned method)
{
	for (size_t i = 0; i < factor_count; i++)
		if (factor_table[i]->method == method)
			return factor_table[i];
	return NULL;
}

const char *
factor_name(const struct factor_ops *f)
{
	return sk_method_name(f->method);
}

int
factor_check_conf_all(const struct sk_conf *conf, char *err, size_t errsz)
{
	int r = SK_OK;

	for (size_t i = 0; i < factor_count && r == SK_OK; i++)
		if (factor_table[i]->check_conf != NULL)
			r = factor_table[i]->check_conf(conf, err, errsz);
	return r;
}

int
factor_init_all(const struct broker *b)
{
	int r = SK_OK;

	for (size_t i = 0; i < factor_count && r == SK_OK; i++)
		if (factor_table[i]->init != NULL)
			r = factor_table[i]->init(b);
	return r;
}

void
factor_release_all(void)
{
	for (size_t i = 0; i < factor_count; i++)
		if (factor_table[i]->release != NULL)
			factor_table[i]->release();
}

void
factor_plan_offers(const struct sk_profile *p, const unsigned can[SK_METHOD_SLOTS], int remote,
                   struct plan_input *in)
{
	memset(in, 0, sizeof(*in));
	in->profile = p;
	for (size_t i = 0; i < factor_count; i++) {
		const struct factor_ops *f = factor_table[i];
		struct plan_offer *o = &in->offer[f->method];

		/* Nobody can touch a device at this machine from afar. */
		if (can[f->method] == 0 || (remote && f->local_only))
			continue;
		if (f->offer != NULL)
			f->offer(p, can[f->method], o);
		else
			o->sure = can[f->method];
	}
}

int
factor_plan_input(struct broker_conn *c, int64_t user_id, const struct user_rec *u, int remote,
                  struct plan_input *in)
{
	unsigned can[SK_METHOD_SLOTS] = { 0 };
	const struct sk_profile *p = in->profile;
	int r;

	/* Every row runs, for an unknown name too: the time taken tells nothing. */
	for (size_t i = 0; i < factor_count; i++) {
		const struct factor_ops *f = factor_table[i];

		if ((r = f->can_prove(c, user_id, u, &can[f->method])) != SK_OK)
			return r;
	}
	factor_plan_offers(p, can, remote, in);
	return SK_OK;
}
