/* The report family's typed calls (skc_report.h). */
#include "skc_report.h"

#include "sk_err.h"

int
skc_report_orphans(struct sk_client *c, const struct skc_report_orphans_in *in,
                   struct skc_json_out *out)
{
	const struct skc_user_in all = { .actor = in->actor };

	return skc_user_json(c, SK_REQ_REPORT_ORPHANS, &all, out);
}

int
skc_report_dormant(struct sk_client *c, const struct skc_report_dormant_in *in,
                   struct skc_json_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_REPORT_DORMANT, in->actor);
	skc_put_uint(&q, SK_K_DAYS, in->days);
	out->doc = NULL;
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}

int
skc_report_outstanding(struct sk_client *c, const struct skc_report_orphans_in *in,
                       struct skc_json_out *out)
{
	const struct skc_user_in all = { .actor = in->actor };

	return skc_user_json(c, SK_REQ_REPORT_OUTSTANDING, &all, out);
}
