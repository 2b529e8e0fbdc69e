/* sekimori audit report [--since T] [--until T] [--json | --html FILE] [--anchor SEQ:MAC]
 * [ROTATED-FILE...]: the log review (R-LOG-2, R-LOG-5). It verifies the chain first with
 * the code of `audit verify` (cli_audit.c) and says so in every output; a broken chain
 * gives no counts (records that cannot be trusted are no evidence), only the fault, and
 * exit 1. Like `audit verify` it reads the files itself, so it needs the audit key (root)
 * and works while the broker is down. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_report.h"
#include "sk_err.h"
#include "sk_i18n.h"

/* The options into the report's period; CLI_OK or CLI_USAGE after saying why. */
static int
read_period(const struct cli *c, struct cli_report *r)
{
	static const char *const names[] = { "--since", "--until" };
	char *const outs[] = { r->since, r->until };

	for (size_t i = 0; i < 2; i++) {
		const char *v = cli_option(c, names[i]);

		if (v == NULL && cli_flag(c, names[i]))
			v = "";
		if (v != NULL && rp_parse_time(v, outs[i]) != SK_OK) {
			fprintf(stderr, _("sekimori: %s wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), "
			                  "not \"%s\"\n"), names[i], v);
			return CLI_USAGE;
		}
	}
	if (r->since[0] && r->until[0] && strcmp(r->since, r->until) >= 0) {
		fprintf(stderr, "%s\n", _("sekimori: --since must be before --until"));
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* The page goes to a new file (never through a link someone left at that name), readable
 * by its owner only: it names users and hosts. */
static int
write_html(const struct cli *c, const struct cli_audit_chain *ch, const struct cli_report *r,
           const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), rc;
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, _("sekimori: cannot create %s: %s\n"), path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_FAILED;
	}
	rc = rp_write_html(c, ch, r, f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f))
		rc = SK_ERR_IO;
	if (fclose(f) != 0)
		rc = SK_ERR_IO;
	if (rc != SK_OK) {
		fprintf(stderr, _("sekimori: cannot write %s\n"), path);
		return CLI_FAILED;
	}
	return CLI_OK;
}

int
cli_audit_report(struct cli *c)
{
	struct cli_audit_chain ch;
	struct cli_report *r;
	const char *html = cli_option(c, "--html");
	int rc;

	if ((html == NULL && cli_flag(c, "--html")) || (html != NULL && html[0] == '\0')) {
		fprintf(stderr, "%s\n", _("sekimori: --html wants the name of the file to write"));
		return CLI_USAGE;
	}
	if (html != NULL && c->json) {
		fprintf(stderr, "%s\n", _("sekimori: give --json or --html, not both"));
		return CLI_USAGE;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: out of memory"));
		return CLI_FAILED;
	}
	rp_report_init(r);
	if ((rc = read_period(c, r)) != CLI_OK) {
		free(r);
		return rc;
	}
	rc = cli_audit_chain_check(c, &ch);
	if (rc == CLI_OK && ch.problem == NULL)
		rc = rp_collect(c, &ch, r);
	if (rc == CLI_OK) {
		if (html != NULL) {
			rc = write_html(c, &ch, r, html);
			if (rc == CLI_OK && ch.problem == NULL)
				printf(_("Audit log intact: %llu records. Report written to %s.\n"),
				       (unsigned long long)ch.records, html);
			else if (rc == CLI_OK)
				printf(_("AUDIT LOG DAMAGED: %s says so and holds no counts.\n"), html);
		} else if (c->json) {
			json_object *o = rp_json(c, &ch, r);

			cli_print_json(c, o);
			json_object_put(o);
		} else {
			rp_print_text(c, &ch, r);
		}
		if (rc == CLI_OK && ch.problem != NULL) {
			fprintf(stderr, _("sekimori: AUDIT LOG DAMAGED in %s at line %llu: %s\n"),
			        ch.where, (unsigned long long)ch.line, ch.problem);
			rc = CLI_FAILED;
		}
	}
	cli_audit_chain_done(&ch);
	rp_report_free(r);
	free(r);
	return rc;
}
