/* Typed calls of the privileged-access family (see skc.h; issue 9, doc/privileged-access.md,
 * doc/protocol.md): GRANT_REQUEST, GRANT_APPROVE, GRANT_DENY, GRANT_REVOKE, PRIV_LIST,
 * USER_CONTRACTOR, DELEGATION_NOMINATE, DELEGATION_DECIDE, REVIEW_CLOSE. */
#ifndef SKC_GRANT_H
#define SKC_GRANT_H
#include "skc.h"

/* GRANT_REQUEST: a grant of role for the caller, or (breakglass) an emergency self-grant. */
struct skc_grant_request_in {
	const char *actor;
	const char *role;
	uint64_t minutes;
	const char *reason;       /* required */
	const char *ticket;       /* NULL or "": none */
	int breakglass;
};
/* What a grant request or decision answers with status OK: the grant's id and state (enum
 * grant_state: 0 pending, 1 approved, 2 active, 3 denied, 4 revoked, 5 expired), and while
 * active when it ends. */
struct skc_grant_out {
	struct skc_result res;
	uint64_t id;
	uint64_t state;
	uint64_t ends;            /* epoch; 0 when not active */
};
int skc_grant_request(struct sk_client *c, const struct skc_grant_request_in *in,
                      struct skc_grant_out *out);

/* GRANT_APPROVE (step 0 approve, 1 confirm), GRANT_DENY (reason required), GRANT_REVOKE. */
struct skc_grant_decide_in {
	const char *actor;
	uint64_t id;
	unsigned step;            /* GRANT_APPROVE only */
	const char *reason;       /* GRANT_DENY only */
};
int skc_grant_approve(struct sk_client *c, const struct skc_grant_decide_in *in,
                      struct skc_grant_out *out);
int skc_grant_deny(struct sk_client *c, const struct skc_grant_decide_in *in,
                   struct skc_grant_out *out);
int skc_grant_revoke(struct sk_client *c, const struct skc_grant_decide_in *in,
                     struct skc_grant_out *out);

/* PRIV_LIST: what is enum sk_priv_list. */
struct skc_priv_list_in {
	const char *actor;
	unsigned what;
};
int skc_priv_list(struct sk_client *c, const struct skc_priv_list_in *in,
                  struct skc_json_out *out);

/* USER_CONTRACTOR: marks (1) or unmarks (0) user. */
struct skc_user_contractor_in {
	const char *actor;
	const char *user;
	int contractor;
};
int skc_user_contractor(struct sk_client *c, const struct skc_user_contractor_in *in,
                        struct skc_reply_out *out);

/* DELEGATION_NOMINATE: with status OK, out->id is the delegation's id (state and ends 0). */
struct skc_delegation_nominate_in {
	const char *actor;
	const char *role;
	const char *user;         /* the delegate */
	const char *reason;
};
int skc_delegation_nominate(struct sk_client *c, const struct skc_delegation_nominate_in *in,
                            struct skc_grant_out *out);
/* DELEGATION_DECIDE: step 0 approve, 1 deny, 2 revoke. */
int skc_delegation_decide(struct sk_client *c, const struct skc_grant_decide_in *in,
                          struct skc_reply_out *out);

/* REVIEW_CLOSE: closes break-glass review id with comment. */
struct skc_review_close_in {
	const char *actor;
	uint64_t id;
	const char *comment;
};
int skc_review_close(struct sk_client *c, const struct skc_review_close_in *in,
                     struct skc_reply_out *out);

#endif
