#include "origin.h"

#include <stdint.h>

#include "sk_err.h"

int
origin_kind(uint64_t wire, const char *rhost, unsigned *kind)
{
	if (wire == 0) {
		/* A line written before frontend= existed: only the local/remote split is known. */
		*kind = rhost[0] == '\0' ? SK_FRONTEND_LOCAL : SK_FRONTEND_OTHER;
		return SK_OK;
	}
	if (wire > SK_FRONTEND_MAX)
		return SK_ERR_PROTO;
	*kind = (unsigned)wire;
	return SK_OK;
}

const char *
origin_refusal(const struct sk_profile *p, unsigned kind, const char *rhost)
{
	const struct sk_origin_policy *o = &p->origin;

	/* A line that says it is the console while the application names a remote host is
	 * misconfigured or lied to: neither reading can be trusted. */
	if (kind == SK_FRONTEND_LOCAL && rhost[0] != '\0')
		return "origin_mismatch";
	if ((sk_origin_kinds(o, p->allow_remote) & (1u << kind)) == 0)
		return kind == SK_FRONTEND_LOCAL ? "local_not_allowed" : "remote_not_allowed";
	if (o->n_from[kind] > 0 && !sk_net_contains(o->from[kind], o->n_from[kind], rhost))
		return "address_not_allowed";
	return NULL;
}

void
origin_require(struct sk_profile *p, unsigned kind)
{
	unsigned extra = kind <= SK_FRONTEND_MAX ? p->origin.classes[kind] : 0;
	unsigned n;

	p->required_classes |= extra;
	n = sk_class_count(p->required_classes);
	if (p->min_classes < n)
		p->min_classes = n;
}
