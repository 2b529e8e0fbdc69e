/* The audit chain as `sekimori audit verify` checks it, shared with `sekimori audit report`
 * (which verifies first and reports only a whole chain): one piece of code for both. */
#ifndef CLI_AUDIT_H
#define CLI_AUDIT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "cli.h"
#include "sk_audit_chain.h"

struct cli_audit_segment {
	const char *path;
	struct sk_audit_report rep;
};

/* What the verification found over the rotated files given and the live log. */
struct cli_audit_chain {
	struct cli_audit_segment *segs;   /* the rotated files, oldest first */
	size_t nsegs;
	struct sk_audit_report live;      /* the live log, held to its anchor */
	const char *problem;              /* NULL: the chain is whole */
	const char *where;                /* the file of the fault */
	uint64_t line;                    /* its line */
	uint64_t records, first_seq, last_seq, not_committed;   /* over all files */
	unsigned char key[SK_AUDIT_KEY_LEN];   /* for re-reading the records; zeroed by done */
	char buf[512];
};

/* Reads the audit key, checks the options --anchor SEQ:MAC and the rotated files named
 * after the options, and verifies them and the live log as `audit verify` does. Returns
 * CLI_OK when the verification ran (ch->problem says whether the chain is whole), else
 * CLI_FAILED / CLI_USAGE after saying why. Call cli_audit_chain_done in every case. */
int cli_audit_chain_check(struct cli *c, struct cli_audit_chain *ch);
void cli_audit_chain_done(struct cli_audit_chain *ch);
/* The verdict as an object: log, rotated_files, ok, records, first_seq, last_seq,
 * not_committed, and file, line, problem when it is not whole. */
json_object *cli_audit_chain_json(const struct cli *c, const struct cli_audit_chain *ch);
/* The verdict as the sentences `audit verify` prints, to out. */
void cli_audit_chain_print(FILE *out, const struct cli *c, const struct cli_audit_chain *ch);

#endif
