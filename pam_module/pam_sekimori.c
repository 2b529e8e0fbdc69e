/* The PAM entry points. Each phase starts the module context, runs, and ends it. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pamsk.h"

#define PAMSK_EXPORT __attribute__((visibility("default")))

static int
run(pam_handle_t *pamh, int flags, int argc, const char **argv, int (*phase)(struct pamsk *))
{
	struct pamsk *m;
	int r = pamsk_start(pamh, flags, argc, argv, 1, &m);

	if (r != PAM_SUCCESS)
		return r;
	r = phase(m);
	if (r == PAM_SUCCESS)
		pamsk_keep_client(m);
	pamsk_end(m);
	return r;
}

/* One entry point per phase (declared in <security/pam_modules.h>), each the same three
 * steps (run above). */
#define PAMSK_PHASE(entry, phase)                                                       \
	PAMSK_EXPORT int entry(pam_handle_t *pamh, int flags, int argc, const char **argv) \
	{                                                                                  \
		return run(pamh, flags, argc, argv, phase);                                \
	}

PAMSK_PHASE(pam_sm_authenticate, pamsk_authenticate)
PAMSK_PHASE(pam_sm_acct_mgmt, pamsk_account)
PAMSK_PHASE(pam_sm_chauthtok, pamsk_chauthtok)
PAMSK_PHASE(pam_sm_open_session, pamsk_open_session)
PAMSK_PHASE(pam_sm_close_session, pamsk_close_session)

/* The grant's unix groups (pamsk_groups.c): no broker call, no configuration needed; what the
 * account phase kept in this handle decides. */
PAMSK_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return pamsk_setcred(pamh, flags);
}
