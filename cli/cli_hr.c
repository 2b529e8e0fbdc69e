/* sekimori hr import FILE [--dry-run] [--encoding utf-8|cp932|auto] | hr pending
 * (doc/hr-import.md). The CLI reads and validates the file with skhr (streamed, constant
 * memory); only a file valid as a whole is sent, in batches of up to SK_HR_STAGE_RECORDS_MAX
 * records (at most SK_ARRAY_MAX hires) that the broker stages, and then applied by one HR_COMMIT in one broker transaction. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_progress.h"
#include "hr.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_hr.h"

#define HR_WIRE_MAX 128
#define HR_COMMIT_TIMEOUT_MS (60 * 60 * 1000)

/* A batch on its way to the broker: one HR_STAGE in a thread of its own while the main thread
 * reads the file's next records into the other buffer, so the CLI's reading and the
 * broker's staging overlap (doc/performance.md, HR import). Only one request is in flight
 * on the connection at any time, and the next is sent only after this one's reply was
 * checked, so the order and the all-or-nothing checks are those of one request after the
 * other. */
struct stage_flight {
	pthread_t thread;
	int active;             /* a batch was sent and its reply not taken yet */
	int threaded;           /* ... by the thread, which is to be joined */
	struct sk_client *client;
	const char *recs[SK_HR_STAGE_RECORDS_MAX];
	struct skc_hr_stage_in in;
	struct skc_hr_stage_out out;   /* hires' passwords: wiped once taken */
	int r;
};

/* A hire's temporary password from HR_STAGE (a secret: wiped before it is freed). */
struct hire_pw {
	char staff[SKC_HR_STAFF_MAX];
	char password[SKC_HR_PW_MAX];
	char effective[11];
};

struct import_ctx {
	struct cli *c;
	const struct hr_result *res;
	char sha[2 * HR_SHA256_LEN + 1];
	int dry_run;
	char today[11];
	char batch[2][SK_HR_STAGE_RECORDS_MAX][HR_WIRE_MAX];
	size_t fill;           /* the buffer on_record adds to; the other may be in flight */
	size_t n_batch;        /* records in batch[fill] */
	struct stage_flight flight;
	size_t n_batch_hires;  /* the reply carries at most SK_ARRAY_MAX hires' passwords */
	unsigned long staged;
	int first_sent;
	int stage_rc;          /* CLI exit code once a batch failed */
	json_object *plan;     /* --dry-run --json */
	/* The hires' temporary passwords from HR_STAGE, shown after the commit succeeded: as
	 * many as the file has hires (about 100 bytes each), in a block that grows. */
	struct hire_pw *pw;
	size_t n_pw, cap_pw;
	struct cli_progress progress;   /* on a terminal only */
	int pass;                       /* the reading pass the progress line shows */
};

/* skhr's progress: pass 1 validates (share of the file read), pass 2 hands out the records
 * that are staged in the broker (rows of pass 1 known). */
static void
on_progress(int pass, unsigned long rows, unsigned long long at, unsigned long long size,
            void *arg)
{
	struct import_ctx *k = arg;
	int final = at >= size;

	/* A text dry run prints its plan as it goes: no progress line in between. */
	if (pass == 2 && k->dry_run && k->plan == NULL)
		return;
	if (pass != k->pass) {
		k->pass = pass;
		cli_progress_begin(&k->progress, pass == 1 ? _("Validated") :
		                   k->dry_run ? _("Planned") : _("Sent to the broker"));
	}
	if (pass == 1)
		cli_progress_update(&k->progress, rows, 0, size > 0 ? (double)at / (double)size : -1.0,
		                    final);
	else
		cli_progress_update(&k->progress, rows, k->res->rows, -1.0, final);
}

#define STOP_ALREADY 1001  /* the broker knows the file: nothing to do */
#define STOP_FAILED 1002

static void
sha_hex(const unsigned char in[HR_SHA256_LEN], char out[2 * HR_SHA256_LEN + 1])
{
	for (size_t i = 0; i < HR_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static void
today_in(const char *tz, char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	/* Before any sender thread starts: the site's zone for the plan's "now or scheduled". */
	if (setenv("TZ", tz, 1) == 0)
		tzset();
	if (localtime_r(&now, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "%s", "0000-00-00");
}

/* The effective date of the hire of staff in the batch just sent ("" when not found). */
static void
batch_hire_date(const struct import_ctx *k, const char *staff, char out[11])
{
	const struct stage_flight *f = &k->flight;
	size_t sl = strlen(staff);

	out[0] = '\0';
	for (size_t i = 0; i < f->in.n; i++) {
		const char *b = f->recs[i], *d = b;

		if (strncmp(b, staff, sl) != 0 || strncmp(b + sl, "\thire\t", 6) != 0)
			continue;
		for (int field = 0; field < 4 && d != NULL; field++)   /* staff, event, employment, dept */
			if ((d = strchr(d, '\t')) != NULL)
				d++;
		if (d != NULL && strlen(d) > 10 && d[10] == '\t')
			snprintf(out, 11, "%.10s", d);
		return;
	}
}

/* Keeps a hire's password; the block grows by doubling, the old one wiped. */
static int
keep_password(struct import_ctx *k, const struct skc_hr_hire_password *h)
{
	struct hire_pw *p;

	if (k->n_pw == k->cap_pw) {
		size_t cap = k->cap_pw ? 2 * k->cap_pw : 256;

		if ((p = calloc(cap, sizeof(*p))) == NULL)
			return SK_ERR_NOMEM;
		if (k->pw != NULL) {
			memcpy(p, k->pw, k->n_pw * sizeof(*p));
			explicit_bzero(k->pw, k->cap_pw * sizeof(*p));
			free(k->pw);
		}
		k->pw = p;
		k->cap_pw = cap;
	}
	p = &k->pw[k->n_pw];
	snprintf(p->staff, sizeof(p->staff), "%s", h->staff);
	snprintf(p->password, sizeof(p->password), "%s", h->password);
	batch_hire_date(k, h->staff, p->effective);
	k->n_pw++;
	return SK_OK;
}

static void *
stage_thread(void *arg)
{
	struct stage_flight *f = arg;

	f->r = skc_hr_stage(f->client, &f->in, &f->out);
	return NULL;
}

/* Waits for the sender thread, if one runs; the flight is empty afterwards. */
static void
flight_join(struct stage_flight *f)
{
	if (f->active && f->threaded)
		pthread_join(f->thread, NULL);
	f->active = 0;
	f->threaded = 0;
}

/* Waits for the batch in flight, if any, and takes its reply: SK_OK, STOP_ALREADY or
 * STOP_FAILED (the reason printed). Called in the main thread only. */
static int
land_batch(struct import_ctx *k)
{
	struct stage_flight *f = &k->flight;
	int r;

	if (!f->active)
		return SK_OK;
	flight_join(f);
	r = f->r;
	if (r == SK_OK && f->out.res.status == SK_ST_EXISTS) {
		r = STOP_ALREADY;
	} else if ((k->stage_rc = cli_verdict(k->c, r, &f->out.res, NULL)) != CLI_OK) {
		r = STOP_FAILED;
	} else {
		for (size_t i = 0; i < f->out.n_hires && r == SK_OK; i++)
			r = keep_password(k, &f->out.hires[i]);
		r = r == SK_OK ? SK_OK : STOP_FAILED;
	}
	explicit_bzero(f->out.hires, sizeof(f->out.hires));   /* the secrets of the reply */
	return r;
}

/* After a failure elsewhere: waits for the batch in flight and drops its reply unread. */
static void
drop_batch(struct import_ctx *k)
{
	struct stage_flight *f = &k->flight;

	flight_join(f);
	explicit_bzero(f->out.hires, sizeof(f->out.hires));   /* the secrets of the reply */
}

/* Sends the batch being filled: after the one in flight has landed, in a thread of its own
 * (at once, in this thread, when no thread can be started). */
static int
send_batch(struct import_ctx *k)
{
	struct stage_flight *f = &k->flight;
	int r;

	if (k->n_batch == 0)
		return SK_OK;
	if ((r = land_batch(k)) != SK_OK) {
		k->n_batch = 0;
		return r;
	}
	f->client = cli_client(k->c);
	for (size_t i = 0; i < k->n_batch; i++)
		f->recs[i] = k->batch[k->fill][i];
	f->in = (struct skc_hr_stage_in){ cli_actor(), k->sha, !k->first_sent, f->recs,
	                                  k->n_batch };
	k->first_sent = 1;
	k->fill ^= 1;
	k->n_batch = 0;
	k->n_batch_hires = 0;
	f->active = 1;
	f->threaded = pthread_create(&f->thread, NULL, stage_thread, f) == 0;
	if (!f->threaded) {
		stage_thread(f);
		return land_batch(k);
	}
	return SK_OK;
}

static int
on_record(const struct hr_record *rec, void *arg)
{
	struct import_ctx *k = arg;
	char date[11];
	int n;

	snprintf(date, sizeof(date), "%04d-%02d-%02d", rec->effective.year, rec->effective.month,
	         rec->effective.day);
	if (k->sha[0] == '\0')   /* pass 1 hashed the file before pass 2 hands out records */
		sha_hex(k->res->sha256, k->sha);
	if (k->dry_run) {
		const char *when = strcmp(date, k->today) <= 0 ? "now" : "scheduled";

		if (k->plan != NULL) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "line", json_object_new_int64((int64_t)rec->line));
			json_object_object_add(o, "staff_no", json_object_new_string(rec->staff_no));
			json_object_object_add(o, "event",
			                       json_object_new_string(hr_event_keyword(rec->event)));
			json_object_object_add(o, "effective", json_object_new_string(date));
			json_object_object_add(o, "when", json_object_new_string(when));
			json_object_object_add(o, "dept", json_object_new_string(rec->dept));
			json_object_object_add(o, "employment", json_object_new_string(
			                       hr_employment_keyword(rec->employment)));
			json_object_array_add(k->plan, o);
		} else {
			printf(_("line %lu: staff %s: %s on %s (%s)\n"), rec->line, rec->staff_no,
			       hr_event_keyword(rec->event), date,
			       strcmp(when, "now") == 0 ? _("applied at import") : _("scheduled"));
		}
		return 0;
	}
	n = snprintf(k->batch[k->fill][k->n_batch], HR_WIRE_MAX, "%s\t%s\t%s\t%s\t%s\t%lu", rec->staff_no,
	             hr_event_keyword(rec->event), hr_employment_keyword(rec->employment),
	             rec->dept, date, rec->line);
	if (n < 0 || n >= HR_WIRE_MAX)
		return STOP_FAILED;
	k->n_batch++;
	k->staged++;
	k->n_batch_hires += rec->event == HR_EV_HIRE;
	return k->n_batch == SK_HR_STAGE_RECORDS_MAX || k->n_batch_hires == SK_ARRAY_MAX ?
	       send_batch(k) : 0;
}

/* Every error, by line and column, in Japanese and in English. */
static void
print_errors(const struct hr_result *res)
{
	char ja[512], en[512];

	fprintf(stderr, _("sekimori: the file is refused as a whole; nothing was applied"
	                  " (%lu error(s)):\n"), res->errors_total);
	for (size_t i = 0; i < res->errors_kept; i++) {
		if (hr_error_format(&res->errors[i], HR_LANG_JA, ja, sizeof(ja)) >= 0)
			fprintf(stderr, "  %s\n", ja);
		if (hr_error_format(&res->errors[i], HR_LANG_EN, en, sizeof(en)) >= 0)
			fprintf(stderr, "  %s\n", en);
	}
	if (res->errors_total > res->errors_kept)
		fprintf(stderr, _("  ... and %lu more\n"), res->errors_total - res->errors_kept);
}

static void
print_commit_refusal(const struct skc_hr_commit_out *out)
{
	cli_print_reason(out->res.reason);
	if (out->staff[0] != '\0')
		fprintf(stderr, _("sekimori: at line %llu, staff number %s; nothing was applied\n"),
		        (unsigned long long)out->line, out->staff);
}

/* The hires' passwords into PWFILE: one "user<TAB>password<TAB>effective" line each, synced. */
static int
write_passwords(int fd, const struct import_ctx *k)
{
	FILE *fp = fdopen(fd, "w");
	int bad = fp == NULL;

	for (size_t i = 0; i < k->n_pw && !bad; i++)
		bad = fprintf(fp, "%s\t%s\t%s\n", k->pw[i].staff, k->pw[i].password,
		              k->pw[i].effective) < 0;
	if (fp != NULL) {
		bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
		bad |= fclose(fp) != 0;
	} else {
		close(fd);
	}
	return bad ? SK_ERR_IO : SK_OK;
}

/* The commit's document with "hires" as the list of the hires made, each with its
 * "temp_password" unless the passwords went to out_path ("passwords_file" then). */
static void
add_hires(const struct import_ctx *k, json_object *doc, const char *out_path)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < k->n_pw; i++) {
		json_object *h = json_object_new_object();

		json_object_object_add(h, "user", json_object_new_string(k->pw[i].staff));
		json_object_object_add(h, "effective", json_object_new_string(k->pw[i].effective));
		if (out_path == NULL)
			json_object_object_add(h, "temp_password",
			                       json_object_new_string(k->pw[i].password));
		json_object_array_add(arr, h);
	}
	json_object_object_add(doc, "hires", arr);
	if (out_path != NULL)
		json_object_object_add(doc, "passwords_file", json_object_new_string(out_path));
}

static int
print_commit(struct cli *c, const struct import_ctx *k, json_object *doc, const char *out_path)
{
	json_object *v;

	if (c->json) {
		add_hires(k, doc, out_path);
		cli_print_json(c, doc);
		return CLI_OK;
	}
	printf(_("Imported: %lld applied now, %lld scheduled, %lld unchanged (already known)\n"),
	       json_object_object_get_ex(doc, "applied", &v) ? (long long)json_object_get_int64(v) : 0,
	       json_object_object_get_ex(doc, "pending", &v) ? (long long)json_object_get_int64(v) : 0,
	       json_object_object_get_ex(doc, "unchanged", &v) ? (long long)json_object_get_int64(v)
	                                                       : 0);
	if (k->n_pw > 0 && out_path != NULL) {
		printf(_("Temporary passwords of %zu hire(s) written to %s (mode 0600); each must be"
		         " changed at the first login.\n"), k->n_pw, out_path);
	} else if (k->n_pw > 0) {
		printf("%s\n", _("Temporary passwords of the hires (shown only now; each must be"
		                 " changed at the first login):"));
		for (size_t i = 0; i < k->n_pw; i++)
			printf("  %s (%s): %s\n", k->pw[i].staff, k->pw[i].effective, k->pw[i].password);
	}
	return CLI_OK;
}

/* Wipes the temporary passwords in the document before it is released. */
static void
wipe_doc(json_object *doc)
{
	json_object *hires, *p;

	if (doc == NULL)
		return;
	if (json_object_object_get_ex(doc, "hires", &hires) &&
	    json_object_is_type(hires, json_type_array))
		for (size_t i = 0; i < json_object_array_length(hires); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(hires, i),
			                              "temp_password", &p))
				explicit_bzero((char *)json_object_get_string(p),
				               (size_t)json_object_get_string_len(p));
	json_object_put(doc);
}

int
cli_hr_import(struct cli *c)
{
	const char *path = cli_positional(c), *enc = cli_option(c, "--encoding");
	const char *out_path = cli_option(c, "--out");
	struct hr_options opt;
	struct hr_result res;
	struct import_ctx *k;
	int r, rc = CLI_OK, fd = -1;

	if (path == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: hr import needs a FILE"));
		return CLI_USAGE;
	}
	memset(&opt, 0, sizeof(opt));
	if (enc != NULL && hr_encoding_parse(enc, &opt.encoding) != SK_OK) {
		fprintf(stderr, _("sekimori: invalid --encoding '%s' (utf-8, cp932 or auto)\n"), enc);
		return CLI_USAGE;
	}
	/* The passwords' file first, as user import does: nothing is applied when it cannot be
	 * made, and it is never one that exists already nor reached through a symbolic link. */
	if (out_path != NULL && !cli_flag(c, "--dry-run") &&
	    (fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, _("sekimori: %s: cannot be created (%s); nothing was applied\n"),
		        out_path, strerror(errno));
		return CLI_FAILED;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		if (fd >= 0) {
			close(fd);
			unlink(out_path);
		}
		return CLI_FAILED;
	}
	k->c = c;
	k->res = &res;
	k->dry_run = cli_flag(c, "--dry-run");
	today_in(c->conf.hr_timezone, k->today);
	if (k->dry_run && c->json)
		k->plan = json_object_new_array();
	opt.progress = on_progress;
	opt.progress_arg = k;
	r = hr_import_file(path, &opt, on_record, k, &res);
	if (r == SK_OK && !k->dry_run)
		r = send_batch(k);
	/* The last batch's reply; after a failure, the batch in flight is waited for all the
	 * same (its reply is not used: nothing is committed). */
	if (r == SK_OK)
		r = land_batch(k);
	else
		drop_batch(k);
	cli_progress_end(&k->progress);
	if (r == SK_ERR_PROTO) {
		print_errors(&res);
		rc = CLI_FAILED;
	} else if (r == STOP_ALREADY) {
		printf(_("The file %s was imported before; nothing changed.\n"), k->sha);
	} else if (r == STOP_FAILED) {
		rc = k->stage_rc != CLI_OK ? k->stage_rc : CLI_FAILED;
	} else if (r != SK_OK) {
		fprintf(stderr, _("sekimori: %s: could not be read\n"), path);
		rc = CLI_FAILED;
	} else if (k->dry_run) {
		if (k->plan != NULL) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "file", json_object_new_string(res.sha256_hex));
			json_object_object_add(o, "dry_run", json_object_new_boolean(1));
			json_object_object_add(o, "plan", json_object_get(k->plan));
			cli_print_json(c, o);
			json_object_put(o);
		} else {
			printf(_("Dry run: %lu record(s) in %s; nothing was applied.\n"), res.records,
			       res.sha256_hex);
		}
	} else if (res.records == 0) {
		printf("%s\n", _("The file has no records; nothing to do."));
	} else {
		struct skc_hr_commit_in in = { cli_actor(), res.sha256_hex, k->staged };
		struct skc_hr_commit_out out;

		struct sk_client *cl = cli_client(c);
		int saved = cl->timeout_ms;

		/* The commit writes and syncs one audit record per event: a large file takes longer
		 * than one ordinary request (doc/hr-import.md). */
		cl->timeout_ms = HR_COMMIT_TIMEOUT_MS;
		/* The broker applies in one transaction and says nothing until it is done: the line
		 * says so, and how long it took. */
		cli_progress_begin(&k->progress, _("Applying in the broker (one transaction)"));
		cli_progress_update(&k->progress, 0, k->staged, -1.0, 0);
		r = skc_hr_commit(cl, &in, &out);
		if (r == SK_OK && out.res.status == SK_ST_OK)
			cli_progress_update(&k->progress, k->staged, k->staged, -1.0, 1);
		cli_progress_end(&k->progress);
		cl->timeout_ms = saved;
		if (r == SK_OK && out.res.status == SK_ST_EXISTS)
			printf(_("The file %s was imported before; nothing changed.\n"), res.sha256_hex);
		else if (r == SK_OK && out.res.status == SK_ST_INVALID) {
			print_commit_refusal(&out);
			rc = CLI_FAILED;
		} else if ((rc = cli_verdict(c, r, &out.res, NULL)) == CLI_OK) {
			json_object *v;

			/* Every hire staged with a password was made, or the broker refused the file. */
			if (!json_object_object_get_ex(out.doc, "hires", &v) ||
			    json_object_get_int64(v) != (int64_t)k->n_pw) {
				fprintf(stderr, "%s\n", _("sekimori: the broker's answer is malformed"));
				rc = CLI_FAILED;
			} else if (fd >= 0 && k->n_pw > 0) {
				r = write_passwords(fd, k);
				fd = -1;
				if (r != SK_OK) {
					fprintf(stderr, _("sekimori: %s: writing failed; the hires were made:"
					                  " reset their passwords\n"), out_path);
					rc = CLI_FAILED;
				} else {
					rc = print_commit(c, k, out.doc, out_path);
				}
			} else {
				rc = print_commit(c, k, out.doc, NULL);
			}
		}
		wipe_doc(out.doc);
	}
	/* Nothing was applied, or no hire had a password: the file this run created goes. */
	if (fd >= 0) {
		close(fd);
		unlink(out_path);
	}
	json_object_put(k->plan);
	if (k->pw != NULL)
		explicit_bzero(k->pw, k->cap_pw * sizeof(*k->pw));
	free(k->pw);
	explicit_bzero(k, sizeof(*k));
	free(k);
	hr_result_free(&res);
	return rc;
}

int
cli_hr_pending(struct cli *c)
{
	struct skc_hr_pending_in in = { cli_actor() };
	struct skc_json_out out;
	json_object *list, *v;
	int rc = cli_verdict(c, skc_hr_pending(cli_client(c), &in, &out), &out.res, NULL);

	if (rc != CLI_OK || c->json) {
		if (rc == CLI_OK)
			cli_print_json(c, out.doc);
		json_object_put(out.doc);
		return rc;
	}
	if (json_object_object_get_ex(out.doc, "pending", &list)) {
		static const struct cli_column cols[] = {
			{ N_("EFFECTIVE"), "effective" },
			{ N_("EVENT"), "event" },
			{ N_("STAFF NO."), "staff_no" },
			{ N_("DEPARTMENT"), "dept" },
			{ N_("EMPLOYMENT"), "employment" },
			{ N_("LINE"), "line" },
		};

		if (json_object_array_length(list) == 0)
			printf("%s\n", _("No HR events are pending."));
		else
			cli_print_table(cols, sizeof(cols) / sizeof(cols[0]), list);
	}
	if (json_object_object_get_ex(out.doc, "truncated", &v) && json_object_get_boolean(v))
		printf("%s\n", _("(more are pending; the list stops here)"));
	json_object_put(out.doc);
	return CLI_OK;
}
