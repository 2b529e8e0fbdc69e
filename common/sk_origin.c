/* Origin policy: front end names, the profile keys, CIDR ranges and the merge of two
 * profiles' policies (sk_origin.h). Pure functions, shared by the broker, the module's
 * configuration check and the CLI. */
#include "sk_origin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_list.h"
#include "sk_proto.h"

static const char *const kind_names[SK_FRONTEND_MAX + 1] = {
	[SK_FRONTEND_LOCAL] = "local",     [SK_FRONTEND_SSHD] = "sshd",
	[SK_FRONTEND_OPENVPN] = "openvpn", [SK_FRONTEND_RADIUS] = "radius",
	[SK_FRONTEND_OTHER] = "other",
};

#define REMOTE_KINDS ((1u << SK_FRONTEND_SSHD) | (1u << SK_FRONTEND_OPENVPN) | \
                      (1u << SK_FRONTEND_RADIUS) | (1u << SK_FRONTEND_OTHER))

const char *
sk_frontend_name(unsigned kind)
{
	return kind >= 1 && kind <= SK_FRONTEND_MAX ? kind_names[kind] : "unknown";
}

int
sk_frontend_parse(const char *name, unsigned *kind)
{
	for (unsigned k = 1; k <= SK_FRONTEND_MAX; k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*kind = k;
			return 0;
		}
	return -1;
}

int
sk_frontend_is_remote(unsigned kind)
{
	return kind != SK_FRONTEND_LOCAL;
}

/* "from.sshd" -> SK_FRONTEND_SSHD; 0 when k is not prefix followed by a kind. */
static unsigned
key_kind(const char *k, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned kind;

	if (strncmp(k, prefix, n) != 0 || sk_frontend_parse(k + n, &kind) != 0)
		return 0;
	return kind;
}

int
sk_origin_is_key(const char *k)
{
	return strcmp(k, "origins") == 0 || key_kind(k, "from.") != 0 ||
	       key_kind(k, "classes.") != 0;
}

static int
add_kind(void *arg, const char *name)
{
	unsigned kind;

	if (sk_frontend_parse(name, &kind) != 0)
		return -1;
	*(unsigned *)arg |= 1u << kind;
	return 0;
}

/* "192.0.2.0/24", "2001:db8::/32", or one address (a /32 or /128). Host bits must be zero,
 * so that a typo such as 192.0.2.1/16 is an error rather than a wider range than meant. */
static int
parse_net(const char *text, struct sk_net *net)
{
	char buf[64], *slash;
	unsigned max, prefix;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return -1;
	memset(net, 0, sizeof(*net));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, net->addr) == 1) {
		net->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
		net->family = 6;
		max = 128;
	} else {
		return -1;
	}
	prefix = max;
	if (slash != NULL) {
		char *end;
		unsigned long p = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || p > max || (slash[0] == '0' && slash[1]))
			return -1;
		prefix = (unsigned)p;
	}
	net->prefix = (unsigned char)prefix;
	for (unsigned bit = prefix; bit < max; bit++)
		if (net->addr[bit / 8] & (0x80u >> (bit % 8)))
			return -1;
	return 0;
}

struct net_list {
	struct sk_net *nets;
	size_t *n;
};

static int
add_net(void *arg, const char *text)
{
	struct net_list *l = arg;

	if (*l->n >= SK_ORIGIN_NETS_MAX || parse_net(text, &l->nets[*l->n]) != 0)
		return -1;
	(*l->n)++;
	return 0;
}

int
sk_origin_parse(struct sk_origin_policy *p, const char *k, const char *v)
{
	unsigned kind;

	/* An empty value would silently mean "nobody" or "any address": say it instead. */
	if (v[strspn(v, " \t,")] == '\0')
		return -1;
	if (strcmp(k, "origins") == 0) {
		p->set = 1;
		p->kinds = 0;
		return sk_list_each(v, add_kind, &p->kinds);
	}
	if ((kind = key_kind(k, "from.")) != 0) {
		struct net_list l = { p->from[kind], &p->n_from[kind] };
		p->n_from[kind] = 0;
		/* A console login has no address. from.radius is checked against the RADIUS
		 * client's Calling-Station-Id, which only challenge mode (sekimori-radius) passes;
		 * rlm_pam passes none, and an empty or non-IP address is in no range, so such a
		 * login is refused where from.radius is set (fail-closed, origin_refusal). */
		if (kind == SK_FRONTEND_LOCAL)
			return -1;
		return sk_list_each(v, add_net, &l);
	}
	if ((kind = key_kind(k, "classes.")) != 0) {
		p->classes[kind] = 0;
		return sk_list_each(v, sk_list_add_class, &p->classes[kind]);
	}
	return -1;
}

unsigned
sk_origin_kinds(const struct sk_origin_policy *p, int allow_remote)
{
	if (p->set)
		return p->kinds;
	return (1u << SK_FRONTEND_LOCAL) | (allow_remote ? REMOTE_KINDS : 0);
}

/* The bits of a within its prefix equal b's. */
static int
net_covers(const struct sk_net *outer, const unsigned char *addr)
{
	unsigned full = outer->prefix / 8, rest = outer->prefix % 8;

	if (memcmp(outer->addr, addr, full) != 0)
		return 0;
	return rest == 0 ||
	       ((outer->addr[full] ^ addr[full]) & (unsigned char)(0xff00u >> rest)) == 0;
}

int
sk_net_contains(const struct sk_net *nets, size_t n, const char *text)
{
	unsigned char addr[16] = { 0 };
	unsigned family;

	if (inet_pton(AF_INET, text, addr) == 1)
		family = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		family = 6;
	else
		return 0;   /* a host name (sshd's UseDNS) matches no range */
	for (size_t i = 0; i < n; i++)
		if (nets[i].family == family && net_covers(&nets[i], addr))
			return 1;
	return 0;
}

/* Ranges in both lists: two CIDR ranges either nest (the narrower is the intersection) or
 * are disjoint. More than SK_ORIGIN_NETS_MAX results are cut, which only narrows. */
static size_t
intersect(const struct sk_net *a, size_t na, const struct sk_net *b, size_t nb,
          struct sk_net *out)
{
	size_t n = 0;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb && n < SK_ORIGIN_NETS_MAX; j++) {
			if (a[i].family != b[j].family)
				continue;
			if (a[i].prefix <= b[j].prefix && net_covers(&a[i], b[j].addr))
				out[n++] = b[j];
			else if (b[j].prefix < a[i].prefix && net_covers(&b[j], a[i].addr))
				out[n++] = a[i];
		}
	return n;
}

void
sk_origin_merge(const struct sk_origin_policy *line, int line_remote,
                const struct sk_origin_policy *user, int user_remote,
                struct sk_origin_policy *out)
{
	struct sk_origin_policy m;

	memset(&m, 0, sizeof(m));
	m.set = 1;
	m.kinds = sk_origin_kinds(line, line_remote) & sk_origin_kinds(user, user_remote);
	for (unsigned k = 1; k <= SK_FRONTEND_MAX; k++) {
		m.classes[k] = line->classes[k] | user->classes[k];
		if (line->n_from[k] == 0 || user->n_from[k] == 0) {
			const struct sk_origin_policy *s = line->n_from[k] ? line : user;
			memcpy(m.from[k], s->from[k], sizeof(m.from[k]));
			m.n_from[k] = s->n_from[k];
			continue;
		}
		m.n_from[k] = intersect(line->from[k], line->n_from[k], user->from[k],
		                        user->n_from[k], m.from[k]);
		if (m.n_from[k] == 0)
			m.kinds &= ~(1u << k);   /* no address is in both: nobody from there */
	}
	*out = m;
}
