/* Reading sekimori.conf with inih. The parser is strict: an unknown section or key, a value
 * out of range or a profile that cannot demand two factor classes stops the broker with the
 * file and line (R-MFA-1, R-MFA-2). It is the one parser; each factor's own section and
 * profile keys come from its row in sk_factor.c, which this file reads, defaults and merges
 * without naming any factor. */
#include "sk_conf.h"
#include "sk_conf_role.h"
#include "sk_list.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "sk_build.h"
#include "sk_err.h"
#include "sk_factor.h"
#include "sk_log.h"
#include "sk_utf8.h"

struct parse_state {
	struct sk_conf *conf;
	FILE *f;
	int line;
	int section_line;          /* where the current [section] header stands */
	int new_header;            /* a header was read since the last entry */
	int after_entry;           /* inih's prev_name is set: an indented line continues it */
	int default_profile_line;
	int in_client;                /* in [client] (sk_conf_tls.h) */
	char dir[PATH_MAX];        /* the config file's folder, for relative paths */
	char err[512];
	struct sk_profile *cur;    /* NULL inside [broker] */
	struct sk_priv_role *cur_role;  /* inside [role NAME] */
	int in_grant;              /* inside [grant] */
	char section[128];
};

unsigned
sk_method_classes(unsigned method)
{
	const struct sk_factor *f = sk_factor_find(method);

	return f != NULL ? f->classes : 0;
}

const char *
sk_method_name(unsigned method)
{
	const struct sk_factor *f = sk_factor_find(method);

	return f != NULL ? f->name : "unknown";
}

int
sk_method_parse(const char *name, unsigned *out)
{
	for (size_t i = 0; i < sk_factor_count; i++)
		if (sk_factors[i].in_profiles && strcmp(sk_factors[i].name, name) == 0) {
			*out = sk_factors[i].method;
			return SK_OK;
		}
	return SK_ERR_NOTFOUND;
}

/* Each factor's defaults for its keys (sk_factor.c); base is a struct sk_conf for section
 * keys, a struct sk_profile for profile keys. */
static void
key_defaults(void *base, const struct sk_conf_key *keys)
{
	for (const struct sk_conf_key *k = keys; k != NULL && k->name != NULL; k++) {
		char *field = (char *)base + k->offset;

		if (k->kind == SK_CONF_UINT || k->kind == SK_CONF_CHOICE)
			memcpy(field, &k->def, sizeof(unsigned));
		else if (k->kind == SK_CONF_BOOL)
			*(int *)(void *)field = (int)k->def;
	}
}

unsigned
sk_class_count(unsigned mask)
{
	return (unsigned)__builtin_popcount(mask & 7u);
}

void
sk_class_names(unsigned mask, char *out, size_t outsz)
{
	static const char *names[] = { "knowledge", "possession", "inherence" };
	size_t off = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
		int n;
		if (!(mask & (1u << i)))
			continue;
		n = snprintf(out + off, outsz - off, "%s%s", off ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= outsz - off)
			return;
		off += (size_t)n;
	}
}

void
sk_method_names(const unsigned *list, size_t count, char *out, size_t outsz)
{
	size_t off = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		int n = snprintf(out + off, outsz - off, "%s%s", i ? "," : "", sk_method_name(list[i]));
		if (n < 0 || (size_t)n >= outsz - off)
			return;
		off += (size_t)n;
	}
}

static void
profile_defaults(struct sk_profile *p, const char *name, int line)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->line = line;
	p->min_classes = 2;
	p->methods[0] = SK_METHOD_PASSWORD;
	p->methods[1] = SK_METHOD_TOTP;
	p->n_methods = 2;
	p->knowledge = SK_KNOWLEDGE_BROKER;
	p->deny = 5;
	p->fail_interval = 900;
	p->unlock_time = 600;
	p->idle_timeout = 900;
	p->pw_min_length = 12;
	p->pw_min_classes = 3;
	p->pw_history = 5;
	p->allow_remote = 0;   /* remote access is forbidden unless a profile allows it (R-MFA-3) */
	for (size_t i = 0; i < sk_factor_count; i++)
		key_defaults(p, sk_factors[i].profile_keys);
}

void
sk_conf_defaults(struct sk_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket_path, sizeof(c->socket_path), "/run/sekimori/sekimorid.sock");
	snprintf(c->admin_group, sizeof(c->admin_group), "sekimori-admin");
	snprintf(c->store_path, sizeof(c->store_path), "/var/lib/sekimori/sekimori.db");
	/* The host name, cut at the first dot or at a character broker_id does not allow. */
	if (gethostname(c->broker_id, sizeof(c->broker_id)) != 0)
		c->broker_id[0] = '\0';
	c->broker_id[sizeof(c->broker_id) - 1] = '\0';
	c->broker_id[strspn(c->broker_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789_-")] = '\0';
	if (c->broker_id[0] == '\0')
		snprintf(c->broker_id, sizeof(c->broker_id), "sekimorid");
	snprintf(c->audit_log, sizeof(c->audit_log), "/var/log/sekimori/audit.jsonl");
	snprintf(c->audit_anchor, sizeof(c->audit_anchor), "/var/lib/sekimori/audit.anchor");
	snprintf(c->key_dir, sizeof(c->key_dir), "/etc/sekimori/keys");
	snprintf(c->locale_dir, sizeof(c->locale_dir), "%s", SK_LOCALE_DIR);
	snprintf(c->language, sizeof(c->language), "ja");
	snprintf(c->totp_issuer, sizeof(c->totp_issuer), "Sekimori");
	snprintf(c->default_profile, sizeof(c->default_profile), "standard");
	c->max_clients = 1024;
	c->workers = 8;
	c->auth_timeout = 300;
	c->request_timeout_ms = 15000;
	c->root_reserved_clients = SK_CONF_AUTO;
	sk_tls_defaults(&c->tls);
	c->max_clients_per_uid = 8;
	c->connection_lifetime = 360;
	c->refusal_log_interval = 60;
	snprintf(c->admin_profile, sizeof(c->admin_profile), "privileged");
	c->admin_session_minutes = 15;
	c->fresh_mfa_minutes = 5;
	snprintf(c->hr_timezone, sizeof(c->hr_timezone), "Asia/Tokyo");
	c->hr_check_interval = 60;
	c->priv_warn_minutes = 5;
	for (size_t i = 0; i < sk_factor_count; i++)
		key_defaults(c, sk_factors[i].section_keys);
	sk_grant_defaults(&c->grant);
}

const struct sk_profile *
sk_conf_profile(const struct sk_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

static int fail(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records "FILE:LINE: what" and returns 0, which stops inih. */
static int
fail(struct parse_state *st, const char *fmt, ...)
{
	char what[384];
	va_list ap;
	int n;

	/* libinih goes on after an error; the first one is the one to report. */
	if (st->err[0] != '\0')
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	n = snprintf(st->err, sizeof(st->err), "%.200s:%d: %s", st->conf->path, st->line, what);
	if (n < 0)
		st->err[0] = '\0';
	return 0;
}

static int
parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
add_method(void *arg, const char *name)
{
	struct sk_profile *p = arg;
	unsigned m;

	if (p->n_methods >= SK_METHODS_MAX || sk_method_parse(name, &m) != SK_OK)
		return -1;
	for (size_t i = 0; i < p->n_methods; i++)
		if (p->methods[i] == m)
			return -1;
	p->methods[p->n_methods++] = m;
	return 0;
}

static int
set_path(struct parse_state *st, char *dst, size_t cap, const char *v)
{
	int n;

	if (*v == '\0')
		return -1;
	if (v[0] == '/')
		n = snprintf(dst, cap, "%s", v);
	else
		n = snprintf(dst, cap, "%s/%s", st->dir, v);
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int
sk_conf_valid_timezone(const char *name)
{
	char path[128];
	size_t n = strnlen(name, 64);
	int len;

	if (n == 0 || n >= 64 || name[0] == '/' || strstr(name, "..") != NULL ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") != n)
		return 0;
	len = snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	return len > 0 && (size_t)len < sizeof(path) && access(path, R_OK) == 0;
}

static int
set_text(char *dst, size_t cap, const char *v)
{
	int n = snprintf(dst, cap, "%s", v);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

static int
parse_choice(const char *v, const char *const *names, unsigned *out)
{
	for (unsigned i = 0; names[i] != NULL; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* One key of a factor's (sk_factor.c): base is the struct sk_conf or the struct sk_profile
 * the key's offset is in. 0 when the value is valid and stored. */
static int
set_key(struct parse_state *st, void *base, const struct sk_conf_key *key, const char *v)
{
	char *field = (char *)base + key->offset;

	if (key->line_offset != 0)
		memcpy((char *)st->conf + key->line_offset, &st->line, sizeof(int));
	switch (key->kind) {
	case SK_CONF_TEXT:
		return set_text(field, key->size, v);
	case SK_CONF_PATH:
		return set_path(st, field, key->size, v);
	case SK_CONF_UINT:
		return parse_uint(v, key->lo, key->hi, (unsigned *)(void *)field);
	case SK_CONF_BOOL:
		return parse_bool(v, (int *)(void *)field);
	case SK_CONF_CHOICE:
		return parse_choice(v, key->choices, (unsigned *)(void *)field);
	}
	return -1;
}

static const struct sk_conf_key *
find_key(const struct sk_conf_key *keys, const char *name)
{
	for (const struct sk_conf_key *k = keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* The factor whose own [section] this is, or NULL. */
static const struct sk_factor *
factor_section(const char *section)
{
	for (size_t i = 0; i < sk_factor_count; i++)
		if (sk_factors[i].section != NULL && strcmp(sk_factors[i].section, section) == 0)
			return &sk_factors[i];
	return NULL;
}

/* A key in a factor's own section ([fido2], [card]). */
static int
factor_key(struct parse_state *st, const struct sk_factor *f, const char *k, const char *v)
{
	const struct sk_conf_key *key = find_key(f->section_keys, k);

	if (key == NULL)
		return fail(st, "unknown key '%s' in [%s]", k, f->section);
	return set_key(st, st->conf, key, v) ? fail(st, "invalid value for '%s': '%s'", k, v) : 1;
}

/* A PostgreSQL store is a libpq URI, kept as written (not a path below the file's folder). */
static int
is_db_uri(const char *v)
{
	return strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0;
}

/* broker_id: 1 to 63 of [A-Za-z0-9._-]. */
static int
valid_broker_id(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= SK_BROKER_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '_' && v[i] != '-')
			return 0;
	return 1;
}

static int
broker_key(struct parse_state *st, const char *k, const char *v)
{
	struct sk_conf *c = st->conf;
	int bad = -1;

	if (strcmp(k, "socket") == 0)
		bad = set_path(st, c->socket_path, sizeof(c->socket_path), v);
	else if (strcmp(k, "socket_group") == 0)
		bad = set_text(c->socket_group, sizeof(c->socket_group), v);
	else if (strcmp(k, "admin_group") == 0)
		bad = set_text(c->admin_group, sizeof(c->admin_group), v);
	else if (strcmp(k, "store") == 0)
		bad = is_db_uri(v) ? set_text(c->store_path, sizeof(c->store_path), v) :
		      set_path(st, c->store_path, sizeof(c->store_path), v);
	else if (strcmp(k, "broker_id") == 0)
		bad = valid_broker_id(v) ? set_text(c->broker_id, sizeof(c->broker_id), v) : -1;
	else if (strcmp(k, "audit_log") == 0)
		bad = set_path(st, c->audit_log, sizeof(c->audit_log), v);
	else if (strcmp(k, "audit_anchor") == 0)
		bad = set_path(st, c->audit_anchor, sizeof(c->audit_anchor), v);
	else if (strcmp(k, "key_dir") == 0)
		bad = set_path(st, c->key_dir, sizeof(c->key_dir), v);
	else if (strcmp(k, "locale_dir") == 0)
		bad = set_path(st, c->locale_dir, sizeof(c->locale_dir), v);
	else if (strcmp(k, "language") == 0)
		bad = (strcmp(v, "ja") && strcmp(v, "C") && strcmp(v, "auto")) ? -1 :
		      set_text(c->language, sizeof(c->language), v);
	else if (strcmp(k, "totp_issuer") == 0)
		bad = set_text(c->totp_issuer, sizeof(c->totp_issuer), v);
	else if (strcmp(k, "default_profile") == 0 && (st->default_profile_line = st->line) > 0)
		bad = sk_valid_name(v) ? set_text(c->default_profile,
		                                          sizeof(c->default_profile), v) : -1;
	else if (strcmp(k, "max_clients") == 0)
		bad = parse_uint(v, 1, 16384, &c->max_clients);
	else if (strcmp(k, "workers") == 0)
		bad = parse_uint(v, 1, 256, &c->workers);
	else if (strcmp(k, "auth_timeout") == 0)
		bad = parse_uint(v, 5, 3600, &c->auth_timeout);
	else if (strcmp(k, "request_timeout_ms") == 0)
		bad = parse_uint(v, 100, 600000, &c->request_timeout_ms);
	else if (strcmp(k, "root_reserved_clients") == 0)
		bad = parse_uint(v, 0, 16383, &c->root_reserved_clients);
	else if (strcmp(k, "max_clients_per_uid") == 0)
		bad = parse_uint(v, 1, 16384, &c->max_clients_per_uid);
	else if (strcmp(k, "connection_lifetime") == 0)
		bad = parse_uint(v, 10, 86400, &c->connection_lifetime);
	else if (strcmp(k, "refusal_log_interval") == 0)
		bad = parse_uint(v, 1, 3600, &c->refusal_log_interval);
	else if (strcmp(k, "admin_profile") == 0)
		bad = sk_valid_name(v) ? set_text(c->admin_profile, sizeof(c->admin_profile), v) : -1;
	else if (strcmp(k, "admin_session_minutes") == 0)
		bad = parse_uint(v, 1, 720, &c->admin_session_minutes);
	else if (strcmp(k, "fresh_mfa_minutes") == 0)
		bad = parse_uint(v, 1, 720, &c->fresh_mfa_minutes);
	else if (strcmp(k, "auditor_group") == 0)
		bad = set_text(c->auditor_group, sizeof(c->auditor_group), v);
	else if (strcmp(k, "hr_timezone") == 0)
		bad = sk_conf_valid_timezone(v) ? set_text(c->hr_timezone, sizeof(c->hr_timezone), v)
		                                : -1;
	else if (strcmp(k, "hr_check_interval") == 0)
		bad = parse_uint(v, 1, 86400, &c->hr_check_interval);
	else if (strcmp(k, "privileged_warn_minutes") == 0)
		bad = parse_uint(v, 0, 120, &c->priv_warn_minutes);
	else if ((bad = sk_tls_broker_key(&c->tls, st->dir, k, v)) != 0)
		bad = bad < 0 ? -1 : 0;
	else
		return fail(st, "unknown key '%s' in [broker]", k);
	return bad ? fail(st, "invalid value for '%s': '%s'", k, v) : 1;
}

static int
append_message(struct sk_profile *p, const char *v)
{
	size_t len = strlen(p->message);
	int n = snprintf(p->message + len, sizeof(p->message) - len, "%s%s", len ? "\n" : "", v);

	return (n < 0 || (size_t)n >= sizeof(p->message) - len) ? -1 : 0;
}

static int
profile_key(struct parse_state *st, const char *k, const char *v)
{
	struct sk_profile *p = st->cur;
	int bad = -1;

	if (strcmp(k, "classes") == 0) {
		p->required_classes = 0;
		bad = sk_list_each(v, sk_list_add_class, &p->required_classes);
	} else if (strcmp(k, "min_classes") == 0) {
		bad = parse_uint(v, 1, 3, &p->min_classes);
	} else if (strcmp(k, "methods") == 0) {
		p->n_methods = 0;
		bad = sk_list_each(v, add_method, p);
	} else if (strcmp(k, "knowledge") == 0) {
		bad = 0;
		if (strcmp(v, "broker") == 0)
			p->knowledge = SK_KNOWLEDGE_BROKER;
		else if (strcmp(v, "stack") == 0)
			p->knowledge = SK_KNOWLEDGE_STACK;
		else
			bad = -1;
	} else if (strcmp(k, "deny") == 0) {
		bad = parse_uint(v, 1, 100, &p->deny);
	} else if (strcmp(k, "fail_interval") == 0) {
		bad = parse_uint(v, 1, 86400 * 30, &p->fail_interval);
	} else if (strcmp(k, "unlock_time") == 0) {
		bad = parse_uint(v, 0, 86400 * 30, &p->unlock_time);
	} else if (strcmp(k, "idle_timeout") == 0) {
		bad = parse_uint(v, 0, 86400, &p->idle_timeout);
	} else if (strcmp(k, "password_min_length") == 0) {
		bad = parse_uint(v, 8, 128, &p->pw_min_length);
	} else if (strcmp(k, "password_min_classes") == 0) {
		bad = parse_uint(v, 1, 4, &p->pw_min_classes);
	} else if (strcmp(k, "password_history") == 0) {
		bad = parse_uint(v, 0, 24, &p->pw_history);
	} else if (strcmp(k, "password_max_age") == 0) {
		bad = parse_uint(v, 0, 3650, &p->pw_max_age_days);
	} else if (strcmp(k, "dormant_suspend_days") == 0) {
		bad = parse_uint(v, 0, 36500, &p->dormant_suspend_days);
	} else if (strcmp(k, "remote") == 0) {
		bad = parse_bool(v, &p->allow_remote);
	} else if (sk_origin_is_key(k)) {
		bad = sk_origin_parse(&p->origin, k, v);
	} else if (strcmp(k, "message") == 0) {
		bad = append_message(p, v);
	} else {
		/* A factor's own profile keys (fido2_uv, card_removal, ...): sk_factor.c. */
		const struct sk_conf_key *key = NULL;

		for (size_t i = 0; i < sk_factor_count && key == NULL; i++)
			key = find_key(sk_factors[i].profile_keys, k);
		if (key == NULL)
			return fail(st, "unknown key '%s' in [profile %s]", k, p->name);
		bad = set_key(st, p, key, v);
	}
	return bad ? fail(st, "invalid value for '%s': '%s'", k, v) : 1;
}

static int
start_section(struct parse_state *st, const char *section)
{
	/* Errors about a section name the header's line, not its first key's. */
	st->line = st->section_line;
	snprintf(st->section, sizeof(st->section), "%s", section);
	st->cur = NULL;
	st->cur_role = NULL;
	st->in_grant = strcmp(section, "grant") == 0;
	st->in_client = strcmp(section, "client") == 0;
	if (st->in_grant || st->in_client || strcmp(section, "broker") == 0 || factor_section(section) != NULL)
		return 1;
	if (strncmp(section, "role ", 5) == 0) {
		const char *name = section + 5;
		if (!sk_valid_name(name))
			return fail(st, "invalid role name '%s'", name);
		if (sk_conf_role(st->conf, name) != NULL)
			return fail(st, "role '%s' defined twice", name);
		if (st->conf->n_roles >= SK_ROLES_MAX)
			return fail(st, "too many roles (at most %d)", SK_ROLES_MAX);
		st->cur_role = &st->conf->roles[st->conf->n_roles++];
		sk_role_defaults(st->cur_role, name, st->section_line);
		return 1;
	}
	if (strncmp(section, "profile ", 8) == 0) {
		const char *name = section + 8;
		if (!sk_valid_name(name))
			return fail(st, "invalid profile name '%s'", name);
		if (sk_conf_profile(st->conf, name) != NULL)
			return fail(st, "profile '%s' defined twice", name);
		if (st->conf->n_profiles >= SK_PROFILES_MAX)
			return fail(st, "too many profiles (at most %d)", SK_PROFILES_MAX);
		st->cur = &st->conf->profiles[st->conf->n_profiles++];
		profile_defaults(st->cur, name, st->section_line);
		return 1;
	}
	return fail(st, "unknown section [%s]", section);
}

static int
on_entry(void *arg, const char *section, const char *name, const char *value)
{
	struct parse_state *st = arg;
	int line = st->line;

	if (st->err[0] != '\0')
		return 0;
	if (st->new_header || strcmp(section, st->section) != 0 ||
	    (name == NULL && value == NULL)) {
		st->new_header = 0;
		if (start_section(st, section) == 0)
			return 0;
		st->line = line;
		if (name == NULL)
			return 1;
	}
	if (section[0] == '\0')
		return fail(st, "'%s' outside any section", name);
	if (st->in_client) {
		int bad = sk_tls_client_key(&st->conf->tls, st->dir, name, value);

		if (bad == -2)
			return fail(st, "unknown key '%s' in [client]", name);
		return bad < 0 ? fail(st, "invalid value for '%s': '%s'", name, value) : 1;
	}
	if (st->cur_role != NULL || st->in_grant) {
		int bad = st->in_grant ? sk_grant_key(&st->conf->grant, st->dir, name, value)
		                       : sk_role_key(st->cur_role, name, value);

		if (bad == -2)
			return fail(st, "unknown key '%s' in [%s]", name, section);
		return bad ? fail(st, "invalid value for '%s': '%s'", name, value) : 1;
	}
	if (st->cur == NULL && factor_section(section) != NULL)
		return factor_key(st, factor_section(section), name, value);
	if (st->cur == NULL)
		return broker_key(st, name, value);
	/* Repeated message keys and continuation lines build a multi-line text. */
	return profile_key(st, name, value);
}

/* Follows each raw line the way inih (r55, ini.c) classifies it, so that a header's line
 * number is the one inih acts on: a BOM on line 1 and whatever isspace() skips (a form feed
 * too) come before it; blank lines and ';' '#' comments change nothing; an indented line
 * after an entry continues that entry, even when it starts with '['. */
static void
track_line(struct parse_state *st, const char *buf)
{
	const char *start = buf;
	const char *end;

	if (st->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	start += strspn(start, " \t\n\v\f\r");
	if (*start == '\0' || *start == ';' || *start == '#')
		return;
	if (st->after_entry && start > buf)
		return;
	if (*start == '[') {
		st->section_line = st->line;
		st->new_header = 1;
		st->after_entry = 0;
		return;
	}
	/* An entry with a name; a line without '=' or ':' is an error inih reports itself. */
	end = start + strcspn(start, "=:");
	if (*end != '\0')
		st->after_entry = end > start;
}

static char *
read_line(char *buf, int size, void *arg)
{
	struct parse_state *st = arg;
	char *r = fgets(buf, size, st->f);

	if (r != NULL) {
		st->line++;
		track_line(st, buf);
	}
	return r;
}

/* Every profile must be able to demand two different classes (R-MFA-2), and what it
 * requires must be reachable with the methods it allows. */
static int
check_profile(struct parse_state *st, const struct sk_profile *p)
{
	unsigned reach = 0;
	char have[64];

	for (size_t i = 0; i < p->n_methods; i++)
		reach |= sk_method_classes(p->methods[i]);
	sk_class_names(reach, have, sizeof(have));
	st->line = p->line;
	if (p->min_classes < 2)
		return fail(st, "profile '%s': min_classes must be at least 2 (R-MFA-2)", p->name);
	if (sk_class_count(reach) < p->min_classes || (reach & p->required_classes) !=
	    p->required_classes || sk_class_count(reach) < 2) {
		return fail(st, "profile '%s' cannot reach two different factor classes: its methods give"
		            " only %s (R-MFA-1)", p->name, have[0] ? have : "none");
	}
	if (p->n_methods == 0)
		return fail(st, "profile '%s' allows no methods", p->name);
	if (p->knowledge == SK_KNOWLEDGE_STACK) {
		int has_password = 0;
		for (size_t i = 0; i < p->n_methods; i++)
			has_password |= p->methods[i] == SK_METHOD_PASSWORD;
		if (!has_password)
			return fail(st, "profile '%s': knowledge = stack needs 'password' in methods "
			            "(the preceding module checks it)", p->name);
	}
	return 1;
}

static void
copy_err(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
sk_conf_load(const char *path, struct sk_conf *conf, char *err, size_t errsz)
{
	struct parse_state st = { .conf = conf };
	const char *slash;
	int r;

	sk_conf_defaults(conf);
	err[0] = '\0';
	if (set_text(conf->path, sizeof(conf->path), path) != 0) {
		copy_err(err, errsz, "configuration path too long");
		return SK_ERR_CONFIG;
	}
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(st.dir, sizeof(st.dir), ".");
	else
		snprintf(st.dir, sizeof(st.dir), "%.*s", (int)(slash - path), path);
	if ((st.f = fopen(path, "re")) == NULL) {
		st.line = 0;
		(void)fail(&st, "%s", strerror(errno));
		copy_err(err, errsz, st.err);
		return SK_ERR_CONFIG;
	}
	r = ini_parse_stream(read_line, &st, on_entry, &st);
	fclose(st.f);
	if (r != 0) {
		if (st.err[0] == '\0') {
			st.line = r > 0 ? r : st.line;
			(void)fail(&st, "syntax error");
		}
		copy_err(err, errsz, st.err);
		return SK_ERR_CONFIG;
	}
	for (size_t i = 0; i < conf->n_profiles; i++) {
		if (check_profile(&st, &conf->profiles[i]) == 0) {
			copy_err(err, errsz, st.err);
			return SK_ERR_CONFIG;
		}
	}
	{
		char what[384];
		int line;

		if (sk_roles_check(conf, what, sizeof(what), &line) != 0) {
			st.line = line;
			(void)fail(&st, "%s", what);
			copy_err(err, errsz, st.err);
			return SK_ERR_CONFIG;
		}
	}
	if (sk_tls_check(&conf->tls) != NULL) {
		st.line = 0;
		(void)fail(&st, "%s", sk_tls_check(&conf->tls));
		copy_err(err, errsz, st.err);
		return SK_ERR_CONFIG;
	}
	if (conf->n_profiles > 0 && sk_conf_profile(conf, conf->default_profile) == NULL) {
		st.line = st.default_profile_line;
		(void)fail(&st, "default_profile '%s' is not defined", conf->default_profile);
		copy_err(err, errsz, st.err);
		return SK_ERR_CONFIG;
	}
	return SK_OK;
}

static unsigned
min_nonzero(unsigned a, unsigned b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static unsigned
max_u(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* Each factor's profile keys, the stricter of the two by the key's rule (sk_factor.c). */
static void
merge_keys(const struct sk_conf_key *keys, const struct sk_profile *line,
           const struct sk_profile *user, struct sk_profile *out)
{
	for (const struct sk_conf_key *k = keys; k != NULL && k->name != NULL; k++) {
		unsigned a, b, m;

		if (k->kind != SK_CONF_UINT && k->kind != SK_CONF_CHOICE && k->kind != SK_CONF_BOOL)
			continue;   /* text keys are not per profile */
		if (k->kind == SK_CONF_BOOL) {
			a = *(const int *)(const void *)((const char *)line + k->offset) != 0;
			b = *(const int *)(const void *)((const char *)user + k->offset) != 0;
		} else {
			memcpy(&a, (const char *)line + k->offset, sizeof(a));
			memcpy(&b, (const char *)user + k->offset, sizeof(b));
		}
		if (k->merge == SK_MERGE_MIN)
			m = a < b ? a : b;
		else if (k->merge == SK_MERGE_OR)
			m = a || b;
		else
			m = max_u(a, b);
		if (k->kind == SK_CONF_BOOL)
			*(int *)(void *)((char *)out + k->offset) = (int)m;
		else
			memcpy((char *)out + k->offset, &m, sizeof(m));
	}
}

void
sk_profile_merge(const struct sk_profile *line, const struct sk_profile *user,
                 struct sk_profile *out)
{
	*out = *line;
	if (user == NULL || user == line)
		return;
	out->required_classes |= user->required_classes;
	out->min_classes = max_u(line->min_classes, user->min_classes);
	out->n_methods = 0;
	for (size_t i = 0; i < line->n_methods; i++)
		for (size_t j = 0; j < user->n_methods; j++)
			if (line->methods[i] == user->methods[j])
				out->methods[out->n_methods++] = line->methods[i];
	out->deny = line->deny < user->deny ? line->deny : user->deny;
	out->fail_interval = max_u(line->fail_interval, user->fail_interval);
	out->unlock_time = (line->unlock_time == 0 || user->unlock_time == 0) ? 0 :
	                   max_u(line->unlock_time, user->unlock_time);
	out->idle_timeout = min_nonzero(line->idle_timeout, user->idle_timeout);
	out->pw_min_length = max_u(line->pw_min_length, user->pw_min_length);
	out->pw_min_classes = max_u(line->pw_min_classes, user->pw_min_classes);
	out->pw_history = max_u(line->pw_history, user->pw_history);
	out->pw_max_age_days = min_nonzero(line->pw_max_age_days, user->pw_max_age_days);
	out->allow_remote = line->allow_remote && user->allow_remote;
	sk_origin_merge(&line->origin, line->allow_remote, &user->origin, user->allow_remote,
	                &out->origin);
	for (size_t i = 0; i < sk_factor_count; i++)
		merge_keys(sk_factors[i].profile_keys, line, user, out);
}
