/* sekimori fido2 dispose and sekimori report outstanding (issue 10, item 4; R-LIFE-5): the
 * security keys and cards a retired person still has to hand back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_fido2.h"
#include "skc_report.h"

#define DISPOSE_NOTE_MAX 255

static const struct cli_column key_cols[] = {
	{ N_("ID"), "id" },
	{ N_("USER"), "user" },
	{ N_("CREDENTIAL"), "credential" },
	{ N_("AAGUID"), "aaguid" },
	{ N_("SINCE"), "since" },
};

static const struct cli_column card_cols[] = {
	{ N_("ID"), "id" },
	{ N_("USER"), "user" },
	{ N_("CERTIFICATE"), "cert" },
	{ N_("REVOKE REASON"), "revoke_reason" },
	{ N_("SINCE"), "since" },
};

int
cli_fido2_dispose(struct cli *c)
{
	const char *usage = _("sekimori: usage: fido2 dispose USER|--cred ID "
	                      "--reason collected|destroyed|lost [--note TEXT]");
	const char *cred = cli_option(c, "--cred");
	struct skc_fido2_dispose_in in = { .actor = cli_actor(), .user = cli_positional(c),
	                                   .disposal = cli_option(c, "--reason"),
	                                   .note = cli_option(c, "--note") };
	struct skc_json_out out;
	json_object *ids = NULL;
	char *end = NULL;
	int r;

	if (cred != NULL) {
		errno = 0;
		in.id = strtoull(cred, &end, 10);
		if (errno != 0 || end == cred || *end != '\0' || in.id == 0 || cred[0] == '-')
			in.id = 0, in.disposal = NULL;   /* usage below */
	}
	if (in.disposal == NULL || (in.user == NULL && in.id == 0) ||
	    (strcmp(in.disposal, "collected") && strcmp(in.disposal, "destroyed") &&
	     strcmp(in.disposal, "lost"))) {
		fprintf(stderr, "%s\n", usage);
		return CLI_USAGE;
	}
	if (in.note != NULL && strlen(in.note) > DISPOSE_NOTE_MAX) {
		fprintf(stderr, _("sekimori: the note is longer than %d bytes\n"), DISPOSE_NOTE_MAX);
		return CLI_USAGE;
	}
	r = skc_fido2_dispose(cli_client(c), &in, &out);
	if (r == SK_OK && out.res.status == SK_ST_NOT_FOUND) {
		fprintf(stderr, _("sekimori: no outstanding security key of %s is left to record "
		                  "(sekimori report outstanding lists them)\n"),
		        in.user != NULL ? in.user : cred);
		return CLI_FAILED;
	}
	r = cli_verdict(c, r, &out.res, in.user);
	if (r == CLI_OK && c->json) {
		cli_print_json(c, out.doc);
	} else if (r == CLI_OK) {
		size_t n = json_object_object_get_ex(out.doc, "disposed", &ids) ?
		           json_object_array_length(ids) : 0;

		printf(_("Recorded as %s: %zu security key(s).\n"), in.disposal, n);
	}
	json_object_put(out.doc);
	return r;
}

static void
print_part(json_object *doc, const char *key, const char *heading,
           const struct cli_column *cols, size_t ncol)
{
	json_object *rows = NULL;
	size_t n = json_object_object_get_ex(doc, key, &rows) ? json_object_array_length(rows) : 0;

	printf("%s: %zu\n", heading, n);
	if (n > 0)
		cli_print_table(cols, ncol, rows);
}

int
cli_report_outstanding(struct cli *c)
{
	struct skc_report_orphans_in in = { cli_actor() };
	struct skc_json_out out;
	json_object *v;
	int r = cli_verdict(c, skc_report_outstanding(cli_client(c), &in, &out), &out.res, NULL);

	if (r == CLI_OK && c->json) {
		cli_print_json(c, out.doc);
	} else if (r == CLI_OK) {
		print_part(out.doc, "keys", _("Security keys not handed back"), key_cols,
		           sizeof(key_cols) / sizeof(key_cols[0]));
		print_part(out.doc, "cards", _("Revoked cards not collected or destroyed"), card_cols,
		           sizeof(card_cols) / sizeof(card_cols[0]));
		if (json_object_object_get_ex(out.doc, "truncated", &v) && json_object_get_boolean(v))
			printf("%s\n", _("(more not shown: the report stops at 10000 entries)"));
	}
	json_object_put(out.doc);
	return r;
}
