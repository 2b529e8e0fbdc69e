/* Reading pam_oath's users file and google-authenticator's per-user file (cli_migrate.h).
 * The formats are those the two PAM modules read: liboath's usersfile.c (token types
 * HOTP, HOTP/E[/N], HOTP/T30[/N], HOTP/T60[/N]; hexadecimal secret) and
 * google-authenticator's (base32 secret on line 1, then '" NAME [ARGS]' option lines and
 * 8-digit scratch codes). Nothing here talks to the broker. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_migrate.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

int
mig_read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r = SK_OK;

	*text = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO put in the file's place must not hang the command. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return SK_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = SK_ERR_IO;
	else if (st.st_size > MIG_FILE_MAX)
		r = SK_ERR_RANGE;
	else if ((buf = malloc(MIG_FILE_MAX + 2)) == NULL)
		r = SK_ERR_NOMEM;
	/* Read up to one byte past the limit: the file may grow after fstat. */
	while (r == SK_OK && got <= MIG_FILE_MAX) {
		ssize_t n = read(fd, buf + got, MIG_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = SK_ERR_IO;
		else if (n == 0)
			break;
		else
			got += (size_t)n;
	}
	close(fd);
	if (r == SK_OK && got > MIG_FILE_MAX)
		r = SK_ERR_RANGE;
	if (r == SK_OK && memchr(buf, '\0', got) != NULL)
		r = SK_ERR_PROTO;
	if (r != SK_OK) {
		mig_text_free(buf, buf ? MIG_FILE_MAX + 2 : 0);
		return r;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return SK_OK;
}

void
mig_text_free(char *text, size_t len)
{
	if (text != NULL)
		explicit_bzero(text, len);
	free(text);
}

void
mig_list_free(struct mig_list *l)
{
	if (l->e != NULL)
		explicit_bzero(l->e, l->cap * sizeof(*l->e));
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static struct mig_entry *
mig_add(struct mig_list *l, unsigned line)
{
	struct mig_entry *e;

	if (l->n == MIG_ENTRIES_MAX)
		return NULL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct mig_entry *grown = calloc(cap, sizeof(*grown));
		if (grown == NULL)
			return NULL;
		if (l->e != NULL) {
			memcpy(grown, l->e, l->n * sizeof(*grown));
			explicit_bzero(l->e, l->cap * sizeof(*l->e));
			free(l->e);
		}
		l->e = grown;
		l->cap = cap;
	}
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->line = line;
	sk_totp_params_default(&e->params);
	return e;
}

int
mig_list_append(struct mig_list *dst, struct mig_list *src)
{
	int r = SK_OK;

	for (size_t i = 0; i < src->n && r == SK_OK; i++) {
		struct mig_entry *e = mig_add(dst, src->e[i].line);

		if (e == NULL)
			r = dst->n == MIG_ENTRIES_MAX ? SK_ERR_RANGE : SK_ERR_NOMEM;
		else
			*e = src->e[i];
	}
	mig_list_free(src);
	return r;
}

/* A refused entry keeps no seed. */
static void
mig_refuse(struct mig_entry *e, enum mig_why why)
{
	if (e->why == MIG_OK)
		e->why = why;
	explicit_bzero(e->seed, sizeof(e->seed));
	e->seed_len = 0;
}

/* The next line of text: [*start, *start + *n), without the newline (and a '\r' before
 * it). Returns 0 at the end. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **start, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*start = text + *pos;
	nl = memchr(*start, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *start) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	if (*n > 0 && (*start)[*n - 1] == '\r')
		(*n)--;
	return 1;
}

/* Splits a copy of the line at liboath's whitespace; returns the number of fields. */
static size_t
split_fields(char *line, char **field, size_t max)
{
	size_t k = 0;
	char *save = NULL;

	for (char *p = strtok_r(line, " \t\r\n", &save); p && k < max;
	     p = strtok_r(NULL, " \t\r\n", &save))
		field[k++] = p;
	return k;
}

/* liboath's parse_type, mapped to what sekimori can take. */
static enum mig_why
oath_type(const char *type, struct sk_totp_params *p)
{
	static const struct {
		const char *name;
		unsigned period, digits;   /* period 0: counter-based */
	} types[] = {
		{ "HOTP", 0, 6 }, { "HOTP/E", 0, 6 }, { "HOTP/E/6", 0, 6 }, { "HOTP/E/7", 0, 7 },
		{ "HOTP/E/8", 0, 8 },
		{ "HOTP/T30", 30, 6 }, { "HOTP/T30/6", 30, 6 }, { "HOTP/T30/7", 30, 7 },
		{ "HOTP/T30/8", 30, 8 },
		{ "HOTP/T60", 60, 6 }, { "HOTP/T60/6", 60, 6 }, { "HOTP/T60/7", 60, 7 },
		{ "HOTP/T60/8", 60, 8 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i].name) != 0)
			continue;
		if (types[i].period == 0)
			return MIG_HOTP;
		if (types[i].digits != 6 && types[i].digits != 8)
			return MIG_DIGITS;
		p->algo = SK_TOTP_SHA1;   /* liboath's usersfile knows no other hash */
		p->period = types[i].period;
		p->digits = types[i].digits;
		return MIG_OK;
	}
	return MIG_MALFORMED;
}

static int
hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static enum mig_why
oath_seed(const char *hex, struct mig_entry *e)
{
	size_t n = strlen(hex);

	if (n % 2 != 0)
		return MIG_SEED_BAD;
	if (n / 2 > SK_TOTP_SEED_MAX)
		return MIG_SEED_LONG;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return MIG_SEED_BAD;
		e->seed[i] = (unsigned char)(hi << 4 | lo);
	}
	e->seed_len = n / 2;
	return e->seed_len < MIG_SEED_MIN ? MIG_SEED_SHORT : MIG_OK;
}

static void
set_user(struct mig_entry *e, const char *user)
{
	if (user != NULL && strlen(user) < sizeof(e->user) && sk_valid_username(user))
		memcpy(e->user, user, strlen(user) + 1);
}

/* One token line: TYPE USER PIN SECRET [COUNTER [LASTOTP [TIME]]]. */
static void
oath_line(char *line, struct mig_entry *e)
{
	char *f[8];
	size_t k = split_fields(line, f, 8);
	enum mig_why why;

	set_user(e, k > 1 ? f[1] : NULL);
	if (e->user[0] == '\0') {
		mig_refuse(e, k > 1 ? MIG_USER_BAD : MIG_MALFORMED);
		return;
	}
	if ((why = oath_type(f[0], &e->params)) != MIG_OK || k < 4) {
		mig_refuse(e, why != MIG_OK ? why : MIG_MALFORMED);
		return;
	}
	/* "-": no PIN; "+": checked by another module. Anything else is a PIN, which
	 * pam_oath wants typed before the code; it is not taken over. */
	if (strcmp(f[2], "-") != 0 && strcmp(f[2], "+") != 0)
		e->notes |= MIG_NOTE_PIN;
	if ((why = oath_seed(f[3], e)) != MIG_OK)
		mig_refuse(e, why);
}

/* sekimori keeps one TOTP token per user: a user named on several lines is refused on
 * every one of them rather than guessing which token the user carries. */
static void
refuse_duplicates(struct mig_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = i + 1; j < l->n; j++)
			if (l->e[i].user[0] != '\0' && strcmp(l->e[i].user, l->e[j].user) == 0) {
				l->e[i].why = l->e[j].why = MIG_OK;   /* the duplicate says it best */
				mig_refuse(&l->e[i], MIG_DUPLICATE);
				mig_refuse(&l->e[j], MIG_DUPLICATE);
			}
}

int
mig_parse_oath(const char *text, size_t len, struct mig_list *out)
{
	char copy[MIG_LINE_MAX + 1];
	const char *start;
	size_t pos = 0, n;
	unsigned lineno = 0;
	int r = SK_OK;

	memset(out, 0, sizeof(*out));
	while (r == SK_OK && next_line(text, len, &pos, &start, &n)) {
		struct mig_entry *e;
		size_t skip = strspn(start, " \t");

		lineno++;
		if (skip >= n || start[skip] == '#')
			continue;   /* blank or a comment, as liboath reads it */
		if ((e = mig_add(out, lineno)) == NULL) {
			r = SK_ERR_RANGE;
			break;
		}
		if (n > MIG_LINE_MAX) {
			mig_refuse(e, MIG_LINE_LONG);
			continue;
		}
		memcpy(copy, start, n);
		copy[n] = '\0';
		oath_line(copy, e);
	}
	explicit_bzero(copy, sizeof(copy));
	if (r == SK_OK)
		refuse_duplicates(out);
	return r;
}

/* A decimal number of at most 9 digits, nothing else. */
static int
small_number(const char *s, unsigned *out)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || s[n] != '\0')
		return -1;
	*out = (unsigned)strtoul(s, NULL, 10);
	return 0;
}

/* '" NAME [ARGS]': what sekimori keeps, notes or refuses. */
static void
ga_option(char *line, struct mig_entry *e, int *hotp, int *no_reuse)
{
	char *f[3];
	size_t k = split_fields(line, f, 3);
	unsigned v;

	if (k == 0) {
		mig_refuse(e, MIG_MALFORMED);
	} else if (strcmp(f[0], "TOTP_AUTH") == 0) {
		/* the default; said explicitly by the setup tool */
	} else if (strcmp(f[0], "HOTP_COUNTER") == 0) {
		*hotp = 1;
	} else if (strcmp(f[0], "DISALLOW_REUSE") == 0) {
		*no_reuse = 1;   /* followed by the time steps already used */
	} else if (strcmp(f[0], "WINDOW_SIZE") == 0) {
		e->notes |= MIG_NOTE_WINDOW;
	} else if (strcmp(f[0], "RATE_LIMIT") == 0) {
		e->notes |= MIG_NOTE_RATE_LIMIT;
	} else if (strcmp(f[0], "STEP_SIZE") == 0) {
		if (k < 2 || small_number(f[1], &v) != 0)
			mig_refuse(e, MIG_MALFORMED);
		else if (v < 15 || v > 300)
			mig_refuse(e, MIG_PERIOD);
		else
			e->params.period = v;
	} else {
		size_t n = strspn(f[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                        "0123456789_");
		if (e->why == MIG_OK && f[0][n] == '\0' && n < sizeof(e->option))
			memcpy(e->option, f[0], n + 1);
		mig_refuse(e, MIG_OPTION);
	}
}

static int
is_scratch_code(const char *s, size_t n)
{
	return n == 8 && strspn(s, "0123456789") >= 8;
}

/* One line of the file: the secret (line 1), an option, a scratch code or blank. */
static void
ga_line(char *copy, size_t n, unsigned lineno, struct mig_entry *e, int *hotp, int *no_reuse)
{
	if (lineno == 1) {
		/* The google-authenticator PAM module reads the secret as base32, case and
		 * spaces aside; so does sk_base32_decode. */
		if (sk_base32_decode(copy, e->seed, sizeof(e->seed), &e->seed_len) != SK_OK)
			mig_refuse(e, n > 2 * SK_TOTP_SEED_MAX ? MIG_SEED_LONG : MIG_SEED_BAD);
		else if (e->seed_len < MIG_SEED_MIN)
			mig_refuse(e, MIG_SEED_SHORT);
	} else if (n >= 2 && copy[0] == '"' && copy[1] == ' ') {
		ga_option(copy + 2, e, hotp, no_reuse);
	} else if (is_scratch_code(copy, n)) {
		e->scratch_codes++;
		e->notes |= MIG_NOTE_SCRATCH;
	} else if (strspn(copy, " \t") != n) {
		mig_refuse(e, MIG_MALFORMED);
	}
}

int
mig_parse_ga(const char *text, size_t len, const char *user, struct mig_list *out)
{
	char copy[MIG_LINE_MAX + 1];
	const char *start;
	size_t pos = 0, n;
	unsigned lineno = 0;
	int hotp = 0, no_reuse = 0;
	struct mig_entry *e;

	memset(out, 0, sizeof(*out));
	if ((e = mig_add(out, 1)) == NULL)
		return SK_ERR_NOMEM;
	set_user(e, user);
	if (e->user[0] == '\0')
		mig_refuse(e, MIG_USER_BAD);
	while (next_line(text, len, &pos, &start, &n)) {
		enum mig_why before = e->why;
		int was_hotp = hotp;

		lineno++;
		if (n > MIG_LINE_MAX) {
			mig_refuse(e, MIG_LINE_LONG);
		} else {
			memcpy(copy, start, n);
			copy[n] = '\0';
			ga_line(copy, n, lineno, e, &hotp, &no_reuse);
		}
		/* The report names the line of the first refusal (or of HOTP_COUNTER). */
		if ((before == MIG_OK && e->why != MIG_OK) || (!was_hotp && hotp))
			e->line = lineno;
		if (n > MIG_LINE_MAX)
			break;
	}
	explicit_bzero(copy, sizeof(copy));
	if (lineno == 0)
		mig_refuse(e, MIG_SEED_BAD);
	if (hotp) {
		/* Counter-based says it all, whatever else the file holds. */
		e->why = MIG_OK;
		mig_refuse(e, MIG_HOTP);
	}
	if (e->why != MIG_OK)
		mig_refuse(e, e->why);   /* refused before line 1 (the user): no seed kept */
	if (!no_reuse)
		e->notes |= MIG_NOTE_REUSE;
	return SK_OK;
}
