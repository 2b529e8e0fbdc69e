/* SESSION_WATCH: the session agent's standing request (agent/, R-CARD-3). The handler checks
 * that the session is open and the user's, registers it (session_watch.h), answers at once
 * "registered" (SK_ST_OK), and then holds the connection until an order comes: the second
 * answer carries SK_K_SESSION_ACTION (lock or end) and the cause in SK_K_EVENT. The order
 * is sent first and then audited here ("session_order"), naming session, user and card.
 * When the login card is already revoked the first answer is the order. The connection ends with the order, when
 * the agent goes away (its session ended), or when the broker stops (the agent registers
 * again with the next broker).
 *
 * The thread gives its store connection back while it waits: a watched session must not hold
 * one for hours.
 *
 * A privileged session (priv_session.h, issue 9) gets one more kind of answer on the same
 * connection before its order: the deadline warning (SK_K_SESSION_ACTION SK_SESSION_WARN,
 * SK_K_EVENT "deadline_warning", SK_K_PRIV_ENDS the deadline), after which the handler waits
 * again. An agent that registers with SK_K_PRIV_ENDS (after a broker restart) names the grant
 * its session runs under (SK_K_GRANT_ID); when the broker does not know the session as
 * privileged it checks that grant in the store (active, in force, the user's) and registers
 * the session again under it, with the grant's end as deadline (the agent's if earlier), so
 * that a revoke ends it; a grant that ended meanwhile, or none, a foreign or forged one,
 * orders the session ended at once. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "account.h"
#include "audit_event.h"
#include "card_verify.h"
#include "priv_session.h"
#include "request.h"
#include "session_watch.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"
#include "store_card.h"
#include "store_grant.h"
#include "store_user.h"

/* The order goes to the agent first and is audited after: ending or locking a session is the
 * safe direction, and many orders at one moment (a deadline, lock --all-privileged) must not
 * wait in line for the audit log's writes. The server sends nothing more (reply_sent). */
static int
order_reply(struct broker_conn *c, struct sk_msg *reply, const char *user, uint64_t id,
            const char *card, unsigned action, const char *cause)
{
	const char *what = action == SK_CARD_REMOVAL_END ? "end" : "lock";
	json_object *extra = audit_field(audit_field_int(NULL, "session", (int64_t)id), "cause",
	                                 cause);
	int r, sent;

	if (card[0] != '\0')
		extra = audit_field(extra, "card", card);
	sk_log(LOG_NOTICE, "ordering session %llu of %s: %s (%s)", (unsigned long long)id, user,
	       what, cause);
	r = reply_status(reply, SK_ST_OK);
	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_SESSION_ACTION, action);
	if (r == SK_OK)
		r = sk_msg_put_text(reply, SK_K_EVENT, cause);
	sent = r == SK_OK && sk_msg_send(c->fd, reply, (int)c->b->conf.request_timeout_ms) == SK_OK;
	c->reply_sent = 1;
	if (!sent)
		extra = audit_field(extra, "delivery", "failed");
	if (broker_audit(c, "session_order", user, what, extra) != SK_OK)
		sk_logerr("the order for session %llu of %s was sent but not audited",
		          (unsigned long long)id, user);
	return SK_OK;
}

/* Sends one frame on the agent's connection that is not the last answer: the registration
 * ("registered") or a deadline warning. */
static int
send_interim(struct broker_conn *c, unsigned action, const char *cause, int64_t ends_at)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);
	int r = m == NULL ? SK_ERR_NOMEM : reply_status(m, SK_ST_OK);

	if (r == SK_OK && action == SK_SESSION_WARN) {
		r = sk_msg_put_uint(m, SK_K_SESSION_ACTION, action);
		if (r == SK_OK)
			r = sk_msg_put_text(m, SK_K_EVENT, cause);
		if (r == SK_OK)
			r = sk_msg_put_uint(m, SK_K_PRIV_ENDS, (uint64_t)ends_at);
	}
	if (r == SK_OK)
		r = sk_msg_send(c->fd, m, (int)c->b->conf.request_timeout_ms);
	sk_msg_free(m);
	return r;
}

/* An agent that names its privileged deadline (it registers again after a broker restart):
 * unless the broker knows the session already, the grant the agent names is checked in the
 * store and the session registered again under it. The agent's word is trusted for nothing
 * but which grant to look at: a grant that is not active and in force, or not the user's,
 * leaves *end_cause set (the session is ordered ended at once, never extended). */
static int
rearm_privileged(struct broker_conn *c, const struct sk_msg *req, const char *user, uint64_t id,
                 const char **end_cause)
{
	struct priv_session_info info = { .session_id = id };
	char role[SK_NAME_MAX];
	struct grant_rec g;
	uint64_t ends = 0, grant_id = 0;
	int64_t now = broker_now();
	int r;

	*end_cause = NULL;
	if (sk_msg_get_uint_opt(req, SK_K_PRIV_ENDS, 0, &ends) != SK_OK || ends > INT64_MAX / 1000 ||
	    sk_msg_get_uint_opt(req, SK_K_GRANT_ID, 0, &grant_id) != SK_OK || grant_id > INT64_MAX ||
	    sk_msg_get_text_opt(req, SK_K_PRIV_ROLE, role, sizeof(role)) != SK_OK)
		return SK_ERR_PROTO;
	if (ends == 0 || priv_session_get(id, &info) == SK_OK)
		return SK_OK;
	r = grant_id == 0 ? SK_ERR_NOTFOUND : store_grant_get(c->db, (int64_t)grant_id, &g);
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;
	if (r == SK_ERR_NOTFOUND || strcmp(g.requester, user) != 0)
		*end_cause = "grant_unknown";   /* none named, forged, or another user's */
	else if (g.state == GRANT_REVOKED)
		*end_cause = "grant_revoked";
	else if (g.state != GRANT_ACTIVE || g.ends <= now || g.starts > now)
		*end_cause = "grant_expired";
	if (*end_cause != NULL) {
		sk_log(LOG_WARNING, "privileged session %llu of %s registered again under grant %llu: "
		       "%s, ordering it ended", (unsigned long long)id, user,
		       (unsigned long long)grant_id, *end_cause);
		return SK_OK;
	}
	snprintf(info.user, sizeof(info.user), "%s", user);
	snprintf(info.role, sizeof(info.role), "%s", g.role);
	info.grant_id = (uint64_t)g.id;
	info.ends_at = (int64_t)ends < g.ends ? (int64_t)ends : g.ends;
	sk_log(LOG_NOTICE, "privileged session %llu of %s registered again under grant %lld, "
	       "ending at %lld", (unsigned long long)id, user, (long long)g.id,
	       (long long)info.ends_at);
	return priv_session_add(&info, c->b->conf.priv_warn_minutes * 60);
}

int
session_watch_request(struct broker_conn *c, const struct sk_msg *req, struct sk_msg *reply)
{
	char user[SK_USER_MAX], card[CARD_SPKI_HEX] = "", cause[SK_NAME_MAX];
	struct session_watch *w = NULL;
	struct card_rec rec;
	struct user_rec u;
	struct priv_session_info priv;
	const char *grant_end, *refused;
	enum sk_reason why;
	uint64_t id, action;
	unsigned ordered = 0;
	int r;

	if (sk_msg_get_text(req, SK_K_USER, user, sizeof(user)) != SK_OK ||
	    sk_msg_get_uint(req, SK_K_SESSION_ID, &id) != SK_OK || id > INT64_MAX ||
	    sk_msg_get_uint(req, SK_K_SESSION_ACTION, &action) != SK_OK ||
	    (action != SK_CARD_REMOVAL_LOCK && action != SK_CARD_REMOVAL_END) ||
	    sk_msg_get_text_opt(req, SK_K_CERT_HASH, card, sizeof(card)) != SK_OK ||
	    (card[0] != '\0' && !session_valid_card_hash(card)))
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if ((r = store_user_get(c->db, user, &u)) == SK_OK)
		r = store_session_is_open(c->db, u.id, (int64_t)id);
	if (r == SK_OK && card[0] != '\0' && (r = store_card_by_spki(c->db, card, &rec)) == SK_OK &&
	    rec.user_id != u.id)
		r = SK_ERR_NOTFOUND;
	if (r == SK_ERR_NOTFOUND)
		return reply_status(reply, SK_ST_NOT_FOUND);
	if (r != SK_OK)
		return r;
	if ((r = rearm_privileged(c, req, user, id, &grant_end)) == SK_ERR_PROTO)
		return reply_status(reply, SK_ST_BAD_REQUEST);
	if (r != SK_OK)
		return r;
	if (grant_end != NULL)
		return order_reply(c, reply, user, id, card, SK_CARD_REMOVAL_END, grant_end);
	/* Back from leave and not yet re-confirmed (issue 10, item 4): the session that
	 * registers is ended at once, its cause on the record. */
	if ((r = account_entry_check(c, u.id, &why, &refused)) != SK_OK)
		return r;
	if (why != SK_REASON_NONE)
		return order_reply(c, reply, user, id, card, SK_CARD_REMOVAL_END, refused);
	/* Registered first, checked second: a revocation between the two is not missed. */
	if ((r = session_watch_add(id, user, card, (unsigned)action, &w)) == SK_ERR_BUSY)
		return reply_status(reply, SK_ST_BUSY);
	if (r != SK_OK)
		return r;
	if (card[0] != '\0' && store_card_by_spki(c->db, card, &rec) == SK_OK && rec.revoked) {
		session_watch_remove(w);
		return order_reply(c, reply, user, id, card, (unsigned)action, "card_revoked");
	}
	if (send_interim(c, 0, NULL, 0) != SK_OK) {
		session_watch_remove(w);
		return SK_ERR_IO;
	}
	store_release(c->db);
	c->db = NULL;
	while ((r = session_watch_wait(w, c->fd, &c->b->stop, &ordered, cause, sizeof(cause))) ==
	       SK_OK && ordered == SK_SESSION_WARN) {
		if (priv_session_get(id, &priv) != SK_OK)
			continue;   /* ended or forgotten meanwhile */
		sk_log(LOG_NOTICE, "warning session %llu of %s: privileged access ends at %lld",
		       (unsigned long long)id, user, (long long)priv.ends_at);
		if (send_interim(c, SK_SESSION_WARN, cause, priv.ends_at) != SK_OK) {
			r = SK_ERR_IO;
			break;
		}
	}
	session_watch_remove(w);
	if (r == SK_OK || r == SK_ERR_IO)
		priv_session_forget(id);   /* ordered ended, or gone with its agent */
	if (store_acquire(c->b->store, &c->db) != SK_OK)
		return SK_ERR_STORE;
	if (r == SK_ERR_IO)   /* the agent left with its session: the answer goes nowhere */
		return reply_status(reply, SK_ST_OK);
	if (r != SK_OK)       /* the broker stops: the agent registers again with the next */
		return reply_status(reply, SK_ST_BUSY);
	return order_reply(c, reply, user, id, card, ordered, cause);
}
