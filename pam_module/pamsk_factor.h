/* The module's factor table: for each method the broker may plan (enum sk_method), the
 * function that collects its evidence, listed once in pamsk_factor_table.c the way the
 * broker's factors/factor_table.c lists its side. Each row and its collector live in the
 * factor's own file (pamsk_typed.c: password, one-time code, stack; pamsk_fido2.c;
 * pamsk_card.c). */
#ifndef PAMSK_FACTOR_H
#define PAMSK_FACTOR_H
#include <stddef.h>

#include "pamsk.h"
#include "skc_auth.h"

/* Collects one step: asks the user or runs the device, and fills the step's evidence in
 * finish (a device without evidence fills its failure, so that the broker still decides,
 * counts and records the attempt). A PAM code; PAM_SUCCESS to go on to the next step. */
typedef int (*pamsk_collect_fn)(struct pamsk *m, const struct skc_auth_begin_out *begin,
                                struct skc_auth_finish_in *finish);

struct pamsk_factor {
	unsigned method;             /* enum sk_method */
	pamsk_collect_fn collect;
};

/* The table, one pointer per row; each row is defined in its factor's file. */
extern const struct pamsk_factor *const pamsk_factor_table[];
extern const size_t pamsk_factor_count;

/* The row of method, or NULL. */
const struct pamsk_factor *pamsk_factor_find(unsigned method);

#endif
