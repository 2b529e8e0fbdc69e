/* The one table of every method the module can collect (see pamsk_factor.h). A new factor
 * is one collector in a file of its own and one row here (doc/hacking.md, "Adding a
 * factor"). */
#include "pamsk_factor.h"

const struct pamsk_factor pamsk_factor_table[] = {
	{ SK_METHOD_PASSWORD, pamsk_collect_password },
	{ SK_METHOD_TOTP, pamsk_collect_totp },
	{ SK_METHOD_STACK, pamsk_collect_stack },
	{ SK_METHOD_FIDO2, pamsk_collect_fido2 },
	{ SK_METHOD_CARD, pamsk_collect_card },
};
const size_t pamsk_factor_count = sizeof(pamsk_factor_table) / sizeof(pamsk_factor_table[0]);

const struct pamsk_factor *
pamsk_factor_find(unsigned method)
{
	for (size_t i = 0; i < pamsk_factor_count; i++)
		if (pamsk_factor_table[i].method == method)
			return &pamsk_factor_table[i];
	return NULL;
}
