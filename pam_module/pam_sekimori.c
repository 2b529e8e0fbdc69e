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
	pamsk_end(m);
	return r;
}

PAMSK_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, pamsk_authenticate);
}

PAMSK_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PAMSK_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, pamsk_account);
}

PAMSK_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, pamsk_chauthtok);
}

PAMSK_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, pamsk_open_session);
}

PAMSK_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, pamsk_close_session);
}
