/* The log review as one self-contained HTML page (cli_report.h) for the CISO's browser:
 * the styles inline, the charts inline SVG, no script, no font, no image, no link. The
 * Content-Security-Policy meta (default-src 'none') makes a browser refuse any load the
 * page might still name. Every name from the log is escaped and cleaned of control
 * characters: user names come from whoever typed them at a login prompt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_report.h"
#include "sk_err.h"
#include "sk_i18n.h"

#define CSP "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; " \
	"font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"

#define BAR_W 360      /* the longest bar, in SVG units */
#define ROW_H 22
#define LABEL_W 420  /* room for the labels left of the bars */

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:72em}"
	"h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:2em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".ok{background:#e6f4e6;border:2px solid #2a7a2a;padding:.6em}"
	".bad{background:#fde4e4;border:4px solid #b00;padding:.6em;font-size:1.3em}"
	"svg text{font-size:12px;font-family:sans-serif}"
	"svg .bar{fill:#3a6ea5}svg .hot{fill:#b33}";

/* Text for an element's content or an attribute, escaped, control characters cleaned. */
static void
esc(FILE *f, const char *s)
{
	char clean[4096];

	rp_clean(s, clean, sizeof(clean));
	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f);
		}
	}
}

/* Horizontal bars: one row per label with its count, the longest bar for the largest. */
static void
svg_bars(FILE *f, const char *title, const char *const *labels, const uint64_t *values,
         size_t n)
{
	uint64_t max = 1;
	size_t h = n * ROW_H + 10;

	for (size_t i = 0; i < n; i++)
		max = values[i] > max ? values[i] : max;
	fprintf(f, "<svg role=\"img\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">"
	        "<title>", LABEL_W + BAR_W + 80, h, LABEL_W + BAR_W + 80, h);
	esc(f, title);
	fputs("</title>", f);
	for (size_t i = 0; i < n; i++) {
		unsigned w = (unsigned)(values[i] * BAR_W / max);
		size_t y = i * ROW_H + 5;

		fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", LABEL_W - 5, y + 15);
		esc(f, labels[i]);
		fprintf(f, "</text><rect class=\"bar\" x=\"%d\" y=\"%zu\" width=\"%u\" "
		        "height=\"%d\"/><text x=\"%u\" y=\"%zu\">%llu</text>", LABEL_W, y + 3, w,
		        ROW_H - 6, LABEL_W + w + 5, y + 15, (unsigned long long)values[i]);
	}
	fputs("</svg>\n", f);
}

/* Failed logins by hour of the day: 24 columns. */
static void
svg_hours(FILE *f, const struct cli_report *r)
{
	uint64_t max = 1;

	for (int h = 0; h < 24; h++)
		max = r->failed_by_hour[h] > max ? r->failed_by_hour[h] : max;
	fputs("<svg role=\"img\" id=\"chart-hours\" "
	      "width=\"760\" height=\"190\" viewBox=\"0 0 760 190\"><title>", f);
	esc(f, _("Failed logins by hour of the day (UTC)"));
	fputs("</title>", f);
	for (int h = 0; h < 24; h++) {
		unsigned bh = (unsigned)(r->failed_by_hour[h] * 130 / max);
		unsigned x = 20 + (unsigned)h * 30;

		fprintf(f, "<rect class=\"hot\" x=\"%u\" y=\"%u\" width=\"22\" height=\"%u\"/>",
		        x, 150 - bh, bh);
		if (r->failed_by_hour[h] > 0)
			fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">%llu</text>", x + 11,
			        145 - bh, (unsigned long long)r->failed_by_hour[h]);
		fprintf(f, "<text x=\"%u\" y=\"170\" text-anchor=\"middle\">%02d</text>", x + 11, h);
	}
	fputs("</svg>\n", f);
}

/* A breakdown as a table (the first RP_TOP rows) and, when asked, its chart. */
static void
tally_block(FILE *f, const char *title, const char *column, const struct rp_tally *t,
            int chart)
{
	const char *labels[RP_TOP];
	uint64_t values[RP_TOP];
	size_t n = 0, shown;
	const struct rp_entry **v = rp_tally_sorted(t, &n);

	if (n == 0 && t->other == 0) {
		free(v);
		return;
	}
	shown = n < RP_TOP ? n : RP_TOP;
	fputs("<h3>", f);
	esc(f, title);
	fputs("</h3>\n", f);
	for (size_t i = 0; i < shown; i++) {
		labels[i] = v[i]->key;
		values[i] = v[i]->n;
	}
	if (chart && shown > 0)
		svg_bars(f, title, labels, values, shown);
	fputs("<table><tr><th>", f);
	esc(f, column);
	fputs("</th><th>", f);
	esc(f, _("Count"));
	fputs("</th></tr>\n", f);
	for (size_t i = 0; i < shown; i++) {
		fputs("<tr><td>", f);
		esc(f, labels[i]);
		fprintf(f, "</td><td class=\"n\">%llu</td></tr>\n", (unsigned long long)values[i]);
	}
	if (t->other > 0) {
		fputs("<tr><td>", f);
		esc(f, RP_OTHER);
		fprintf(f, "</td><td class=\"n\">%llu</td></tr>\n", (unsigned long long)t->other);
	}
	fputs("</table>\n", f);
	if (n > RP_TOP) {
		fputs("<p>", f);
		fprintf(f, _("%zu more in the JSON output."), n - RP_TOP);
		fputs("</p>\n", f);
	}
	free(v);
}

static void
section_open(FILE *f, const char *id, const char *title, uint64_t total)
{
	fprintf(f, "<section id=\"%s\"><h2>", id);
	esc(f, title);
	fprintf(f, " <span class=\"total\">(%llu)</span></h2>\n", (unsigned long long)total);
}

/* The chain's verdict in the sentences of `audit verify`. */
static int
chain_block(FILE *f, const struct cli *c, const struct cli_audit_chain *ch)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL)
		return SK_ERR_NOMEM;
	cli_audit_chain_print(m, c, ch);
	if (fclose(m) != 0) {
		free(text);
		return SK_ERR_NOMEM;
	}
	fprintf(f, "<section id=\"chain\" class=\"%s\"><h2>", ch->problem ? "bad" : "ok");
	esc(f, ch->problem ? _("AUDIT LOG DAMAGED") : _("Audit chain verified"));
	fputs("</h2>\n<p>", f);
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		esc(f, line);
		fputs("<br>", f);
	}
	fputs("</p>\n", f);
	free(text);
	if (ch->problem != NULL) {
		fputs("<p><strong>", f);
		esc(f, _("NO REPORT: the audit chain is broken, so its records cannot be trusted. "
		         "Find the fault with 'sekimori audit verify' and keep the files as "
		         "evidence."));
		fputs("</strong></p>\n", f);
	}
	fputs("</section>\n", f);
	return SK_OK;
}

static void
summary_block(FILE *f, const struct cli_report *r)
{
	struct rp_summary_row rows[RP_SUMMARY_ROWS];
	const char *labels[RP_SUMMARY_ROWS];
	uint64_t values[RP_SUMMARY_ROWS];

	rp_summary(r, rows);
	for (size_t i = 0; i < RP_SUMMARY_ROWS; i++) {
		labels[i] = _(rows[i].label);
		values[i] = rows[i].n;
	}
	fputs("<section id=\"summary\"><h2>", f);
	esc(f, _("Summary"));
	fputs("</h2>\n", f);
	svg_bars(f, _("Summary"), labels, values, RP_SUMMARY_ROWS);
	fputs("<table>\n", f);
	for (size_t i = 0; i < RP_SUMMARY_ROWS; i++) {
		fputs("<tr><td>", f);
		esc(f, labels[i]);
		fprintf(f, "</td><td class=\"n\" id=\"n-%s\">%llu</td></tr>\n", rows[i].key,
		        (unsigned long long)values[i]);
	}
	fputs("<tr><td>", f);
	esc(f, _("Administrative acts refused"));
	fprintf(f, "</td><td class=\"n\" id=\"n-admin_acts_refused\">%llu</td></tr>\n",
	        (unsigned long long)r->admin_refused);
	fputs("</table></section>\n", f);
}

static void
recent_block(FILE *f, const struct cli_report *r)
{
	static const char *const heads[] = { N_("Time (UTC)"), N_("Seq"), N_("Event"),
	                                     N_("User"), N_("By"), N_("Result") };

	if (r->n_recent == 0)
		return;
	fputs("<h3>", f);
	esc(f, _("Latest grant, delegation, break-glass and review records"));
	fputs("</h3>\n<table><tr>", f);
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		fputs("<th>", f);
		esc(f, _(heads[i]));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->n_recent; i++) {
		size_t k = (r->recent_next + RP_RECENT_MAX - r->n_recent + i) % RP_RECENT_MAX;
		const struct rp_recent *e = &r->recent[k];

		fputs("<tr><td>", f);
		esc(f, e->ts);
		fprintf(f, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)e->seq);
		esc(f, e->event);
		fputs("</td><td>", f);
		esc(f, e->user[0] ? e->user : "-");
		fputs("</td><td>", f);
		esc(f, e->actor);
		fputs("</td><td>", f);
		esc(f, e->result);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
sections(FILE *f, const struct cli_report *r)
{
	section_open(f, "failed-logins", _("Failed logins"), r->failed.total);
	if (r->failed.total > 0) {
		fputs("<h3>", f);
		esc(f, _("Failed logins by hour of the day (UTC)"));
		fputs("</h3>\n", f);
		svg_hours(f, r);
	}
	tally_block(f, _("Failed logins by user"), _("User"), &r->failed.by_user, 1);
	tally_block(f, _("Failed logins by host"), _("Host"), &r->failed.by_host, 1);
	tally_block(f, _("Failed logins by reason"), _("Reason"), &r->failed.by_kind, 0);
	fputs("</section>\n", f);
	section_open(f, "lockouts", _("Accounts locked by failed attempts"), r->lockouts.total);
	tally_block(f, _("Accounts locked by failed attempts, by user"), _("User"),
	            &r->lockouts.by_user, 0);
	tally_block(f, _("Attempts refused while locked, by user"), _("User"), &r->locked.by_user,
	            0);
	fputs("</section>\n", f);
	section_open(f, "replays", _("Replayed one-time codes refused"), r->replays.total);
	tally_block(f, _("Replayed one-time codes refused, by user"), _("User"),
	            &r->replays.by_user, 0);
	tally_block(f, _("Replayed one-time codes refused, by host"), _("Host"),
	            &r->replays.by_host, 0);
	fputs("</section>\n", f);
	section_open(f, "clones", _("Security key clone suspicions"), r->clones.total);
	tally_block(f, _("Security key clone suspicions, by user"), _("User"), &r->clones.by_user,
	            0);
	fputs("</section>\n", f);
	section_open(f, "cards", _("Card refusals"), r->cards.total);
	tally_block(f, _("Card refusals by reason"), _("Reason"), &r->cards.by_kind, 0);
	tally_block(f, _("Card refusals by user"), _("User"), &r->cards.by_user, 0);
	fputs("</section>\n", f);
	section_open(f, "keys", _("Security key refusals"), r->keys.total);
	tally_block(f, _("Security key refusals by reason"), _("Reason"), &r->keys.by_kind, 0);
	tally_block(f, _("Security key refusals by user"), _("User"), &r->keys.by_user, 0);
	fputs("</section>\n", f);
	section_open(f, "privileged", _("Grant, delegation, break-glass and review records"),
	             r->privileged.total);
	tally_block(f, _("Grant, delegation, break-glass and review records by event"),
	            _("Event"), &r->privileged.by_kind, 1);
	recent_block(f, r);
	fputs("</section>\n", f);
	section_open(f, "admin", _("Administrative acts"), r->admin.total);
	tally_block(f, _("Administrative acts by administrator"), _("Administrator"),
	            &r->admin.by_host, 1);
	tally_block(f, _("Administrative acts by event"), _("Event"), &r->admin.by_kind, 0);
	fputs("</section>\n", f);
}

int
rp_write_html(const struct cli *c, const struct cli_audit_chain *ch,
              const struct cli_report *r, FILE *f)
{
	int rc;

	/* TRANSLATORS: the page's language code for <html lang="...">. */
	fputs("<!DOCTYPE html>\n<html lang=\"", f);
	esc(f, _("en"));
	fputs("\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSP "\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", f);
	esc(f, _("Sekimori audit report"));
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	esc(f, _("Sekimori audit report"));
	fputs("</h1>\n", f);
	if ((rc = chain_block(f, c, ch)) != SK_OK)
		return rc;
	if (ch->problem == NULL) {
		fputs("<p id=\"period\">", f);
		fprintf(f, _("Verified records %llu to %llu; period from %s until before %s (UTC)."),
		        (unsigned long long)ch->first_seq, (unsigned long long)ch->last_seq,
		        r->since[0] ? r->since : _("the beginning"),
		        r->until[0] ? r->until : _("the end"));
		fputs(" ", f);
		if (r->records > 0)
			fprintf(f, _("%llu records in the period, from %s to %s."),
			        (unsigned long long)r->records, r->first_ts, r->last_ts);
		else
			esc(f, _("No records in the period."));
		fputs("</p>\n", f);
		summary_block(f, r);
		sections(f, r);
	}
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? SK_ERR_IO : SK_OK;
}
