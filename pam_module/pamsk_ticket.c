/* The authentication ticket of this PAM transaction (broker/core/auth_ticket.h, issue 9):
 * AUTH_FINISH's success hands one over; it is kept in the PAM handle (pam_set_data, wiped and
 * freed at pam_end) with the name of the user who authenticated, and presented by the account
 * phase (ACCT) and, on a privileged service, by the session phase (SESSION_OPEN). Each phase
 * runs on its own broker connection, so the ticket is the only thing that ties them: a phase
 * in another PAM handle has none.
 *
 * The session phase of sudo runs with PAM_USER set to the target user (root); a privileged
 * session is the authenticated user's, so it is opened for the name kept here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"

#define PAMSK_TICKET "pam_sekimori_ticket"

struct pamsk_ticket {
	unsigned char ticket[SK_AUTH_TICKET_LEN];
	char user[SK_USER_MAX];
	int privileged;   /* the account phase let a privileged login in with it */
};

static void
free_ticket(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	explicit_bzero(data, sizeof(struct pamsk_ticket));
	free(data);
}

int
pamsk_ticket_keep(struct pamsk *m, const unsigned char ticket[SK_AUTH_TICKET_LEN])
{
	struct pamsk_ticket *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return PAM_BUF_ERR;
	memcpy(t->ticket, ticket, SK_AUTH_TICKET_LEN);
	snprintf(t->user, sizeof(t->user), "%s", m->user);
	/* Replaces (and so frees and wipes) an older ticket of this handle. */
	if (pam_set_data(m->pamh, PAMSK_TICKET, t, free_ticket) != PAM_SUCCESS) {
		free_ticket(m->pamh, t, 0);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static struct pamsk_ticket *
held(const struct pamsk *m)
{
	const void *t = NULL;

	if (pam_get_data(m->pamh, PAMSK_TICKET, &t) != PAM_SUCCESS)
		return NULL;
	return (struct pamsk_ticket *)t;
}

const unsigned char *
pamsk_ticket_for_acct(const struct pamsk *m)
{
	const struct pamsk_ticket *t = held(m);

	/* Only for the user who authenticated: a module that changed PAM_USER in between gets
	 * no ticket, and so no privileged login. */
	return t != NULL && strcmp(t->user, m->user) == 0 ? t->ticket : NULL;
}

void
pamsk_ticket_mark_privileged(struct pamsk *m)
{
	struct pamsk_ticket *t = held(m);

	if (t != NULL)
		t->privileged = 1;
}

const unsigned char *
pamsk_ticket_for_session(const struct pamsk *m, const char **user)
{
	const struct pamsk_ticket *t = held(m);

	if (t == NULL || !t->privileged)
		return NULL;
	*user = t->user;
	return t->ticket;
}
