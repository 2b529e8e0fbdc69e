/* The one table of every method the module can collect (see pamsk_factor.h). A new factor
 * is one file of its own with its row, and one line here (doc/hacking.md, "Adding a
 * factor"). */
#include "pamsk_factor.h"

extern const struct pamsk_factor pamsk_factor_password, pamsk_factor_totp, pamsk_factor_stack,
	pamsk_factor_fido2, pamsk_factor_card;

const struct pamsk_factor *const pamsk_factor_table[] = {
	&pamsk_factor_password,
	&pamsk_factor_totp,
	&pamsk_factor_stack,
	&pamsk_factor_fido2,
	&pamsk_factor_card,
};
const size_t pamsk_factor_count = sizeof(pamsk_factor_table) / sizeof(pamsk_factor_table[0]);

const struct pamsk_factor *
pamsk_factor_find(unsigned method)
{
	for (size_t i = 0; i < pamsk_factor_count; i++)
		if (pamsk_factor_table[i]->method == method)
			return pamsk_factor_table[i];
	return NULL;
}
