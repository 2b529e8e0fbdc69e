/* [role NAME] and [grant] (sk_conf_role.h): privileged roles, what they unlock, who holds and
 * approves them; strict like the rest of the parser (an unknown key or a bad value stops the
 * broker with the file and line). */
#include "sk_conf_role.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sk_list.h"
#include "sk_utf8.h"

void
sk_role_defaults(struct sk_priv_role *r, const char *name, int line)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->line = line;
	r->max_minutes = 60;
	r->breakglass_minutes = 30;
	r->approvers = 1;
}

static int
list_add(struct sk_name_list *l, const char *name, int is_user)
{
	if (l->n >= SK_ROLE_ITEMS || (is_user ? !sk_valid_username(name) : !sk_valid_name(name)) ||
	    strlen(name) >= sizeof(l->v[0]))
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return -1;
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", name);
	return 0;
}

static int
add_name(void *arg, const char *name)
{
	return list_add(arg, name, 0);
}

static int
add_user(void *arg, const char *name)
{
	return list_add(arg, name, 1);
}

/* A list value replaces an earlier one of the same key; "" (or "none") leaves it empty. */
static int
set_list(struct sk_name_list *l, const char *v, int is_user)
{
	memset(l, 0, sizeof(*l));
	if (*v == '\0' || strcmp(v, "none") == 0)
		return 0;
	return sk_list_each(v, is_user ? add_user : add_name, l);
}

/* HR department codes as the HR file has them (doc/hr-import.md): 1-32 of A-Z a-z 0-9 -. */
static int
add_department(void *arg, const char *code)
{
	struct sk_name_list *l = arg;
	size_t n = strlen(code);

	if (n == 0 || n > 32 || n >= sizeof(l->v[0]) || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != n || l->n >= SK_ROLE_ITEMS)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], code) == 0)
			return -1;
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", code);
	return 0;
}

static int
set_departments(struct sk_name_list *l, const char *v)
{
	memset(l, 0, sizeof(*l));
	if (*v == '\0' || strcmp(v, "none") == 0)
		return 0;
	return sk_list_each(v, add_department, l);
}

static int
set_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
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
set_bool(const char *v, int *out)
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
set_text(char *dst, size_t cap, const char *v)
{
	int n = snprintf(dst, cap, "%s", v);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int
sk_role_key(struct sk_priv_role *r, const char *k, const char *v)
{
	if (strcmp(k, "services") == 0)
		return set_list(&r->services, v, 0);
	if (strcmp(k, "groups") == 0)
		return set_list(&r->groups, v, 0);
	if (strcmp(k, "accounts") == 0)
		return set_list(&r->accounts, v, 1);
	if (strcmp(k, "holders") == 0)
		return set_list(&r->holders, v, 1);
	if (strcmp(k, "breakglass") == 0)
		return set_list(&r->breakglass, v, 1);
	if (strcmp(k, "departments") == 0)
		return set_departments(&r->departments, v);
	if (strcmp(k, "max_minutes") == 0)
		return set_uint(v, 1, 1440, &r->max_minutes);
	if (strcmp(k, "breakglass_minutes") == 0)
		return set_uint(v, 1, 240, &r->breakglass_minutes);
	if (strcmp(k, "approvers") == 0)
		return set_uint(v, 1, 2, &r->approvers);
	if (strcmp(k, "approver_role") == 0)
		return sk_valid_name(v) ? set_text(r->approver_role, sizeof(r->approver_role), v) : -1;
	if (strcmp(k, "contractors") == 0)
		return set_bool(v, &r->contractors);
	if (strcmp(k, "two_person") == 0)
		return set_bool(v, &r->two_person);
	if (strcmp(k, "default_name_reason") == 0)
		return *v == '\0' || !sk_utf8_valid(v, strlen(v)) ? -1 :
		       set_text(r->default_name_reason, sizeof(r->default_name_reason), v);
	return -2;
}

void
sk_grant_defaults(struct sk_grant_conf *g)
{
	memset(g, 0, sizeof(*g));
	g->notify_timeout = 10;
	g->pending_minutes = 60;
	snprintf(g->ciso_role, sizeof(g->ciso_role), "ciso");
	(void)set_list(&g->default_admin_names, "root, admin, administrator", 1);
}

int
sk_grant_key(struct sk_grant_conf *g, const char *dir, const char *k, const char *v)
{
	if (strcmp(k, "notify_command") == 0) {
		int n;

		if (*v == '\0') {
			g->notify_command[0] = '\0';
			return 0;
		}
		n = v[0] == '/' ? snprintf(g->notify_command, sizeof(g->notify_command), "%s", v)
		                : snprintf(g->notify_command, sizeof(g->notify_command), "%s/%s", dir, v);
		return (n < 0 || (size_t)n >= sizeof(g->notify_command)) ? -1 : 0;
	}
	if (strcmp(k, "notify_timeout") == 0)
		return set_uint(v, 1, 300, &g->notify_timeout);
	if (strcmp(k, "delegation_notify") == 0)
		return set_list(&g->delegation_notify, v, 0);
	if (strcmp(k, "pending_minutes") == 0)
		return set_uint(v, 1, 10080, &g->pending_minutes);
	if (strcmp(k, "ciso_role") == 0)
		return sk_valid_name(v) ? set_text(g->ciso_role, sizeof(g->ciso_role), v) : -1;
	if (strcmp(k, "default_admin_names") == 0)
		return set_list(&g->default_admin_names, v, 1);
	return -2;
}

const struct sk_priv_role *
sk_conf_role(const struct sk_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_roles; i++)
		if (strcmp(c->roles[i].name, name) == 0)
			return &c->roles[i];
	return NULL;
}

int
sk_name_list_has(const struct sk_name_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return 1;
	return 0;
}

static int
is_default_name(const struct sk_grant_conf *g, const char *account)
{
	for (size_t i = 0; i < g->default_admin_names.n; i++)
		if (strcasecmp(g->default_admin_names.v[i], account) == 0)
			return 1;
	return 0;
}

int
sk_roles_check(const struct sk_conf *c, char *what, size_t cap, int *line)
{
	*line = 0;
	for (size_t i = 0; i < c->n_roles; i++) {
		const struct sk_priv_role *r = &c->roles[i];

		*line = r->line;
		if (r->approver_role[0] != '\0' && sk_conf_role(c, r->approver_role) == NULL) {
			snprintf(what, cap, "role '%s': approver_role '%s' is not defined", r->name,
			         r->approver_role);
			return -1;
		}
		for (size_t k = 0; k < r->accounts.n; k++) {
			if (is_default_name(&c->grant, r->accounts.v[k]) &&
			    r->default_name_reason[0] == '\0') {
				snprintf(what, cap, "role '%s' unlocks the account '%s', a default"
				         " administrator name (R-PRIV-6): rename the account, or give"
				         " the site's reason with default_name_reason", r->name,
				         r->accounts.v[k]);
				return -1;
			}
		}
	}
	if (c->n_roles > 0 && sk_conf_role(c, c->grant.ciso_role) == NULL) {
		*line = 0;
		snprintf(what, cap, "ciso_role '%s' is not defined: delegations and break-glass"
		         " reviews need it", c->grant.ciso_role);
		return -1;
	}
	return 0;
}
