#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "attempt.h"
#include "audit_event.h"
#include "card_verify.h"
#include "store_card.h"
#include "sk_utf8.h"
#include "priv_login.h"
#include "priv_session.h"
#include "request.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_user.h"

static int
insert_session(struct sk_store_txn *db, int64_t user_id, const struct login_ctx *lc, int64_t pid,
               int64_t now, int64_t *id)
{
	struct session_open_rec s = {
		.user_id = user_id, .service = lc->service, .rhost = lc->rhost, .tty = lc->tty,
		.pid = pid, .opened = now,
	};

	return store_session_open(db, &s, id);
}

int
session_valid_card_hash(const char *s)
{
	size_t n = strlen(s);

	return n == CARD_SPKI_HEX - 1 && strspn(s, "0123456789abcdef") == n;
}

/* The card a card login used (SK_K_CERT from the module, R-CARD-3): its binding hash, when
 * it is an active card of this user. SK_OK with card->id 0 when the login used no card;
 * SK_ERR_DENIED when the card is revoked or not this user's (the session is refused). */
static int
session_card(struct broker_conn *c, const struct sk_msg *req, const struct user_rec *u,
             struct card_rec *card)
{
	unsigned char *cert = malloc(CARD_CERT_MAX);
	struct card_binding bind;
	size_t len = 0;
	int r;

	memset(card, 0, sizeof(*card));
	if (cert == NULL)
		return SK_ERR_NOMEM;
	r = sk_msg_get_bytes(req, SK_K_CERT, cert, CARD_CERT_MAX, &len);
	if (r == SK_ERR_NOTFOUND) {
		free(cert);
		return SK_OK;
	}
	if (r == SK_OK)
		r = card_verify_binding(cert, len, &bind) == SK_OK ? SK_OK : SK_ERR_PROTO;
	free(cert);
	if (r == SK_OK && (r = store_card_by_spki(c->db, bind.spki_sha256, card)) == SK_ERR_NOTFOUND)
		r = SK_ERR_DENIED;
	if (r == SK_OK && (card->user_id != u->id || card->revoked))
		r = SK_ERR_DENIED;
	return r;
}

static int
login_report(struct sk_msg *reply, const struct user_rec *u, const struct sk_profile *eff,
             int64_t id, const struct card_rec *card)
{
	int r = reply_status(reply, SK_ST_OK);

	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_SESSION_ID, (uint64_t)id);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_LAST_LOGIN, (uint64_t)u->prev_login);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_LAST_FROM, u->prev_login_from);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_LAST_LOGOUT, (uint64_t)u->last_logout);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_FAILURES, (uint64_t)u->prev_failures);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_IDLE_TIMEOUT, eff->idle_timeout);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_CARD_REMOVAL, eff->card_removal);
	if (r == SK_OK && card->id != 0)
		r = sk_msg_put_text(reply, SK_K_CERT_HASH, card->binding.spki_sha256);
	return r;
}

int
session_open(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	struct login_ctx lc;
	struct sk_profile eff;
	struct user_rec u;
	struct card_rec card;
	struct priv_login priv;
	json_object *extra;
	uint64_t pid = 0;
	int64_t id = 0, now = broker_now();
	int r, answered;

	if (request_login_ctx(c->b, req, &lc) != SK_OK ||
	    sk_msg_get_uint_opt(req, SK_K_PID, 0, &pid) != SK_OK || pid > INT32_MAX)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_get(c->db, lc.user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	/* Back from leave and not yet re-confirmed (issue 10, item 4): no session either. */
	if ((r = account_entry_gate(c, "session_open", &lc, u.id, SK_ST_DENIED, reply,
	                            &answered)) != SK_OK || answered)
		return r;
	if ((r = priv_login_session(c, req, &lc, reply, &priv, &answered)) != SK_OK || answered)
		return r;
	request_effective_profile(c->b, lc.line, &u, &eff);
	if ((r = session_card(c, req, &u, &card)) == SK_ERR_PROTO)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	extra = audit_field(audit_field(audit_field(NULL, "service", lc.service), "rhost", lc.rhost),
	                    "tty", lc.tty);
	if (r == SK_ERR_DENIED) {
		/* Revoked (reported lost) between the login and the session: not opened. */
		if (card.id != 0)
			extra = audit_field(extra, "card", card.binding.spki_sha256);
		r = broker_audit(c, "session_open", lc.user, "deny",
		                 audit_field(extra, "reason", "card_revoked"));
		return r == SK_OK ? reply_status(reply, SK_ST_DENIED) : r;
	}
	if (r != SK_OK) {
		json_object_put(extra);
		return r;
	}
	if (card.id != 0)   /* which card this session rests on (R-CARD-3) */
		extra = audit_field_int(audit_field(extra, "card", card.binding.spki_sha256),
		                        "card_id", card.id);
	if (priv.privileged)   /* its grant and deadline (issue 9) */
		extra = audit_field_int(audit_field_int(audit_field(extra, "role", priv.role),
		                        "grant", (int64_t)priv.grant_id), "ends", priv.ends_at);
	r = store_begin(c->db);
	if (r == SK_OK)
		r = insert_session(c->db, u.id, &lc, (int64_t)pid, now, &id);
	r = attempt_end(c, r, "session_open", lc.user, "ok",
	                r == SK_OK ? audit_field_int(extra, "session", id) : extra);
	if (r != SK_OK)
		return r;
	r = login_report(reply, &u, &eff, id, &card);
	return r == SK_OK ? priv_login_session_opened(c, &priv, lc.user, id, &eff, reply) : r;
}

int
session_close(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char user[SK_USER_MAX];
	uint64_t id;
	struct user_rec u;
	int64_t now = broker_now();
	int r;

	if (sk_msg_get_text(req, SK_K_USER, user, sizeof(user)) != SK_OK ||
	    sk_msg_get_uint(req, SK_K_SESSION_ID, &id) != SK_OK || id > INT64_MAX)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_get(c->db, user, &u)) == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	if ((r = store_begin(c->db)) != SK_OK)
		return r;
	if (store_session_close(c->db, u.id, (int64_t)id, now) != SK_OK) {
		store_rollback(c->db);
		return reply_status(reply, SK_ST_NOT_FOUND);
	}
	r = store_user_set_logout(c->db, u.id, now);
	r = attempt_end(c, r, "session_close", user, "ok",
	                audit_field_int(NULL, "session", (int64_t)id));
	if (r != SK_OK)
		return r;
	priv_session_forget((uint64_t)id);   /* closed: its deadline goes with it */
	return reply_status(reply, SK_ST_OK);
}

/* The session agent reports what it did and why (card_removed_lock, card_revoked_end, ...,
 * R-CARD-2, R-CARD-3), naming the card when it knows it; the broker only records it. */
int
session_event(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char user[SK_USER_MAX], event[SK_NAME_MAX], card[CARD_SPKI_HEX] = "";
	json_object *extra;
	uint64_t id = 0;
	int r;

	if (sk_msg_get_text(req, SK_K_USER, user, sizeof(user)) != SK_OK ||
	    sk_msg_get_text(req, SK_K_EVENT, event, sizeof(event)) != SK_OK ||
	    !sk_valid_name(event) || sk_msg_get_uint_opt(req, SK_K_SESSION_ID, 0, &id) != SK_OK ||
	    id > INT64_MAX || sk_msg_get_text_opt(req, SK_K_CERT_HASH, card, sizeof(card)) != SK_OK ||
	    (card[0] != '\0' && !session_valid_card_hash(card)))
		return reply_status(reply, SK_ST_BAD_REQUEST);
	extra = audit_field_int(NULL, "session", (int64_t)id);
	if (card[0] != '\0')
		extra = audit_field(extra, "card", card);
	r = broker_audit(c, "session_event", user, event, extra);
	return r == SK_OK ? reply_status(reply, SK_ST_OK) : r;
}
