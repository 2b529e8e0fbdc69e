/* Knowledge checked by a preceding PAM module (knowledge = stack: pam_unix, pam_sss). The
 * module says so with SK_K_STACK_KNOWLEDGE; the broker credits it only under a profile that
 * names the stack as its source of knowledge. The stack attempt PREAUTH holds is the
 * handlers' business (auth_hooks.c, attempt.h), not this step's. */
#include <string.h>

#include "factor.h"
#include "sk_err.h"
#include "sk_log.h"

static int
stack_check_evidence(const struct sk_msg *req)
{
	int said;

	if (sk_msg_get_bool(req, SK_K_STACK_KNOWLEDGE, &said) == SK_ERR_PROTO) {
		sk_logerr("stack flag malformed");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

/* Whatever the user enrolled: the preceding module holds the password. */
static int
stack_can_prove(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
                unsigned *classes)
{
	(void)c;
	(void)user_id;
	(void)u;
	*classes = SK_CLASS_KNOWLEDGE;
	return SK_OK;
}

static void
stack_verify(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
             const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
             struct factor_result *res)
{
	int said = 0;

	(void)u;
	(void)challenge;
	(void)now;
	memset(res, 0, sizeof(*res));
	res->reason = "no_stack_knowledge";
	if (sk_msg_get_bool(req, SK_K_STACK_KNOWLEDGE, &said) == SK_OK && said &&
	    c->txn.profile.knowledge == SK_KNOWLEDGE_STACK) {
		res->ok = 1;
		res->classes = SK_CLASS_KNOWLEDGE;
		res->reason = "ok";
	}
}

const struct factor_ops stack_factor = {
	.method = SK_METHOD_STACK,
	.can_prove = stack_can_prove,
	.check_evidence = stack_check_evidence,
	.verify = stack_verify,
};
