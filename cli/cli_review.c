/* sekimori role list, delegation nominate | approve | deny | revoke | list, review list |
 * close (issue 9, doc/privileged-access.md, sekimori(1)). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "skc_grant.h"

static void
print_holders(json_object *holders)
{
	size_t n = json_object_array_length(holders);
	json_object *u, *via, *last;

	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(holders, i);
		const char *when;

		if (!json_object_object_get_ex(h, "user", &u) ||
		    !json_object_object_get_ex(h, "via", &via) ||
		    !json_object_object_get_ex(h, "last_use", &last))
			continue;
		when = json_object_get_string(last);
		printf(_("  holder %s (%s), last use: %s\n"), json_object_get_string(u),
		       json_object_get_string(via), when[0] ? when : _("never"));
	}
}

/* R-PRIV-1: the roles and their few holders, with each one's last use. */
int
cli_role_list(struct cli *c)
{
	struct skc_priv_list_in in = { cli_actor(), SK_PRIV_LIST_ROLES };
	struct skc_json_out out;
	json_object *roles, *v;
	int rc = cli_verdict(c, skc_priv_list(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (json_object_object_get_ex(out.doc, "roles", &roles)) {
		size_t n = json_object_array_length(roles);

		if (n == 0)
			printf("%s\n", _("No roles are configured."));
		for (size_t i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(roles, i), *s;

			if (!json_object_object_get_ex(r, "role", &v))
				continue;
			printf("%s", json_object_get_string(v));
			if (json_object_object_get_ex(r, "services", &s))
				printf(_("  services: %s"), json_object_to_json_string(s));
			if (json_object_object_get_ex(r, "max_minutes", &s))
				printf(_("  max %s min"), json_object_get_string(s));
			printf("\n");
			if (json_object_object_get_ex(r, "holders", &s))
				print_holders(s);
		}
	}
	json_object_put(out.doc);
	return CLI_OK;
}

int
cli_delegation_nominate(struct cli *c)
{
	struct skc_delegation_nominate_in in = { .actor = cli_actor(),
	                                         .role = cli_option(c, "--role"),
	                                         .user = cli_option(c, "--user"),
	                                         .reason = cli_option(c, "--reason") };
	struct skc_grant_out out;
	int rc;

	if (in.role == NULL || in.user == NULL || in.reason == NULL || in.reason[0] == '\0') {
		fprintf(stderr, "%s\n", _("sekimori: --role, --user and --reason are required"));
		return CLI_USAGE;
	}
	rc = cli_verdict(c, skc_delegation_nominate(cli_client(c), &in, &out), &out.res, in.user);
	if (rc == CLI_OK)
		printf(_("Delegation %llu nominated; it takes effect when the CISO role approves "
		         "it.\n"), (unsigned long long)out.id);
	return rc;
}

static int
delegation_decide(struct cli *c, unsigned step)
{
	struct skc_grant_decide_in in = { .actor = cli_actor(), .step = step };
	struct skc_reply_out out;
	int r, rc;

	if ((in.id = cli_id_arg(c)) == 0)
		return CLI_USAGE;
	r = skc_delegation_decide(cli_client(c), &in, &out);
	if (r == SK_OK && out.res.status == SK_ST_NOT_FOUND) {
		fprintf(stderr, _("sekimori: no such delegation: %llu\n"), (unsigned long long)in.id);
		return CLI_FAILED;
	}
	if ((rc = cli_verdict(c, r, &out.res, NULL)) != CLI_OK)
		return rc;
	if (step == 0)
		printf(_("Delegation %llu approved.\n"), (unsigned long long)in.id);
	else if (step == 1)
		printf(_("Delegation %llu denied.\n"), (unsigned long long)in.id);
	else
		printf(_("Delegation %llu revoked.\n"), (unsigned long long)in.id);
	return rc;
}

int
cli_delegation_approve(struct cli *c)
{
	return delegation_decide(c, 0);
}

int
cli_delegation_deny(struct cli *c)
{
	return delegation_decide(c, 1);
}

int
cli_delegation_revoke(struct cli *c)
{
	return delegation_decide(c, 2);
}

int
cli_delegation_list(struct cli *c)
{
	static const char *const fields[] = { "id", "state", "role", "delegate", "nominator",
	                                      "decided_by", "reason", NULL };

	return cli_priv_list(c, SK_PRIV_LIST_DELEGATIONS, "delegations", fields,
	                     _("No delegations."));
}

/* R-EXC-1: the break-glass grants whose review is still open (--all: closed ones too). */
int
cli_review_list(struct cli *c)
{
	static const char *const fields[] = { "id", "grant", "role", "user", "activated", "closed",
	                                      "closed_by", "reason", "comment", NULL };

	return cli_priv_list(c, cli_flag(c, "--all") ? SK_PRIV_LIST_REVIEWS_ALL
	                                             : SK_PRIV_LIST_REVIEWS, "reviews", fields,
	                     _("No break-glass reviews are open."));
}

int
cli_review_close(struct cli *c)
{
	struct skc_review_close_in in = { .actor = cli_actor(),
	                                  .comment = cli_option(c, "--comment") };
	struct skc_reply_out out;
	int r, rc;

	if ((in.id = cli_id_arg(c)) == 0)
		return CLI_USAGE;
	if (in.comment == NULL || in.comment[0] == '\0') {
		fprintf(stderr, "%s\n", _("sekimori: --comment is required"));
		return CLI_USAGE;
	}
	r = skc_review_close(cli_client(c), &in, &out);
	if (r == SK_OK && out.res.status == SK_ST_NOT_FOUND) {
		fprintf(stderr, _("sekimori: no such review: %llu\n"), (unsigned long long)in.id);
		return CLI_FAILED;
	}
	if ((rc = cli_verdict(c, r, &out.res, NULL)) == CLI_OK)
		printf(_("Review %llu closed.\n"), (unsigned long long)in.id);
	return rc;
}
