/* sekimori audit report: the log review (R-LOG-2, R-LOG-5). The chain is verified first
 * (cli_audit.h, the code of `audit verify`); then the verified records are read once more,
 * each held to its MAC and to the chain again, and counted (cli_report_collect.c); the
 * counts are printed as a table (cli_report_text.c), as JSON (cli_report_json.c) or written
 * as one self-contained HTML page (cli_report_html.c). */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "cli.h"
#include "cli_audit.h"

/* Distinct names one table counts (user names in failed logins come from whoever typed
 * them); what is beyond is counted under RP_OTHER. */
#define RP_TALLY_MAX 10000
#define RP_KEY_MAX 128
#define RP_OTHER "(other)"
/* Records of a login without PAM_RHOST are counted under this host. */
#define RP_LOCAL "(local)"
/* The privileged (grant, delegation, break-glass, review) records listed one by one: the
 * latest ones. */
#define RP_RECENT_MAX 200
/* "2026-11-24T02:13:32.123456Z" */
#define RP_TS_LEN 27
/* Rows the table and the page show of each breakdown (the JSON has them all). */
#define RP_TOP 20

struct rp_entry {
	char key[RP_KEY_MAX];
	uint64_t n;
};

/* Counts by name: an open-addressing hash table, at most RP_TALLY_MAX names. */
struct rp_tally {
	struct rp_entry *slot;
	size_t cap, used;
	uint64_t other;       /* counts for names beyond RP_TALLY_MAX */
};

/* One section of the report: a total and its breakdowns (which ones a section fills is
 * said where it is declared). */
struct rp_section {
	uint64_t total;
	struct rp_tally by_user, by_host, by_kind;
};

struct rp_recent {
	uint64_t seq;
	char ts[RP_TS_LEN + 1];
	char event[RP_KEY_MAX], user[RP_KEY_MAX], actor[RP_KEY_MAX], result[32];
};

struct cli_report {
	char since[RP_TS_LEN + 1], until[RP_TS_LEN + 1];   /* "" = open */
	char first_ts[RP_TS_LEN + 1], last_ts[RP_TS_LEN + 1];   /* of the records counted */
	uint64_t records;              /* records in the period */
	uint64_t logins_allowed;       /* event auth, result allow */
	struct rp_section failed;      /* event auth, result deny, or result locked with a reason
	                                * other than locked: user, host, reason */
	uint64_t failed_by_hour[24];   /* the same by the hour of the day (UTC) */
	struct rp_section lockouts;    /* auth records with "lockout":true: user, host */
	struct rp_section locked;      /* event auth, result and reason locked: user, host */
	struct rp_section replays;     /* reason otp_replayed: user, host */
	struct rp_section clones;      /* reason fido2_clone_suspected: user, host */
	struct rp_section cards;       /* auth deny, reason card_* / certificate_*: user, reason */
	struct rp_section keys;        /* auth deny, reason fido2_* but the clone: user, reason */
	struct rp_section privileged;  /* grant.* delegation.* breakglass.* review.*: user,
	                                * actor (by_host), event */
	struct rp_recent recent[RP_RECENT_MAX];   /* the latest privileged records, a ring */
	size_t n_recent, recent_next;
	struct rp_section admin;       /* admin.*: subject user, administrator (by_host), event */
	uint64_t admin_refused;        /* of which result deny */
};

/* Options: --since / --until as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC) into the
 * record-time form; SK_OK or SK_ERR_PROTO. */
int rp_parse_time(const char *text, char out[RP_TS_LEN + 1]);

void rp_report_init(struct cli_report *r);
void rp_report_free(struct cli_report *r);
/* Reads the records the chain check verified (rotated files, then the live log up to the
 * seq verified), each one's MAC and link checked again, and counts those in the period.
 * CLI_OK, or CLI_FAILED after saying why (a file that changed since it was verified). */
int rp_collect(const struct cli *c, const struct cli_audit_chain *ch, struct cli_report *r);

/* A tally's entries, most counted first (then by name); *n of them. NULL when empty or
 * out of memory. The caller frees the array (not the entries). */
const struct rp_entry **rp_tally_sorted(const struct rp_tally *t, size_t *n);

/* The summary: one row per section, label untranslated (N_), in the order every output
 * shows them; the JSON names them by key. */
#define RP_SUMMARY_ROWS 10
struct rp_summary_row {
	const char *key;     /* the JSON key */
	const char *label;   /* msgid */
	uint64_t n;
};
void rp_summary(const struct cli_report *r, struct rp_summary_row rows[RP_SUMMARY_ROWS]);

/* The name for a terminal or a page: bytes below 0x20, 0x7f and the C1 controls
 * (U+0080..U+009F) become '?', so that a name typed at a login prompt cannot drive the
 * administrator's terminal. */
void rp_clean(const char *in, char *out, size_t outsz);

/* The outputs. The text and JSON go to stdout; html to the file named. */
void rp_print_text(const struct cli *c, const struct cli_audit_chain *ch,
                   const struct cli_report *r);
json_object *rp_json(const struct cli *c, const struct cli_audit_chain *ch,
                     const struct cli_report *r);
int rp_write_html(const struct cli *c, const struct cli_audit_chain *ch,
                  const struct cli_report *r, FILE *out);

#endif
