/* The log review as JSON (cli_report.h): the chain verdict as `audit verify --json` gives
 * it under "chain", then every section with all its names (bounded by RP_TALLY_MAX). */
#include <stdlib.h>
#include <string.h>

#include "cli_report.h"

static json_object *
tally_json(const struct rp_tally *t)
{
	json_object *o = json_object_new_object();
	size_t n = 0;
	const struct rp_entry **v = rp_tally_sorted(t, &n);

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, v[i]->key, json_object_new_int64((int64_t)v[i]->n));
	if (t->other > 0)
		json_object_object_add(o, RP_OTHER, json_object_new_int64((int64_t)t->other));
	free(v);
	return o;
}

/* A section's total and the breakdowns it fills, under the names given (NULL: none). */
static json_object *
section_json(const struct rp_section *s, const char *user, const char *host, const char *kind)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "total", json_object_new_int64((int64_t)s->total));
	if (user != NULL)
		json_object_object_add(o, user, tally_json(&s->by_user));
	if (host != NULL)
		json_object_object_add(o, host, tally_json(&s->by_host));
	if (kind != NULL)
		json_object_object_add(o, kind, tally_json(&s->by_kind));
	return o;
}

static json_object *
recent_json(const struct cli_report *r)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->n_recent; i++) {
		size_t k = (r->recent_next + RP_RECENT_MAX - r->n_recent + i) % RP_RECENT_MAX;
		const struct rp_recent *e = &r->recent[k];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "seq", json_object_new_int64((int64_t)e->seq));
		json_object_object_add(o, "ts", json_object_new_string(e->ts));
		json_object_object_add(o, "event", json_object_new_string(e->event));
		json_object_object_add(o, "user", json_object_new_string(e->user));
		json_object_object_add(o, "by", json_object_new_string(e->actor));
		json_object_object_add(o, "result", json_object_new_string(e->result));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *
text_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

json_object *
rp_json(const struct cli *c, const struct cli_audit_chain *ch, const struct cli_report *r)
{
	json_object *o = json_object_new_object(), *period, *summary, *hours, *sec;
	struct rp_summary_row rows[RP_SUMMARY_ROWS];

	json_object_object_add(o, "chain", cli_audit_chain_json(c, ch));
	if (ch->problem != NULL) {
		/* No counts from a chain that cannot be trusted (doc/man/sekimori.1). */
		json_object_object_add(o, "report", NULL);
		return o;
	}
	period = json_object_new_object();
	json_object_object_add(period, "since", text_or_null(r->since));
	json_object_object_add(period, "until", text_or_null(r->until));
	json_object_object_add(period, "records", json_object_new_int64((int64_t)r->records));
	json_object_object_add(period, "first_ts", text_or_null(r->first_ts));
	json_object_object_add(period, "last_ts", text_or_null(r->last_ts));
	json_object_object_add(o, "period", period);

	summary = json_object_new_object();
	rp_summary(r, rows);
	for (size_t i = 0; i < RP_SUMMARY_ROWS; i++)
		json_object_object_add(summary, rows[i].key, json_object_new_int64((int64_t)rows[i].n));
	json_object_object_add(summary, "admin_acts_refused",
	                       json_object_new_int64((int64_t)r->admin_refused));
	json_object_object_add(o, "summary", summary);

	sec = section_json(&r->failed, "by_user", "by_host", "by_reason");
	hours = json_object_new_array();
	for (int h = 0; h < 24; h++)
		json_object_array_add(hours, json_object_new_int64((int64_t)r->failed_by_hour[h]));
	json_object_object_add(sec, "by_hour_utc", hours);
	json_object_object_add(o, "failed_logins", sec);
	json_object_object_add(o, "lockouts", section_json(&r->lockouts, "by_user", "by_host", NULL));
	json_object_object_add(o, "refused_while_locked",
	                       section_json(&r->locked, "by_user", "by_host", NULL));
	json_object_object_add(o, "replays_refused",
	                       section_json(&r->replays, "by_user", "by_host", NULL));
	json_object_object_add(o, "clone_suspicions",
	                       section_json(&r->clones, "by_user", "by_host", NULL));
	json_object_object_add(o, "card_refusals",
	                       section_json(&r->cards, "by_user", "by_host", "by_reason"));
	json_object_object_add(o, "key_refusals",
	                       section_json(&r->keys, "by_user", "by_host", "by_reason"));
	sec = section_json(&r->privileged, "by_user", "by_actor", "by_event");
	json_object_object_add(sec, "latest", recent_json(r));
	json_object_object_add(o, "privileged_activity", sec);
	sec = section_json(&r->admin, "by_user", "by_admin", "by_event");
	json_object_object_add(sec, "refused", json_object_new_int64((int64_t)r->admin_refused));
	json_object_object_add(o, "admin_acts", sec);
	return o;
}
