/* Authentication tickets: how the account and session phases of one PAM transaction know that
 * its auth phase proved the user's factors (issue 9, item 3). Each PAM phase talks to the
 * broker on a connection of its own (pam_module/pam_sekimori.c starts and ends the module per
 * phase), so nothing on a connection ties them. AUTH_FINISH's success makes a ticket: 32
 * random bytes the module keeps in its PAM handle only (pam_set_data, wiped at pam_end) and
 * presents with ACCT and SESSION_OPEN; the broker keeps the ticket's SHA-256, the user, the
 * service, the classes proven and the time, in memory (a broker restart drops every ticket:
 * the login is refused, the safe direction).
 *
 * One ticket passes one account phase (the second ACCT with it is refused: a replay) and then
 * one session phase (SESSION_OPEN takes it away). A ticket is good for AUTH_TICKET_TTL seconds
 * from the authentication; an unknown, another user's, another service's or an expired one is
 * refused the same way. */
#ifndef BROKER_AUTH_TICKET_H
#define BROKER_AUTH_TICKET_H
#include <stdint.h>

#include "sk_proto.h"

#define AUTH_TICKET_LEN SK_AUTH_TICKET_LEN
#define AUTH_TICKET_TTL 120   /* seconds from AUTH_FINISH to ACCT and SESSION_OPEN */
#define AUTH_TICKETS_MAX 512  /* live at once; expired ones, then the oldest, make room */

struct auth_ticket_view {
	char user[SK_USER_MAX];
	char service[SK_NAME_MAX];
	unsigned classes;          /* enum sk_class bits AUTH_FINISH proved */
	int64_t issued;
	/* What ACCT found (auth_ticket_pass_acct), for SESSION_OPEN. */
	uint64_t grant_id;
	char role[SK_NAME_MAX];
	int64_t ends_at;
};

/* A new ticket for a successful authentication; token gets its secret. */
int auth_ticket_issue(const char *user, const char *service, unsigned classes, int64_t now,
                      unsigned char token[AUTH_TICKET_LEN]);
/* ACCT: the ticket for (user, service), not expired, not used by an account phase before.
 * SK_OK marks it used and fills out; SK_ERR_NOTFOUND for anything else. */
int auth_ticket_use_acct(const unsigned char token[AUTH_TICKET_LEN], const char *user,
                         const char *service, int64_t now, struct auth_ticket_view *out);
/* Records on a ticket that passed ACCT the grant the account phase found. */
void auth_ticket_note_grant(const unsigned char token[AUTH_TICKET_LEN], uint64_t grant_id,
                            const char *role, int64_t ends_at);
/* SESSION_OPEN: the ticket for (user, service) that passed an account phase, not expired;
 * SK_OK removes it and fills out. SK_ERR_NOTFOUND otherwise. */
int auth_ticket_take_session(const unsigned char token[AUTH_TICKET_LEN], const char *user,
                             const char *service, int64_t now, struct auth_ticket_view *out);
/* Forgets every ticket (tests). */
void auth_ticket_clear(void);

#endif
