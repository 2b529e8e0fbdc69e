/* Contractors may not change privileged IDs or their credentials (R-PRIV-4): every request
 * that changes a user (F_USER_CHANGE in the dispatch table) is checked here, on the admin
 * session's authenticated person, before its handler runs. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_grant.h"
#include "audit_event.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"

/* The user the request is about: SK_K_USER, or the holder of the card SK_K_CERT_HASH names.
 * "" when it names none the store knows. */
static int
target_of(struct broker_conn *c, const struct sk_msg *req, char *user, size_t cap)
{
	char hash[CARD_SPKI_HEX];
	struct card_rec card;
	int r;

	user[0] = '\0';
	if (admin_target_user(req, user, cap) == SK_OK)
		return SK_OK;
	user[0] = '\0';
	if (sk_msg_get_text(req, SK_K_CERT_HASH, hash, sizeof(hash)) != SK_OK)
		return SK_OK;
	if ((r = store_card_by_spki(c->db, hash, &card)) == SK_ERR_NOTFOUND)
		return SK_OK;
	return r == SK_OK ? store_card_user_name(c->db, card.user_id, user, cap) : r;
}

int
admin_contractor_allowed(struct broker_conn *c, const struct sk_msg *req, const char *request,
                         struct sk_msg *reply)
{
	char user[SK_USER_MAX], profile[SK_NAME_MAX];
	int r, contractor = 0, privileged = 0;

	if (!c->has_admin)
		return 1;   /* root in the recovery role: not a contractor's session */
	if ((r = store_user_contractor(c->db, c->admin.name, &contractor)) != SK_OK)
		return r;
	if (!contractor)
		return 1;
	if ((r = target_of(c, req, user, sizeof(user))) != SK_OK)
		return r;
	if (user[0] != '\0' &&
	    (r = grant_user_is_privileged(c->db, &c->b->conf, user, &privileged)) != SK_OK)
		return r;
	/* A new account with the administrators' profile is a privileged ID too. */
	if (sk_msg_get_text_opt(req, SK_K_PROFILE, profile, sizeof(profile)) == SK_OK &&
	    strcmp(profile, c->b->conf.admin_profile) == 0)
		privileged = 1;
	if (!privileged)
		return 1;
	r = grant_refuse(c, reply, "admin.refused", user[0] ? user : NULL, SK_REASON_CONTRACTOR,
	                 audit_field(NULL, "request", request));
	return r == SK_OK ? 0 : r;
}
