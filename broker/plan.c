#include "plan.h"

#include "sk_err.h"

int
plan_satisfied(const struct sk_profile *p, unsigned classes)
{
	return (classes & p->required_classes) == p->required_classes &&
	       sk_class_count(classes) >= p->min_classes && sk_class_count(classes) >= 2;
}

/* A FIDO2 key with user verification required proves possession plus one of knowledge (PIN)
 * or inherence (fingerprint); which one is known only after it answers. Planning counts that
 * second class only towards the number of classes, never towards a class the profile names. */
static int
satisfied_with_wildcard(const struct sk_profile *p, unsigned sure, unsigned wildcards)
{
	unsigned open = (SK_CLASS_KNOWLEDGE | SK_CLASS_INHERENCE) & ~sure;
	unsigned extra = wildcards < sk_class_count(open) ? wildcards : sk_class_count(open);
	unsigned count = sk_class_count(sure) + extra;

	return (sure & p->required_classes) == p->required_classes && count >= p->min_classes &&
	       count >= 2;
}

/* The classes a method is sure to prove for this user, and whether it adds a wildcard. */
static unsigned
sure_classes(const struct plan_input *in, unsigned method, unsigned *wildcard)
{
	*wildcard = 0;
	switch (method) {
	case SK_METHOD_PASSWORD:
		return in->has_password ? SK_CLASS_KNOWLEDGE : 0;
	case SK_METHOD_STACK:
		return SK_CLASS_KNOWLEDGE;
	case SK_METHOD_TOTP:
		return in->has_totp ? SK_CLASS_POSSESSION : 0;
	case SK_METHOD_FIDO2:
		if (!in->has_fido2 || in->remote)
			return 0;   /* nobody can touch a key at this machine from afar */
		*wildcard = in->profile->fido2_uv == 2;
		return SK_CLASS_POSSESSION;
	case SK_METHOD_CARD:
		return in->remote ? 0 : in->card_classes;
	default:
		return 0;
	}
}

int
plan_build(const struct plan_input *in, unsigned *steps, size_t cap, size_t *n,
           unsigned *classes)
{
	const struct sk_profile *p = in->profile;
	unsigned wildcards = 0;

	*n = 0;
	*classes = 0;
	for (size_t i = 0; i < p->n_methods && !satisfied_with_wildcard(p, *classes, wildcards); i++) {
		unsigned m = p->methods[i], wild, sure;

		if (m == SK_METHOD_PASSWORD && p->knowledge == SK_KNOWLEDGE_STACK)
			m = SK_METHOD_STACK;
		sure = sure_classes(in, m, &wild);
		if (sure == 0 || ((sure & ~*classes) == 0 && !wild) || *n >= cap)
			continue;
		steps[(*n)++] = m;
		*classes |= sure;
		wildcards += wild;
	}
	return satisfied_with_wildcard(p, *classes, wildcards) ? SK_OK : SK_ERR_NOTFOUND;
}
