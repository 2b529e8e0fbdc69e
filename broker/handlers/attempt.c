/* See attempt.h. Why one place: the three copies this replaces had drifted (the password
 * change path set no failure origin and wrote its tally and audit record separately). */
#include "attempt.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "audit_event.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

int
attempt_note_failure(struct user_rec *u, const struct tally_limits *l, int64_t now,
                     const char *rhost, const char *tty)
{
	int locked = tally_record_failure(&u->tally, l, now);

	u->failures_since_login++;
	u->last_fail = now;
	snprintf(u->last_fail_from, sizeof(u->last_fail_from), "%s", rhost[0] ? rhost : tty);
	return locked;
}

int
attempt_write_user(struct broker_conn *c, const struct user_rec *u, const char *service)
{
	int r = store_user_save_auth(c->db, u);

	for (unsigned i = 0; i < u->tally.n_expired && r == SK_OK; i++)
		r = broker_audit(c, "auth", u->name, u->tally.locked ? "locked" : "deny",
		                 audit_field(audit_field(NULL, "service", service), "reason",
		                             "pending_attempt_expired"));
	return r;
}

int
attempt_txn(struct broker_conn *c, int (*work)(struct broker_conn *, void *), void *arg,
            const char *event, const char *user, const char *result, json_object *fields)
{
	int r = store_begin(c->db);

	if (r == SK_OK && work != NULL)
		r = work(c, arg);
	return attempt_end(c, r, event, user, result, fields);
}

int
attempt_end(struct broker_conn *c, int r, const char *event, const char *user,
            const char *result, json_object *fields)
{
	if (r == SK_OK && result != NULL) {
		r = broker_audit(c, event, user, result, fields);
		fields = NULL;
	}
	if (r == SK_OK)
		r = store_commit(c->db);
	if (r != SK_OK)
		store_rollback(c->db);
	json_object_put(fields);
	return r;
}

struct save_arg {
	const struct user_rec *u;
	const char *service;
};

static int
save_work(struct broker_conn *c, void *arg)
{
	const struct save_arg *a = arg;

	return attempt_write_user(c, a->u, a->service);
}

int
attempt_save(struct broker_conn *c, const struct user_rec *u, const char *service,
             const char *result, json_object *fields)
{
	struct save_arg a = { u, service };

	return attempt_txn(c, save_work, &a, "auth", u->name, result, fields);
}

int
attempt_hold(struct broker_conn *c, struct user_rec *u, const struct tally_limits *l,
             int64_t now, const char *service, unsigned char token[TALLY_TOKEN_LEN])
{
	int r;

	if (RAND_bytes(token, TALLY_TOKEN_LEN) != 1) {
		sk_logerr("no random bytes for an attempt token");
		return SK_ERR_CRYPTO;
	}
	if (!tally_reserve(&u->tally, l, now, TALLY_PENDING_TTL, token))
		return SK_ERR_BUSY;
	r = attempt_save(c, u, service, NULL, NULL);
	if (r != SK_OK) {
		(void)tally_release(&u->tally, token);
		sk_logerr("attempt of %s not stored: %s; not checking it", u->name, sk_strerror(r));
	}
	/* The expired attempts are in the store now: the next save must not record them again. */
	u->tally.n_expired = 0;
	return r;
}

int
attempt_token_get(const struct sk_msg *req, unsigned char token[TALLY_TOKEN_LEN])
{
	size_t len = 0;
	int r = sk_msg_get_bytes(req, SK_K_ATTEMPT_TOKEN, token, TALLY_TOKEN_LEN, &len);

	if (r == SK_ERR_NOTFOUND)
		return 0;
	if (r != SK_OK || len != TALLY_TOKEN_LEN) {
		sk_logerr("attempt token malformed");
		return -1;
	}
	return 1;
}
