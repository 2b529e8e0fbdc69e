/* hr_apply.h: the effect of each HR event on a user, and the scheduler of pending events. */
#include "hr_apply.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_report.h"
#include "admin_session_stop.h"
#include "attempt.h"
#include "audit_event.h"
#include "grant.h"
#include "hr_transfer.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"

int
hr_set_timezone(const char *tz)
{
	if (setenv("TZ", tz, 1) != 0) {
		sk_logerr("setting the time zone %s failed", tz);
		return SK_ERR_CONFIG;
	}
	tzset();
	return SK_OK;
}

int
hr_today(char out[HR_DATE_LEN])
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL || strftime(out, HR_DATE_LEN, "%Y-%m-%d", &tm) == 0) {
		sk_logerr("today's date: localtime failed");
		return SK_ERR_INTERNAL;
	}
	return SK_OK;
}

static int
ends_add(struct hr_session_ends *s, const char *user, const char *event)
{
	if (s == NULL)
		return SK_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct hr_session_end *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return SK_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n].user, sizeof(s->v[s->n].user), "%s", user);
	snprintf(s->v[s->n].cause, sizeof(s->v[s->n].cause), "hr_%s", event);
	s->n++;
	return SK_OK;
}

void
hr_session_ends_free(struct hr_session_ends *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
hr_session_ends_run(struct broker_conn *c, struct hr_session_ends *s)
{
	size_t ordered = 0;

	for (size_t i = 0; i < s->n; i++) {
		ordered += session_watch_order_user(s->v[i].user, SK_CARD_REMOVAL_END, "hr");
		/* Admin sessions live in the broker's memory: they end here too, at once. */
		(void)admin_sessions_end_user(c, s->v[i].user, s->v[i].cause);
	}
	if (ordered > 0)
		sk_log(LOG_NOTICE, "HR: %zu live session(s) ordered ended", ordered);
	hr_session_ends_free(s);
}

/* Every HR audit record names the file, the event and the row. */
static json_object *
event_fields(const struct hr_event_rec *e, json_object *extra)
{
	extra = audit_field(extra, "hr_file", e->file_sha256);
	extra = audit_field(extra, "hr_event", e->event_id);
	extra = audit_field(extra, "staff_no", e->staff_no);
	extra = audit_field(extra, "effective", e->effective);
	return audit_field_int(extra, "line", e->line);
}

static int
audit_event(struct broker_conn *c, const struct hr_event_rec *e, const char *user,
            const char *result, json_object *extra)
{
	char name[32];

	snprintf(name, sizeof(name), "hr.%s", e->event);
	return broker_audit(c, name, user, result, event_fields(e, extra));
}

static int
apply_hire(struct broker_conn *c, const struct hr_event_rec *e, int64_t now)
{
	struct user_rec u;
	struct user_hr h;
	int r;

	/* An account an administrator linked to this staff number (user add --staff, user
	 * set-staff) is that person's: the hire makes no second one. */
	if ((r = store_user_hr_by_staff(c->db, e->staff_no, &h)) == SK_OK)
		return SK_ERR_EXISTS;
	if (r != SK_ERR_NOTFOUND)
		return r;
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", e->staff_no);
	snprintf(u.profile, sizeof(u.profile), "%s", c->b->conf.default_profile);
	snprintf(u.pw_hash, sizeof(u.pw_hash), "%s", e->pw_hash);
	u.created = u.pw_changed = now;
	u.pw_temporary = 1;   /* pending enrolment: changed at the first login (R-CRED-1) */
	r = store_user_insert(c->db, &u);
	explicit_bzero(u.pw_hash, sizeof(u.pw_hash));
	if (r != SK_OK)
		return r;
	memset(&h, 0, sizeof(h));
	h.user_id = u.id;
	snprintf(h.staff_no, sizeof(h.staff_no), "%s", e->staff_no);
	snprintf(h.employment, sizeof(h.employment), "%s", e->employment);
	snprintf(h.dept, sizeof(h.dept), "%s", e->dept);
	if ((r = store_user_hr_set(c->db, &h)) != SK_OK)
		return r;
	return audit_event(c, e, u.name, "ok",
	                   audit_field(audit_field(NULL, "profile", u.profile), "employment",
	                               e->employment));
}

/* Retirement: every factor goes; cards are revoked and stay outstanding until handed back
 * (sekimori card dispose), security keys are recorded outstanding (fido2_outstanding) until
 * handed back (sekimori fido2 dispose), both listed by `sekimori report outstanding`
 * (R-LIFE-5). */
static int
revoke_factors(struct broker_conn *c, const struct user_hr *h, int64_t now, json_object **extra)
{
	struct fido2_rec fido[FIDO2_PER_USER_MAX];
	struct card_rec *cards = calloc(CARDS_PER_USER_MAX, sizeof(*cards));
	json_object *outstanding = json_object_new_array(), *keys = NULL;
	size_t n = 0, nf = 0;
	int r;

	if (cards == NULL || outstanding == NULL) {
		free(cards);
		json_object_put(outstanding);
		return SK_ERR_NOMEM;
	}
	r = store_totp_delete_all(c->db, h->user_id);
	if (r == SK_OK)
		r = store_fido2_list(c->db, h->user_id, 0, fido, FIDO2_PER_USER_MAX, &nf);
	/* The security keys are recorded before their registrations go: the person hands them
	 * back (R-LIFE-5), and this record is what says which ones. */
	if (r == SK_OK && (keys = json_object_new_array()) == NULL)
		r = SK_ERR_NOMEM;
	for (size_t i = 0; i < nf && r == SK_OK; i++) {
		json_object *k = json_object_new_object();
		char aaguid[2 * FIDO2_AAGUID_LEN + 1];

		for (size_t b = 0; b < FIDO2_AAGUID_LEN; b++)
			snprintf(aaguid + 2 * b, 3, "%02x", fido[i].aaguid[b]);
		json_object_object_add(k, "id", json_object_new_int64(fido[i].id));
		json_object_object_add(k, "aaguid", json_object_new_string(aaguid));
		json_object_object_add(k, "subject", json_object_new_string(fido[i].subject));
		json_object_array_add(keys, k);
		/* Open until `sekimori fido2 dispose` records the key handed back (R-LIFE-5). */
		r = store_fido2_out_add(c->db, h->name, fido[i].id, aaguid, fido[i].subject, now);
		if (r == SK_OK)
			r = store_fido2_delete(c->db, h->user_id, fido[i].id);
	}
	if (r == SK_OK)
		r = store_card_list(c->db, h->user_id, 0, cards, CARDS_PER_USER_MAX, &n);
	for (size_t i = 0; i < n && r == SK_OK; i++) {
		if (!cards[i].revoked)
			r = store_card_revoke(c->db, cards[i].id, "retired", 0, now);
		if (r == SK_OK && !cards[i].collected && !cards[i].destroyed)
			json_object_array_add(outstanding, json_object_new_int64(cards[i].id));
	}
	*extra = audit_field_int(*extra, "fido2_removed", (int64_t)nf);
	json_object_object_add(*extra, "outstanding_cards", outstanding);
	json_object_object_add(*extra, "outstanding_keys", keys != NULL ? keys :
	                       json_object_new_array());
	free(cards);
	return r;
}

static json_object *
id_array(const int64_t *ids, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		json_object_array_add(a, json_object_new_int64(ids[i]));
	return a;
}

int
hr_factors_json(struct broker_conn *c, int64_t user_id, int64_t now, json_object **out)
{
	struct totp_rec *totp = calloc(TOTP_PER_USER_MAX, sizeof(*totp));
	struct fido2_rec *fido = calloc(FIDO2_PER_USER_MAX, sizeof(*fido));
	struct card_rec *cards = calloc(CARDS_PER_USER_MAX, sizeof(*cards));
	int64_t ids[TOTP_PER_USER_MAX + FIDO2_PER_USER_MAX + CARDS_PER_USER_MAX];
	size_t nt = 0, nf = 0, nc = 0, expired = 0;
	json_object *o;
	int r = totp && fido && cards ? SK_OK : SK_ERR_NOMEM;

	*out = NULL;
	if (r == SK_OK)
		r = store_totp_list(c->db, user_id, 1, totp, TOTP_PER_USER_MAX, &nt);
	if (r == SK_OK)
		r = store_fido2_list(c->db, user_id, 0, fido, FIDO2_PER_USER_MAX, &nf);
	if (r == SK_OK)
		r = store_card_list(c->db, user_id, 1, cards, CARDS_PER_USER_MAX, &nc);
	for (size_t i = 0; r == SK_OK && i < nc; i++)
		expired += cards[i].not_after > 0 && cards[i].not_after <= now;
	if (r == SK_OK && (o = json_object_new_object()) != NULL) {
		json_object_object_add(o, "totp", json_object_new_int64((int64_t)nt));
		json_object_object_add(o, "fido2", json_object_new_int64((int64_t)nf));
		json_object_object_add(o, "cards", json_object_new_int64((int64_t)nc));
		json_object_object_add(o, "cards_expired", json_object_new_int64((int64_t)expired));
		for (size_t i = 0; i < nt; i++)
			ids[i] = totp[i].id;
		json_object_object_add(o, "totp_ids", id_array(ids, nt));
		for (size_t i = 0; i < nf; i++)
			ids[i] = fido[i].id;
		json_object_object_add(o, "fido2_ids", id_array(ids, nf));
		for (size_t i = 0; i < nc; i++)
			ids[i] = cards[i].id;
		json_object_object_add(o, "card_ids", id_array(ids, nc));
		*out = o;
	} else if (r == SK_OK) {
		r = SK_ERR_NOMEM;
	}
	if (totp != NULL)
		explicit_bzero(totp, TOTP_PER_USER_MAX * sizeof(*totp));
	free(totp);
	free(fido);
	free(cards);
	return r;
}

int
hr_apply_event(struct broker_conn *c, const struct hr_event_rec *e, int64_t now,
               struct hr_session_ends *ends)
{
	struct user_hr h;
	char old_dept[HR_DEPT_LEN];
	json_object *extra = NULL;
	int r, suspend, retire;

	if (strcmp(e->event, "hire") == 0)
		return apply_hire(c, e, now);
	if ((r = store_user_hr_by_staff(c->db, e->staff_no, &h)) == SK_ERR_NOTFOUND)
		/* Checked at import; only a user removed since then gets here. */
		return audit_event(c, e, NULL, "no_user", NULL);
	if (r != SK_OK)
		return r;
	suspend = strcmp(e->event, "leave") == 0 || strcmp(e->event, "secondment") == 0;
	retire = strcmp(e->event, "retirement") == 0;
	snprintf(old_dept, sizeof(old_dept), "%s", h.dept);
	if (e->employment[0] != '\0')
		snprintf(h.employment, sizeof(h.employment), "%s", e->employment);
	if (e->dept[0] != '\0')
		snprintf(h.dept, sizeof(h.dept), "%s", e->dept);
	if (suspend || retire) {
		r = store_user_set_disabled(c->db, h.user_id, 1);
		h.suspended = suspend;
		if (r == SK_OK && retire)
			r = revoke_factors(c, &h, now, &extra);
		/* Privileged grants end with the employment (issue 9): through grant_end, the
		 * one place a grant ends early. */
		if (r == SK_OK) {
			size_t n = 0;

			r = grant_end_user(c->db, h.name, GRANT_END_HR, "", now, &n);
			extra = audit_field_int(extra, "grants_ended", (int64_t)n);
		}
		if (r == SK_OK)
			r = ends_add(ends, h.name, e->event);
	} else if (strcmp(e->event, "return") == 0) {
		/* Only a suspension HR made is lifted: an administrator's disable stays. */
		if (h.suspended)
			r = store_user_set_disabled(c->db, h.user_id, 0);
		/* Back from leave: the dormancy clock starts again (dormant_suspend_days). */
		if (r == SK_OK && h.suspended)
			r = store_user_dormant_reset(c->db, h.user_id, now);
		extra = audit_field(extra, "was_suspended", h.suspended ? "yes" : "no");
		/* The factors the account comes back with are to be re-confirmed by an
		 * administrator with the person present (issue 10, item 4): until `sekimori user
		 * reconfirm`, every way in is refused (account_entry_check, account.c). */
		if (r == SK_OK && h.suspended) {
			json_object *kept = NULL;

			r = hr_factors_json(c, h.user_id, now, &kept);
			if (r == SK_OK) {
				if (extra == NULL)
					extra = json_object_new_object();
				json_object_object_add(extra, "factors_kept", kept);
				h.reconfirm = 1;
			}
		}
		extra = audit_field(extra, "reconfirm_required", h.reconfirm ? "yes" : "no");
		h.suspended = 0;
	}
	/* transfer: department and employment (an employment of contractor makes the user a
	 * contractor: store_user_contractor), then what was tied to the old department goes
	 * (hr_transfer.c), once the new department is written. */
	if (r == SK_OK)
		r = store_user_hr_set(c->db, &h);
	if (r == SK_OK && strcmp(e->event, "transfer") == 0) {
		size_t n = 0;

		r = hr_transfer_revoke(c, e, h.name, old_dept, now, &n);
		extra = audit_field(audit_field_int(extra, "revoked", (int64_t)n), "old_dept",
		                    old_dept);
	}
	if (r != SK_OK) {
		json_object_put(extra);
		return r;
	}
	extra = audit_field(audit_field(extra, "dept", h.dept), "employment", h.employment);
	return audit_event(c, e, h.name, "ok", extra);
}

int
hr_apply_due(struct broker *b, size_t *applied)
{
	struct broker_conn c;
	struct hr_event_rec e;
	char today[HR_DATE_LEN];
	int r;

	*applied = 0;
	if ((r = hr_today(today)) != SK_OK || (r = broker_system_conn(b, &c)) != SK_OK)
		return r;
	for (;;) {
		struct hr_session_ends ends = { 0 };

		if ((r = store_begin(c.db)) != SK_OK)
			break;
		r = store_hr_event_next_due(c.db, today, &e);
		if (r == SK_ERR_NOTFOUND) {
			store_rollback(c.db);
			r = SK_OK;
			break;
		}
		if (r == SK_OK) {
			r = hr_apply_event(&c, &e, broker_now(), &ends);
			if (r == SK_ERR_EXISTS)   /* a hire whose name was taken since the import */
				r = audit_event(&c, &e, e.staff_no, "user_exists", NULL);
		}
		if (r == SK_OK)
			r = store_hr_event_set_applied(c.db, e.event_id, broker_now());
		explicit_bzero(e.pw_hash, sizeof(e.pw_hash));
		r = r == SK_OK ? store_commit(c.db) : r;
		if (r != SK_OK) {
			store_rollback(c.db);
			hr_session_ends_free(&ends);
			sk_logerr("HR: applying event %s (%s of %s, due %s) failed; retried at the next"
			          " check", e.event_id, e.event, e.staff_no, e.effective);
			break;
		}
		hr_session_ends_run(&c, &ends);
		(*applied)++;
	}
	store_release(c.db);
	return r;
}

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int running, stop;
	struct broker *b;
} sched = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *
run_scheduler(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sched.lock);
	while (!sched.stop) {
		struct timespec until;
		size_t n = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)sched.b->conf.hr_check_interval;
		(void)pthread_cond_timedwait(&sched.cond, &sched.lock, &until);
		if (sched.stop)
			break;
		pthread_mutex_unlock(&sched.lock);
		if (hr_apply_due(sched.b, &n) == SK_OK && n > 0)
			sk_log(LOG_INFO, "HR: %zu pending event(s) applied on their date", n);
		if (dormant_suspend_due(sched.b, &n) == SK_OK && n > 0)
			sk_log(LOG_NOTICE, "%zu dormant account(s) disabled", n);
		pthread_mutex_lock(&sched.lock);
	}
	pthread_mutex_unlock(&sched.lock);
	return NULL;
}

int
hr_scheduler_start(struct broker *b)
{
	struct broker_conn c;
	size_t n = 0;
	int r;

	/* Without its zone file localtime would quietly count days in UTC. */
	if (!sk_conf_valid_timezone(b->conf.hr_timezone)) {
		sk_logerr("hr_timezone %s: no such time zone in /usr/share/zoneinfo",
		          b->conf.hr_timezone);
		return SK_ERR_CONFIG;
	}
	if ((r = hr_set_timezone(b->conf.hr_timezone)) != SK_OK)
		return r;
	/* Staged rows of an import that never committed (client gone, broker killed). */
	if ((r = broker_system_conn(b, &c)) != SK_OK)
		return r;
	if ((r = store_begin(c.db)) == SK_OK) {
		r = store_hr_stage_clear(c.db, NULL);
		r = r == SK_OK ? store_commit(c.db) : r;
		if (r != SK_OK)
			store_rollback(c.db);
	}
	store_release(c.db);
	if (r != SK_OK)
		return r;
	if ((r = hr_apply_due(b, &n)) != SK_OK)
		return r;   /* fail closed: a retirement that cannot be applied stops the start */
	if (n > 0)
		sk_log(LOG_NOTICE, "HR: %zu event(s) that became due while sekimorid was down"
		       " applied at start", n);
	/* Dormancy at start too; a failure here is retried at the next check. */
	if (dormant_suspend_due(b, &n) == SK_OK && n > 0)
		sk_log(LOG_NOTICE, "%zu dormant account(s) disabled at start", n);
	sched.b = b;
	sched.stop = 0;
	if (pthread_create(&sched.thread, NULL, run_scheduler, NULL) != 0) {
		sk_logerr("HR: the scheduler thread could not start");
		return SK_ERR_INTERNAL;
	}
	sched.running = 1;
	return SK_OK;
}

void
hr_scheduler_stop(void)
{
	if (!sched.running)
		return;
	pthread_mutex_lock(&sched.lock);
	sched.stop = 1;
	pthread_cond_broadcast(&sched.cond);
	pthread_mutex_unlock(&sched.lock);
	pthread_join(sched.thread, NULL);
	sched.running = 0;
}
