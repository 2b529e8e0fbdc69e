/* sekimori grant request | breakglass | approve | confirm | deny | revoke | list, and
 * sekimori user contractor (issue 9, doc/privileged-access.md, sekimori(1)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "skc_grant.h"

static const char *const state_names[] = { "pending", "approved", "active", "denied", "revoked",
                                           "expired" };

/* A positive decimal number no larger than max: 0 when s is not one. */
uint64_t
cli_number(const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max)
		return 0;
	return (uint64_t)v;
}

/* The id on the command line, or 0 after saying it is missing or invalid. */
uint64_t
cli_id_arg(const struct cli *c)
{
	const char *s = cli_positional(c);
	uint64_t id = cli_number(s, (uint64_t)INT64_MAX);

	if (id == 0)
		fprintf(stderr, _("sekimori: a number (the id) is required, not '%s'\n"),
		        s != NULL ? s : "");
	return id;
}

/* The exit code for a grant call; NOT_FOUND names the grant. */
static int
grant_verdict(const struct cli *c, int r, const struct skc_result *res, uint64_t id)
{
	if (r == SK_OK && res->status == SK_ST_NOT_FOUND) {
		fprintf(stderr, _("sekimori: no such grant: %llu\n"), (unsigned long long)id);
		return CLI_FAILED;
	}
	return cli_verdict(c, r, res, NULL);
}

static void
print_grant(const struct cli *c, const struct skc_grant_out *out)
{
	const char *state = out->state < 6 ? state_names[out->state] : "?";

	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64((int64_t)out->id));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "ends", json_object_new_int64((int64_t)out->ends));
		cli_print_json(c, o);
		json_object_put(o);
		return;
	}
	printf(_("Grant %llu: %s\n"), (unsigned long long)out->id, state);
	if (out->state == 2) {
		char when[64];
		time_t t = (time_t)out->ends;
		struct tm tm;

		if (localtime_r(&t, &tm) != NULL && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		                                             &tm) > 0)
			printf(_("Active until %s.\n"), when);
	}
}

static int
request(struct cli *c, int breakglass)
{
	struct skc_grant_request_in in = {
		.actor = cli_actor(), .role = cli_option(c, "--role"),
		.reason = cli_option(c, "--reason"), .ticket = cli_option(c, "--ticket"),
		.breakglass = breakglass,
	};
	struct skc_grant_out out;
	int rc;

	in.minutes = cli_number(cli_option(c, "--minutes"), 100000);
	if (in.role == NULL || in.minutes == 0 || in.reason == NULL || in.reason[0] == '\0') {
		fprintf(stderr, "%s\n", _("sekimori: --role, --minutes (a number) and --reason are "
		                          "required"));
		return CLI_USAGE;
	}
	rc = cli_verdict(c, skc_grant_request(cli_client(c), &in, &out), &out.res, NULL);
	if (rc == CLI_OK)
		print_grant(c, &out);
	return rc;
}

int
cli_grant_request(struct cli *c)
{
	return request(c, 0);
}

int
cli_grant_breakglass(struct cli *c)
{
	return request(c, 1);
}

static int
decide(struct cli *c, int (*call)(struct sk_client *, const struct skc_grant_decide_in *,
                                  struct skc_grant_out *), unsigned step, const char *reason)
{
	struct skc_grant_decide_in in = { .actor = cli_actor(), .step = step, .reason = reason };
	struct skc_grant_out out;
	int rc;

	if ((in.id = cli_id_arg(c)) == 0)
		return CLI_USAGE;
	rc = grant_verdict(c, call(cli_client(c), &in, &out), &out.res, in.id);
	if (rc == CLI_OK)
		print_grant(c, &out);
	return rc;
}

int
cli_grant_approve(struct cli *c)
{
	return decide(c, skc_grant_approve, 0, NULL);
}

int
cli_grant_confirm(struct cli *c)
{
	return decide(c, skc_grant_approve, 1, NULL);
}

int
cli_grant_deny(struct cli *c)
{
	const char *reason = cli_option(c, "--reason");

	if (reason == NULL || reason[0] == '\0') {
		fprintf(stderr, "%s\n", _("sekimori: --reason is required"));
		return CLI_USAGE;
	}
	return decide(c, skc_grant_deny, 0, reason);
}

int
cli_grant_revoke(struct cli *c)
{
	return decide(c, skc_grant_revoke, 0, NULL);
}

/* A PRIV_LIST reply: JSON with --json, else one line per entry from the named fields. */
int
cli_priv_list(struct cli *c, unsigned what, const char *list, const char *const *fields,
              const char *empty)
{
	struct skc_priv_list_in in = { cli_actor(), what };
	struct skc_json_out out;
	json_object *arr, *v;
	int rc = cli_verdict(c, skc_priv_list(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (json_object_object_get_ex(out.doc, list, &arr)) {
		size_t n = json_object_array_length(arr);

		if (n == 0)
			printf("%s\n", empty);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(arr, i);

			for (size_t k = 0; fields[k] != NULL; k++)
				printf("%s%s", k ? "  " : "", json_object_object_get_ex(e, fields[k], &v) ?
				       json_object_get_string(v) : "");
			printf("\n");
		}
	}
	if (json_object_object_get_ex(out.doc, "truncated", &v) && json_object_get_boolean(v))
		printf("%s\n", _("(the list stops here)"));
	json_object_put(out.doc);
	return CLI_OK;
}

int
cli_grant_list(struct cli *c)
{
	static const char *const fields[] = { "id", "state", "role", "requester", "minutes",
	                                      "ends", "reason", NULL };

	return cli_priv_list(c, SK_PRIV_LIST_GRANTS, "grants", fields, _("No grants."));
}

int
cli_user_contractor(struct cli *c)
{
	struct skc_user_contractor_in in = { .actor = cli_actor(), .user = cli_user_arg(c) };
	struct skc_reply_out out;
	const char *v = c->argc >= 2 ? c->argv[1] : NULL;
	int rc;

	if (in.user == NULL)
		return CLI_USAGE;
	if (v == NULL || (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)) {
		fprintf(stderr, "%s\n", _("sekimori: say yes or no after the user name"));
		return CLI_USAGE;
	}
	in.contractor = strcmp(v, "yes") == 0;
	rc = cli_verdict(c, skc_user_contractor(cli_client(c), &in, &out), &out.res, in.user);
	if (rc == CLI_OK)
		printf(in.contractor ? _("%s is marked a contractor.\n")
		                     : _("%s is no longer marked a contractor.\n"), in.user);
	return rc;
}
