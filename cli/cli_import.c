/* sekimori user import FILE [--out PWFILE] [--dry-run] (doc/bulk-enrol.md). The CLI reads the
 * whole file (at most IMPORT_FILE_MAX bytes, IMPORT_ROWS_MAX rows) and validates every row;
 * only a file valid as a whole is sent, in batches of SK_ARRAY_MAX rows that the broker stages
 * on this connection (a row's TOTP seed sealed there), and then added by one
 * USER_IMPORT_COMMIT in one broker transaction. The temporary passwords are shown once, after
 * the commit: written to PWFILE (created mode 0600, never over an existing file) or printed.
 * --dry-run stages (the broker checks every row) and commits nothing. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hr.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "sk_totp.h"
#include "sk_utf8.h"
#include "skc_import.h"

#define IMPORT_FILE_MAX (16L * 1024 * 1024)
#define IMPORT_ROWS_MAX 100000         /* the broker's USER_IMPORT_MAX */
#define IMPORT_LINE_MAX 511            /* bytes of one line, without its end */
#define IMPORT_ROW_WIRE 320            /* the broker's IMPORT_ROW_WIRE_MAX */
#define IMPORT_SEED_B32 112            /* a 64-byte seed is 103 base32 characters */
#define IMPORT_FIELDS 7
#define IMPORT_ERRORS_SHOWN 20
#define IMPORT_COMMIT_TIMEOUT_MS (60 * 60 * 1000)

struct import_row {
	char user[SK_USER_MAX];
	char profile[SK_NAME_MAX];
	char staff[HR_STAFF_NO_MAX + 1];
	unsigned long line;
	/* The row's TOTP token, when it has a seed: base32 as re-encoded here (a secret). */
	char seed[IMPORT_SEED_B32];
	struct sk_totp_params totp;
};

struct import_file {
	struct import_row *rows;
	size_t n;
	char sha[65];
	unsigned long errors;
	size_t n_totp;
};

static void
bad_line(struct import_file *f, unsigned long line, const char *why)
{
	if (f->errors++ < IMPORT_ERRORS_SHOWN)
		fprintf(stderr, _("sekimori: line %lu: %s\n"), line, why);
}

/* Splits one line at sep into at most IMPORT_FIELDS + 1 fields (one more means too many). */
static size_t
split(char *s, char sep, char *f[IMPORT_FIELDS + 1])
{
	size_t n = 0;

	for (char *p = s; n < IMPORT_FIELDS + 1; n++) {
		f[n] = p;
		if ((p = strchr(p, sep)) == NULL)
			return n + 1;
		*p++ = '\0';
	}
	return n;
}

/* The TOTP columns: seed (base32, 16 to 64 bytes), digits (6 or 8, empty 6), period (15 to
 * 300 s, empty 30), algorithm (SHA1, SHA256 or SHA512 in either case, empty SHA1). */
static int
parse_totp(struct import_file *f, char *const fld[IMPORT_FIELDS + 1], size_t n,
           struct import_row *row, unsigned long line)
{
	const char *digits = n > 4 ? fld[4] : "", *period = n > 5 ? fld[5] : "";
	const char *algo = n > 6 ? fld[6] : "";
	unsigned char seed[SK_TOTP_SEED_MAX];
	size_t seed_len = 0;
	char *end;
	unsigned long v;
	int r;

	sk_totp_params_default(&row->totp);
	if (n < 4 || fld[3][0] == '\0') {
		if (digits[0] != '\0' || period[0] != '\0' || algo[0] != '\0') {
			bad_line(f, line, _("TOTP digits, period or algorithm without a TOTP seed"));
			return -1;
		}
		return 0;
	}
	r = sk_base32_decode(fld[3], seed, sizeof(seed), &seed_len);
	if (r == SK_OK && seed_len >= 16)
		r = sk_base32_encode(seed, seed_len, row->seed, sizeof(row->seed));
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(fld[3], strlen(fld[3]));
	if (r != SK_OK || seed_len < 16) {
		explicit_bzero(row->seed, sizeof(row->seed));
		bad_line(f, line, _("invalid TOTP seed (base32, 16 to 64 bytes)"));
		return -1;
	}
	if (digits[0] != '\0') {
		v = strtoul(digits, &end, 10);
		if (*end != '\0' || (v != 6 && v != 8) || strlen(digits) != 1) {
			bad_line(f, line, _("invalid TOTP digits (6 or 8)"));
			return -1;
		}
		row->totp.digits = (unsigned)v;
	}
	if (period[0] != '\0') {
		v = strtoul(period, &end, 10);
		if (*end != '\0' || period[0] < '0' || period[0] > '9' || v < 15 || v > 300) {
			bad_line(f, line, _("invalid TOTP period (15 to 300 seconds)"));
			return -1;
		}
		row->totp.period = (unsigned)v;
	}
	if (algo[0] != '\0' && sk_totp_algo_parse(algo, &row->totp.algo) != SK_OK) {
		bad_line(f, line, _("invalid TOTP algorithm (SHA1, SHA256 or SHA512)"));
		return -1;
	}
	return 0;
}

static void
parse_line(struct import_file *f, char *s, unsigned long line)
{
	struct import_row *row = &f->rows[f->n];
	char staff[HR_STAFF_NO_MAX + 1], *fld[IMPORT_FIELDS + 1];
	size_t n;

	/* A tab separates the fields when the line has one, a comma otherwise. */
	n = split(s, strchr(s, '\t') != NULL ? '\t' : ',', fld);
	if (n < 2 || n > IMPORT_FIELDS) {
		bad_line(f, line, _("expected user, profile, an optional staff number and optional"
		                    " TOTP seed, digits, period and algorithm"));
		return;
	}
	if (strlen(fld[0]) >= sizeof(row->user) || !sk_valid_username(fld[0])) {
		bad_line(f, line, _("invalid user name"));
		return;
	}
	if (strlen(fld[1]) >= sizeof(row->profile) || (fld[1][0] != '\0' && !sk_valid_name(fld[1]))) {
		bad_line(f, line, _("invalid profile name"));
		return;
	}
	if (n >= 3 && fld[2][0] != '\0' &&
	    (hr_parse_staff_no(fld[2], strlen(fld[2]), staff) != 0 || strcmp(staff, fld[2]) != 0)) {
		bad_line(f, line, _("invalid staff number (1 to 16 digits)"));
		return;
	}
	if (f->n == IMPORT_ROWS_MAX) {
		bad_line(f, line, _("too many rows (at most 100000 in one file)"));
		return;
	}
	if (parse_totp(f, fld, n, row, line) != 0)
		return;
	snprintf(row->user, sizeof(row->user), "%s", fld[0]);
	snprintf(row->profile, sizeof(row->profile), "%s", fld[1]);
	snprintf(row->staff, sizeof(row->staff), "%s", n >= 3 ? fld[2] : "");
	row->line = line;
	f->n_totp += row->seed[0] != '\0';
	f->n++;
}

static int
by_user(const void *a, const void *b)
{
	const struct import_row *x = a, *y = b;
	int d = strcmp(x->user, y->user);

	return d != 0 ? d : (x->line > y->line) - (x->line < y->line);
}

static int
by_staff(const void *a, const void *b)
{
	const struct import_row *x = a, *y = b;
	int d = strcmp(x->staff, y->staff);

	return d != 0 ? d : (x->line > y->line) - (x->line < y->line);
}

/* A user name or staff number twice in the file refuses it, naming the later line. */
static void
check_duplicates(struct import_file *f)
{
	struct import_row *s = malloc(f->n * sizeof(*s));

	if (s == NULL) {
		f->errors++;
		return;
	}
	memcpy(s, f->rows, f->n * sizeof(*s));
	qsort(s, f->n, sizeof(*s), by_user);
	for (size_t i = 1; i < f->n; i++)
		if (strcmp(s[i].user, s[i - 1].user) == 0)
			bad_line(f, s[i].line, _("the user name is already on an earlier line"));
	qsort(s, f->n, sizeof(*s), by_staff);
	for (size_t i = 1; i < f->n; i++)
		if (s[i].staff[0] != '\0' && strcmp(s[i].staff, s[i - 1].staff) == 0)
			bad_line(f, s[i].line, _("the staff number is already on an earlier line"));
	explicit_bzero(s, f->n * sizeof(*s));   /* the copy held the TOTP seeds */
	free(s);
}

static int
read_all(const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	*buf = NULL;
	if (fp == NULL)
		return SK_ERR_IO;
	if ((*buf = malloc((size_t)IMPORT_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		return SK_ERR_NOMEM;
	}
	n = fread(*buf, 1, (size_t)IMPORT_FILE_MAX + 1, fp);
	if (ferror(fp) || n > (size_t)IMPORT_FILE_MAX) {
		fclose(fp);
		free(*buf);
		*buf = NULL;
		return n > (size_t)IMPORT_FILE_MAX ? SK_ERR_RANGE : SK_ERR_IO;
	}
	fclose(fp);
	(*buf)[n] = '\0';
	*len = n;
	return SK_OK;
}

static void
sha_of(const char *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		out[0] = '\0';
		return;
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Reads and validates FILE; SK_OK with f filled when every row is valid. */
static int
load_file(const char *path, struct import_file *f)
{
	char *buf, *p, *nl;
	size_t len, ll;
	unsigned long line = 0;
	int r = read_all(path, &buf, &len);

	if (r != SK_OK) {
		fprintf(stderr, r == SK_ERR_RANGE ? _("sekimori: %s: larger than 16 MiB\n")
		                                  : _("sekimori: %s: could not be read\n"), path);
		return r;
	}
	sha_of(buf, len, f->sha);
	if (memchr(buf, '\0', len) != NULL || (f->rows = calloc(IMPORT_ROWS_MAX,
	                                                        sizeof(*f->rows))) == NULL) {
		fprintf(stderr, _("sekimori: %s: not a text file\n"), path);
		free(buf);
		return SK_ERR_PROTO;
	}
	for (p = buf; *p != '\0'; p = nl != NULL ? nl + 1 : p + ll) {
		line++;
		nl = strchr(p, '\n');
		ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (nl != NULL)
			*nl = '\0';
		if (ll > 0 && p[ll - 1] == '\r')
			p[--ll] = '\0';
		if (ll == 0 || p[0] == '#')
			continue;
		if (ll > IMPORT_LINE_MAX)
			bad_line(f, line, _("line longer than 511 bytes"));
		else if (!sk_utf8_valid(p, ll))
			bad_line(f, line, _("not valid UTF-8"));
		else
			parse_line(f, p, line);
	}
	explicit_bzero(buf, len);   /* it held the TOTP seeds */
	free(buf);
	if (f->errors == 0)
		check_duplicates(f);
	if (f->errors > IMPORT_ERRORS_SHOWN)
		fprintf(stderr, _("  ... and %lu more\n"), f->errors - IMPORT_ERRORS_SHOWN);
	if (f->errors > 0) {
		fprintf(stderr, _("sekimori: the file is refused as a whole; nobody was added"
		                  " (%lu error(s))\n"), f->errors);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

static void
print_refusal(const struct skc_result *res, uint64_t line)
{
	cli_print_reason(res->reason);
	if (line > 0)
		fprintf(stderr, _("sekimori: at line %llu; nobody was added\n"),
		        (unsigned long long)line);
	else
		fprintf(stderr, "%s\n", _("sekimori: nobody was added"));
}

/* Stages every row; pw receives the temporary passwords in row order. */
static int
stage_all(struct cli *c, const struct import_file *f, struct skc_import_password *pw)
{
	char wire[SK_ARRAY_MAX][IMPORT_ROW_WIRE];
	const char *rows[SK_ARRAY_MAX];
	struct skc_user_import_stage_out out;
	int r, rc;

	for (size_t done = 0; done < f->n;) {
		size_t n = f->n - done < SK_ARRAY_MAX ? f->n - done : SK_ARRAY_MAX;
		struct skc_user_import_stage_in in = { cli_actor(), f->sha, done == 0, rows, n };

		for (size_t i = 0; i < n; i++) {
			const struct import_row *row = &f->rows[done + i];

			if (row->seed[0] != '\0')
				snprintf(wire[i], sizeof(wire[i]), "%s\t%s\t%s\t%lu\t%s\t%u\t%u\t%s",
				         row->user, row->profile, row->staff, row->line, row->seed,
				         row->totp.digits, row->totp.period,
				         sk_totp_algo_name(row->totp.algo));
			else
				snprintf(wire[i], sizeof(wire[i]), "%s\t%s\t%s\t%lu", row->user,
				         row->profile, row->staff, row->line);
			rows[i] = wire[i];
		}
		r = skc_user_import_stage(cli_client(c), &in, &out);
		explicit_bzero(wire, sizeof(wire));
		if (r == SK_OK && out.res.status == SK_ST_INVALID) {
			print_refusal(&out.res, out.line);
			return CLI_FAILED;
		}
		if ((rc = cli_verdict(c, r, &out.res, NULL)) != CLI_OK)
			return rc;
		if (out.n != n) {
			explicit_bzero(&out, sizeof(out));
			fprintf(stderr, "%s\n", _("sekimori: the broker's answer is malformed"));
			return CLI_FAILED;
		}
		memcpy(pw + done, out.pw, n * sizeof(*pw));
		explicit_bzero(&out, sizeof(out));
		done += n;
	}
	return CLI_OK;
}

static int
write_passwords(int fd, const struct import_file *f, const struct skc_import_password *pw)
{
	FILE *fp = fdopen(fd, "w");
	int bad = fp == NULL;

	for (size_t i = 0; i < f->n && !bad; i++)
		bad = fprintf(fp, "%s\t%s\n", pw[i].user, pw[i].password) < 0;
	if (fp != NULL) {
		bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
		bad |= fclose(fp) != 0;
	} else {
		close(fd);
	}
	return bad ? SK_ERR_IO : SK_OK;
}

static void
print_passwords(struct cli *c, const struct import_file *f, const struct skc_import_password *pw,
                const char *out_path)
{
	if (c->json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "file", json_object_new_string(f->sha));
		json_object_object_add(o, "added", json_object_new_int64((int64_t)f->n));
		json_object_object_add(o, "totp", json_object_new_int64((int64_t)f->n_totp));
		if (out_path != NULL) {
			json_object_object_add(o, "passwords_file", json_object_new_string(out_path));
		} else {
			for (size_t i = 0; i < f->n; i++) {
				json_object *u = json_object_new_object();

				json_object_object_add(u, "user", json_object_new_string(pw[i].user));
				json_object_object_add(u, "temporary_password",
				                       json_object_new_string(pw[i].password));
				json_object_array_add(arr, u);
			}
			json_object_object_add(o, "users", json_object_get(arr));
		}
		cli_print_json(c, o);
		json_object_put(o);
		json_object_put(arr);
		return;
	}
	printf(_("Added %zu user(s).\n"), f->n);
	if (f->n_totp > 0)
		printf(_("TOTP tokens enrolled: %zu (the seeds in the file).\n"), f->n_totp);
	if (out_path != NULL) {
		printf(_("Temporary passwords written to %s (mode 0600); each must be changed at the"
		         " first login.\n"), out_path);
		return;
	}
	printf("%s\n", _("Temporary passwords (shown only now; each must be changed at the first"
	                 " login):"));
	for (size_t i = 0; i < f->n; i++)
		printf("%s\t%s\n", pw[i].user, pw[i].password);
}

/* --dry-run: every row staged, so that the broker checks it too (profiles, seeds), and
 * nothing committed; the staged rows go with the connection. The passwords staging made
 * are nobody's: wiped unseen. */
static int
dry_run_check(struct cli *c, const struct import_file *f)
{
	struct skc_import_password *pw = calloc(f->n, sizeof(*pw));
	int rc;

	if (pw == NULL)
		return CLI_FAILED;
	rc = stage_all(c, f, pw);
	explicit_bzero(pw, f->n * sizeof(*pw));
	free(pw);
	if (rc != CLI_OK)
		return rc;
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(f->sha));
		json_object_object_add(o, "dry_run", json_object_new_boolean(1));
		json_object_object_add(o, "users", json_object_new_int64((int64_t)f->n));
		json_object_object_add(o, "totp", json_object_new_int64((int64_t)f->n_totp));
		cli_print_json(c, o);
		json_object_put(o);
	} else {
		printf(_("Dry run: %zu user(s), %zu with a TOTP seed, checked by the broker; nobody"
		         " was added.\n"), f->n, f->n_totp);
	}
	return CLI_OK;
}

int
cli_user_import(struct cli *c)
{
	const char *path = cli_positional(c), *out_path = cli_option(c, "--out");
	struct import_file f;
	struct skc_import_password *pw = NULL;
	int fd = -1, rc, r, dry_run = cli_flag(c, "--dry-run");

	if (path == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: user import needs a FILE"));
		return CLI_USAGE;
	}
	memset(&f, 0, sizeof(f));
	if (load_file(path, &f) != SK_OK) {
		rc = CLI_FAILED;
		goto out;
	}
	if (f.n == 0) {
		printf("%s\n", _("The file has no rows; nothing to do."));
		rc = CLI_OK;
		goto out;
	}
	if (dry_run) {
		rc = dry_run_check(c, &f);
		goto out;
	}
	/* The passwords' file first: nothing is added when it cannot be made, and it is never
	 * one that exists already (O_EXCL) nor reached through a symbolic link. */
	if (out_path != NULL &&
	    (fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, _("sekimori: %s: cannot be created (%s); nobody was added\n"), out_path,
		        strerror(errno));
		rc = CLI_FAILED;
		goto out;
	}
	if ((pw = calloc(f.n, sizeof(*pw))) == NULL) {
		rc = CLI_FAILED;
		goto out;
	}
	if ((rc = stage_all(c, &f, pw)) == CLI_OK) {
		struct skc_user_import_commit_in in = { cli_actor(), f.sha, f.n };
		struct skc_user_import_commit_out cout;
		struct sk_client *cl = cli_client(c);
		int saved = cl->timeout_ms;

		cl->timeout_ms = IMPORT_COMMIT_TIMEOUT_MS;   /* one transaction for the whole file */
		r = skc_user_import_commit(cl, &in, &cout);
		cl->timeout_ms = saved;
		json_object_put(cout.doc);
		if (r == SK_OK && cout.res.status == SK_ST_EXISTS) {
			printf(_("The file %s was imported before; nothing changed.\n"), f.sha);
			rc = CLI_OK;
		} else if (r == SK_OK && cout.res.status == SK_ST_INVALID) {
			print_refusal(&cout.res, cout.line);
			rc = CLI_FAILED;
		} else if ((rc = cli_verdict(c, r, &cout.res, NULL)) == CLI_OK) {
			if (fd >= 0) {
				r = write_passwords(fd, &f, pw);
				fd = -1;
				if (r != SK_OK) {
					fprintf(stderr, _("sekimori: %s: writing failed; the users were added:"
					                  " reset their passwords\n"), out_path);
					rc = CLI_FAILED;
					goto out;
				}
			}
			print_passwords(c, &f, pw, out_path);
			goto out;
		}
	}
	/* Nothing was added: the passwords' file this run created goes. */
	if (fd >= 0) {
		close(fd);
		fd = -1;
		unlink(out_path);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(out_path);
	}
	if (pw != NULL)
		explicit_bzero(pw, f.n * sizeof(*pw));
	free(pw);
	if (f.rows != NULL)
		explicit_bzero(f.rows, IMPORT_ROWS_MAX * sizeof(*f.rows));
	free(f.rows);
	return rc;
}
