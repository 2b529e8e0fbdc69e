/* sekimori audit verify [--anchor SEQ:MAC]: checks the chain locally with the audit key, so
 * it works while the broker is down (R-LOG-3). Needs read access to the key (root). With
 * --anchor, the log must also reach an anchor copied from the remote syslog (the broker logs
 * "audit anchor=SEQ:MAC ..." for every record): a log cut back together with its anchor. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sk_aead.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_i18n.h"

int
cli_audit_verify(struct cli *c)
{
	unsigned char key[SK_AUDIT_KEY_LEN];
	char path[PATH_MAX];
	struct sk_audit_report rep;
	struct sk_audit_anchor remote;
	const char *anchor = cli_option(c, "--anchor");
	int n = snprintf(path, sizeof(path), "%s/audit.key", c->conf.key_dir), r;

	memset(&rep, 0, sizeof(rep));
	if ((anchor == NULL && cli_flag(c, "--anchor")) ||
	    (anchor != NULL && sk_audit_anchor_parse(anchor, &remote) != SK_OK)) {
		anchor = anchor != NULL ? anchor : "";
		fprintf(stderr, _("sekimori: --anchor wants SEQ:MAC as the broker logs it "
		                  "(\"audit anchor=SEQ:MAC\"), not \"%s\"\n"), anchor);
		return CLI_USAGE;
	}
	if (n < 0 || (size_t)n >= sizeof(path) || sk_keyfile_load(path, key, sizeof(key), 0) != SK_OK) {
		fprintf(stderr, _("sekimori: cannot read the audit key %s (run as root)\n"), path);
		return CLI_FAILED;
	}
	r = sk_audit_verify_remote(c->conf.audit_log, c->conf.audit_anchor, key, sizeof(key),
	                           anchor != NULL ? &remote : NULL, &rep);
	explicit_bzero(key, sizeof(key));
	if (r != SK_OK) {
		fprintf(stderr, _("sekimori: cannot verify %s: %s\n"), c->conf.audit_log, sk_strerror(r));
		return CLI_FAILED;
	}
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "log", json_object_new_string(c->conf.audit_log));
		json_object_object_add(o, "ok", json_object_new_boolean(rep.ok));
		json_object_object_add(o, "records", json_object_new_int64((int64_t)rep.records));
		json_object_object_add(o, "not_committed",
		                       json_object_new_int64((int64_t)rep.not_committed));
		if (!rep.ok) {
			json_object_object_add(o, "line", json_object_new_int64((int64_t)rep.line));
			json_object_object_add(o, "problem", json_object_new_string(rep.problem));
		}
		cli_print_json(c, o);
		json_object_put(o);
	} else if (rep.ok) {
		printf(_("Audit log intact: %llu records.\n"), (unsigned long long)rep.records);
		if (rep.not_committed > 0)
			printf(_("%llu of them are marked not committed: the broker stopped before "
			         "their store transaction committed, so what they describe did not "
			         "take effect.\n"), (unsigned long long)rep.not_committed);
	} else {
		printf(_("Audit log DAMAGED at line %llu: %s\n"), (unsigned long long)rep.line,
		       rep.problem);
	}
	return rep.ok ? CLI_OK : CLI_FAILED;
}
