#include "plan.h"

#include "sk_err.h"
#include "skf_common.h"

int
plan_satisfied(const struct sk_profile *p, unsigned classes)
{
	return (classes & p->required_classes) == p->required_classes &&
	       sk_class_count(classes) >= p->min_classes && sk_class_count(classes) >= 2;
}

/* A FIDO2 key with user verification required proves possession plus exactly one of
 * knowledge (its PIN) or inherence (its sensor); which one is known only after it answers.
 * Such a step is a "wildcard": a set of classes of which it will add one. The plan is
 * possible when some choice of one class per wildcard satisfies the profile. */
struct wildcards {
	unsigned mask[SK_METHODS_MAX];
	size_t n;
};

static int
satisfiable(const struct sk_profile *p, unsigned classes, const struct wildcards *w, size_t i)
{
	if (plan_satisfied(p, classes))
		return 1;
	if (i >= w->n)
		return 0;
	for (unsigned c = SK_CLASS_KNOWLEDGE; c <= SK_CLASS_INHERENCE; c <<= 1)
		if ((w->mask[i] & c) && satisfiable(p, classes | c, w, i + 1))
			return 1;
	return satisfiable(p, classes, w, i + 1);
}

/* The classes a method is sure to prove for this user, and the classes of which it may add
 * one more (0: none). */
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
		if (in->profile->fido2_uv == SKF_UV_REQUIRED)
			*wildcard = SK_CLASS_KNOWLEDGE | (in->fido2_inherence ? SK_CLASS_INHERENCE : 0);
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
	struct wildcards w = { .n = 0 };

	*n = 0;
	*classes = 0;
	for (size_t i = 0; i < p->n_methods && !satisfiable(p, *classes, &w, 0); i++) {
		unsigned m = p->methods[i], wild, sure;

		if (m == SK_METHOD_PASSWORD && p->knowledge == SK_KNOWLEDGE_STACK)
			m = SK_METHOD_STACK;
		sure = sure_classes(in, m, &wild);
		if (sure == 0 || ((sure & ~*classes) == 0 && (wild & ~*classes) == 0) || *n >= cap)
			continue;
		steps[(*n)++] = m;
		*classes |= sure;
		if (wild != 0 && w.n < SK_METHODS_MAX)
			w.mask[w.n++] = wild;
	}
	return satisfiable(p, *classes, &w, 0) ? SK_OK : SK_ERR_NOTFOUND;
}
