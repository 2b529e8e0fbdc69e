/* sekimori hr import | pending (doc/hr-import.md): HR_STAGE takes a validated file's records
 * in bounded batches, each its own short transaction; HR_COMMIT applies the staged rows of one
 * file in ONE transaction (all or nothing); HR_PENDING lists the events waiting for their
 * date. The broker re-checks every staged field and recomputes each event identity itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "attempt.h"
#include "audit_event.h"
#include "hr.h"
#include "hr_apply.h"
#include "password.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

#define HR_PENDING_LIST_MAX 500 /* events in one HR_PENDING reply */
#define HR_RECORD_WIRE_MAX 128

static int
valid_sha_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int
file_hash(const struct sk_msg *req, char out[HR_ID_HEX])
{
	return sk_msg_get_text(req, SK_K_HR_FILE, out, HR_ID_HEX) == SK_OK && valid_sha_hex(out)
	       ? SK_OK : SK_ERR_PROTO;
}

/* The keyword of enum value v among the ones skhr knows, as parsed back: 1 when s is one. */
static int
event_from_keyword(const char *s, enum hr_event *out)
{
	for (int v = HR_EV_HIRE; v <= HR_EV_RETIREMENT; v++)
		if (strcmp(s, hr_event_keyword((enum hr_event)v)) == 0) {
			*out = (enum hr_event)v;
			return 1;
		}
	return 0;
}

static int
employment_known(const char *s)
{
	if (s[0] == '\0')
		return 1;
	for (int v = HR_EMP_REGULAR; v <= HR_EMP_SECONDEE; v++)
		if (strcmp(s, hr_employment_keyword((enum hr_employment)v)) == 0)
			return 1;
	return 0;
}

/* "staff\tevent\temployment\tdept\tYYYY-MM-DD\tline" -> e, checked like skhr checks a row. */
static int
parse_record(const char *text, const char *sha, struct hr_event_rec *e)
{
	char buf[HR_RECORD_WIRE_MAX + 1], *f[6], *end;
	char staff[HR_STAFF_NO_MAX + 1];
	unsigned char id[HR_SHA256_LEN];
	struct hr_date d;
	enum hr_event ev;
	unsigned long line;
	size_t i = 0;

	if (strlen(text) > HR_RECORD_WIRE_MAX)
		return SK_ERR_PROTO;
	memcpy(buf, text, strlen(text) + 1);
	/* strtok would merge empty fields: split by hand. */
	for (char *p = buf; i < 6; i++) {
		f[i] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	if (i != 5)
		return SK_ERR_PROTO;
	memset(e, 0, sizeof(*e));
	if (hr_parse_staff_no(f[0], strlen(f[0]), staff) != 0 || strcmp(staff, f[0]) != 0 ||
	    !event_from_keyword(f[1], &ev) || !employment_known(f[2]) || strlen(f[3]) >= HR_DEPT_LEN ||
	    strspn(f[3], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") !=
	    strlen(f[3]) || strlen(f[4]) != 10 || hr_parse_date(f[4], &d) != 0)
		return SK_ERR_PROTO;
	line = strtoul(f[5], &end, 10);
	if (f[5][0] < '0' || f[5][0] > '9' || *end != '\0' || line == 0 || line > 100000000UL)
		return SK_ERR_PROTO;
	snprintf(e->staff_no, sizeof(e->staff_no), "%s", staff);
	snprintf(e->event, sizeof(e->event), "%s", f[1]);
	snprintf(e->employment, sizeof(e->employment), "%s", f[2]);
	snprintf(e->dept, sizeof(e->dept), "%s", f[3]);
	snprintf(e->effective, sizeof(e->effective), "%04d-%02d-%02d", d.year, d.month, d.day);
	if (strcmp(e->effective, f[4]) != 0)
		return SK_ERR_PROTO;
	snprintf(e->file_sha256, sizeof(e->file_sha256), "%s", sha);
	e->line = (int64_t)line;
	return hr_event_identity(staff, ev, &d, id, e->event_id) == SK_OK ? SK_OK : SK_ERR_CRYPTO;
}

static int
refuse_at(struct sk_msg *reply, enum sk_status st, enum sk_reason why,
          const struct hr_event_rec *e)
{
	int r = admin_refuse(reply, st, why);

	if (r == SK_OK && e != NULL)
		r = sk_msg_put_text(reply, SK_K_HR_STAFF, e->staff_no);
	if (r == SK_OK && e != NULL)
		r = sk_msg_put_uint(reply, SK_K_HR_LINE, (uint64_t)e->line);
	return r;
}

/* The reply's temporary passwords, one "staff\tpassword" per hire staged now. */
struct stage_pw {
	char text[SK_ARRAY_MAX][HR_STAFF_MAX + PASSWORD_BULK_TEMP_LEN + 2];
	const unsigned char *items[SK_ARRAY_MAX];
	size_t lens[SK_ARRAY_MAX];
	size_t n;
};

/* A hire's temporary password, made and hashed here, before any transaction: a broker-made
 * secret of >= 128 bits with the fast salted hash of password_issue_bulk_temp (a yescrypt
 * hash per hire cost ~60 ms and capped the hires of a file; doc/hr-import.md). */
static int
stage_password(struct hr_event_rec *e, char pw[PASSWORD_BULK_TEMP_LEN + 1])
{
	return password_issue_bulk_temp(pw, PASSWORD_BULK_TEMP_LEN + 1, e->pw_hash,
	                                sizeof(e->pw_hash));
}

static int
stage_rows(struct broker_conn *c, const char *sha, int first, struct hr_event_rec *recs,
           char (*pws)[PASSWORD_BULK_TEMP_LEN + 1], size_t n, struct stage_pw *out, int *known)
{
	/* Staged rows are dropped at broker start: their commit need not wait for the disk
	 * (a sync per 32 rows was seconds of a 100,000-row import). */
	int r = store_begin_nondurable(c->db), ev_known;

	if (r == SK_OK)
		r = store_hr_file_known(c->db, sha, known);
	if (r == SK_OK && *known) {
		store_rollback(c->db);
		return SK_OK;
	}
	if (r == SK_OK && first)
		r = store_hr_stage_clear(c->db, sha);
	for (size_t i = 0; i < n && r == SK_OK; i++) {
		ev_known = 0;
		/* A hire already recorded (from another file) gets no new password. */
		if (recs[i].pw_hash[0] != '\0' &&
		    (r = store_hr_event_known(c->db, recs[i].event_id, &ev_known)) == SK_OK && ev_known)
			explicit_bzero(recs[i].pw_hash, sizeof(recs[i].pw_hash));
		if (r == SK_OK)
			r = store_hr_stage_add(c->db, &recs[i]);
		if (r == SK_ERR_EXISTS) {   /* the same row twice in the file: staged once */
			r = SK_OK;
			continue;
		}
		if (r == SK_OK && recs[i].pw_hash[0] != '\0') {
			snprintf(out->text[out->n], sizeof(out->text[0]), "%s\t%s", recs[i].staff_no,
			         pws[i]);
			out->items[out->n] = (const unsigned char *)out->text[out->n];
			out->lens[out->n] = strlen(out->text[out->n]);
			out->n++;
		}
	}
	/* Staging changes nothing of anybody's account: it is audited once, at commit. */
	r = r == SK_OK ? store_commit(c->db) : r;
	if (r != SK_OK)
		store_rollback(c->db);
	return r;
}

/* An HR_STAGE's records: the lines of SK_K_HR_RECORD_BLOCK (up to SK_HR_STAGE_RECORDS_MAX),
 * or the items of SK_K_HR_RECORDS (up to SK_ARRAY_MAX), never both. */
struct stage_input {
	const struct sk_msg *req;
	char *block;        /* NUL-terminated copy of the block; NULL: the array */
	const char *next;   /* the block's next line */
	size_t n;
};

static int
stage_input_open(const struct sk_msg *req, struct stage_input *in)
{
	size_t len = 0, n_array = 0;
	int g, a;

	memset(in, 0, sizeof(*in));
	in->req = req;
	a = sk_msg_get_array_len(req, SK_K_HR_RECORDS, &n_array);
	if ((in->block = malloc(SK_HR_STAGE_BLOCK_MAX + 1)) == NULL)
		return SK_ERR_NOMEM;
	g = sk_msg_get_bytes(req, SK_K_HR_RECORD_BLOCK, (unsigned char *)in->block,
	                     SK_HR_STAGE_BLOCK_MAX, &len);
	if (g == SK_ERR_NOTFOUND) {
		free(in->block);
		in->block = NULL;
		in->n = n_array;
		return a == SK_OK && n_array > 0 && n_array <= SK_ARRAY_MAX ? SK_OK : SK_ERR_PROTO;
	}
	if (g != SK_OK || a != SK_ERR_NOTFOUND || len == 0 || memchr(in->block, '\0', len) != NULL)
		return SK_ERR_PROTO;
	in->block[len] = '\0';
	in->n = 1;
	for (size_t i = 0; i < len; i++)
		in->n += in->block[i] == '\n';
	in->next = in->block;
	return in->n <= SK_HR_STAGE_RECORDS_MAX ? SK_OK : SK_ERR_PROTO;
}

/* Record i (called for i = 0, 1, ... in order) into text: SK_ERR_PROTO when it is too long
 * or holds a NUL (the block holds none: stage_input_open). */
static int
stage_input_get(struct stage_input *in, size_t i, char text[HR_RECORD_WIRE_MAX + 1])
{
	const char *end;
	size_t len;

	if (in->block == NULL) {
		if (sk_msg_get_array_bytes(in->req, SK_K_HR_RECORDS, i, (unsigned char *)text,
		                           HR_RECORD_WIRE_MAX, &len) != SK_OK ||
		    memchr(text, '\0', len) != NULL)
			return SK_ERR_PROTO;
		text[len] = '\0';
		return SK_OK;
	}
	end = strchr(in->next, '\n');
	len = end != NULL ? (size_t)(end - in->next) : strlen(in->next);
	if (len > HR_RECORD_WIRE_MAX)
		return SK_ERR_PROTO;
	memcpy(text, in->next, len);
	text[len] = '\0';
	in->next += len + (end != NULL);
	return SK_OK;
}

int
admin_hr_stage(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char sha[HR_ID_HEX], text[HR_RECORD_WIRE_MAX + 1];
	char (*pws)[PASSWORD_BULK_TEMP_LEN + 1] = NULL;
	struct hr_event_rec *recs = NULL;
	struct stage_pw *out = NULL;
	struct stage_input in;
	size_t n = 0, hires = 0;
	int first = 0, known = 0, r, g;

	if ((r = stage_input_open(req, &in)) == SK_ERR_NOMEM)
		goto done;
	if (r != SK_OK || file_hash(req, sha) != SK_OK ||
	    ((g = sk_msg_get_bool(req, SK_K_HR_FIRST, &first)) != SK_OK && g != SK_ERR_NOTFOUND)) {
		r = admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
		goto done;
	}
	n = in.n;
	recs = calloc(n, sizeof(*recs));
	pws = calloc(n, sizeof(*pws));
	out = calloc(1, sizeof(*out));
	if (recs == NULL || pws == NULL || out == NULL) {
		r = SK_ERR_NOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (stage_input_get(&in, i, text) != SK_OK) {
			r = admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_HR_BAD_RECORD);
			goto done;
		}
		if ((r = parse_record(text, sha, &recs[i])) == SK_ERR_PROTO) {
			r = admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_HR_BAD_RECORD);
			goto done;
		}
		/* The reply carries each hire's password in an array of at most SK_ARRAY_MAX. */
		if (r == SK_OK && strcmp(recs[i].event, "hire") == 0 && ++hires > SK_ARRAY_MAX) {
			r = admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
			goto done;
		}
		if (r == SK_OK && strcmp(recs[i].event, "hire") == 0)
			r = stage_password(&recs[i], pws[i]);
		if (r != SK_OK)
			goto done;
	}
	if ((r = stage_rows(c, sha, first, recs, pws, n, out, &known)) != SK_OK)
		goto done;
	if (known) {
		r = reply_status(reply, SK_ST_EXISTS);
		goto done;
	}
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK && out->n > 0)
		r = sk_msg_put_bytes_array(reply, SK_K_HR_TEMP_PASSWORDS, out->items, out->lens, out->n);
done:
	if (recs != NULL)
		explicit_bzero(recs, n * sizeof(*recs));
	if (pws != NULL)
		explicit_bzero(pws, n * sizeof(*pws));
	if (out != NULL)
		explicit_bzero(out, sizeof(*out));
	free(recs);
	free(pws);
	free(out);
	free(in.block);
	return r;
}

struct commit {
	struct broker_conn *c;
	const char *sha;
	char today[HR_DATE_LEN];
	int64_t now;
	size_t applied, pending, unchanged, hires;
	struct hr_session_ends ends;
	const struct hr_event_rec *refused;   /* the row a refusal is about */
	enum sk_reason why;
};

/* One staged row: recorded pending, or applied now when its date has come. A hire's
 * password hash was made at staging. */
static int
commit_row(struct commit *k, struct hr_event_rec *e)
{
	struct user_rec u;
	int known = 0, r, hire = strcmp(e->event, "hire") == 0;

	if ((r = store_hr_event_known(k->c->db, e->event_id, &known)) != SK_OK)
		return r;
	if (known) {   /* the same change from another file: applied or scheduled already */
		if (hire && e->pw_hash[0] != '\0') {
			/* Recorded by another import after this one staged it: the password this
			 * import handed out would be nobody's. Refused; the same file again counts
			 * the hire unchanged (staging gives it no password then). */
			k->why = SK_REASON_HR_HIRE_RECORDED;
			return SK_ERR_EXISTS;
		}
		k->unchanged++;
		return SK_OK;
	}
	if (hire) {
		k->hires++;
		if ((r = store_user_get(k->c->db, e->staff_no, &u)) != SK_ERR_NOTFOUND) {
			explicit_bzero(&u, sizeof(u));
			k->why = SK_REASON_HR_USER_EXISTS;
			return r == SK_OK ? SK_ERR_EXISTS : r;
		}
		if (e->pw_hash[0] == '\0') {   /* staged without one: cannot be (stage_rows) */
			sk_logerr("HR: staged hire of %s has no password", e->staff_no);
			return SK_ERR_INTERNAL;
		}
	}
	e->created = k->now;
	e->state = strcmp(e->effective, k->today) <= 0 ? HR_STATE_APPLIED : HR_STATE_PENDING;
	r = SK_OK;
	if (e->state == HR_STATE_APPLIED) {
		r = hr_apply_event(k->c, e, k->now, &k->ends);
		if (r == SK_ERR_EXISTS)
			k->why = SK_REASON_HR_USER_EXISTS;
		explicit_bzero(e->pw_hash, sizeof(e->pw_hash));
		e->applied = k->now;
		k->applied++;
	} else {
		k->pending++;
	}
	if (r == SK_OK)
		r = store_hr_event_insert(k->c->db, e);
	explicit_bzero(e->pw_hash, sizeof(e->pw_hash));
	return r;
}

/* Staged rows read this many at a time (store_hr_stage_next). */
#define COMMIT_CHUNK 64

/* Every staged row in (effective, line) order, chunk by chunk through rows[COMMIT_CHUNK];
 * k->refused points into rows when a row is refused. */
static int
commit_rows(struct commit *k, struct hr_event_rec *rows)
{
	char after[HR_DATE_LEN] = "";
	int64_t line = 0;
	size_t n = 0;
	int r;

	while ((r = store_hr_stage_next(k->c->db, k->sha, after, line, rows, COMMIT_CHUNK,
	                                &n)) == SK_OK) {
		snprintf(after, sizeof(after), "%s", rows[n - 1].effective);
		line = rows[n - 1].line;
		for (size_t i = 0; i < n; i++) {
			if ((r = commit_row(k, &rows[i])) != SK_OK) {
				k->refused = &rows[i];
				return r;
			}
		}
	}
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static json_object *
commit_json(const struct commit *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(k->sha));
	json_object_object_add(o, "applied", json_object_new_int64((int64_t)k->applied));
	json_object_object_add(o, "pending", json_object_new_int64((int64_t)k->pending));
	json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)k->unchanged));
	/* A count, not a list: every hire staged with a password was made (commit_row refuses
	 * the file otherwise), so the CLI shows the passwords HR_STAGE gave, however many. */
	json_object_object_add(o, "hires", json_object_new_int64((int64_t)k->hires));
	return o;
}

int
admin_hr_commit(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char sha[HR_ID_HEX];
	struct commit k;
	struct hr_event_rec e, *rows = NULL;
	uint64_t count = 0;
	int64_t staged = 0;
	int known = 0, r;
	json_object *fields;

	if (file_hash(req, sha) != SK_OK || sk_msg_get_uint(req, SK_K_HR_COUNT, &count) != SK_OK)
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.sha = sha;
	k.now = broker_now();
	if ((r = hr_today(k.today)) != SK_OK)
		return r;
	/* A bounded larger page cache for this one transaction (store_hr_bulk_cache). */
	if ((r = store_hr_bulk_cache(c->db, 1)) != SK_OK || (r = store_begin(c->db)) != SK_OK)
		goto out;
	if ((r = store_hr_file_known(c->db, sha, &known)) == SK_OK && known) {
		store_rollback(c->db);
		r = reply_status(reply, SK_ST_EXISTS);
		goto out;
	}
	if (r == SK_OK)
		r = store_hr_stage_count(c->db, sha, &staged);
	if (r == SK_OK && (count == 0 || (uint64_t)staged != count)) {
		store_rollback(c->db);
		r = refuse_at(reply, SK_ST_INVALID, SK_REASON_HR_COUNT_MISMATCH, NULL);
		goto out;
	}
	if (r == SK_OK && (r = store_hr_stage_orphan(c->db, sha, &e)) == SK_OK) {
		store_rollback(c->db);
		r = refuse_at(reply, SK_ST_INVALID, SK_REASON_HR_UNKNOWN_STAFF, &e);
		goto out;
	}
	/* The file first: its events refer to it. */
	if (r == SK_ERR_NOTFOUND)
		r = store_hr_file_add(c->db, sha, (int64_t)count, k.now);
	if (r == SK_OK && (rows = calloc(COMMIT_CHUNK, sizeof(*rows))) == NULL)
		r = SK_ERR_NOMEM;
	r = r == SK_OK ? commit_rows(&k, rows) : r;
	if (r != SK_OK && k.why != SK_REASON_NONE) {
		/* All or nothing: the whole import is refused, nothing of it stays. */
		store_rollback(c->db);
		hr_session_ends_free(&k.ends);
		r = refuse_at(reply, SK_ST_INVALID, k.why, k.refused);
		goto out;
	}
	if (r == SK_OK)
		r = store_hr_stage_clear(c->db, sha);
	fields = audit_field(NULL, "hr_file", sha);
	fields = audit_field_int(fields, "records", (int64_t)count);
	fields = audit_field_int(fields, "applied", (int64_t)k.applied);
	fields = audit_field_int(fields, "pending", (int64_t)k.pending);
	fields = audit_field_int(fields, "unchanged", (int64_t)k.unchanged);
	r = attempt_end(c, r, "admin.hr_import", NULL, "ok", admin_actor(req, fields));
	if (r != SK_OK) {
		hr_session_ends_free(&k.ends);
		goto out;
	}
	hr_session_ends_run(c, &k.ends);   /* leave, secondment, retirement: sessions end now */
	r = admin_reply_json(reply, commit_json(&k));
out:
	if (rows != NULL)   /* hires' password hashes */
		explicit_bzero(rows, COMMIT_CHUNK * sizeof(*rows));
	free(rows);
	/* Every path here has ended the transaction; a failure to shrink the cache only costs
	 * memory until the next commit, it changes no data. */
	if (store_hr_bulk_cache(c->db, 0) != SK_OK)
		sk_logwarn("HR commit: the page cache was not set back to its default size");
	return r;
}

struct pending_list {
	json_object *arr;
	size_t n;
	int truncated;
};

static int
pending_one(void *arg, const struct hr_event_rec *e)
{
	struct pending_list *p = arg;
	json_object *o;

	if (p->n >= HR_PENDING_LIST_MAX) {
		p->truncated = 1;
		return 1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "staff_no", json_object_new_string(e->staff_no));
	json_object_object_add(o, "event", json_object_new_string(e->event));
	json_object_object_add(o, "effective", json_object_new_string(e->effective));
	json_object_object_add(o, "employment", json_object_new_string(e->employment));
	json_object_object_add(o, "dept", json_object_new_string(e->dept));
	json_object_object_add(o, "file", json_object_new_string(e->file_sha256));
	json_object_object_add(o, "line", json_object_new_int64(e->line));
	json_object_object_add(o, "event_id", json_object_new_string(e->event_id));
	json_object_array_add(p->arr, o);
	p->n++;
	return 0;
}

int
admin_hr_pending(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct pending_list p = { json_object_new_array(), 0, 0 };
	json_object *o;
	int r;

	(void)req;
	if (p.arr == NULL)
		return SK_ERR_NOMEM;
	if ((r = store_hr_event_pending(c->db, pending_one, &p)) != SK_OK) {
		json_object_put(p.arr);
		return r;
	}
	o = json_object_new_object();
	json_object_object_add(o, "pending", p.arr);
	json_object_object_add(o, "truncated", json_object_new_boolean(p.truncated));
	return admin_reply_json(reply, o);
}
