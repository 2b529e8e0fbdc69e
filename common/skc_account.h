/* Typed calls of the account family (see skc.h): the PAM module's account phase (ACCT) and
 * password change (CHAUTHTOK). */
#ifndef SKC_ACCOUNT_H
#define SKC_ACCOUNT_H
#include "skc.h"

#define SKC_PRIV_GROUPS_MAX 16   /* a role names at most 16 groups (SK_ROLE_ITEMS) */

struct skc_acct_in {
	struct skc_login login;
	/* The auth phase's ticket (skc_auth_finish_out), when this transaction has one: a
	 * privileged service is let in only with it (issue 9). NULL: none. */
	const unsigned char *ticket;
};
struct skc_acct_out {
	struct skc_result res;   /* OK, NEW_AUTHTOK (reason EXPIRED or none: a temporary
	                          * password), NOT_FOUND, ACCT_DISABLED, DENIED (a privileged
	                          * service: reason NO_GRANT or NO_FRESH_MFA), ... */
	uint64_t pw_expires;     /* epoch seconds; 0 when the reply names no expiry */
	uint64_t priv_ends;      /* OK on a privileged service: the grant's end, else 0 */
	char priv_role[SK_NAME_MAX];   /* ... and the role it grants, "" otherwise */
	/* ... and the grant's unix groups for the session (SK_K_PRIV_GROUPS), each a valid
	 * name; a reply with more than SKC_PRIV_GROUPS_MAX or a malformed name is SK_ERR_PROTO. */
	char priv_groups[SKC_PRIV_GROUPS_MAX][SK_NAME_MAX];
	size_t n_priv_groups;
};
/* Splits SK_K_PRIV_GROUPS's text into out (exposed for the unit test): SK_OK, or SK_ERR_PROTO
 * for an empty item, a name sk_valid_name refuses, or more than SKC_PRIV_GROUPS_MAX. */
int skc_acct_split_groups(const char *text, struct skc_acct_out *out);
int skc_acct(struct sk_client *c, const struct skc_acct_in *in, struct skc_acct_out *out);

struct skc_chauthtok_in {
	struct skc_login login;
	const char *old_password;   /* secrets: at most SK_PASSWORD_MAX bytes, else SK_ERR_RANGE */
	const char *new_password;
};
struct skc_chauthtok_out {
	struct skc_result res;   /* OK, QUALITY (reason), DENIED, LOCKED, NOT_FOUND, ... */
	uint64_t locked_until;   /* with LOCKED: epoch seconds, 0 = until an administrator unlocks */
};
int skc_chauthtok(struct sk_client *c, const struct skc_chauthtok_in *in,
                  struct skc_chauthtok_out *out);

#endif
