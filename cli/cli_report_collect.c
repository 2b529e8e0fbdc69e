/* The log review's counting (cli_report.h): the records `audit verify` found whole, read
 * once more and sorted into the report's sections. The files are read again after the
 * verification, so each line is held to its MAC and to the chain again
 * (sk_audit_line_open, the chain's own code) and the last one to the verified end: what is
 * counted is what was verified, even when someone with write access changed a file in
 * between. Records the broker appends after the verification are not counted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "cli_report.h"
#include "sk_err.h"
#include "sk_i18n.h"

/* Records are flat objects; the verifier allows this depth too (sk_audit_chain.c). */
#define RECORD_DEPTH_MAX 16

void
rp_report_init(struct cli_report *r)
{
	memset(r, 0, sizeof(*r));
}

static void
tally_free(struct rp_tally *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static void
section_free(struct rp_section *s)
{
	tally_free(&s->by_user);
	tally_free(&s->by_host);
	tally_free(&s->by_kind);
}

void
rp_report_free(struct cli_report *r)
{
	section_free(&r->failed);
	section_free(&r->lockouts);
	section_free(&r->locked);
	section_free(&r->replays);
	section_free(&r->clones);
	section_free(&r->cards);
	section_free(&r->keys);
	section_free(&r->privileged);
	section_free(&r->admin);
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
tally_grow(struct rp_tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct rp_entry *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return SK_ERR_NOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (t->slot[i].n == 0)
			continue;
		for (j = fnv1a(t->slot[i].key) & (cap - 1); slot[j].n != 0; j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return SK_OK;
}

/* Counts one for key (cut to RP_KEY_MAX - 1 bytes). */
static int
tally_add(struct rp_tally *t, const char *key)
{
	char k[RP_KEY_MAX];
	size_t j;

	snprintf(k, sizeof(k), "%s", key);
	/* Kept under half full; the cap is a power of two. */
	if ((t->used + 1) * 2 > t->cap && t->used < RP_TALLY_MAX && tally_grow(t) != SK_OK)
		return SK_ERR_NOMEM;
	for (j = fnv1a(k) & (t->cap - 1); t->slot[j].n != 0; j = (j + 1) & (t->cap - 1)) {
		if (strcmp(t->slot[j].key, k) == 0) {
			t->slot[j].n++;
			return SK_OK;
		}
	}
	if (t->used >= RP_TALLY_MAX) {
		t->other++;
		return SK_OK;
	}
	memcpy(t->slot[j].key, k, sizeof(k));
	t->slot[j].n = 1;
	t->used++;
	return SK_OK;
}

static int
by_count(const void *a, const void *b)
{
	const struct rp_entry *x = *(const struct rp_entry *const *)a;
	const struct rp_entry *y = *(const struct rp_entry *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

const struct rp_entry **
rp_tally_sorted(const struct rp_tally *t, size_t *n)
{
	const struct rp_entry **v;
	size_t k = 0;

	*n = 0;
	if (t->used == 0 || (v = calloc(t->used, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].n != 0)
			v[k++] = &t->slot[i];
	qsort(v, k, sizeof(*v), by_count);
	*n = k;
	return v;
}

int
rp_parse_time(const char *text, char out[RP_TS_LEN + 1])
{
	struct tm tm, check;
	char buf[64];
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (text == NULL || strlen(text) > 20)
		return SK_ERR_PROTO;
	end = strptime(text, "%Y-%m-%d", &tm);
	if (end == NULL || end - text != 10)
		return SK_ERR_PROTO;
	if (*end != '\0') {
		end = strptime(end, "T%H:%M:%SZ", &tm);
		if (end == NULL || *end != '\0' || strlen(text) != 20)
			return SK_ERR_PROTO;
	}
	/* Only dates that exist: timegm normalises 2026-02-30, which then reads back else. */
	check = tm;
	if ((t = timegm(&check)) == (time_t)-1 || check.tm_mday != tm.tm_mday ||
	    check.tm_mon != tm.tm_mon || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return SK_ERR_PROTO;
	if (snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.000000Z", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != RP_TS_LEN)
		return SK_ERR_PROTO;
	memcpy(out, buf, RP_TS_LEN + 1);
	return SK_OK;
}

/* A string field of the record, or "" when absent or not a string. */
static const char *
field(json_object *rec, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(rec, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Who acted in an administrative record: the administrator of the admin session, else the
 * recovery role (root without a session), else the peer's name. */
static const char *
actor_of(json_object *rec)
{
	if (field(rec, "admin")[0] != '\0')
		return field(rec, "admin");
	if (strcmp(field(rec, "role"), "recovery") == 0)
		return "(recovery)";
	return field(rec, "peer")[0] != '\0' ? field(rec, "peer") : "-";
}

static int
privileged_event(const char *event)
{
	static const char *const prefixes[] = { "grant.", "delegation.", "breakglass.", "review." };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(event, prefixes[i]))
			return 1;
	return 0;
}

static int
count_user_host(struct rp_section *s, const char *user, const char *host)
{
	int rc = tally_add(&s->by_user, user[0] ? user : "-");

	s->total++;
	return rc == SK_OK ? tally_add(&s->by_host, host) : rc;
}

static void
remember(struct cli_report *r, uint64_t seq, const char *ts, json_object *rec)
{
	struct rp_recent *e = &r->recent[r->recent_next];

	memset(e, 0, sizeof(*e));
	e->seq = seq;
	snprintf(e->ts, sizeof(e->ts), "%s", ts);
	snprintf(e->event, sizeof(e->event), "%s", field(rec, "event"));
	snprintf(e->user, sizeof(e->user), "%s", field(rec, "user"));
	snprintf(e->actor, sizeof(e->actor), "%s", actor_of(rec));
	snprintf(e->result, sizeof(e->result), "%s", field(rec, "result"));
	r->recent_next = (r->recent_next + 1) % RP_RECENT_MAX;
	if (r->n_recent < RP_RECENT_MAX)
		r->n_recent++;
}

/* One login decision (event auth) into its sections. */
static int
count_auth(struct cli_report *r, json_object *rec, const char *ts)
{
	const char *user = field(rec, "user"), *result = field(rec, "result");
	const char *reason = field(rec, "reason"), *host = field(rec, "rhost");
	json_object *v;
	int rc = SK_OK;

	if (host[0] == '\0')
		host = RP_LOCAL;
	if (strcmp(result, "allow") == 0)
		r->logins_allowed++;
	/* A failed login: denied, or a failure that found (or left) the account locked, such
	 * as a pending attempt that expired; not the refusals of a locked account. */
	if (strcmp(result, "deny") == 0 ||
	    (strcmp(result, "locked") == 0 && strcmp(reason, "locked") != 0)) {
		unsigned hour = (unsigned)(ts[11] - '0') * 10u + (unsigned)(ts[12] - '0');

		rc = count_user_host(&r->failed, user, host);
		if (rc == SK_OK)
			rc = tally_add(&r->failed.by_kind, reason[0] ? reason : "-");
		/* ts is "YYYY-MM-DDTHH:..." (the verifier checked its form) */
		if (hour < 24)
			r->failed_by_hour[hour]++;
		if (rc == SK_OK && (starts(reason, "card_") || starts(reason, "certificate_"))) {
			rc = count_user_host(&r->cards, user, host);
			if (rc == SK_OK)
				rc = tally_add(&r->cards.by_kind, reason);
		}
		if (rc == SK_OK && starts(reason, "fido2_") &&
		    strcmp(reason, "fido2_clone_suspected") != 0) {
			rc = count_user_host(&r->keys, user, host);
			if (rc == SK_OK)
				rc = tally_add(&r->keys.by_kind, reason);
		}
	}
	if (rc == SK_OK && strcmp(result, "locked") == 0 && strcmp(reason, "locked") == 0)
		rc = count_user_host(&r->locked, user, host);
	if (rc == SK_OK && json_object_object_get_ex(rec, "lockout", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
		rc = count_user_host(&r->lockouts, user, host);
	if (rc == SK_OK && strcmp(reason, "otp_replayed") == 0)
		rc = count_user_host(&r->replays, user, host);
	return rc;
}

static int
count_record(struct cli_report *r, json_object *rec, uint64_t seq)
{
	const char *ts = field(rec, "ts"), *event = field(rec, "event");
	int rc = SK_OK;

	if ((r->since[0] && strcmp(ts, r->since) < 0) || (r->until[0] && strcmp(ts, r->until) >= 0))
		return SK_OK;
	if (strlen(ts) != RP_TS_LEN)
		return SK_ERR_PROTO;   /* the verifier would not have passed it */
	if (r->records++ == 0)
		memcpy(r->first_ts, ts, sizeof(r->first_ts));
	memcpy(r->last_ts, ts, sizeof(r->last_ts));
	if (strcmp(event, "auth") == 0)
		rc = count_auth(r, rec, ts);
	/* A clone is flagged by the login that shows it, whatever record carries it. */
	if (rc == SK_OK && strcmp(field(rec, "reason"), "fido2_clone_suspected") == 0) {
		const char *host = field(rec, "rhost");

		rc = count_user_host(&r->clones, field(rec, "user"), host[0] ? host : RP_LOCAL);
	}
	if (rc == SK_OK && privileged_event(event)) {
		rc = count_user_host(&r->privileged, field(rec, "user"), actor_of(rec));
		if (rc == SK_OK)
			rc = tally_add(&r->privileged.by_kind, event);
		remember(r, seq, ts, rec);
	}
	if (rc == SK_OK && starts(event, "admin.")) {
		rc = count_user_host(&r->admin, field(rec, "user"), actor_of(rec));
		if (rc == SK_OK)
			rc = tally_add(&r->admin.by_kind, event);
		if (strcmp(field(rec, "result"), "deny") == 0)
			r->admin_refused++;
	}
	return rc;
}

static json_object *
parse_line(const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(RECORD_DEPTH_MAX);
	json_object *obj;

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (obj != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	                    json_tokener_get_parse_end(tok) != len ||
	                    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Where the re-reading stands: the seq and mac the next record must follow. */
struct chain_pos {
	uint64_t seq;
	char mac[SK_AUDIT_MAC_HEX + 1];
	int started;
};

/* Reads one file's records up to and including seq `last`, held to the chain. */
static int
collect_file(const struct cli_audit_chain *ch, const char *path, uint64_t last,
             struct chain_pos *pos, struct cli_report *r)
{
	static char line[SK_AUDIT_LINE_MAX];
	char prev[SK_AUDIT_MAC_HEX + 1], mac[SK_AUDIT_MAC_HEX + 1];
	const char *why = "";
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = SK_OK;
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, _("sekimori: cannot read %s: %s\n"), path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_FAILED;
	}
	while (pos->seq < last) {
		uint64_t seq = 0;
		json_object *rec;
		size_t len;

		/* Lines were at most SK_AUDIT_LINE_MAX - 1 bytes when verified. */
		if (fgets(line, sizeof(line), f) == NULL || (len = strlen(line)) == 0 ||
		    line[len - 1] != '\n') {
			rc = SK_ERR_PROTO;
			break;
		}
		line[--len] = '\0';
		if (sk_audit_line_open(ch->key, sizeof(ch->key), line, len, &seq, prev, mac, &why)
		    != SK_OK || (pos->started && (seq != pos->seq + 1 ||
		    CRYPTO_memcmp(prev, pos->mac, SK_AUDIT_MAC_HEX) != 0))) {
			rc = SK_ERR_PROTO;
			break;
		}
		pos->started = 1;
		pos->seq = seq;
		memcpy(pos->mac, mac, sizeof(pos->mac));
		if ((rec = parse_line(line, len)) == NULL) {
			rc = SK_ERR_PROTO;
			break;
		}
		rc = count_record(r, rec, seq);
		json_object_put(rec);
		if (rc != SK_OK)
			break;
	}
	fclose(f);
	if (rc == SK_ERR_NOMEM) {
		fprintf(stderr, "%s\n", _("sekimori: out of memory"));
		return CLI_FAILED;
	}
	if (rc != SK_OK) {
		fprintf(stderr, _("sekimori: %s changed after it was verified (record %llu); run "
		                  "the report again\n"), path, (unsigned long long)pos->seq + 1);
		return CLI_FAILED;
	}
	return CLI_OK;
}

int
rp_collect(const struct cli *c, const struct cli_audit_chain *ch, struct cli_report *r)
{
	struct chain_pos pos;
	int rc;

	memset(&pos, 0, sizeof(pos));
	for (size_t i = 0; i < ch->nsegs; i++) {
		if ((rc = collect_file(ch, ch->segs[i].path, ch->segs[i].rep.last_seq, &pos, r))
		    != CLI_OK)
			return rc;
	}
	if ((rc = collect_file(ch, c->conf.audit_log, ch->live.last_seq, &pos, r)) != CLI_OK)
		return rc;
	/* The live log's last verified record is the one the anchor holds. */
	if (ch->live.last_seq > 0 &&
	    CRYPTO_memcmp(pos.mac, ch->live.last_mac, SK_AUDIT_MAC_HEX) != 0) {
		fprintf(stderr, _("sekimori: %s changed after it was verified (record %llu); run "
		                  "the report again\n"), c->conf.audit_log,
		        (unsigned long long)ch->live.last_seq);
		return CLI_FAILED;
	}
	return CLI_OK;
}
