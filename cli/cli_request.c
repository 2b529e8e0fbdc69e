/* sekimori request removal | list | confirm | refuse (issue 10, item 7; R-LIFE-2;
 * doc/hr-import.md "Removal requests"). A user asks, as themselves (the broker takes the
 * account from the login name of the uid running this command), for one of their factors or
 * a role to be removed; an administrator other than the requester confirms (the removal is
 * made at once) or refuses. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "skc_review.h"

static const struct cli_column request_cols[] = {
	{ N_("ID"), "id" },
	{ N_("STATE"), "state" },
	{ N_("USER"), "requester" },
	{ N_("KIND"), "kind" },
	{ N_("TARGET"), "target" },
	{ N_("REQUESTED"), "requested" },
	{ N_("REASON"), "reason" },
	{ N_("DECIDED BY"), "decided_by" },
	{ N_("COMMENT"), "comment" },
};

/* The words that are not options or option values. */
static size_t
words(const struct cli *c, const char **out, size_t cap)
{
	size_t n = 0;

	for (int i = 0; i < c->argc; i++) {
		if (c->argv[i][0] == '-') {
			if (cli_option_takes_value(c->argv[i]))
				i++;
			continue;
		}
		if (n < cap)
			out[n] = c->argv[i];
		n++;
	}
	return n;
}

int
cli_request_removal(struct cli *c)
{
	static const char *const kinds[] = { "totp", "fido2", "card", "role" };
	const char *w[2] = { NULL, NULL };
	size_t n = words(c, w, 2);
	struct skc_removal_request_in in = { .reason = cli_option(c, "--reason") };
	struct skc_removal_request_out out;
	unsigned k;
	int rc;

	for (k = 0; n > 0 && k < 4; k++)
		if (strcmp(w[0], kinds[k]) == 0)
			break;
	if (n == 0 || k == 4 || (k == 0) != (n == 1) || n > 2) {
		fprintf(stderr, "%s\n", _("sekimori: say what to remove: totp, fido2 ID, card ID or "
		                          "role ROLE"));
		return CLI_USAGE;
	}
	if (in.reason == NULL || in.reason[0] == '\0') {
		fprintf(stderr, "%s\n", _("sekimori: --reason is required"));
		return CLI_USAGE;
	}
	in.kind = k;
	in.target = n == 2 ? w[1] : "";
	rc = cli_verdict(c, skc_removal_request(cli_client(c), &in, &out), &out.res, NULL);
	if (rc != CLI_OK)
		return rc;
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64((int64_t)out.id));
		json_object_object_add(o, "state", json_object_new_string("open"));
		cli_print_json(c, o);
		json_object_put(o);
	} else {
		printf(_("Removal request %llu recorded; an administrator confirms or refuses it.\n"),
		       (unsigned long long)out.id);
	}
	return CLI_OK;
}

int
cli_request_list(struct cli *c)
{
	struct skc_access_review_in in = { cli_actor(), cli_flag(c, "--all") ?
	                                   SK_REVIEW_REMOVALS_ALL : SK_REVIEW_REMOVALS };
	struct skc_json_out out;
	json_object *rows = NULL;
	int rc = cli_verdict(c, skc_access_review(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (!json_object_object_get_ex(out.doc, "requests", &rows) ||
	    json_object_array_length(rows) == 0)
		printf("%s\n", _("No removal requests are open."));
	else
		cli_print_table(request_cols, sizeof(request_cols) / sizeof(request_cols[0]), rows);
	json_object_put(out.doc);
	return CLI_OK;
}

static int
decide(struct cli *c, unsigned step)
{
	struct skc_removal_decide_in in = { .actor = cli_actor(), .step = step,
	                                    .comment = cli_option(c, "--comment") };
	struct skc_reply_out out;
	int r, rc;

	if ((in.id = cli_id_arg(c)) == 0)
		return CLI_USAGE;
	r = skc_removal_decide(cli_client(c), &in, &out);
	if (r == SK_OK && out.res.status == SK_ST_NOT_FOUND) {
		fprintf(stderr, _("sekimori: no such removal request: %llu\n"),
		        (unsigned long long)in.id);
		return CLI_FAILED;
	}
	if ((rc = cli_verdict(c, r, &out.res, NULL)) != CLI_OK)
		return rc;
	if (step == 0)
		printf(_("Removal request %llu confirmed; the removal is made.\n"),
		       (unsigned long long)in.id);
	else
		printf(_("Removal request %llu refused.\n"), (unsigned long long)in.id);
	return CLI_OK;
}

int
cli_request_confirm(struct cli *c)
{
	return decide(c, 0);
}

int
cli_request_refuse(struct cli *c)
{
	return decide(c, 1);
}
