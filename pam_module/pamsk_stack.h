/* The stack attempt (R-LOGIN-1): PREAUTH's reply names a pending attempt that holds one of
 * the deny places at the broker. Its token is kept in the PAM handle (pam_set_data) for the
 * lines after it: AUTHFAIL and the final line send it, so the broker counts or releases
 * exactly that attempt. A login that ends before either (the code prompt quit, pam_end with
 * the attempt still pending) reports it as abandoned, which counts as a failure. */
#ifndef PAMSK_STACK_H
#define PAMSK_STACK_H
#include <limits.h>

#include "pamsk.h"

struct stack_attempt {
	unsigned char token[SK_ATTEMPT_TOKEN_LEN];
	int resolved;        /* the broker has the verdict, or has been told it was abandoned */
	int timeout_ms;
	char socket[PATH_MAX];
	char profile[SK_NAME_MAX];
	unsigned frontend;   /* the preauth line's frontend= (0: none), for the abandoned record */
};

/* After PREAUTH said OK: keeps its token (NULL: the answer had none, PAM_SERVICE_ERR) for
 * the lines that follow. A PAM code. */
int pamsk_stack_keep(struct pamsk *m, const unsigned char token[SK_ATTEMPT_TOKEN_LEN]);
/* The attempt this transaction holds, or NULL (no preauth line, or a broker profile). */
struct stack_attempt *pamsk_stack_attempt(const struct pamsk *m);
/* Copies the token of an unresolved attempt: 1, or 0 for none (NULL or resolved). */
int pamsk_stack_token(const struct stack_attempt *a, unsigned char token[SK_ATTEMPT_TOKEN_LEN]);
/* Reports the attempt abandoned (AUTHFAIL with ABANDONED) and marks it resolved. Best
 * effort: if the broker cannot be told, the attempt still counts when it expires. */
void pamsk_stack_abandon(pam_handle_t *pamh, struct stack_attempt *a);

#endif
