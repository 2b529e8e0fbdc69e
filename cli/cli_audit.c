/* sekimori audit verify [--anchor SEQ:MAC] [ROTATED-FILE...]: checks the chain locally with
 * the audit key, so it works while the broker is down (R-LOG-3). Needs read access to the
 * key (root). With --anchor, the log must also reach an anchor copied from the remote syslog
 * (the broker logs "audit anchor=SEQ:MAC ..." for every record): a log cut back together
 * with its anchor. The files logrotate moved away (doc/deployment.md) are checked with it:
 * each on its own, then that each one's first record continues the one before, and the live
 * log the last of them, so that no file's end or start can be cut unnoticed. The same
 * verification opens `sekimori audit report` (cli_audit_chain_check). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "cli_audit.h"
#include "sk_aead.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_i18n.h"

#define ROTATED_FILES_MAX 4096

static int
by_first_seq(const void *a, const void *b)
{
	const struct cli_audit_segment *x = a, *y = b;

	return x->rep.first_seq < y->rep.first_seq ? -1 : x->rep.first_seq > y->rep.first_seq;
}

/* Whether `next` (first_seq, first_prev) begins right after `prev` ends. */
static int
joins(const struct sk_audit_report *prev, const struct sk_audit_report *next)
{
	return next->first_seq == prev->last_seq + 1 &&
	       CRYPTO_memcmp(next->first_prev, prev->last_mac, SK_AUDIT_MAC_HEX) == 0;
}

/* The rotated files named after the options, each verified; sorted oldest first. Returns
 * CLI_OK, or prints why and returns CLI_FAILED / CLI_USAGE. */
static int
verify_rotated(struct cli *c, const unsigned char *key, struct cli_audit_segment **out,
               size_t *n)
{
	struct cli_audit_segment *segs;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if ((segs = calloc(ROTATED_FILES_MAX, sizeof(*segs))) == NULL)
		return CLI_FAILED;
	for (int i = 0; i < c->argc; i++) {
		if (cli_option_takes_value(c->argv[i])) {
			i++;   /* --anchor SEQ:MAC, and the report's --since, --until, --html */
			continue;
		}
		if (c->argv[i][0] == '-')
			continue;   /* --json; unknown options were refused before */
		if (k == ROTATED_FILES_MAX) {
			fprintf(stderr, _("sekimori: more than %d rotated files\n"), ROTATED_FILES_MAX);
			free(segs);
			return CLI_USAGE;
		}
		segs[k].path = c->argv[i];
		if (sk_audit_verify_segment(segs[k].path, key, SK_AUDIT_KEY_LEN, &segs[k].rep) != SK_OK) {
			fprintf(stderr, _("sekimori: cannot verify %s: %s\n"), segs[k].path,
			        segs[k].rep.problem);
			free(segs);
			return CLI_FAILED;
		}
		k++;
	}
	qsort(segs, k, sizeof(*segs), by_first_seq);
	*out = segs;
	*n = k;
	return CLI_OK;
}

/* The first fault across the files: a damaged file, or two that do not join. */
static const char *
find_fault(const struct cli_audit_segment *segs, size_t n, const struct sk_audit_report *live,
           const char *live_path, const char **where, uint64_t *line, char *buf, size_t bufsz)
{
	for (size_t i = 0; i < n; i++) {
		if (!segs[i].rep.ok) {
			*where = segs[i].path;
			*line = segs[i].rep.line;
			return segs[i].rep.problem;
		}
		if (i > 0 && !joins(&segs[i - 1].rep, &segs[i].rep)) {
			*where = segs[i].path;
			*line = 1;
			snprintf(buf, bufsz, _("does not continue %s (records %llu to %llu missing, "
			                       "or not the same chain)"), segs[i - 1].path,
			         (unsigned long long)segs[i - 1].rep.last_seq + 1,
			         (unsigned long long)segs[i].rep.first_seq - 1);
			return buf;
		}
	}
	*where = live_path;
	*line = live->line;
	if (!live->ok)
		return live->problem;
	if (n > 0 && !joins(&segs[n - 1].rep, live)) {
		*line = 1;
		snprintf(buf, bufsz, _("does not continue %s (records %llu to %llu missing, or not "
		                       "the same chain)"), segs[n - 1].path,
		         (unsigned long long)segs[n - 1].rep.last_seq + 1,
		         (unsigned long long)live->first_seq - 1);
		return buf;
	}
	return NULL;
}

json_object *
cli_audit_chain_json(const struct cli *c, const struct cli_audit_chain *ch)
{
	json_object *o = json_object_new_object(), *files = json_object_new_array();

	json_object_object_add(o, "log", json_object_new_string(c->conf.audit_log));
	for (size_t i = 0; i < ch->nsegs; i++)
		json_object_array_add(files, json_object_new_string(ch->segs[i].path));
	json_object_object_add(o, "rotated_files", files);
	json_object_object_add(o, "ok", json_object_new_boolean(ch->problem == NULL));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)ch->records));
	json_object_object_add(o, "first_seq", json_object_new_int64((int64_t)ch->first_seq));
	json_object_object_add(o, "last_seq", json_object_new_int64((int64_t)ch->last_seq));
	json_object_object_add(o, "not_committed",
	                       json_object_new_int64((int64_t)ch->not_committed));
	if (ch->problem != NULL) {
		json_object_object_add(o, "file", json_object_new_string(ch->where));
		json_object_object_add(o, "line", json_object_new_int64((int64_t)ch->line));
		json_object_object_add(o, "problem", json_object_new_string(ch->problem));
	}
	return o;
}

void
cli_audit_chain_print(FILE *out, const struct cli *c, const struct cli_audit_chain *ch)
{
	if (ch->problem != NULL) {
		if (ch->nsegs > 0 || strcmp(ch->where, c->conf.audit_log) != 0)
			fprintf(out, _("Audit log DAMAGED in %s at line %llu: %s\n"), ch->where,
			        (unsigned long long)ch->line, ch->problem);
		else
			fprintf(out, _("Audit log DAMAGED at line %llu: %s\n"),
			        (unsigned long long)ch->line, ch->problem);
		return;
	}
	fprintf(out, _("Audit log intact: %llu records.\n"), (unsigned long long)ch->records);
	if (ch->nsegs > 0)
		fprintf(out, _("Records %llu to %llu, in %zu rotated files and the live log.\n"),
		        (unsigned long long)ch->first_seq, (unsigned long long)ch->last_seq,
		        ch->nsegs);
	if (ch->first_seq > 1)
		fprintf(out, _("It begins at record %llu, after a rotation: records 1 to %llu are "
		               "in older rotated files, which were not given (give them to verify "
		               "the whole chain).\n"),
		        (unsigned long long)ch->first_seq, (unsigned long long)ch->first_seq - 1);
	if (ch->not_committed > 0)
		fprintf(out, _("%llu of them are marked not committed: the broker stopped before "
		               "their store transaction committed, so what they describe did not "
		               "take effect.\n"), (unsigned long long)ch->not_committed);
}

int
cli_audit_chain_check(struct cli *c, struct cli_audit_chain *ch)
{
	char path[PATH_MAX];
	struct sk_audit_anchor remote;
	const char *anchor = cli_option(c, "--anchor");
	int n = snprintf(path, sizeof(path), "%s/audit.key", c->conf.key_dir), r;

	memset(ch, 0, sizeof(*ch));
	if ((anchor == NULL && cli_flag(c, "--anchor")) ||
	    (anchor != NULL && sk_audit_anchor_parse(anchor, &remote) != SK_OK)) {
		anchor = anchor != NULL ? anchor : "";
		fprintf(stderr, _("sekimori: --anchor wants SEQ:MAC as the broker logs it "
		                  "(\"audit anchor=SEQ:MAC\"), not \"%s\"\n"), anchor);
		return CLI_USAGE;
	}
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    sk_keyfile_load(path, ch->key, sizeof(ch->key), 0) != SK_OK) {
		fprintf(stderr, _("sekimori: cannot read the audit key %s (run as root)\n"), path);
		return CLI_FAILED;
	}
	if ((r = verify_rotated(c, ch->key, &ch->segs, &ch->nsegs)) != CLI_OK)
		return r;
	r = sk_audit_verify_remote(c->conf.audit_log, c->conf.audit_anchor, ch->key,
	                           sizeof(ch->key), anchor != NULL ? &remote : NULL, &ch->live);
	if (r != SK_OK) {
		fprintf(stderr, _("sekimori: cannot verify %s: %s\n"), c->conf.audit_log,
		        sk_strerror(r));
		return CLI_FAILED;
	}
	ch->problem = find_fault(ch->segs, ch->nsegs, &ch->live, c->conf.audit_log, &ch->where,
	                         &ch->line, ch->buf, sizeof(ch->buf));
	ch->records = ch->live.records;
	ch->not_committed = ch->live.not_committed;
	ch->first_seq = ch->nsegs > 0 ? ch->segs[0].rep.first_seq : ch->live.first_seq;
	ch->last_seq = ch->live.last_seq;
	for (size_t i = 0; i < ch->nsegs; i++) {
		ch->records += ch->segs[i].rep.records;
		ch->not_committed += ch->segs[i].rep.not_committed;
	}
	return CLI_OK;
}

void
cli_audit_chain_done(struct cli_audit_chain *ch)
{
	explicit_bzero(ch->key, sizeof(ch->key));
	free(ch->segs);
	ch->segs = NULL;
	ch->nsegs = 0;
}

int
cli_audit_verify(struct cli *c)
{
	struct cli_audit_chain ch;
	int r;

	if (cli_flag(c, "--brokers"))
		return cli_audit_verify_brokers(c);
	r = cli_audit_chain_check(c, &ch);

	if (r == CLI_OK) {
		if (c->json) {
			json_object *o = cli_audit_chain_json(c, &ch);

			cli_print_json(c, o);
			json_object_put(o);
		} else {
			cli_audit_chain_print(stdout, c, &ch);
		}
		r = ch.problem == NULL ? CLI_OK : CLI_FAILED;
	}
	cli_audit_chain_done(&ch);
	return r;
}
