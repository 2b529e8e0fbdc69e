/* sekimori migrate: the TOTP tokens of pam_oath's users file and of google-authenticator's
 * per-user file, read into entries the broker can import. The reader is separate from the
 * commands (cli_migrate.c) so that it can be tested alone: every size is bounded and every
 * malformed line is refused, named by its number, never echoed (R-INPUT-1; a line may hold
 * a seed or a PIN). */
#ifndef CLI_MIGRATE_H
#define CLI_MIGRATE_H
#include <stddef.h>

#include "sk_totp.h"

#define MIG_FILE_MAX (1024 * 1024)  /* a larger file is refused as a whole */
#define MIG_LINE_MAX 1024           /* bytes in one line, newline excluded */
#define MIG_ENTRIES_MAX 4096        /* token lines in one users file */
#define MIG_SEED_MIN 16             /* the broker's minimum (RFC 4226: 128 bits) */
#define MIG_OPTION_MAX 24           /* an unsupported option's name, as reported */

/* Why an entry is not imported; MIG_OK when it can be. */
enum mig_why {
	MIG_OK = 0,
	MIG_HOTP,        /* counter-based (HOTP): sekimori has time-based tokens only */
	MIG_DIGITS,      /* 7 digits (sekimori: 6 or 8) */
	MIG_PERIOD,      /* time step outside 15..300 s */
	MIG_SEED_SHORT,  /* under MIG_SEED_MIN bytes */
	MIG_SEED_LONG,   /* over SK_TOTP_SEED_MAX bytes */
	MIG_SEED_BAD,    /* not hexadecimal (pam_oath) or base32 (google-authenticator) */
	MIG_USER_BAD,    /* no user name or one sekimori does not accept */
	MIG_DUPLICATE,   /* several lines for one user: which token is meant is unclear */
	MIG_OPTION,      /* an option this version does not know (name in `option`) */
	MIG_MALFORMED,   /* a line that is not understood */
	MIG_LINE_LONG,   /* a line over MIG_LINE_MAX */
};

/* What was in the old file and is not carried over (bits of mig_entry.notes). */
#define MIG_NOTE_PIN 0x01         /* pam_oath: a PIN; sekimori checks the user's password */
#define MIG_NOTE_SCRATCH 0x02     /* google-authenticator: emergency scratch codes */
#define MIG_NOTE_WINDOW 0x04      /* WINDOW_SIZE: the profile's totp_window applies */
#define MIG_NOTE_RATE_LIMIT 0x08  /* RATE_LIMIT: the profile's deny/unlock_time apply */
#define MIG_NOTE_REUSE 0x10       /* reuse was allowed; sekimori accepts each code once */

struct mig_entry {
	char user[64];               /* empty when the line named no usable user */
	unsigned line;               /* 1-based line number in the file */
	enum mig_why why;
	char option[MIG_OPTION_MAX]; /* MIG_OPTION: the option's name (letters, digits, '_') */
	unsigned notes;
	unsigned scratch_codes;
	struct sk_totp_params params;
	unsigned char seed[SK_TOTP_SEED_MAX]; /* zero unless why == MIG_OK */
	size_t seed_len;
};

struct mig_list {
	struct mig_entry *e;
	size_t n, cap;
};

/* Reads a whole regular file of at most MIG_FILE_MAX bytes, read-only (the old file is
 * never changed). *text is NUL-terminated; free it with mig_text_free. SK_ERR_RANGE when
 * it is too large, SK_ERR_PROTO when it holds a NUL byte, SK_ERR_IO otherwise. */
int mig_read_file(const char *path, char **text, size_t *len);
void mig_text_free(char *text, size_t len);

/* pam_oath / liboath users file: "TYPE USER PIN HEXSECRET [COUNTER [LASTOTP [TIME]]]"
 * per line, '#' comments. One entry per token line. SK_ERR_RANGE over MIG_ENTRIES_MAX. */
int mig_parse_oath(const char *text, size_t len, struct mig_list *out);
/* ~/.google_authenticator of `user`: the base32 secret, '" OPTION' lines, scratch codes.
 * Always one entry. */
int mig_parse_ga(const char *text, size_t len, const char *user, struct mig_list *out);
/* Zeroes the seeds and frees. */
void mig_list_free(struct mig_list *l);
/* Moves src's entries to the end of dst (src is freed and zeroed either way): SK_OK, or
 * SK_ERR_RANGE past MIG_ENTRIES_MAX, SK_ERR_NOMEM. */
int mig_list_append(struct mig_list *dst, struct mig_list *src);

#endif
