/* sekimori migrate pam-oath FILE | migrate google-authenticator --user USER FILE:
 * existing TOTP tokens taken over through the broker's ordinary enrolment (the seed given,
 * sealed by the broker, confirmed by a code computed here from the same seed), so that the
 * users keep the token they carry (R-MFA-1, R-CRED-2). The old file is only read; what it
 * holds beyond the seed and its parameters (PINs, scratch codes, windows, rate limits) is
 * reported, never printed, and not carried over. --dry-run asks the broker only whether
 * each user exists and has a token. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_migrate.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_totp.h"
#include "skc_user.h"

enum mig_result { MIG_R_DONE, MIG_R_SKIPPED, MIG_R_REFUSED, MIG_R_FAILED };

struct mig_run {
	struct cli *c;
	const char *format;   /* "pam-oath" or "google-authenticator" */
	const char *path;
	int dry_run, replace;
	unsigned count[MIG_R_FAILED + 1];
	json_object *results; /* --json */
};

static const char *
why_text(const struct mig_entry *e)
{
	switch (e->why) {
	case MIG_OK:
		return "";
	case MIG_HOTP:
		return _("counter-based (HOTP) tokens are not supported; sekimori takes time-based "
		         "(TOTP) tokens only: enrol a new token for this user");
	case MIG_DIGITS:
		return _("7-digit codes are not supported (6 or 8): enrol a new token for this user");
	case MIG_PERIOD:
		return _("the time step is outside 15 to 300 seconds");
	case MIG_SEED_SHORT:
		return _("the seed is shorter than the 128 bits sekimori requires (RFC 4226): "
		         "enrol a new token for this user");
	case MIG_SEED_LONG:
		return _("the seed is longer than 64 bytes");
	case MIG_SEED_BAD:
		return _("the seed is missing or not in the file's encoding");
	case MIG_USER_BAD:
		return _("no valid user name");
	case MIG_DUPLICATE:
		return _("the user has several lines in the file; sekimori keeps one TOTP token "
		         "per user: leave one line and run again");
	case MIG_OPTION:
		return _("an option this version does not support");
	case MIG_MALFORMED:
		return _("the line is not understood");
	case MIG_LINE_LONG:
		return _("the line is too long");
	}
	return "";
}

/* What the old file held and sekimori does not take over, one sentence per bit. */
static const struct {
	unsigned bit;
	const char *text;
} note_texts[] = {
	{ MIG_NOTE_PIN, N_("the PIN in the file (sekimori asks for the user's own password)") },
	{ MIG_NOTE_SCRATCH, N_("the emergency scratch codes (sekimori has none: use an "
	                       "administrator's unlock or a second factor)") },
	{ MIG_NOTE_WINDOW, N_("WINDOW_SIZE (the profile's totp_window applies)") },
	{ MIG_NOTE_RATE_LIMIT, N_("RATE_LIMIT (the profile's deny and unlock_time apply)") },
	{ MIG_NOTE_REUSE, N_("the reuse of codes (sekimori accepts each code once)") },
};

static const char *
result_name(enum mig_result r, int dry_run)
{
	switch (r) {
	case MIG_R_DONE:
		return dry_run ? "would_import" : "imported";
	case MIG_R_SKIPPED:
		return "skipped";
	case MIG_R_REFUSED:
		return "refused";
	case MIG_R_FAILED:
		return "failed";
	}
	return "failed";
}

/* One user's line of the report (and notes), or one object of the JSON report. */
static void
report(struct mig_run *run, const struct mig_entry *e, enum mig_result res, const char *why)
{
	char params[128] = "";

	run->count[res]++;
	if (res == MIG_R_DONE)
		snprintf(params, sizeof(params), _("TOTP %s, %u digits, %u s"),
		         sk_totp_algo_name(e->params.algo), e->params.digits, e->params.period);
	if (run->results != NULL) {
		json_object *o = json_object_new_object(), *notes = json_object_new_array();
		json_object_object_add(o, "user", json_object_new_string(e->user));
		json_object_object_add(o, "line", json_object_new_int((int)e->line));
		json_object_object_add(o, "result",
		                       json_object_new_string(result_name(res, run->dry_run)));
		if (res == MIG_R_DONE) {
			json_object_object_add(o, "algorithm",
			                       json_object_new_string(sk_totp_algo_name(e->params.algo)));
			json_object_object_add(o, "digits", json_object_new_int((int)e->params.digits));
			json_object_object_add(o, "period", json_object_new_int((int)e->params.period));
		}
		if (why != NULL)
			json_object_object_add(o, "reason", json_object_new_string(why));
		if (e->why == MIG_OPTION && e->option[0] != '\0')
			json_object_object_add(o, "option", json_object_new_string(e->option));
		for (size_t i = 0; i < sizeof(note_texts) / sizeof(note_texts[0]); i++)
			if (e->notes & note_texts[i].bit)
				json_object_array_add(notes, json_object_new_string(_(note_texts[i].text)));
		json_object_object_add(o, "not_taken_over", notes);
		if (e->scratch_codes)
			json_object_object_add(o, "scratch_codes", json_object_new_int((int)e->scratch_codes));
		json_object_array_add(run->results, o);
		return;
	}
	if (e->user[0] != '\0')
		printf("%s (%s %u): ", e->user, _("line"), e->line);
	else
		printf("(%s %u): ", _("line"), e->line);
	switch (res) {
	case MIG_R_DONE:
		printf(run->dry_run ? _("would import: %s\n") : _("imported: %s\n"), params);
		break;
	case MIG_R_SKIPPED:
		printf(_("skipped: %s\n"), why);
		break;
	case MIG_R_REFUSED:
		if (e->why == MIG_OPTION && e->option[0] != '\0')
			printf(_("refused: %s: %s\n"), why, e->option);
		else
			printf(_("refused: %s\n"), why);
		break;
	case MIG_R_FAILED:
		printf(_("failed: %s\n"), why);
		break;
	}
	if (res != MIG_R_DONE)
		return;
	for (size_t i = 0; i < sizeof(note_texts) / sizeof(note_texts[0]); i++)
		if (e->notes & note_texts[i].bit)
			printf("  %s %s\n", _("not taken over:"), _(note_texts[i].text));
}

/* The broker's refusal as a sentence. */
static const char *
status_text(const struct skc_result *res)
{
	const char *t = cli_reason_text(res->reason);

	if (t != NULL && res->reason != SK_REASON_NONE)
		return t;
	switch (res->status) {
	case SK_ST_NOT_FOUND:
		return _("no such user in sekimori (add the user first: sekimori user add)");
	case SK_ST_FORBIDDEN:
		return _("permission denied: run as root or as a member of the admin group");
	case SK_ST_DENIED:
		return _("the broker did not accept the code computed from the seed (is the clock "
		         "right?)");
	default:
		return _("the broker refused the request (see its log)");
	}
}

/* factors.totp[*].confirmed of the USER_SHOW document. */
static int
has_confirmed_totp(json_object *doc)
{
	json_object *factors, *totp;
	int found = 0;

	if (doc != NULL && json_object_object_get_ex(doc, "factors", &factors) &&
	    json_object_object_get_ex(factors, "totp", &totp) &&
	    json_object_is_type(totp, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(totp); i++) {
			json_object *t = json_object_array_get_idx(totp, i), *conf;
			if (json_object_object_get_ex(t, "confirmed", &conf) &&
			    json_object_get_boolean(conf))
				found = 1;
		}
	}
	return found;
}

/* Enrols the seed and confirms it with the code of the current time step. That step
 * counts as used: the user's next login takes the token's next code, so a code already
 * typed into the old module cannot be replayed here. */
static int
import_one(struct mig_run *run, const struct mig_entry *e, const char **why)
{
	const char *actor = cli_actor();
	struct skc_totp_enroll_begin_in in = {
		.actor = actor, .user = e->user, .algorithm = sk_totp_algo_name(e->params.algo),
		.digits = e->params.digits, .period = e->params.period,
		.secret = e->seed, .secret_len = e->seed_len,
	};
	struct skc_totp_enroll_begin_out out;
	struct skc_totp_enroll_confirm_in cin;
	struct skc_reply_out st;
	char code[SK_TOTP_CODE_MAX];
	int r;

	r = skc_totp_enroll_begin(cli_client(run->c), &in, &out);
	explicit_bzero(out.uri, sizeof(out.uri));   /* the seed, which the old file holds */
	if (r != SK_OK)
		return r;
	if (out.res.status != SK_ST_OK) {
		*why = status_text(&out.res);
		return SK_ERR_DENIED;
	}
	if (sk_totp_generate(e->seed, e->seed_len, &e->params, time(NULL), code,
	                     sizeof(code)) != SK_OK) {
		*why = _("the code could not be computed from the seed");
		return SK_ERR_DENIED;
	}
	cin = (struct skc_totp_enroll_confirm_in){ .actor = actor, .user = e->user,
	                                           .enroll_id = out.enroll_id, .code = code };
	r = skc_totp_enroll_confirm(cli_client(run->c), &cin, &st);
	explicit_bzero(code, sizeof(code));
	if (r == SK_OK && st.res.status != SK_ST_OK) {
		*why = status_text(&st.res);
		r = SK_ERR_DENIED;
	}
	return r;
}

/* One entry: refused by the reader, skipped by the broker's state, or imported. Returns
 * SK_ERR_UNAVAILABLE when the broker cannot be reached (the run stops there). */
static int
migrate_one(struct mig_run *run, const struct mig_entry *e)
{
	struct skc_user_in uin = { .actor = cli_actor(), .user = e->user };
	struct skc_json_out uout;
	const char *why = NULL;
	int r, confirmed;

	if (e->why != MIG_OK) {
		report(run, e, MIG_R_REFUSED, why_text(e));
		return SK_OK;
	}
	if (skc_user_show(cli_client(run->c), &uin, &uout) != SK_OK)
		return SK_ERR_UNAVAILABLE;
	if (uout.res.status != SK_ST_OK) {
		report(run, e, uout.res.status == SK_ST_NOT_FOUND ? MIG_R_SKIPPED : MIG_R_FAILED,
		       status_text(&uout.res));
		return SK_OK;
	}
	confirmed = has_confirmed_totp(uout.doc);
	json_object_put(uout.doc);
	if (confirmed && !run->replace) {
		report(run, e, MIG_R_SKIPPED, _("the user already has a TOTP token in sekimori "
		                                "(--replace replaces it)"));
		return SK_OK;
	}
	if (run->dry_run) {
		report(run, e, MIG_R_DONE, NULL);
		return SK_OK;
	}
	r = import_one(run, e, &why);
	if (r == SK_ERR_UNAVAILABLE)
		return r;
	report(run, e, r == SK_OK ? MIG_R_DONE : MIG_R_FAILED, why);
	return SK_OK;
}

static void
summary(struct mig_run *run)
{
	if (run->results != NULL) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "format", json_object_new_string(run->format));
		json_object_object_add(o, "file", json_object_new_string(run->path));
		json_object_object_add(o, "dry_run", json_object_new_boolean(run->dry_run));
		json_object_object_add(o, run->dry_run ? "would_import" : "imported",
		                       json_object_new_int((int)run->count[MIG_R_DONE]));
		json_object_object_add(o, "skipped", json_object_new_int((int)run->count[MIG_R_SKIPPED]));
		json_object_object_add(o, "refused", json_object_new_int((int)run->count[MIG_R_REFUSED]));
		json_object_object_add(o, "failed", json_object_new_int((int)run->count[MIG_R_FAILED]));
		json_object_object_add(o, "results", json_object_get(run->results));
		cli_print_json(run->c, o);
		json_object_put(o);
		return;
	}
	printf(run->dry_run ? _("Dry run: %u would be imported, %u skipped, %u refused, %u failed. "
	                        "Nothing was changed.\n")
	                    : _("%u imported, %u skipped, %u refused, %u failed.\n"),
	       run->count[MIG_R_DONE], run->count[MIG_R_SKIPPED], run->count[MIG_R_REFUSED],
	       run->count[MIG_R_FAILED]);
	printf(_("%s was only read; it is unchanged.\n"), run->path);
}

static int
read_failed(const char *path, int r)
{
	if (r == SK_ERR_RANGE)
		fprintf(stderr, _("sekimori: %s is larger than %d bytes or has more than %d tokens\n"),
		        path, MIG_FILE_MAX, MIG_ENTRIES_MAX);
	else if (r == SK_ERR_PROTO)
		fprintf(stderr, _("sekimori: %s is not a text file\n"), path);
	else
		fprintf(stderr, _("sekimori: cannot read %s (not a readable regular file)\n"), path);
	return CLI_USAGE;
}

static int
run_list(struct mig_run *run, struct mig_list *l)
{
	int r = SK_OK;

	run->results = run->c->json ? json_object_new_array() : NULL;
	for (size_t i = 0; r == SK_OK && i < l->n; i++)
		r = migrate_one(run, &l->e[i]);
	if (r == SK_ERR_UNAVAILABLE) {
		json_object_put(run->results);
		fprintf(stderr, _("sekimori: the broker at %s is not reachable (is sekimorid running?)\n"),
		        run->c->conf.socket_path);
		return CLI_UNAVAILABLE;
	}
	summary(run);
	json_object_put(run->results);
	return run->count[MIG_R_DONE] == l->n ? CLI_OK : CLI_FAILED;
}

/* One file into list: SK_OK, or the CLI exit code of a file that cannot be used (said). */
static int
load_file(const char *path, const char *ga_user, struct mig_list *list)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(list, 0, sizeof(*list));
	if ((r = mig_read_file(path, &text, &len)) != SK_OK)
		return read_failed(path, r);
	r = ga_user ? mig_parse_ga(text, len, ga_user, list) : mig_parse_oath(text, len, list);
	mig_text_free(text, len + 1);
	if (r != SK_OK) {
		mig_list_free(list);
		return read_failed(path, r);
	}
	return SK_OK;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every DIR/NAME/.google_authenticator that is a regular file, as the token of the sekimori
 * user NAME (the home folders' names), in name order. Other entries are passed over. */
static int
load_ga_dir(const char *dir, struct mig_list *list)
{
	char *names[MIG_ENTRIES_MAX];
	size_t n = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);
	int r = SK_OK;

	memset(list, 0, sizeof(*list));
	if (dp == NULL) {
		fprintf(stderr, _("sekimori: cannot read the folder %s\n"), dir);
		return CLI_USAGE;
	}
	while (r == SK_OK && (d = readdir(dp)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (d->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s/.google_authenticator", dir, d->d_name) >=
		    (int)sizeof(path) || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == MIG_ENTRIES_MAX)
			r = read_failed(dir, SK_ERR_RANGE);
		else if ((names[n] = strdup(d->d_name)) == NULL)
			r = CLI_FAILED;
		else
			n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		struct mig_list one;
		char path[PATH_MAX];

		if (r == SK_OK) {
			snprintf(path, sizeof(path), "%s/%s/.google_authenticator", dir, names[i]);
			if ((r = load_file(path, names[i], &one)) == SK_OK &&
			    mig_list_append(list, &one) != SK_OK)
				r = read_failed(dir, SK_ERR_RANGE);
		}
		free(names[i]);
	}
	if (r != SK_OK)
		mig_list_free(list);
	return r;
}

static int
run_loaded(struct mig_run *run, struct mig_list *list)
{
	int r;

	if (list->n == 0) {
		fprintf(stderr, _("sekimori: %s holds no token\n"), run->path);
		mig_list_free(list);
		return CLI_FAILED;
	}
	r = run_list(run, list);
	mig_list_free(list);
	return r;
}

static int
migrate(struct cli *c, const char *format, const char *path, const char *ga_user)
{
	struct mig_run run = { c, format, path, cli_flag(c, "--dry-run"),
	                       cli_flag(c, "--replace"), { 0 }, NULL };
	struct mig_list list;
	int r;

	if (run.path == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: a file name is required"));
		return CLI_USAGE;
	}
	if ((r = load_file(run.path, ga_user, &list)) != SK_OK)
		return r;
	return run_loaded(&run, &list);
}

int
cli_migrate_pam_oath(struct cli *c)
{
	return migrate(c, "pam-oath", cli_positional(c), NULL);
}

int
cli_migrate_google_authenticator(struct cli *c)
{
	const char *user = cli_option(c, "--user");

	if (user == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: --user USER is required (the sekimori user the "
		                          "file belongs to)"));
		return CLI_USAGE;
	}
	return migrate(c, "google-authenticator", cli_positional(c), user);
}

/* sekimori totp import --oath-usersfile FILE | --google-authenticator DIR: the same import
 * under the names the operator guide uses; DIR holds the users' home folders. */
int
cli_totp_import(struct cli *c)
{
	const char *oath = cli_option(c, "--oath-usersfile");
	const char *ga = cli_option(c, "--google-authenticator");
	struct mig_run run = { c, "google-authenticator", ga, cli_flag(c, "--dry-run"),
	                       cli_flag(c, "--replace"), { 0 }, NULL };
	struct mig_list list;
	int r;

	if ((oath == NULL) == (ga == NULL)) {
		fprintf(stderr, "%s\n", _("sekimori: give one of --oath-usersfile FILE or "
		                          "--google-authenticator DIR"));
		return CLI_USAGE;
	}
	if (oath != NULL)
		return migrate(c, "pam-oath", oath, NULL);
	if ((r = load_ga_dir(ga, &list)) != SK_OK)
		return r;
	return run_loaded(&run, &list);
}
