/* What the broker, the module and the CLI all know of each factor: its method name and the
 * classes it can prove (sekimori.conf's `methods =`, the audit records), and its keys in
 * sekimori.conf — its own [section] and its keys in [profile NAME]. One row per factor in
 * sk_factor.c; the one parser (sk_conf.c) reads every factor's keys through this table, so
 * a factor's keys, limits, defaults and merge rules stand in its row, not in the parser.
 * The broker's factor table (broker/factors/) and the module's (pam_module/
 * pamsk_factor_table.c) have one row for each of these (tests/unit/test_factor_table.c). */
#ifndef SK_FACTOR_H
#define SK_FACTOR_H
#include <stddef.h>

enum sk_conf_kind {
	SK_CONF_TEXT,      /* char[size] */
	SK_CONF_PATH,      /* char[size]; relative to the configuration file's folder */
	SK_CONF_UINT,      /* unsigned, lo..hi */
	SK_CONF_BOOL,      /* int: yes/no, true/false, 1/0 */
	SK_CONF_CHOICE,    /* unsigned: the index of the value in choices */
};

/* How sk_profile_merge combines a profile key of the PAM line's profile and the user's:
 * the stricter of the two. */
enum sk_conf_merge {
	SK_MERGE_MAX,      /* the larger value (a stricter UV, a harder removal action) */
	SK_MERGE_MIN,      /* the smaller value (a narrower TOTP window) */
	SK_MERGE_OR,       /* either asks for it (user presence) */
};

struct sk_conf_key {
	const char *name;
	enum sk_conf_kind kind;
	size_t offset;                 /* in struct sk_conf (section keys) or struct sk_profile */
	size_t size;                   /* TEXT, PATH: the buffer's size */
	unsigned lo, hi;               /* UINT */
	const char *const *choices;    /* CHOICE: NULL-terminated */
	unsigned def;                  /* UINT, BOOL, CHOICE: the default */
	enum sk_conf_merge merge;      /* profile keys */
	size_t line_offset;            /* non-zero: an int in struct sk_conf gets the key's line */
};

struct sk_factor {
	unsigned method;               /* enum sk_method */
	const char *name;              /* as in `methods =` and the audit records */
	unsigned classes;              /* every class it can ever prove (doc/architecture.md) */
	int in_profiles;               /* may be named in `methods =` (stack: chosen by
	                                * `knowledge = stack` instead) */
	const char *section;           /* its own [section], or NULL */
	const struct sk_conf_key *section_keys;   /* terminated by a NULL name */
	const struct sk_conf_key *profile_keys;   /* terminated by a NULL name, or NULL */
};

extern const struct sk_factor sk_factors[];
extern const size_t sk_factor_count;

/* The row of method, or NULL. */
const struct sk_factor *sk_factor_find(unsigned method);

#endif
