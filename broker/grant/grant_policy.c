/* Who may request, approve and close (grant.h): roles from sekimori.conf, delegations from the
 * store. */
#include "grant.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"

int
grant_dept_allows(struct sk_store_txn *txn, const struct sk_priv_role *r, const char *user,
                  int *yes)
{
	struct user_rec u;
	struct user_hr h;
	int rc;

	*yes = 1;
	if (r->departments.n == 0)
		return SK_OK;
	if ((rc = store_user_get(txn, user, &u)) == SK_ERR_NOTFOUND)
		return SK_OK;
	if (rc != SK_OK)
		return rc;
	rc = store_user_hr_get(txn, u.id, &h);
	explicit_bzero(&u, sizeof(u));
	if (rc == SK_ERR_NOTFOUND)
		return SK_OK;
	if (rc != SK_OK)
		return rc;
	*yes = h.dept[0] == '\0' || sk_name_list_has(&r->departments, h.dept);
	return SK_OK;
}

int
grant_is_holder(struct sk_store_txn *txn, const struct sk_priv_role *r, const char *user, int *yes)
{
	int rc;

	*yes = sk_name_list_has(&r->holders, user);
	if (!*yes && (rc = store_delegation_holds(txn, r->name, user, yes)) != SK_OK)
		return rc;
	/* A role tied to departments is held only from one of them (issue 10, item 4). */
	if (*yes && (rc = grant_dept_allows(txn, r, user, yes)) != SK_OK) {
		*yes = 0;
		return rc;
	}
	return SK_OK;
}

int
grant_is_approver(struct sk_store_txn *txn, const struct sk_conf *conf,
                  const struct sk_priv_role *r, const char *user, int *yes)
{
	const struct sk_priv_role *a = r->approver_role[0] ? sk_conf_role(conf, r->approver_role) : r;

	*yes = 0;
	return a != NULL ? grant_is_holder(txn, a, user, yes) : SK_OK;
}

int
grant_is_ciso(struct sk_store_txn *txn, const struct sk_conf *conf, const char *user, int *yes)
{
	const struct sk_priv_role *c = sk_conf_role(conf, conf->grant.ciso_role);

	*yes = 0;
	return c != NULL ? grant_is_holder(txn, c, user, yes) : SK_OK;
}

int
grant_user_is_privileged(struct sk_store_txn *txn, const struct sk_conf *conf, const char *user,
                         int *yes)
{
	struct user_rec u;
	int r;

	*yes = 0;
	for (size_t i = 0; i < conf->n_roles; i++) {
		const struct sk_priv_role *role = &conf->roles[i];

		if (sk_name_list_has(&role->holders, user) || sk_name_list_has(&role->breakglass, user) ||
		    sk_name_list_has(&role->accounts, user)) {
			*yes = 1;
			return SK_OK;
		}
		if ((r = store_delegation_holds(txn, role->name, user, yes)) != SK_OK || *yes)
			return r;
	}
	r = store_user_get(txn, user, &u);
	if (r == SK_ERR_NOTFOUND)
		return SK_OK;
	if (r == SK_OK)
		*yes = strcmp(u.profile, conf->admin_profile) == 0;
	explicit_bzero(&u, sizeof(u));
	return r;
}

int
grant_join(const struct sk_name_list *l, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return SK_ERR_RANGE;
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		int n = snprintf(out + len, cap - len, "%s%s", i ? " " : "", l->v[i]);

		if (n < 0 || (size_t)n >= cap - len)
			return SK_ERR_RANGE;
		len += (size_t)n;
	}
	return SK_OK;
}
