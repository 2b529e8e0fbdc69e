/* Typed calls of the access-review and removal-request family (see skc.h; issue 10, items
 * 6-7; doc/protocol.md): ACCESS_REVIEW, ACCESS_CERTIFY, REMOVAL_REQUEST, REMOVAL_DECIDE. */
#ifndef SKC_REVIEW_H
#define SKC_REVIEW_H
#include "skc.h"

/* ACCESS_REVIEW: what is enum sk_review_what. */
struct skc_access_review_in {
	const char *actor;
	unsigned what;
};
int skc_access_review(struct sk_client *c, const struct skc_access_review_in *in,
                      struct skc_json_out *out);

/* ACCESS_CERTIFY: with status OK, out->doc is the certification recorded. */
struct skc_access_certify_in {
	const char *actor;
	const char *comment;      /* NULL or "": none */
};
int skc_access_certify(struct sk_client *c, const struct skc_access_certify_in *in,
                       struct skc_json_out *out);

/* REMOVAL_REQUEST, as the peer's own account: kind is enum sk_removal_kind, target the id in
 * decimal (FIDO2, card) or the role's name, "" for TOTP. */
struct skc_removal_request_in {
	unsigned kind;
	const char *target;
	const char *reason;       /* required */
};
struct skc_removal_request_out {
	struct skc_result res;
	uint64_t id;              /* the request's id with status OK */
};
int skc_removal_request(struct sk_client *c, const struct skc_removal_request_in *in,
                        struct skc_removal_request_out *out);

/* REMOVAL_DECIDE: step 0 confirm (carried out at once), 1 refuse. */
struct skc_removal_decide_in {
	const char *actor;
	uint64_t id;
	unsigned step;
	const char *comment;      /* NULL or "": none */
};
int skc_removal_decide(struct sk_client *c, const struct skc_removal_decide_in *in,
                       struct skc_reply_out *out);

#endif
