/* Where a login comes from (R-MFA-3): the front end a PAM line names (`frontend=`, sent as
 * SK_K_FRONTEND) and the profile keys that say which origins may log in, from which
 * addresses, and which factor classes each needs (sekimori.conf(5), doc/remote-access.md).
 *
 *   origins = local, sshd, openvpn, radius, other
 *   from.sshd = 192.0.2.0/24, 2001:db8::/32
 *   classes.openvpn = knowledge, possession
 *
 * A profile without `origins` keeps the older rule: local logins, and remote ones (every
 * remote kind) only with `remote = yes`. */
#ifndef SK_ORIGIN_H
#define SK_ORIGIN_H
#include <stddef.h>

/* The front end kinds; the numbers are the wire values of SK_K_FRONTEND. */
enum sk_frontend {
	SK_FRONTEND_LOCAL = 1,    /* console, display manager, su/sudo on this machine */
	SK_FRONTEND_SSHD = 2,     /* OpenSSH */
	SK_FRONTEND_OPENVPN = 3,  /* OpenVPN's openvpn-plugin-auth-pam */
	SK_FRONTEND_RADIUS = 4,   /* FreeRADIUS: rlm_pam (no client address) or challenge mode
	                           * (the Calling-Station-Id as rhost) */
	SK_FRONTEND_OTHER = 5,    /* a remote login (PAM_RHOST set) on a line naming no front end */
};
#define SK_FRONTEND_MAX 5
#define SK_ORIGIN_NETS_MAX 8      /* address ranges per front end and profile */

struct sk_net {
	unsigned char family;     /* 4 or 6 */
	unsigned char prefix;     /* bits */
	unsigned char addr[16];   /* network byte order, host bits zero */
};

struct sk_origin_policy {
	int set;                                  /* `origins` given in this profile */
	unsigned kinds;                           /* bit 1 << kind: may log in */
	struct sk_net from[SK_FRONTEND_MAX + 1][SK_ORIGIN_NETS_MAX];
	size_t n_from[SK_FRONTEND_MAX + 1];       /* 0: any address */
	unsigned classes[SK_FRONTEND_MAX + 1];    /* enum sk_class bits this origin adds */
};

const char *sk_frontend_name(unsigned kind);          /* "sshd", or "unknown" */
int sk_frontend_parse(const char *name, unsigned *kind); /* 0, or -1 if not a kind */
int sk_frontend_is_remote(unsigned kind);

/* 1 when k is one of the origin keys (origins, from.KIND, classes.KIND). */
int sk_origin_is_key(const char *k);
/* Parses one origin key into p: 0, or -1 for an invalid value. */
int sk_origin_parse(struct sk_origin_policy *p, const char *k, const char *v);

/* The kinds a profile lets in (its `origins`, or local plus every remote kind when
 * allow_remote for a profile without `origins`). */
unsigned sk_origin_kinds(const struct sk_origin_policy *p, int allow_remote);
/* The stricter of the line's and the user's policies (sk_profile_merge): kinds both let in,
 * addresses in both ranges (a kind whose ranges do not meet is dropped), classes of both. */
void sk_origin_merge(const struct sk_origin_policy *line, int line_remote,
                     const struct sk_origin_policy *user, int user_remote,
                     struct sk_origin_policy *out);
/* 1 when text is an IPv4 or IPv6 address inside one of the n nets. */
int sk_net_contains(const struct sk_net *nets, size_t n, const char *text);

#endif
