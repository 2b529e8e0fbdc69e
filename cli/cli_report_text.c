/* The log review as a table for the terminal (cli_report.h), in the administrator's
 * language. Counts come first on each line, so that the columns stay aligned whatever the
 * width of the (translated) labels and names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_report.h"
#include "sk_i18n.h"

void
rp_summary(const struct cli_report *r, struct rp_summary_row rows[RP_SUMMARY_ROWS])
{
	const struct rp_summary_row v[RP_SUMMARY_ROWS] = {
		{ "logins_allowed", N_("Logins allowed"), r->logins_allowed },
		{ "failed_logins", N_("Failed logins"), r->failed.total },
		{ "lockouts", N_("Accounts locked by failed attempts"), r->lockouts.total },
		{ "refused_while_locked", N_("Attempts refused while locked"), r->locked.total },
		{ "replays_refused", N_("Replayed one-time codes refused"), r->replays.total },
		{ "clone_suspicions", N_("Security key clone suspicions"), r->clones.total },
		{ "card_refusals", N_("Card refusals"), r->cards.total },
		{ "key_refusals", N_("Security key refusals"), r->keys.total },
		{ "privileged_activity", N_("Grant, delegation, break-glass and review records"),
		  r->privileged.total },
		{ "admin_acts", N_("Administrative acts"), r->admin.total },
	};

	memcpy(rows, v, sizeof(v));
}

void
rp_clean(const char *in, char *out, size_t outsz)
{
	size_t k = 0;

	if (outsz == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)in; *p && k + 1 < outsz; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			out[k++] = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			out[k++] = '?';
			p++;
		} else {
			out[k++] = (char)*p;
		}
	}
	out[k] = '\0';
}

static void
print_tally(const char *title, const struct rp_tally *t)
{
	char name[RP_KEY_MAX];
	size_t n = 0;
	const struct rp_entry **v = rp_tally_sorted(t, &n);

	if (n == 0 && t->other == 0) {
		free(v);
		return;
	}
	printf("\n%s\n", title);
	for (size_t i = 0; i < n && i < RP_TOP; i++) {
		rp_clean(v[i]->key, name, sizeof(name));
		printf("  %8llu  %s\n", (unsigned long long)v[i]->n, name);
	}
	if (n > RP_TOP)
		printf(_("  (%zu more in the JSON output)\n"), n - RP_TOP);
	if (t->other > 0)
		printf(_("  %8llu  (names beyond the first %d)\n"), (unsigned long long)t->other,
		       RP_TALLY_MAX);
	free(v);
}

static void
print_hours(const struct cli_report *r)
{
	uint64_t max = 0;

	if (r->failed.total == 0)
		return;
	for (int h = 0; h < 24; h++)
		max = r->failed_by_hour[h] > max ? r->failed_by_hour[h] : max;
	printf("\n%s\n", _("Failed logins by hour of the day (UTC)"));
	for (int h = 0; h < 24; h++) {
		unsigned bar = (unsigned)(r->failed_by_hour[h] * 40 / max);

		printf("  %02d:00  %8llu  ", h, (unsigned long long)r->failed_by_hour[h]);
		for (unsigned i = 0; i < bar; i++)
			putchar('#');
		putchar('\n');
	}
}

static void
print_recent(const struct cli_report *r)
{
	char user[RP_KEY_MAX], actor[RP_KEY_MAX], event[RP_KEY_MAX], result[32];

	if (r->n_recent == 0)
		return;
	printf("\n%s\n", _("Latest grant, delegation, break-glass and review records"));
	for (size_t i = 0; i < r->n_recent; i++) {
		size_t k = (r->recent_next + RP_RECENT_MAX - r->n_recent + i) % RP_RECENT_MAX;
		const struct rp_recent *e = &r->recent[k];

		rp_clean(e->event, event, sizeof(event));
		rp_clean(e->user, user, sizeof(user));
		rp_clean(e->actor, actor, sizeof(actor));
		rp_clean(e->result, result, sizeof(result));
		printf(_("  %s  seq %llu  %s  user %s  by %s  %s\n"), e->ts, (unsigned long long)e->seq,
		       event, user[0] ? user : "-", actor, result);
	}
}

void
rp_print_text(const struct cli *c, const struct cli_audit_chain *ch, const struct cli_report *r)
{
	struct rp_summary_row rows[RP_SUMMARY_ROWS];

	cli_audit_chain_print(stdout, c, ch);
	if (ch->problem != NULL) {
		printf("%s\n", _("NO REPORT: the audit chain is broken, so its records cannot be "
		                 "trusted. Find the fault with 'sekimori audit verify' and keep the "
		                 "files as evidence."));
		return;
	}
	putchar('\n');
	printf(_("Verified records %llu to %llu; period from %s until before %s (UTC)."),
	       (unsigned long long)ch->first_seq, (unsigned long long)ch->last_seq,
	       r->since[0] ? r->since : _("the beginning"), r->until[0] ? r->until : _("the end"));
	putchar('\n');
	if (r->records > 0)
		printf(_("%llu records in the period, from %s to %s."), (unsigned long long)r->records,
		       r->first_ts, r->last_ts);
	else
		fputs(_("No records in the period."), stdout);
	putchar('\n');
	printf("\n%s\n", _("Summary"));
	rp_summary(r, rows);
	for (size_t i = 0; i < RP_SUMMARY_ROWS; i++)
		printf("  %8llu  %s\n", (unsigned long long)rows[i].n, _(rows[i].label));
	if (r->admin_refused > 0)
		printf(_("  (%llu of the administrative acts were refused)\n"),
		       (unsigned long long)r->admin_refused);
	print_tally(_("Failed logins by user"), &r->failed.by_user);
	print_tally(_("Failed logins by host"), &r->failed.by_host);
	print_tally(_("Failed logins by reason"), &r->failed.by_kind);
	print_hours(r);
	print_tally(_("Accounts locked by failed attempts, by user"), &r->lockouts.by_user);
	print_tally(_("Attempts refused while locked, by user"), &r->locked.by_user);
	print_tally(_("Replayed one-time codes refused, by user"), &r->replays.by_user);
	print_tally(_("Replayed one-time codes refused, by host"), &r->replays.by_host);
	print_tally(_("Security key clone suspicions, by user"), &r->clones.by_user);
	print_tally(_("Card refusals by reason"), &r->cards.by_kind);
	print_tally(_("Card refusals by user"), &r->cards.by_user);
	print_tally(_("Security key refusals by reason"), &r->keys.by_kind);
	print_tally(_("Security key refusals by user"), &r->keys.by_user);
	print_tally(_("Grant, delegation, break-glass and review records by event"),
	            &r->privileged.by_kind);
	print_recent(r);
	print_tally(_("Administrative acts by administrator"), &r->admin.by_host);
	print_tally(_("Administrative acts by event"), &r->admin.by_kind);
}
