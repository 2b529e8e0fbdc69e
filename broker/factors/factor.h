/* The factor table: every way a login can prove a class (password, stack knowledge, TOTP,
 * FIDO2, IC card) is one row of operations, listed once in factor_table.c the way
 * daemon/dispatch.c lists requests. AUTH_BEGIN, AUTH_FINISH, the plan's input and the
 * broker's start-up walk the table; none of them names a factor. A factor keeps its own
 * loaded configuration and state in its own file (loaded by .init, released by .release),
 * so struct broker holds nothing factor-specific.
 *
 * The pure decisions a factor makes (password hashes, TOTP codes, FIDO2 assertions, card
 * signatures, the plan) stay in verify/; a factor file is the glue between them, the store
 * and the protocol. doc/hacking.md, "Adding a factor", lists what a new row touches. */
#ifndef BROKER_FACTOR_H
#define BROKER_FACTOR_H
#include <json-c/json.h>
#include <stdint.h>

#include "broker.h"
#include "plan.h"
#include "store_user.h"

/* What one step of a login proved at AUTH_FINISH, and what its commit writes. */
struct factor_result {
	int ok;
	unsigned classes;        /* SK_CLASS_* proven */
	const char *reason;      /* static: the audit reason when it failed */
	int64_t row;             /* the stored credential used (TOTP, FIDO2, card), 0 if none */
	int64_t counter;         /* what the commit stores with it (TOTP step, FIDO2 sign count) */
	int clone;               /* FIDO2: flag the credential (R-LOG-5) */
};

struct factor_ops {
	unsigned method;             /* enum sk_method; its name and classes: sk_method_name(),
	                              * sk_method_classes() (common/sk_conf.c, which the module
	                              * and CLI parse profiles with too) */
	/* Classes only some enrolled credentials prove (FIDO2 inherence: a model on
	 * inherence_aaguids whose attestation chained to a root); the rest of
	 * sk_method_classes() any credential of the factor may prove. */
	unsigned credential_classes;
	int local_only;              /* a device at this machine: never for PAM_RHOST logins */

	/* Start-up. check_conf refuses a configuration the factor can never serve, with
	 * "FILE:LINE: what" in err; init loads what it needs from b->conf (trust stores,
	 * lists) and logs what it found unusable; release frees it. Each may be NULL. */
	int (*check_conf)(const struct sk_conf *conf, char *err, size_t errsz);
	int (*init)(const struct broker *b);
	void (*release)(void);
	/* 1 when the broker can use the factor at all ([fido2] rp_id, [card] trust_anchors);
	 * NULL: always. Administrative requests refuse enrolment with NOT_CONFIGURED when 0. */
	int (*configured)(void);

	/* AUTH_BEGIN, the plan. can_prove: the classes the user's enrolled credentials can prove
	 * at most, 0 when none is usable. It runs for an unknown name too (u NULL, user_id -1),
	 * so that the time it takes does not tell the two apart. */
	int (*can_prove)(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
	                 unsigned *classes);
	/* What a user who enrolled everything of this factor could prove here (the decoy plan,
	 * auth_decoy.h). NULL: sk_method_classes(). */
	unsigned (*decoy_can_prove)(void);
	/* The plan's offer for what the user can prove (pure). NULL: it proves all of them for
	 * sure. FIDO2 under fido2_uv = required proves possession for sure plus one of the
	 * others, known only when the key answers. */
	void (*offer)(const struct sk_profile *p, unsigned can_prove, struct plan_offer *o);
	/* AUTH_BEGIN's reply fields for this step (challenge, credential list), or NULL. A
	 * decoy plan (c->txn.decoy) gets fields of the same shape. challenge is this step's
	 * room in the transaction, kept for verify. */
	int (*begin)(struct broker_conn *c, int64_t user_id,
	             unsigned char challenge[BROKER_CHALLENGE_LEN], struct sk_msg *reply);

	/* AUTH_FINISH. check_evidence: 0 when this factor's fields of the request are absent
	 * or well formed, so a malformed request is refused before any lock or count (NULL:
	 * nothing to check). verify: one step, under the user's lock, against the store. */
	int (*check_evidence)(const struct sk_msg *req);
	void (*verify)(struct broker_conn *c, const struct user_rec *u, const struct sk_msg *req,
	               const unsigned char challenge[BROKER_CHALLENGE_LEN], int64_t now,
	               struct factor_result *res);
	/* The work verify would have done, for a name that does not exist or a decoy plan, so
	 * the answer takes as long (NULL: none). */
	void (*decoy_verify)(const struct sk_msg *req);
	/* Inside the decision's transaction (login_ok: the whole login's verdict): the
	 * factor's state after a step (TOTP last step, FIDO2 sign count or clone flag). */
	int (*commit)(struct broker_conn *c, const struct factor_result *res, int login_ok,
	              int64_t now);

	/* Listing: the user's credentials of this factor as a JSON array for `sekimori user
	 * show` (under factors.<name>), or NULL when the factor has list requests of its own
	 * (`sekimori fido2 list`, `card list`). Enrolment is a request family of its own
	 * (handlers/admin_*.c), which refuses with NOT_CONFIGURED when .configured says 0. */
	json_object *(*list_json)(struct broker_conn *c, int64_t user_id);

};

/* The table, in enum sk_method order; n rows. */
extern const struct factor_ops *const factor_table[];
extern const size_t factor_count;

/* The row of method, or NULL. */
const struct factor_ops *factor_find(unsigned method);
const char *factor_name(const struct factor_ops *f);

/* Start-up and shutdown over every row; the first failure stops (and is logged there). */
int factor_check_conf_all(const struct sk_conf *conf, char *err, size_t errsz);
int factor_init_all(const struct broker *b);
void factor_release_all(void);

/* The plan's input for this user: every factor's can_prove, then its offer, with local-only
 * factors left out for a remote login. */
int factor_plan_input(struct broker_conn *c, int64_t user_id, const struct user_rec *u,
                      int remote, struct plan_input *in);
/* The same from given can_prove masks (by method), for the decoy plan and the tests. */
void factor_plan_offers(const struct sk_profile *p, const unsigned can[SK_METHOD_SLOTS],
                        int remote, struct plan_input *in);

#endif
