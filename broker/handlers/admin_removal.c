/* Self-service removal requests (issue 10, item 7; R-LIFE-2; doc/hr-import.md "Removal
 * requests"): sekimori request removal (REMOVAL_REQUEST) and sekimori request confirm |
 * refuse (REMOVAL_DECIDE). The list is ACCESS_REVIEW's (admin_access_review.c).
 *
 * Who asks: the account whose name is the peer's login name. The kernel vouches for the
 * peer's uid (SO_PEERCRED), the broker maps it to a name with getpwuid, so nobody can ask
 * for another account; root and a name that is no account cannot ask. Nothing is removed
 * until an administrator other than the requester confirms in an admin session, so a
 * request made from a user's unlocked terminal by someone else removes nothing by itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "admin.h"
#include "admin_grant.h"
#include "attempt.h"
#include "audit_event.h"
#include "request.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

#define REMOVAL_IDS_MAX 256   /* grants or delegations of one role a confirm ends */

static json_object *
removal_fields(const struct removal_rec *v, json_object *extra)
{
	if (v->id > 0)
		extra = audit_field_int(extra, "request", v->id);
	extra = audit_field(extra, "kind", removal_kind_name(v->kind));
	extra = audit_field(extra, "target", v->target);
	return audit_field(extra, "requester", v->requester);
}

static int
parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	*out = v;
	return 1;
}

struct role_items {
	const char *user, *role;
	int64_t grants[REMOVAL_IDS_MAX], delegations[REMOVAL_IDS_MAX];
	size_t ng, nd;
};

static int
collect_grant(void *arg, const struct grant_rec *g)
{
	struct role_items *x = arg;

	if (strcmp(g->requester, x->user) == 0 && strcmp(g->role, x->role) == 0 &&
	    x->ng < REMOVAL_IDS_MAX)
		x->grants[x->ng++] = g->id;
	return 0;
}

static int
collect_delegation(void *arg, const struct delegation_rec *d)
{
	struct role_items *x = arg;

	if (strcmp(d->delegate, x->user) == 0 && strcmp(d->role, x->role) == 0 &&
	    (d->state == DELEGATION_NOMINATED || d->state == DELEGATION_APPROVED) &&
	    x->nd < REMOVAL_IDS_MAX)
		x->delegations[x->nd++] = d->id;
	return 0;
}

static int
role_items(struct broker_conn *c, const char *user, const char *role, struct role_items *x)
{
	int r;

	memset(x, 0, sizeof(*x));
	x->user = user;
	x->role = role;
	if ((r = store_grant_list(c->db, 1, collect_grant, x)) != SK_OK)
		return r;
	return store_delegation_list(c->db, collect_delegation, x);
}

/* 1 when the account has what the request names, 0 when not, or an error. */
static int
has_target(struct broker_conn *c, const struct user_rec *u, const struct removal_rec *v)
{
	int64_t id = 0;
	size_t n = 0;
	int r;

	switch (v->kind) {
	case SK_REMOVAL_TOTP: {
		struct totp_rec *t = calloc(TOTP_PER_USER_MAX, sizeof(*t));

		if (t == NULL)
			return SK_ERR_NOMEM;
		r = store_totp_list(c->db, u->id, 0, t, TOTP_PER_USER_MAX, &n);
		explicit_bzero(t, TOTP_PER_USER_MAX * sizeof(*t));
		free(t);
		return r != SK_OK ? r : n > 0;
	}
	case SK_REMOVAL_FIDO2: {
		struct fido2_rec f[FIDO2_PER_USER_MAX];

		if (!parse_id(v->target, &id))
			return 0;
		if ((r = store_fido2_list(c->db, u->id, 0, f, FIDO2_PER_USER_MAX, &n)) != SK_OK)
			return r;
		for (size_t i = 0; i < n; i++)
			if (f[i].id == id)
				return 1;
		return 0;
	}
	case SK_REMOVAL_CARD: {
		struct card_rec *cards = calloc(CARDS_PER_USER_MAX, sizeof(*cards));
		int found = 0;

		if (cards == NULL)
			return SK_ERR_NOMEM;
		if (!parse_id(v->target, &id)) {
			free(cards);
			return 0;
		}
		r = store_card_list(c->db, u->id, 1, cards, CARDS_PER_USER_MAX, &n);
		for (size_t i = 0; r == SK_OK && i < n; i++)
			found |= cards[i].id == id;
		free(cards);
		return r != SK_OK ? r : found;
	}
	case SK_REMOVAL_ROLE: {
		struct role_items *x = malloc(sizeof(*x));

		if (x == NULL)
			return SK_ERR_NOMEM;
		r = role_items(c, u->name, v->target, x);
		n = x->ng + x->nd;
		free(x);
		return r != SK_OK ? r : n > 0;
	}
	}
	return 0;
}

static int
refuse_request(struct broker_conn *c, struct sk_msg *reply, const struct removal_rec *v,
               enum sk_status st, enum sk_reason why)
{
	json_object *f = audit_field_int(removal_fields(v, NULL), "uid", (int64_t)c->peer_uid);

	if (broker_audit(c, "removal.request", v->requester[0] ? v->requester : NULL, "refused",
	                 audit_field_int(f, "reason", why)) != SK_OK)
		return SK_ERR_AUDIT;
	return admin_refuse(reply, st, why);
}

int
removal_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct removal_rec v;
	struct user_rec u;
	enum sk_reason why;
	const char *refused;
	uint64_t kind = 0;
	int r, open = 0;

	memset(&v, 0, sizeof(v));
	if (sk_msg_get_uint(req, SK_K_REMOVAL_KIND, &kind) != SK_OK || kind > SK_REMOVAL_ROLE ||
	    sk_msg_get_text_opt(req, SK_K_REMOVAL_TARGET, v.target, sizeof(v.target)) != SK_OK)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	v.kind = (enum sk_removal_kind)kind;
	if ((v.kind == SK_REMOVAL_TOTP) != (v.target[0] == '\0'))
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if (v.kind == SK_REMOVAL_ROLE && (!sk_valid_name(v.target) ||
	                                  sk_conf_role(&c->b->conf, v.target) == NULL))
		return grant_invalid(reply, SK_REASON_UNKNOWN_ROLE);
	if ((v.kind == SK_REMOVAL_FIDO2 || v.kind == SK_REMOVAL_CARD) &&
	    !parse_id(v.target, &(int64_t){ 0 }))
		return grant_invalid(reply, SK_REASON_INVALID_FACTOR_ID);
	if (!grant_text(req, SK_K_GRANT_REASON, v.reason, sizeof(v.reason)))
		return grant_invalid(reply, SK_REASON_REASON_REQUIRED);
	/* The peer's own account, by the uid the kernel reported: never root, never a name the
	 * client sends. */
	if (c->peer_uid == 0 || c->peer_name[0] == '\0')
		return refuse_request(c, reply, &v, SK_ST_FORBIDDEN, SK_REASON_NO_ACCOUNT);
	snprintf(v.requester, sizeof(v.requester), "%s", c->peer_name);
	if ((r = store_user_get(c->db, v.requester, &u)) == SK_ERR_NOTFOUND)
		return refuse_request(c, reply, &v, SK_ST_FORBIDDEN, SK_REASON_NO_ACCOUNT);
	if (r != SK_OK)
		return r;
	/* Back from leave and not yet re-confirmed (issue 10, item 4): not even self-service. */
	if ((r = account_entry_check(c, u.id, &why, &refused)) != SK_OK || why != SK_REASON_NONE) {
		explicit_bzero(&u, sizeof(u));
		return r != SK_OK ? r : refuse_request(c, reply, &v, SK_ST_FORBIDDEN, why);
	}
	r = has_target(c, &u, &v);
	explicit_bzero(&u, sizeof(u));
	if (r < 0)
		return r;
	if (r == 0)
		return refuse_request(c, reply, &v, SK_ST_INVALID, SK_REASON_NOTHING_TO_REMOVE);
	if ((r = store_removal_open_exists(c->db, v.requester, v.kind, v.target, &open)) != SK_OK)
		return r;
	if (open)
		return refuse_request(c, reply, &v, SK_ST_EXISTS, SK_REASON_REQUEST_OPEN);
	v.state = REMOVAL_OPEN;
	v.created = broker_now();
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	r = store_removal_insert(c->db, &v);
	r = attempt_end(c, r, "removal.requested", v.requester, "ok",
	                audit_field(audit_field_int(removal_fields(&v, NULL), "uid",
	                                            (int64_t)c->peer_uid), "reason", v.reason));
	if (r != SK_OK)
		return r;
	r = reply_status(reply, SK_ST_OK);
	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REQUEST_ID, (uint64_t)v.id) : r;
}

/* Carries out a confirmed request inside the open transaction. *card_out gets the revoked
 * card (id 0 when none), whose live sessions the caller ends after the commit. */
static int
carry_out(struct broker_conn *c, const struct removal_rec *v, int64_t now,
          struct card_rec *card_out, json_object **extra)
{
	struct user_rec u;
	int64_t id = 0;
	int r;

	memset(card_out, 0, sizeof(*card_out));
	if ((r = store_user_get(c->db, v->requester, &u)) != SK_OK)
		return r;
	explicit_bzero(u.pw_hash, sizeof(u.pw_hash));
	switch (v->kind) {
	case SK_REMOVAL_TOTP:
		return store_totp_delete_all(c->db, u.id);
	case SK_REMOVAL_FIDO2:
		if (!parse_id(v->target, &id))
			return SK_ERR_PROTO;
		r = store_fido2_delete(c->db, u.id, id);
		return r == SK_ERR_NOTFOUND ? SK_OK : r;   /* gone already: nothing left to do */
	case SK_REMOVAL_CARD: {
		struct card_rec *cards = calloc(CARDS_PER_USER_MAX, sizeof(*cards));
		size_t n = 0;

		if (cards == NULL)
			return SK_ERR_NOMEM;
		if (!parse_id(v->target, &id)) {
			free(cards);
			return SK_ERR_PROTO;
		}
		/* Revoked, and outstanding until handed back (sekimori card dispose). */
		r = store_card_list(c->db, u.id, 1, cards, CARDS_PER_USER_MAX, &n);
		for (size_t i = 0; r == SK_OK && i < n; i++) {
			if (cards[i].id != id)
				continue;
			r = store_card_revoke(c->db, id, "removal_request", 0, now);
			if (r == SK_OK)
				*card_out = cards[i];
		}
		free(cards);
		return r;
	}
	case SK_REMOVAL_ROLE: {
		struct role_items *x = malloc(sizeof(*x));
		size_t ended = 0;

		if (x == NULL)
			return SK_ERR_NOMEM;
		r = role_items(c, v->requester, v->target, x);
		for (size_t i = 0; r == SK_OK && i < x->ng; i++) {
			r = grant_end(c->db, x->grants[i], GRANT_END_REMOVAL, grant_actor(c), NULL, now,
			              NULL);
			if (r == SK_OK)
				ended++;
			else if (r == SK_ERR_NOTFOUND)
				r = SK_OK;
		}
		*extra = audit_field_int(*extra, "grants_ended", (int64_t)ended);
		ended = 0;
		for (size_t i = 0; r == SK_OK && i < x->nd; i++) {
			struct delegation_rec d;

			if ((r = store_delegation_get(c->db, x->delegations[i], &d)) != SK_OK)
				break;
			r = store_delegation_decide(c->db, d.id, d.state, DELEGATION_REVOKED,
			                            grant_actor(c), now);
			if (r == SK_OK)
				ended++;
			else if (r == SK_ERR_NOTFOUND)
				r = SK_OK;
		}
		*extra = audit_field_int(*extra, "delegations_revoked", (int64_t)ended);
		free(x);
		return r;
	}
	}
	return SK_ERR_PROTO;
}

int
removal_decide(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	static const char *const asked[] = { "removal.confirm", "removal.refuse" };
	static const char *const done[] = { "removal.confirmed", "removal.refused" };
	const char *me = grant_actor(c);
	char comment[GRANT_TEXT_MAX] = "";
	struct card_rec card;
	struct removal_rec v;
	json_object *extra = NULL;
	uint64_t id = 0, step = 0;
	int64_t now = broker_now();
	int r, contractor = 0, privileged = 0;

	if (sk_msg_get_uint(req, SK_K_REQUEST_ID, &id) != SK_OK || id == 0 || id > INT64_MAX)
		return grant_invalid(reply, SK_REASON_INVALID_FACTOR_ID);
	if (sk_msg_get_uint_opt(req, SK_K_GRANT_STEP, 0, &step) != SK_OK || step > 1)
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if (sk_msg_get_text_opt(req, SK_K_COMMENT, comment, sizeof(comment)) != SK_OK ||
	    (comment[0] != '\0' && !grant_text(req, SK_K_COMMENT, comment, sizeof(comment))))
		return grant_invalid(reply, SK_REASON_MALFORMED_FIELD);
	if ((r = store_removal_get(c->db, (int64_t)id, &v)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	/* The requester never decides their own request (R-SOD-1). */
	if (strcmp(v.requester, me) == 0)
		return grant_refuse(c, reply, asked[step], v.requester, SK_REASON_OWN_REQUEST,
		                    removal_fields(&v, NULL));
	if (v.state != REMOVAL_OPEN)
		return grant_refuse(c, reply, asked[step], v.requester, SK_REASON_REQUEST_DECIDED,
		                    removal_fields(&v, NULL));
	/* A contractor changes no privileged ID's factors or roles (R-PRIV-4). */
	if ((r = store_user_contractor(c->db, me, &contractor)) != SK_OK ||
	    (contractor && (r = grant_user_is_privileged(c->db, &c->b->conf, v.requester,
	                                                 &privileged)) != SK_OK))
		return r;
	if (contractor && privileged)
		return grant_refuse(c, reply, asked[step], v.requester, SK_REASON_CONTRACTOR,
		                    removal_fields(&v, NULL));
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	memset(&card, 0, sizeof(card));
	if (step == 0)
		r = carry_out(c, &v, now, &card, &extra);
	if (r == SK_OK)
		r = store_removal_decide(c->db, v.id, step == 0 ? REMOVAL_CONFIRMED : REMOVAL_REFUSED,
		                         me, now, comment);
	if (r == SK_ERR_NOTFOUND) {   /* decided by someone else meanwhile */
		store_rollback(c->db);
		json_object_put(extra);
		return grant_refuse(c, reply, asked[step], v.requester, SK_REASON_REQUEST_DECIDED,
		                    removal_fields(&v, NULL));
	}
	r = attempt_end(c, r, done[step], v.requester, "ok",
	                audit_field(audit_field(removal_fields(&v, extra), "decided_by", me),
	                            "comment", comment));
	if (r != SK_OK)
		return r;
	if (card.id != 0)   /* its open sessions are locked or ended now, as card revoke does */
		(void)session_watch_cards_revoked(&card, 1);
	return reply_status(reply, SK_ST_OK);
}
