/* sekimori audit verify --brokers [--store URI] LOG:ANCHOR[:KEY]...: the audit logs of the
 * brokers that share one PostgreSQL store, checked together (doc/deployment.md).
 *
 * Each broker writes its own chain and commits its last audit seq in the store under its
 * broker_id (meta 'audit_seq@<broker_id>', written in the transaction of the record). So:
 *   1. each log verifies on its own against its anchor (as plain `audit verify`);
 *   2. each log is one broker's: every record names the same broker ("broker");
 *   3. no broker's log is given twice, and every broker the store knows has its log given,
 *      and no log belongs to a broker the store does not know (another store's log);
 *   4. no gap: each log reaches at least the seq the store committed for its broker, so a
 *      log and anchor put back to an older copy are found;
 *   5. no duplicate: each record id ("record_id") appears in one place only.
 * The store is read first and the logs after, so a broker that goes on writing meanwhile
 * only moves its log further ahead of what was read from the store. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_aead.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "store.h"

#define LOGS_MAX 256
#define FAULTS_MAX 64
#define RECORD_ID_LEN 32
#define STORE_BROKERS_MAX 1024

struct blog {
	char log[PATH_MAX], anchor[PATH_MAX], keyfile[PATH_MAX];
	struct sk_audit_report rep;
	char broker[SK_BROKER_ID_MAX];
	int verified;
	uint64_t committed;   /* the store's seq for this broker */
	int in_store;
};

struct store_seq {
	char broker[SK_BROKER_ID_MAX];
	uint64_t seq;
};

struct rid {
	char id[RECORD_ID_LEN + 1];
	size_t log;
	uint64_t line;
};

struct check {
	struct cli *c;
	struct blog *logs;
	size_t nlogs;
	struct store_seq *seqs;
	size_t nseqs;
	struct rid *rids;
	size_t nrids, caprids;
	char *faults[FAULTS_MAX];
	size_t nfaults;
	size_t more_faults;
};

static void
fault(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fault(struct check *k, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (k->nfaults == FAULTS_MAX || (k->faults[k->nfaults] = strdup(buf)) == NULL) {
		k->more_faults++;
		return;
	}
	k->nfaults++;
}

/* LOG:ANCHOR[:KEY]; without KEY, the configuration's key_dir/audit.key. */
static int
parse_spec(const struct cli *c, const char *spec, struct blog *b)
{
	const char *a = strchr(spec, ':'), *k = a != NULL ? strchr(a + 1, ':') : NULL;
	size_t nlog = a != NULL ? (size_t)(a - spec) : 0;
	size_t nanchor = a == NULL ? 0 : k != NULL ? (size_t)(k - a - 1) : strlen(a + 1);
	int n;

	if (a == NULL || nlog == 0 || nanchor == 0 || nlog >= sizeof(b->log) ||
	    nanchor >= sizeof(b->anchor) || (k != NULL && (k[1] == '\0' || strchr(k + 1, ':'))))
		return -1;
	memcpy(b->log, spec, nlog);
	b->log[nlog] = '\0';
	memcpy(b->anchor, a + 1, nanchor);
	b->anchor[nanchor] = '\0';
	if (k != NULL)
		n = snprintf(b->keyfile, sizeof(b->keyfile), "%s", k + 1);
	else
		n = snprintf(b->keyfile, sizeof(b->keyfile), "%s/audit.key", c->conf.key_dir);
	return n < 0 || (size_t)n >= sizeof(b->keyfile) ? -1 : 0;
}

static int
take_seq(void *arg, const char *broker_id, uint64_t seq)
{
	struct check *k = arg;

	if (broker_id[0] == '\0')
		return SK_OK;   /* 'audit_seq' without a broker_id: no broker writes it */
	if (k->nseqs == STORE_BROKERS_MAX || strlen(broker_id) >= SK_BROKER_ID_MAX) {
		fprintf(stderr, "%s\n", _("sekimori: the store names too many brokers"));
		return SK_ERR_RANGE;
	}
	snprintf(k->seqs[k->nseqs].broker, SK_BROKER_ID_MAX, "%s", broker_id);
	k->seqs[k->nseqs++].seq = seq;
	return SK_OK;
}

static int
add_rid(struct check *k, const char *id, size_t log, uint64_t line)
{
	if (k->nrids == k->caprids) {
		size_t cap = k->caprids ? k->caprids * 2 : 4096;
		struct rid *n = realloc(k->rids, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		k->rids = n;
		k->caprids = cap;
	}
	snprintf(k->rids[k->nrids].id, sizeof(k->rids[k->nrids].id), "%s", id);
	k->rids[k->nrids].log = log;
	k->rids[k->nrids++].line = line;
	return 0;
}

/* Reads the broker and the record id of every record of a log that verified. */
static int
read_identities(struct check *k, size_t i)
{
	struct blog *b = &k->logs[i];
	char *line = malloc(SK_AUDIT_LINE_MAX + 2);
	FILE *f = fopen(b->log, "r");
	uint64_t n = 0;
	int r = 0;

	if (line == NULL || f == NULL) {
		fprintf(stderr, _("sekimori: cannot read %s\n"), b->log);
		free(line);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	while (fgets(line, SK_AUDIT_LINE_MAX + 2, f) != NULL) {
		json_object *o = json_tokener_parse(line), *v;

		n++;
		if (o == NULL)
			continue;   /* verified already: cannot happen */
		if (json_object_object_get_ex(o, "broker", &v) && json_object_is_type(v, json_type_string)) {
			const char *id = json_object_get_string(v);

			if (b->broker[0] == '\0')
				snprintf(b->broker, sizeof(b->broker), "%s", id);
			else if (strcmp(b->broker, id) != 0)
				fault(k, _("%s line %llu: a record of broker %s in the log of broker %s"),
				      b->log, (unsigned long long)n, id, b->broker);
		}
		if (json_object_object_get_ex(o, "record_id", &v) &&
		    json_object_get_string_len(v) == RECORD_ID_LEN && add_rid(k, json_object_get_string(v), i, n) != 0)
			r = -1;
		json_object_put(o);
		if (r != 0)
			break;
	}
	fclose(f);
	free(line);
	if (r != 0)
		fprintf(stderr, "%s\n", _("sekimori: out of memory"));
	else if (b->broker[0] == '\0')
		fault(k, _("%s: no record names its broker (written before records carried their "
		           "broker_id?)"), b->log);
	return r;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct rid *)a)->id, ((const struct rid *)b)->id);
}

/* Record ids found twice, said once per pair of logs (a log given twice would otherwise
 * print every record). */
static void
report_duplicates(struct check *k)
{
	size_t *count = calloc(k->nlogs * k->nlogs, sizeof(*count));
	size_t *first = calloc(k->nlogs * k->nlogs, sizeof(*first));

	if (count == NULL || first == NULL) {
		fault(k, "%s", _("sekimori: out of memory"));
		free(count);
		free(first);
		return;
	}
	qsort(k->rids, k->nrids, sizeof(*k->rids), by_id);
	for (size_t i = 1; i < k->nrids; i++) {
		size_t a = k->rids[i - 1].log, b = k->rids[i].log, cell;

		if (strcmp(k->rids[i - 1].id, k->rids[i].id) != 0)
			continue;
		cell = a < b ? a * k->nlogs + b : b * k->nlogs + a;
		if (count[cell]++ == 0)
			first[cell] = i;
	}
	for (size_t cell = 0; cell < k->nlogs * k->nlogs; cell++) {
		const struct rid *x, *y;

		if (count[cell] == 0)
			continue;
		x = &k->rids[first[cell] - 1];
		y = &k->rids[first[cell]];
		fault(k, _("%zu record ids appear twice, the first %s: %s line %llu and %s line %llu"),
		      count[cell], y->id, k->logs[x->log].log, (unsigned long long)x->line,
		      k->logs[y->log].log, (unsigned long long)y->line);
	}
	free(count);
	free(first);
}

static void
cross_check(struct check *k)
{
	for (size_t i = 0; i < k->nlogs; i++) {
		struct blog *b = &k->logs[i];

		if (!b->verified || b->broker[0] == '\0')
			continue;
		for (size_t j = 0; j < i; j++)
			if (k->logs[j].verified && strcmp(k->logs[j].broker, b->broker) == 0)
				fault(k, _("%s and %s are both the log of broker %s (one log given twice?)"),
				      k->logs[j].log, b->log, b->broker);
		for (size_t s = 0; s < k->nseqs; s++)
			if (strcmp(k->seqs[s].broker, b->broker) == 0) {
				b->in_store = 1;
				b->committed = k->seqs[s].seq;
			}
		if (!b->in_store)
			fault(k, _("%s: broker %s has no committed audit seq in this store (the log of "
			           "another store?)"), b->log, b->broker);
		else if (b->rep.last_seq < b->committed)
			fault(k, _("%s: the log of broker %s ends at record %llu, but the store committed "
			           "its record %llu: records %llu to %llu are missing"), b->log, b->broker,
			      (unsigned long long)b->rep.last_seq, (unsigned long long)b->committed,
			      (unsigned long long)b->rep.last_seq + 1, (unsigned long long)b->committed);
	}
	for (size_t s = 0; s < k->nseqs; s++) {
		int given = 0;

		for (size_t i = 0; i < k->nlogs; i++)
			given |= strcmp(k->logs[i].broker, k->seqs[s].broker) == 0;
		if (!given)
			fault(k, _("no log given for broker %s (the store committed its records up to "
			           "%llu)"), k->seqs[s].broker, (unsigned long long)k->seqs[s].seq);
	}
	report_duplicates(k);
}

static void
print_result(const struct check *k)
{
	if (k->c->json) {
		json_object *o = json_object_new_object(), *logs = json_object_new_array();
		json_object *faults = json_object_new_array();

		json_object_object_add(o, "ok", json_object_new_boolean(k->nfaults + k->more_faults == 0));
		for (size_t i = 0; i < k->nlogs; i++) {
			const struct blog *b = &k->logs[i];
			json_object *l = json_object_new_object();

			json_object_object_add(l, "log", json_object_new_string(b->log));
			json_object_object_add(l, "broker", json_object_new_string(b->broker));
			json_object_object_add(l, "records", json_object_new_int64((int64_t)b->rep.records));
			json_object_object_add(l, "first_seq", json_object_new_int64((int64_t)b->rep.first_seq));
			json_object_object_add(l, "last_seq", json_object_new_int64((int64_t)b->rep.last_seq));
			json_object_object_add(l, "committed_seq", json_object_new_int64((int64_t)b->committed));
			json_object_array_add(logs, l);
		}
		json_object_object_add(o, "logs", logs);
		for (size_t i = 0; i < k->nfaults; i++)
			json_object_array_add(faults, json_object_new_string(k->faults[i]));
		json_object_object_add(o, "problems", faults);
		cli_print_json(k->c, o);
		json_object_put(o);
		return;
	}
	if (k->nfaults + k->more_faults > 0) {
		for (size_t i = 0; i < k->nfaults; i++)
			printf(_("Audit logs DAMAGED: %s\n"), k->faults[i]);
		if (k->more_faults > 0)
			printf(_("... and %zu more problems.\n"), k->more_faults);
		return;
	}
	printf(_("Audit logs of %zu brokers intact, none missing, no record in two places.\n"),
	       k->nlogs);
	for (size_t i = 0; i < k->nlogs; i++) {
		const struct blog *b = &k->logs[i];

		printf(_("  %s: %s, records %llu to %llu (the store committed %llu).\n"), b->broker,
		       b->log, (unsigned long long)b->rep.first_seq, (unsigned long long)b->rep.last_seq,
		       (unsigned long long)b->committed);
	}
}

static int
run_check(struct check *k)
{
	const char *store = cli_option(k->c, "--store");
	unsigned char key[SK_AUDIT_KEY_LEN];
	struct cli *c = k->c;

	if (store == NULL)
		store = c->conf.store_path;
	if (!store_is_remote(store)) {
		fprintf(stderr, _("sekimori: --brokers needs a PostgreSQL store (--store "
		                  "postgresql://...), not \"%s\"\n"), store);
		return CLI_USAGE;
	}
	for (int i = 0; i < c->argc; i++) {
		if (cli_option_takes_value(c->argv[i])) {
			i++;
			continue;
		}
		if (c->argv[i][0] == '-')
			continue;
		if (k->nlogs == LOGS_MAX) {
			fprintf(stderr, _("sekimori: more than %d logs\n"), LOGS_MAX);
			return CLI_USAGE;
		}
		if (parse_spec(c, c->argv[i], &k->logs[k->nlogs]) != 0) {
			fprintf(stderr, _("sekimori: \"%s\" is not LOG:ANCHOR or LOG:ANCHOR:KEY\n"),
			        c->argv[i]);
			return CLI_USAGE;
		}
		k->nlogs++;
	}
	if (k->nlogs == 0) {
		fprintf(stderr, "%s\n", _("sekimori: --brokers needs the brokers' logs, each as "
		                          "LOG:ANCHOR or LOG:ANCHOR:KEY"));
		return CLI_USAGE;
	}
	/* The store first: see the top of this file. */
	if (store_audit_seqs_read(store, take_seq, k) != SK_OK) {
		fprintf(stderr, "%s\n", _("sekimori: cannot read the brokers' committed audit seqs "
		                          "from the store"));
		return CLI_FAILED;
	}
	for (size_t i = 0; i < k->nlogs; i++) {
		struct blog *b = &k->logs[i];

		if (sk_keyfile_load(b->keyfile, key, sizeof(key), 0) != SK_OK) {
			fprintf(stderr, _("sekimori: cannot read the audit key %s (run as root)\n"),
			        b->keyfile);
			return CLI_FAILED;
		}
		if (sk_audit_verify(b->log, b->anchor, key, sizeof(key), &b->rep) != SK_OK) {
			explicit_bzero(key, sizeof(key));
			fprintf(stderr, _("sekimori: cannot verify %s: %s\n"), b->log, b->rep.problem);
			return CLI_FAILED;
		}
		explicit_bzero(key, sizeof(key));
		if (!b->rep.ok) {
			fault(k, _("%s at line %llu: %s"), b->log, (unsigned long long)b->rep.line,
			      b->rep.problem);
			continue;
		}
		b->verified = 1;
		if (read_identities(k, i) != 0)
			return CLI_FAILED;
	}
	cross_check(k);
	print_result(k);
	return k->nfaults + k->more_faults == 0 ? CLI_OK : CLI_FAILED;
}

int
cli_audit_verify_brokers(struct cli *c)
{
	struct check k = { .c = c };
	int r;

	k.logs = calloc(LOGS_MAX, sizeof(*k.logs));
	k.seqs = calloc(STORE_BROKERS_MAX, sizeof(*k.seqs));
	if (k.logs == NULL || k.seqs == NULL) {
		fprintf(stderr, "%s\n", _("sekimori: out of memory"));
		r = CLI_FAILED;
	} else {
		r = run_check(&k);
	}
	for (size_t i = 0; i < k.nfaults; i++)
		free(k.faults[i]);
	free(k.logs);
	free(k.seqs);
	free(k.rids);
	return r;
}
