/* The unix groups of a privileged grant (issue 9, item 1; R-PRIV-1, R-PRIV-2): the account
 * phase keeps the groups the broker's ACCT reply names (SK_K_PRIV_GROUPS, the role's `groups`
 * when the grant was requested); pam_sm_setcred adds them to the calling process's
 * supplementary groups the way pam_group does (getgrnam_r, getgroups/setgroups), so the
 * application's child that execs the user's shell inherits them. PAM_DELETE_CRED takes away
 * again the ones this module added (not those the process had already).
 *
 * Fail closed, never more: a group named by the grant that does not exist on this host makes
 * PAM_ESTABLISH_CRED / PAM_REINITIALIZE_CRED fail (PAM_CRED_ERR) with none of the groups added,
 * so a typo never silently gives a session less (or another group) than the role says; a list
 * that would pass the kernel's NGROUPS_MAX fails the same way. Without a privileged account
 * phase in this PAM handle (no kept list) setcred does nothing and succeeds. */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_log.h"
#include "skc_account.h"

#define PAMSK_GROUPS "pam_sekimori_groups"
#define PAMSK_GRBUF_MAX (1024 * 1024)   /* the most getgrnam_r gets for one group entry */

struct pamsk_groups {
	size_t n;
	char names[SKC_PRIV_GROUPS_MAX][SK_NAME_MAX];
	size_t n_added;                      /* gids this module added to the process */
	gid_t added[SKC_PRIV_GROUPS_MAX];
};

static void
free_groups(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

int
pamsk_groups_keep(struct pamsk *m, const struct skc_acct_out *out)
{
	struct pamsk_groups *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return PAM_BUF_ERR;
	g->n = out->n_priv_groups;
	memcpy(g->names, out->priv_groups, sizeof(g->names));
	/* Always kept, an empty list too: a later account phase in the same handle replaces what
	 * an earlier one named. */
	if (pam_set_data(m->pamh, PAMSK_GROUPS, g, free_groups) != PAM_SUCCESS) {
		free(g);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

/* The gid of name: SK_OK, SK_ERR_NOTFOUND when no such group exists, SK_ERR_IO otherwise. */
static int
group_gid(const char *name, gid_t *gid)
{
	long hint = sysconf(_SC_GETGR_R_SIZE_MAX);
	size_t cap = hint > 0 ? (size_t)hint : 4096;
	struct group gr, *res = NULL;
	char *buf;
	int e;

	for (;;) {
		if ((buf = malloc(cap)) == NULL)
			return SK_ERR_IO;
		e = getgrnam_r(name, &gr, buf, cap, &res);
		if (e == ERANGE && cap < PAMSK_GRBUF_MAX) {
			free(buf);
			cap *= 2;
			continue;
		}
		break;
	}
	if (e == 0 && res != NULL)
		*gid = gr.gr_gid;
	free(buf);
	if (e != 0) {
		sk_logerr("group %s: %s", name, strerror(e));
		return SK_ERR_IO;
	}
	return res != NULL ? SK_OK : SK_ERR_NOTFOUND;
}

static int
has_gid(const gid_t *list, size_t n, gid_t gid)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == gid)
			return 1;
	return 0;
}

/* The process's supplementary groups with room for extra more: a malloc'ed list, or NULL. */
static gid_t *
current_groups(size_t extra, size_t *n)
{
	int have = getgroups(0, NULL);
	long max = sysconf(_SC_NGROUPS_MAX);
	gid_t *list;

	if (have < 0 || (max > 0 && (size_t)have + extra > (size_t)max)) {
		sk_logerr("supplementary groups: %d now, %zu more passes the limit %ld", have, extra,
		          max);
		return NULL;
	}
	if ((list = calloc((size_t)have + extra + 1, sizeof(*list))) == NULL)
		return NULL;
	if ((have = getgroups(have, list)) < 0) {
		sk_logerr("getgroups: %s", strerror(errno));
		free(list);
		return NULL;
	}
	*n = (size_t)have;
	return list;
}

static int
add_groups(struct pamsk_groups *g)
{
	gid_t want[SKC_PRIV_GROUPS_MAX], *list;
	size_t n = 0, added = g->n_added;

	for (size_t i = 0; i < g->n; i++) {
		int r = group_gid(g->names[i], &want[i]);

		if (r == SK_ERR_NOTFOUND)
			sk_logerr("the grant names group %s, which does not exist here: no group added",
			          g->names[i]);
		if (r != SK_OK)
			return PAM_CRED_ERR;
	}
	if ((list = current_groups(g->n, &n)) == NULL)
		return PAM_CRED_ERR;
	for (size_t i = 0; i < g->n; i++) {
		if (has_gid(list, n, want[i]))
			continue;   /* the process has it already: not ours to take away later */
		list[n++] = want[i];
		if (!has_gid(g->added, added, want[i]))
			g->added[added++] = want[i];
	}
	if (setgroups(n, list) != 0) {
		sk_logerr("setgroups: %s", strerror(errno));
		free(list);
		return PAM_CRED_ERR;
	}
	free(list);
	g->n_added = added;
	return PAM_SUCCESS;
}

static int
drop_groups(struct pamsk_groups *g)
{
	gid_t *list;
	size_t n = 0, kept = 0;

	if (g->n_added == 0)
		return PAM_SUCCESS;
	if ((list = current_groups(0, &n)) == NULL)
		return PAM_CRED_ERR;
	for (size_t i = 0; i < n; i++)
		if (!has_gid(g->added, g->n_added, list[i]))
			list[kept++] = list[i];
	if (setgroups(kept, list) != 0) {
		sk_logerr("setgroups: %s", strerror(errno));
		free(list);
		return PAM_CRED_ERR;
	}
	free(list);
	g->n_added = 0;
	return PAM_SUCCESS;
}

int
pamsk_setcred(pam_handle_t *pamh, int flags)
{
	const void *data = NULL;
	struct pamsk_groups *g;

	if (pam_get_data(pamh, PAMSK_GROUPS, &data) != PAM_SUCCESS || data == NULL)
		return PAM_SUCCESS;
	g = (struct pamsk_groups *)data;
	if (flags & PAM_DELETE_CRED)
		return drop_groups(g);
	if (g->n == 0)
		return PAM_SUCCESS;
	if (flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED))
		return add_groups(g);
	return PAM_SUCCESS;   /* PAM_REFRESH_CRED: nothing of ours has a lifetime */
}
