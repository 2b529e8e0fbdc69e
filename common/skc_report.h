/* Typed calls of the report family (see skc.h): REPORT_ORPHANS, REPORT_DORMANT,
 * REPORT_OUTSTANDING
 * (doc/hr-import.md "Reconciliation", doc/protocol.md). */
#ifndef SKC_REPORT_H
#define SKC_REPORT_H
#include "skc.h"

/* REPORT_ORPHANS: {"accounts_without_hr": [account], "accounts_without_hr_total",
 * "hr_without_account": [{"staff_no", "last_event", "effective", "file", "line"}],
 * "hr_without_account_total", "truncated"}. */
struct skc_report_orphans_in {
	const char *actor;
};
int skc_report_orphans(struct sk_client *c, const struct skc_report_orphans_in *in,
                       struct skc_json_out *out);

/* REPORT_DORMANT: {"days", "inactive_before", "dormant": [account], "total", "truncated"};
 * an account is {"user", "profile", "staff_no", "disabled", "created", "last_login",
 * "inactive_since"}. days 1..36500 (else status INVALID, SK_REASON_INVALID_DAYS). */
struct skc_report_dormant_in {
	const char *actor;
	uint64_t days;
};
int skc_report_dormant(struct sk_client *c, const struct skc_report_dormant_in *in,
                       struct skc_json_out *out);

/* REPORT_OUTSTANDING (R-LIFE-5): {"keys": [{"id", "user", "since", "credential", "aaguid",
 * "subject"}], "cards": [{"id", "user", "since", "cert", "revoke_reason"}], "truncated"}:
 * security keys a retirement removed and no administrator has recorded handed back, and
 * revoked cards not recorded collected or destroyed. */
int skc_report_outstanding(struct sk_client *c, const struct skc_report_orphans_in *in,
                           struct skc_json_out *out);

#endif
