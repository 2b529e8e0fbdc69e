#include "plan.h"

#include "sk_err.h"

int
plan_satisfied(const struct sk_profile *p, unsigned classes)
{
	return (classes & p->required_classes) == p->required_classes &&
	       sk_class_count(classes) >= p->min_classes && sk_class_count(classes) >= 2;
}

static int
available(const struct plan_input *in, unsigned method)
{
	switch (method) {
	case SK_METHOD_PASSWORD:
		return in->has_password;
	case SK_METHOD_STACK:
		return 1;
	case SK_METHOD_TOTP:
		return in->has_totp;
	default:
		/* FIDO2 and cards are offered once the user has enrolled them; none yet. */
		return 0;
	}
}

int
plan_build(const struct plan_input *in, unsigned *steps, size_t cap, size_t *n,
           unsigned *classes)
{
	const struct sk_profile *p = in->profile;

	*n = 0;
	*classes = 0;
	for (size_t i = 0; i < p->n_methods && !plan_satisfied(p, *classes); i++) {
		unsigned m = p->methods[i];
		unsigned adds;

		if (m == SK_METHOD_PASSWORD && p->knowledge == SK_KNOWLEDGE_STACK)
			m = SK_METHOD_STACK;
		adds = sk_method_classes(m) & ~*classes;
		if (adds == 0 || !available(in, m) || *n >= cap)
			continue;
		steps[(*n)++] = m;
		*classes |= sk_method_classes(m);
	}
	return plan_satisfied(p, *classes) ? SK_OK : SK_ERR_NOTFOUND;
}
