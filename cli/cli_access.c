/* sekimori review access [certify [--comment TEXT] | certifications | revoke grant|delegation
 * ID] (issue 10, item 6; R-LIFE-4; doc/privileged-access.md "Access review"): the periodic
 * certification of who holds privileged access. With --json the broker's document, else
 * tables. A reviewer's revoke is grant revoke or delegation revoke, which end it at once. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sk_i18n.h"
#include "skc_review.h"

static const struct cli_column holder_cols[] = {
	{ N_("ROLE"), "role" },
	{ N_("USER"), "user" },
	{ N_("VIA"), "via" },
	{ N_("DELEGATION"), "delegation" },
	{ N_("HOLDS"), "holds" },
	{ N_("LAST USE"), "last_use" },
};

static const struct cli_column grant_cols[] = {
	{ N_("GRANT"), "id" },
	{ N_("ROLE"), "role" },
	{ N_("USER"), "user" },
	{ N_("BREAK-GLASS"), "breakglass" },
	{ N_("APPROVER"), "approver" },
	{ N_("STARTS"), "starts" },
	{ N_("ENDS"), "ends" },
	{ N_("LAST USE"), "last_use" },
};

static const struct cli_column cert_cols[] = {
	{ N_("ID"), "id" },
	{ N_("CERTIFIED BY"), "certified_by" },
	{ N_("AT"), "at" },
	{ N_("HOLDERS"), "holders" },
	{ N_("GRANTS"), "grants" },
	{ N_("COMMENT"), "comment" },
	{ N_("SHA-256"), "digest" },
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* The words after "review access" that are not options or option values. */
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

static void
print_rows(json_object *doc, const char *key, const char *heading, const char *empty,
           const struct cli_column *cols, size_t ncol)
{
	json_object *rows = NULL;

	if (!json_object_object_get_ex(doc, key, &rows) || json_object_array_length(rows) == 0) {
		printf("%s\n", _(empty));
		return;
	}
	printf("%s: %zu\n", _(heading), json_object_array_length(rows));
	cli_print_table(cols, ncol, rows);
}

static int
show(struct cli *c, unsigned what)
{
	struct skc_access_review_in in = { cli_actor(), what };
	struct skc_json_out out;
	json_object *t;
	int rc = cli_verdict(c, skc_access_review(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (what == SK_REVIEW_ACCESS) {
		print_rows(out.doc, "holders", N_("Privileged role holders"),
		           N_("No privileged role holders."), holder_cols, NCOLS(holder_cols));
		putchar('\n');
		print_rows(out.doc, "grants", N_("Active grants"), N_("No active grants."),
		           grant_cols, NCOLS(grant_cols));
	} else {
		print_rows(out.doc, "certifications", N_("Certifications"),
		           N_("No certifications recorded."), cert_cols, NCOLS(cert_cols));
	}
	if (json_object_object_get_ex(out.doc, "truncated", &t) && json_object_get_boolean(t))
		printf("%s\n", _("(the list was cut short; see --json)"));
	json_object_put(out.doc);
	return CLI_OK;
}

static int
certify(struct cli *c)
{
	struct skc_access_certify_in in = { cli_actor(), cli_option(c, "--comment") };
	struct skc_json_out out;
	json_object *v;
	int rc = cli_verdict(c, skc_access_certify(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (json_object_object_get_ex(out.doc, "id", &v))
		printf(_("Certification %s recorded.\n"), json_object_get_string(v));
	json_object_put(out.doc);
	return CLI_OK;
}

/* The same as grant revoke ID / delegation revoke ID, with the words after "revoke KIND". */
static int
revoke(struct cli *c, const char *kind)
{
	struct cli sub = *c;
	int at = 0, rc;

	/* From the word after KIND on: ID and any options. */
	while (at < c->argc && c->argv[at] != kind)
		at++;
	sub.argc = c->argc - at - 1;
	sub.argv = c->argv + at + 1;
	if (strcmp(kind, "grant") == 0 || strcmp(kind, "delegation") == 0) {
		rc = kind[0] == 'g' ? cli_grant_revoke(&sub) : cli_delegation_revoke(&sub);
		c->client = sub.client;   /* closed by main with the rest */
		return rc;
	}
	fprintf(stderr, "%s\n", _("sekimori: review access revoke needs 'grant ID' or "
	                          "'delegation ID'"));
	return CLI_USAGE;
}

int
cli_review_access(struct cli *c)
{
	const char *w[3] = { NULL, NULL, NULL };
	size_t n = words(c, w, 3);

	if (n == 0)
		return show(c, SK_REVIEW_ACCESS);
	if (n == 1 && strcmp(w[0], "certify") == 0)
		return certify(c);
	if (n == 1 && strcmp(w[0], "certifications") == 0)
		return show(c, SK_REVIEW_CERTIFICATIONS);
	if (n == 3 && strcmp(w[0], "revoke") == 0)
		return revoke(c, w[1]);
	fprintf(stderr, _("sekimori: unknown command 'review access %s'\n"), w[0]);
	return CLI_USAGE;
}
