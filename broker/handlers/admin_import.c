/* sekimori user import (doc/bulk-enrol.md): USER_IMPORT_STAGE takes a validated file's rows in
 * batches of at most SK_ARRAY_MAX and keeps them on the connection, each with its temporary
 * password already made and hashed and its TOTP seed, when the row has one, already sealed
 * (outside any transaction); USER_IMPORT_COMMIT adds every staged user, and its TOTP token, in
 * ONE transaction, all or nothing, and records the file's hash in the table the HR import
 * uses, so the same file twice is refused as imported. The broker re-checks every field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "attempt.h"
#include "audit_event.h"
#include "hr.h"
#include "password.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"
#include "store.h"
#include "store_hr.h"
#include "store_totp.h"
#include "store_user.h"
#include "totp_factor.h"

/* user (63) + profile (63) + staff (16) + line (9) + base32 seed (103) + digits (1) + period
 * (3) + algorithm (6) + 7 tabs */
#define IMPORT_ROW_WIRE_MAX 320
#define IMPORT_SEED_B32_MAX 112   /* 64 bytes are 103 base32 characters */
#define IMPORT_HASH_MAX 112       /* "$sktmp1$" hashes are 105 characters */
#define IMPORT_LINE_MAX 100000000UL
/* Users named in one admin.user_import record, and the bytes their entries may take: each
 * record is one durable append (write, fdatasync, anchor), so one per user would bound the
 * import near 1 / (2 x fdatasync); the bytes keep a record under SK_AUDIT_LINE_MAX (8192). */
#define IMPORT_AUDIT_USERS 64
#define IMPORT_AUDIT_BYTES 5000

struct import_row {
	char user[SK_USER_MAX];
	char profile[SK_NAME_MAX];
	char staff[HR_STAFF_MAX];
	int64_t line;
	char pw_hash[IMPORT_HASH_MAX];
	/* The row's TOTP token (has_totp): its seed sealed at staging as totp enroll seals one. */
	int has_totp;
	struct sk_totp_params totp;
	unsigned char sealed[TOTP_SEALED_MAX];
	size_t sealed_len;
};

/* What one connection staged: one file at a time, freed with the connection. */
struct user_import {
	char sha[HR_ID_HEX];
	struct import_row *rows;
	size_t n, cap;
};

void
admin_import_free(struct broker_conn *c)
{
	if (c->import == NULL)
		return;
	if (c->import->rows != NULL)
		explicit_bzero(c->import->rows, c->import->cap * sizeof(*c->import->rows));
	free(c->import->rows);
	free(c->import);
	c->import = NULL;
}

static int
refuse_line(struct sk_msg *reply, enum sk_status st, enum sk_reason why, int64_t line)
{
	int r = admin_refuse(reply, st, why);

	if (r == SK_OK && line > 0)
		r = sk_msg_put_uint(reply, SK_K_HR_LINE, (uint64_t)line);
	return r;
}

static int
file_hash(const struct sk_msg *req, char out[HR_ID_HEX])
{
	return sk_msg_get_text(req, SK_K_HR_FILE, out, HR_ID_HEX) == SK_OK &&
	       strlen(out) == 64 && strspn(out, "0123456789abcdef") == 64 ? SK_OK : SK_ERR_PROTO;
}

/* The TOTP fields of a row: a base32 seed of 16..64 bytes, digits 6|8, period 15..300,
 * algorithm SHA1|SHA256|SHA512; the seed is sealed for row->user at once and wiped. */
static int
parse_totp(struct broker_conn *c, char *const f[4], struct import_row *row)
{
	unsigned char seed[SK_TOTP_SEED_MAX];
	size_t seed_len = 0;
	unsigned long digits, period;
	char *end;
	struct totp_rec t;
	int r;

	if (strlen(f[0]) >= IMPORT_SEED_B32_MAX || f[1][0] == '\0' || f[2][0] == '\0' ||
	    strlen(f[1]) > 1 || strlen(f[2]) > 3)
		return SK_ERR_PROTO;
	digits = strtoul(f[1], &end, 10);
	if (*end != '\0' || (digits != 6 && digits != 8))
		return SK_ERR_PROTO;
	period = strtoul(f[2], &end, 10);
	if (*end != '\0' || f[2][0] < '0' || f[2][0] > '9' || period < 15 || period > 300)
		return SK_ERR_PROTO;
	if (sk_totp_algo_parse(f[3], &row->totp.algo) != SK_OK)
		return SK_ERR_PROTO;
	row->totp.digits = (unsigned)digits;
	row->totp.period = (unsigned)period;
	if (sk_totp_params_check(&row->totp) != SK_OK)
		return SK_ERR_PROTO;
	if (sk_base32_decode(f[0], seed, sizeof(seed), &seed_len) != SK_OK || seed_len < 16) {
		explicit_bzero(seed, sizeof(seed));
		return SK_ERR_PROTO;
	}
	memset(&t, 0, sizeof(t));
	r = totp_factor_seal(c->b, row->user, seed, seed_len, &t);
	explicit_bzero(seed, sizeof(seed));
	if (r == SK_OK && t.sealed_len <= sizeof(row->sealed)) {
		memcpy(row->sealed, t.sealed, t.sealed_len);
		row->sealed_len = t.sealed_len;
		row->has_totp = 1;
	}
	explicit_bzero(&t, sizeof(t));
	return r == SK_OK && row->has_totp ? SK_OK : r == SK_OK ? SK_ERR_INTERNAL : r;
}

/* "user\tprofile\tstaff\tline" or, with a TOTP token, the same and
 * "\tseed\tdigits\tperiod\talgorithm" -> row; profile "" = the default profile, staff "" =
 * none. Returns the row's line (> 0) even when a field is bad, so the refusal can name it;
 * SK_ERR_PROTO for a bad field, another error when sealing failed. */
static int
parse_row(struct broker_conn *c, const char *text, struct import_row *row)
{
	char buf[IMPORT_ROW_WIRE_MAX + 1], *f[8], *end;
	char staff[HR_STAFF_NO_MAX + 1];
	unsigned long line;
	size_t i = 0;
	int r = SK_ERR_PROTO;

	memset(row, 0, sizeof(*row));
	if (strlen(text) > IMPORT_ROW_WIRE_MAX)
		return SK_ERR_PROTO;
	memcpy(buf, text, strlen(text) + 1);
	for (char *p = buf; i < 8; i++) {   /* strtok would merge empty fields */
		f[i] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	if (i != 3 && i != 7)
		goto out;
	line = strtoul(f[3], &end, 10);
	if (f[3][0] < '0' || f[3][0] > '9' || *end != '\0' || line == 0 || line > IMPORT_LINE_MAX)
		goto out;
	row->line = (int64_t)line;
	if (strlen(f[0]) >= sizeof(row->user) || !sk_valid_username(f[0]) ||
	    strlen(f[1]) >= sizeof(row->profile) || (f[1][0] != '\0' && !sk_valid_name(f[1])))
		goto out;
	snprintf(row->user, sizeof(row->user), "%s", f[0]);
	snprintf(row->profile, sizeof(row->profile), "%s",
	         f[1][0] != '\0' ? f[1] : c->b->conf.default_profile);
	/* Administrators' accounts are made one at a time (user add): a bulk file cannot make
	 * privileged IDs, whoever sends it (R-PRIV-4: not a contractor's session either). */
	if (sk_conf_profile(&c->b->conf, row->profile) == NULL ||
	    strcmp(row->profile, c->b->conf.admin_profile) == 0)
		goto out;
	if (f[2][0] != '\0') {
		if (hr_parse_staff_no(f[2], strlen(f[2]), staff) != 0 || strcmp(staff, f[2]) != 0)
			goto out;
		snprintf(row->staff, sizeof(row->staff), "%s", staff);
	}
	r = i == 7 ? parse_totp(c, &f[4], row) : SK_OK;
out:
	explicit_bzero(buf, sizeof(buf));   /* it held the seed */
	return r;
}

static int
stage_grow(struct user_import *im, size_t more)
{
	struct import_row *rows;
	size_t cap;

	if (im->n + more <= im->cap)
		return SK_OK;
	cap = im->cap ? im->cap * 2 : 256;
	while (cap < im->n + more)
		cap *= 2;
	if (cap > USER_IMPORT_MAX)
		cap = USER_IMPORT_MAX;
	/* Not realloc: the old block holds password hashes and is wiped before it is freed. */
	if ((rows = calloc(cap, sizeof(*rows))) == NULL)
		return SK_ERR_NOMEM;
	if (im->rows != NULL) {
		memcpy(rows, im->rows, im->n * sizeof(*rows));
		explicit_bzero(im->rows, im->cap * sizeof(*im->rows));
		free(im->rows);
	}
	im->rows = rows;
	im->cap = cap;
	return SK_OK;
}

/* The reply's temporary passwords, one "user\tpassword" per row staged now. */
struct stage_pw {
	char text[SK_ARRAY_MAX][SK_USER_MAX + PASSWORD_BULK_TEMP_LEN + 2];
	const unsigned char *items[SK_ARRAY_MAX];
	size_t lens[SK_ARRAY_MAX];
};

static int
stage_batch(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply,
            struct stage_pw *out, size_t n)
{
	struct user_import *im = c->import;
	char text[IMPORT_ROW_WIRE_MAX + 1], pw[PASSWORD_BULK_TEMP_LEN + 1];
	size_t len;
	int r = SK_OK;

	if (im->n + n > USER_IMPORT_MAX)
		return refuse_line(reply, SK_ST_INVALID, SK_REASON_IMPORT_TOO_LARGE, 0);
	if ((r = stage_grow(im, n)) != SK_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct import_row *row = &im->rows[im->n + i];

		if (sk_msg_get_array_bytes(req, SK_K_HR_RECORDS, i, (unsigned char *)text,
		                           sizeof(text) - 1, &len) != SK_OK ||
		    memchr(text, '\0', len) != NULL) {
			explicit_bzero(pw, sizeof(pw));
			return refuse_line(reply, SK_ST_BAD_REQUEST, SK_REASON_IMPORT_BAD_ROW, 0);
		}
		text[len] = '\0';
		r = parse_row(c, text, row);
		explicit_bzero(text, sizeof(text));
		if (r == SK_ERR_PROTO) {
			explicit_bzero(pw, sizeof(pw));
			return refuse_line(reply, SK_ST_INVALID, SK_REASON_IMPORT_BAD_ROW, row->line);
		}
		if (r != SK_OK)
			break;
		/* A broker-made secret of >= 128 bits with a fast salted hash (password.c): a
		 * yescrypt hash per row was what bounded the import. */
		if ((r = password_issue_bulk_temp(pw, sizeof(pw), row->pw_hash,
		                                  sizeof(row->pw_hash))) != SK_OK)
			break;
		snprintf(out->text[i], sizeof(out->text[0]), "%s\t%s", row->user, pw);
		out->items[i] = (const unsigned char *)out->text[i];
		out->lens[i] = strlen(out->text[i]);
	}
	explicit_bzero(pw, sizeof(pw));
	if (r != SK_OK)
		return r;
	im->n += n;
	r = reply_status(reply, SK_ST_OK);
	return r == SK_OK ? sk_msg_put_bytes_array(reply, SK_K_HR_TEMP_PASSWORDS, out->items,
	                                           out->lens, n) : r;
}

int
admin_user_import_stage(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char sha[HR_ID_HEX];
	struct stage_pw *out;
	size_t n = 0;
	int first = 0, g, r;

	if (file_hash(req, sha) != SK_OK || sk_msg_get_array_len(req, SK_K_HR_RECORDS, &n) != SK_OK ||
	    n == 0 || n > SK_ARRAY_MAX ||
	    ((g = sk_msg_get_bool(req, SK_K_HR_FIRST, &first)) != SK_OK && g != SK_ERR_NOTFOUND))
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	if (first || c->import == NULL || strcmp(c->import->sha, sha) != 0) {
		if (!first)   /* a later batch of a file this connection did not start */
			return refuse_line(reply, SK_ST_INVALID, SK_REASON_IMPORT_NOT_STAGED, 0);
		admin_import_free(c);
		if ((c->import = calloc(1, sizeof(*c->import))) == NULL)
			return SK_ERR_NOMEM;
		snprintf(c->import->sha, sizeof(c->import->sha), "%s", sha);
	}
	if ((out = calloc(1, sizeof(*out))) == NULL)
		return SK_ERR_NOMEM;
	r = stage_batch(c, req, reply, out, n);
	explicit_bzero(out, sizeof(*out));
	free(out);
	/* A refused batch drops the whole staging: the file is refused as a whole. */
	if (r != SK_OK || sk_msg_get_uint(reply, SK_K_REASON, &(uint64_t){ 0 }) == SK_OK)
		admin_import_free(c);
	return r;
}

/* The users added since the last admin.user_import record. */
struct audit_batch {
	json_object *users;
	size_t n, bytes;
};

/* One admin.user_import record naming the batch's users ({"user", "profile", "line",
 * "staff_no"} each), in the commit's transaction. */
static int
audit_flush(struct broker_conn *c, const struct sk_msg *req, struct audit_batch *a)
{
	json_object *fields;
	int r;

	if (a->n == 0)
		return SK_OK;
	fields = audit_field_int(audit_field(NULL, "import_file", c->import->sha), "count",
	                         (int64_t)a->n);
	json_object_object_add(fields, "users", a->users);
	a->users = NULL;
	a->n = a->bytes = 0;
	r = broker_audit(c, "admin.user_import", NULL, "ok", admin_actor(req, fields));
	return r;
}

static int
audit_add(struct broker_conn *c, const struct sk_msg *req, struct audit_batch *a,
          const struct import_row *row, int64_t factor)
{
	json_object *o;

	if (a->users == NULL && (a->users = json_object_new_array()) == NULL)
		return SK_ERR_NOMEM;
	if ((o = json_object_new_object()) == NULL)
		return SK_ERR_NOMEM;
	json_object_object_add(o, "user", json_object_new_string(row->user));
	json_object_object_add(o, "profile", json_object_new_string(row->profile));
	json_object_object_add(o, "line", json_object_new_int64(row->line));
	if (row->staff[0] != '\0')
		json_object_object_add(o, "staff_no", json_object_new_string(row->staff));
	if (row->has_totp) {   /* the token's parameters and its factor id, never the seed */
		json_object *t = json_object_new_object();

		json_object_object_add(t, "factor", json_object_new_int64(factor));
		json_object_object_add(t, "algorithm",
		                       json_object_new_string(sk_totp_algo_name(row->totp.algo)));
		json_object_object_add(t, "digits", json_object_new_int((int)row->totp.digits));
		json_object_object_add(t, "period", json_object_new_int((int)row->totp.period));
		json_object_object_add(o, "totp", t);
	}
	json_object_array_add(a->users, o);
	a->n++;
	a->bytes += strlen(row->user) + strlen(row->profile) + strlen(row->staff) + 64 +
	            (row->has_totp ? 80 : 0);
	return a->n >= IMPORT_AUDIT_USERS || a->bytes >= IMPORT_AUDIT_BYTES ? audit_flush(c, req, a)
	                                                                     : SK_OK;
}

/* One staged row: a new user with its temporary password (changed at the first login,
 * R-CRED-1) and its staff number when given, named in an admin.user_import record. *why is
 * set when the row is refused. */
static int
commit_row(struct broker_conn *c, const struct sk_msg *req, const struct import_row *row,
           int64_t now, enum sk_reason *why, struct audit_batch *a)
{
	struct user_rec u;
	struct user_hr h;
	struct totp_rec t;
	int r;

	memset(&u, 0, sizeof(u));
	memset(&t, 0, sizeof(t));
	snprintf(u.name, sizeof(u.name), "%s", row->user);
	snprintf(u.profile, sizeof(u.profile), "%s", row->profile);
	snprintf(u.pw_hash, sizeof(u.pw_hash), "%s", row->pw_hash);
	u.created = u.pw_changed = now;
	u.pw_temporary = 1;
	if (row->staff[0] != '\0') {
		r = store_user_hr_by_staff(c->db, row->staff, &h);
		if (r == SK_OK) {
			*why = SK_REASON_IMPORT_USER_EXISTS;
			r = SK_ERR_EXISTS;
		}
		if (r != SK_ERR_NOTFOUND)
			goto out;
	}
	if ((r = store_user_insert(c->db, &u)) == SK_ERR_EXISTS)
		*why = SK_REASON_IMPORT_USER_EXISTS;
	if (r == SK_OK && row->staff[0] != '\0') {
		memset(&h, 0, sizeof(h));
		h.user_id = u.id;
		snprintf(h.staff_no, sizeof(h.staff_no), "%s", row->staff);
		r = store_user_hr_set(c->db, &h);
	}
	/* The user's existing token, sealed at staging: confirmed at once, as the seed is the
	 * one the user's authenticator holds already (no first code to prove it). */
	memset(&t, 0, sizeof(t));
	if (r == SK_OK && row->has_totp) {
		t.user_id = u.id;
		t.params = row->totp;
		memcpy(t.sealed, row->sealed, row->sealed_len);
		t.sealed_len = row->sealed_len;
		t.last_step = -1;
		t.confirmed = 1;
		t.created = now;
		r = store_totp_insert(c->db, &t);
	}
	if (r == SK_OK)
		r = audit_add(c, req, a, row, row->has_totp ? t.id : 0);
out:
	explicit_bzero(&u, sizeof(u));
	explicit_bzero(&t, sizeof(t));
	return r;
}

int
admin_user_import_commit(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char sha[HR_ID_HEX];
	enum sk_reason why = SK_REASON_NONE;
	struct audit_batch a = { NULL, 0, 0 };
	uint64_t count = 0;
	size_t n_totp = 0;
	int64_t now = broker_now(), line = 0;
	int known = 0, r;
	json_object *o;

	if (file_hash(req, sha) != SK_OK || sk_msg_get_uint(req, SK_K_HR_COUNT, &count) != SK_OK)
		return admin_refuse(reply, SK_ST_BAD_REQUEST, SK_REASON_MALFORMED_FIELD);
	if (c->import == NULL || strcmp(c->import->sha, sha) != 0 || count == 0 ||
	    count != c->import->n) {
		admin_import_free(c);
		return refuse_line(reply, SK_ST_INVALID, SK_REASON_IMPORT_NOT_STAGED, 0);
	}
	if ((r = store_begin(c->db)) != SK_OK)
		goto out;
	if ((r = store_hr_file_known(c->db, sha, &known)) == SK_OK && known) {
		store_rollback(c->db);
		r = reply_status(reply, SK_ST_EXISTS);
		goto out;
	}
	if (r == SK_OK)
		r = store_hr_file_add(c->db, sha, (int64_t)count, now);
	for (size_t i = 0; i < c->import->n && r == SK_OK; i++) {
		if ((r = commit_row(c, req, &c->import->rows[i], now, &why, &a)) != SK_OK)
			line = c->import->rows[i].line;
		n_totp += c->import->rows[i].has_totp != 0;
	}
	if (r == SK_OK)
		r = audit_flush(c, req, &a);
	json_object_put(a.users);
	if (r != SK_OK && why != SK_REASON_NONE) {
		/* All or nothing: not one user of the file stays. */
		store_rollback(c->db);
		r = refuse_line(reply, SK_ST_INVALID, why, line);
		goto out;
	}
	r = attempt_end(c, r, "admin.user_import_file", NULL, "ok",
	                admin_actor(req, audit_field_int(audit_field_int(audit_field(NULL,
	                            "import_file", sha), "users", (int64_t)count), "totp",
	                            (int64_t)n_totp)));
	if (r != SK_OK)
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(sha));
	json_object_object_add(o, "added", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "totp", json_object_new_int64((int64_t)n_totp));
	r = admin_reply_json(reply, o);
out:
	admin_import_free(c);
	return r;
}
