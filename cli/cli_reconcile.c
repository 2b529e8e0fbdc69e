/* sekimori report orphans | dormant (doc/hr-import.md "Reconciliation"): with --json the
 * broker's document, else a table per list and its total. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_i18n.h"
#include "skc_report.h"

static const struct cli_column account_cols[] = {
	{ N_("USER"), "user" },
	{ N_("PROFILE"), "profile" },
	{ N_("STAFF NO."), "staff_no" },
	{ N_("DISABLED"), "disabled" },
	{ N_("CREATED"), "created" },
	{ N_("LAST LOGIN"), "last_login" },
	{ N_("INACTIVE SINCE"), "inactive_since" },
};
#define N_ACCOUNT_COLS (sizeof(account_cols) / sizeof(account_cols[0]))

static const struct cli_column staff_cols[] = {
	{ N_("STAFF NO."), "staff_no" },
	{ N_("LAST EVENT"), "last_event" },
	{ N_("EFFECTIVE"), "effective" },
	{ N_("LINE"), "line" },
	{ N_("FILE"), "file" },
};

static int64_t
doc_int(json_object *doc, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(doc, key, &v) ? json_object_get_int64(v) : 0;
}

/* One list: its heading with the total, the table, or a line saying it is empty. */
static void
print_list(json_object *doc, const char *heading, const char *key, const char *total_key,
           const struct cli_column *cols, size_t ncol)
{
	json_object *rows = NULL;
	int64_t total = doc_int(doc, total_key);

	printf("%s: %lld\n", _(heading), (long long)total);
	if (json_object_object_get_ex(doc, key, &rows) && total > 0)
		cli_print_table(cols, ncol, rows);
	if (total > (int64_t)(rows != NULL ? json_object_array_length(rows) : 0))
		printf(_("(%lld more not shown)\n"),
		       (long long)(total - (int64_t)json_object_array_length(rows)));
}

/* The typed call's verdict; with --json the document as it is. 1: print the table. */
static int
report_done(struct cli *c, int r, struct skc_json_out *out, int *rc)
{
	*rc = cli_verdict(c, r, &out->res, NULL);
	if (*rc != CLI_OK || c->json) {
		if (*rc == CLI_OK)
			cli_print_json(c, out->doc);
		json_object_put(out->doc);
		return 0;
	}
	return 1;
}

int
cli_report_orphans(struct cli *c)
{
	struct skc_report_orphans_in in = { cli_actor() };
	struct skc_json_out out;
	int rc;

	if (!report_done(c, skc_report_orphans(cli_client(c), &in, &out), &out, &rc))
		return rc;
	print_list(out.doc, N_("Accounts with no HR record"), "accounts_without_hr",
	           "accounts_without_hr_total", account_cols, N_ACCOUNT_COLS);
	putchar('\n');
	print_list(out.doc, N_("HR records with no account"), "hr_without_account",
	           "hr_without_account_total", staff_cols, sizeof(staff_cols) / sizeof(staff_cols[0]));
	json_object_put(out.doc);
	return CLI_OK;
}

int
cli_report_dormant(struct cli *c)
{
	struct skc_report_dormant_in in = { cli_actor(), 0 };
	struct skc_json_out out;
	const char *days = cli_option(c, "--days");
	char *end;
	int rc;

	errno = 0;
	if (days == NULL || days[0] < '0' || days[0] > '9' ||
	    (in.days = strtoull(days, &end, 10), errno != 0 || *end != '\0') ||
	    in.days == 0 || in.days > 36500) {
		fprintf(stderr, "%s\n", _("sekimori: --days N is required, N from 1 to 36500"));
		return CLI_USAGE;
	}
	if (!report_done(c, skc_report_dormant(cli_client(c), &in, &out), &out, &rc))
		return rc;
	print_list(out.doc, N_("Dormant accounts (no login, creation or re-enabling in the days given)"),
	           "dormant", "total", account_cols, N_ACCOUNT_COLS);
	json_object_put(out.doc);
	return CLI_OK;
}
