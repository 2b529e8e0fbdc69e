/* Typed calls of the privileged-session family (see skc.h; issue 9, the login side):
 * PRIV_END_ALL, `sekimori user lock --all-privileged` (R-INC-1). */
#ifndef SKC_PRIV_H
#define SKC_PRIV_H
#include "skc.h"

struct skc_priv_end_all_in {
	const char *actor;
};
struct skc_priv_end_all_out {
	struct skc_result res;
	uint64_t ended;          /* live privileged sessions ordered ended */
};
/* Ends every live privileged session at once and locks the accounts that held them. */
int skc_priv_end_all(struct sk_client *c, const struct skc_priv_end_all_in *in,
                     struct skc_priv_end_all_out *out);

#endif
