#include "plan.h"

#include "sk_err.h"

int
plan_satisfied(const struct sk_profile *p, unsigned classes)
{
	return (classes & p->required_classes) == p->required_classes &&
	       sk_class_count(classes) >= p->min_classes && sk_class_count(classes) >= 2;
}

/* A step may prove, besides its sure classes, exactly one of a set known only after it
 * answers (a FIDO2 key with user verification required: knowledge by its PIN or inherence by
 * its sensor). Such a step is a "wildcard": a set of classes of which it will add one. The plan is
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

		/* knowledge = stack: the preceding PAM module checks the password. */
		if (m == SK_METHOD_PASSWORD && p->knowledge == SK_KNOWLEDGE_STACK)
			m = SK_METHOD_STACK;
		if (m >= SK_METHOD_SLOTS)
			continue;
		sure = in->offer[m].sure;
		wild = sure != 0 ? in->offer[m].wildcard : 0;
		if (sure == 0 || ((sure & ~*classes) == 0 && (wild & ~*classes) == 0) || *n >= cap)
			continue;
		steps[(*n)++] = m;
		*classes |= sure;
		if (wild != 0 && w.n < SK_METHODS_MAX)
			w.mask[w.n++] = wild;
	}
	return satisfiable(p, *classes, &w, 0) ? SK_OK : SK_ERR_NOTFOUND;
}
