/* sekimori terminal revoke FINGERPRINT|SERIAL | terminal list (issue 12, item 4;
 * doc/deployment.md "Remote terminals"). */
#include <stdio.h>

#include "cli.h"
#include "sk_i18n.h"
#include "skc_terminal.h"

static const struct cli_column terminal_cols[] = {
	{ N_("NAME (CN)"), "cn" },
	{ N_("SERIAL"), "serial" },
	{ N_("LAST SEEN"), "last_seen" },
	{ N_("REVOKED"), "revoked_at" },
	{ N_("SHA-256"), "fingerprint" },
};

int
cli_terminal_revoke(struct cli *c)
{
	const char *arg = cli_positional(c);
	char fp[65], serial[65];
	struct skc_terminal_revoke_in in = { .actor = cli_actor() };
	struct skc_terminal_revoke_out out;
	int rc;

	if (arg == NULL || skc_terminal_key(arg, fp, serial) != 0) {
		fprintf(stderr, "%s\n", _("sekimori: give the terminal certificate's SHA-256 "
		                          "fingerprint (64 hex digits) or its serial number (hex)"));
		return CLI_USAGE;
	}
	in.fingerprint = fp[0] ? fp : NULL;
	in.serial = serial[0] ? serial : NULL;
	rc = cli_verdict(c, skc_terminal_revoke(cli_client(c), &in, &out), &out.res, NULL);
	if (rc == CLI_OK && c->json)
		printf("{\"revoked\": %llu}\n", (unsigned long long)out.revoked);
	else if (rc == CLI_OK && out.revoked == 0)
		printf("%s\n", _("Already revoked."));
	else if (rc == CLI_OK)
		printf(_("%llu terminal certificate(s) revoked: refused from now on.\n"),
		       (unsigned long long)out.revoked);
	return rc;
}

int
cli_terminal_list(struct cli *c)
{
	struct skc_terminal_list_in in = { .actor = cli_actor() };
	struct skc_json_out out;
	json_object *rows = NULL;
	int rc = cli_verdict(c, skc_terminal_list(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK)
		return rc;
	if (c->json) {
		cli_print_json(c, out.doc);
	} else if (json_object_object_get_ex(out.doc, "terminals", &rows) &&
	           json_object_array_length(rows) > 0) {
		cli_print_table(terminal_cols, sizeof(terminal_cols) / sizeof(terminal_cols[0]), rows);
	} else {
		printf("%s\n", _("No terminal has connected or been revoked."));
	}
	json_object_put(out.doc);
	return CLI_OK;
}
