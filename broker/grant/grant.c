/* grant.h: the privileged-access decisions the login side and the handlers share. */
#include "grant.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "priv_session.h"
#include "sk_err.h"
#include "sk_log.h"

int
grant_find_active(struct sk_store_txn *txn, const char *user, const char *service, int64_t now,
                  struct grant_active *out)
{
	struct grant_rec g;
	int r;

	memset(out, 0, sizeof(*out));
	if (user == NULL || service == NULL || *user == '\0' || *service == '\0')
		return SK_ERR_NOTFOUND;
	if ((r = store_grant_active_for(txn, user, service, now, &g)) != SK_OK)
		return r;
	out->id = (uint64_t)g.id;
	snprintf(out->role, sizeof(out->role), "%s", g.role);
	out->starts_at = g.starts;
	out->ends_at = g.ends;
	snprintf(out->groups, sizeof(out->groups), "%s", g.groups);
	snprintf(out->accounts, sizeof(out->accounts), "%s", g.accounts);
	out->breakglass = g.breakglass;
	return SK_OK;
}

int
grant_service_is_privileged(const struct sk_conf *conf, const char *service)
{
	if (service == NULL)
		return 0;
	for (size_t i = 0; i < conf->n_roles; i++)
		if (sk_name_list_has(&conf->roles[i].services, service))
			return 1;
	return 0;
}

void
grant_log_conf(const struct sk_conf *conf)
{
	for (size_t i = 0; i < conf->n_roles; i++) {
		const struct sk_priv_role *r = &conf->roles[i];

		for (size_t k = 0; k < r->accounts.n; k++)
			for (size_t d = 0; d < conf->grant.default_admin_names.n; d++)
				if (strcasecmp(r->accounts.v[k], conf->grant.default_admin_names.v[d]) == 0)
					sk_logwarn("role '%s' unlocks the account '%s', a default administrator"
					           " name (R-PRIV-6), for the site's reason: %s", r->name,
					           r->accounts.v[k], r->default_name_reason);
	}
}

const char *
grant_end_cause_name(enum grant_end_cause cause)
{
	switch (cause) {
	case GRANT_END_REVOKED:
		return "revoked";
	case GRANT_END_DENIED:
		return "denied";
	case GRANT_END_HR:
		return "hr";
	case GRANT_END_USER_LOCKED:
		return "user_locked";
	case GRANT_END_HR_TRANSFER:
		return "hr_transfer";
	case GRANT_END_REMOVAL:
		return "removal_request";
	}
	return "unknown";
}

int
grant_end(struct sk_store_txn *txn, int64_t id, enum grant_end_cause cause, const char *by,
          const char *note, int64_t now, enum grant_state *was)
{
	struct grant_rec g;
	enum grant_state from;
	int r;

	if ((r = store_grant_get(txn, id, &g)) != SK_OK)
		return r;
	from = g.state;
	if (was != NULL)
		*was = from;
	if (from != GRANT_PENDING && from != GRANT_APPROVED && from != GRANT_ACTIVE)
		return SK_ERR_NOTFOUND;
	g.state = cause == GRANT_END_DENIED ? GRANT_DENIED : GRANT_REVOKED;
	g.ended_at = now;
	snprintf(g.ended_by, sizeof(g.ended_by), "%s", by != NULL ? by : "");
	snprintf(g.end_cause, sizeof(g.end_cause), "%s",
	         note != NULL && *note != '\0' ? note : grant_end_cause_name(cause));
	/* An active grant's deadline becomes now: a login checked after this commit finds no
	 * grant (grant_find_active wants state active). */
	if (from == GRANT_ACTIVE && g.ends > now)
		g.ends = now;
	if ((r = store_grant_update(txn, &g, from)) != SK_OK)
		return r;
	/* Its live privileged sessions end at once, not at the old deadline (issue 9, item 4);
	 * before the commit, so that a failed commit errs on the side of the session ended. */
	if (from == GRANT_ACTIVE) {
		char why[SK_NAME_MAX];

		snprintf(why, sizeof(why), "grant_%s", grant_end_cause_name(cause));
		(void)priv_session_end_grant((uint64_t)id, why);
	}
	return SK_OK;
}

struct user_grants {
	const char *user;
	int64_t ids[64];
	size_t n;
};

static int
collect_user(void *arg, const struct grant_rec *g)
{
	struct user_grants *u = arg;

	if (strcmp(g->requester, u->user) == 0 && u->n < sizeof(u->ids) / sizeof(u->ids[0]))
		u->ids[u->n++] = g->id;
	return 0;
}

int
grant_end_user(struct sk_store_txn *txn, const char *user, enum grant_end_cause cause,
               const char *by, int64_t now, size_t *n)
{
	struct user_grants u = { .user = user };
	int r;

	*n = 0;
	if ((r = store_grant_list(txn, 1, collect_user, &u)) != SK_OK)
		return r;
	for (size_t i = 0; i < u.n; i++) {
		r = grant_end(txn, u.ids[i], cause, by, NULL, now, NULL);
		if (r == SK_ERR_NOTFOUND)
			continue;
		if (r != SK_OK)
			return r;
		(*n)++;
	}
	return SK_OK;
}
