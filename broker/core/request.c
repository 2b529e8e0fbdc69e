#include "request.h"

#include <stdio.h>
#include <string.h>

#include "origin.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_utf8.h"

int
request_login_ctx(const struct broker *b, const struct sk_msg *req, struct login_ctx *out)
{
	char profile[SK_NAME_MAX];
	uint64_t frontend = 0;

	memset(out, 0, sizeof(*out));
	if (sk_msg_get_text(req, SK_K_USER, out->user, sizeof(out->user)) != SK_OK ||
	    !sk_valid_username(out->user)) {
		sk_logerr("user name missing or invalid");
		return SK_ERR_PROTO;
	}
	if (sk_msg_get_text_opt(req, SK_K_SERVICE, out->service, sizeof(out->service)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_RHOST, out->rhost, sizeof(out->rhost)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_TTY, out->tty, sizeof(out->tty)) != SK_OK ||
	    sk_msg_get_text_opt(req, SK_K_PROFILE, profile, sizeof(profile)) != SK_OK) {
		sk_logerr("service, rhost, tty or profile malformed");
		return SK_ERR_PROTO;
	}
	if (sk_msg_get_uint_opt(req, SK_K_FRONTEND, 0, &frontend) != SK_OK ||
	    origin_kind(frontend, out->rhost, &out->frontend) != SK_OK) {
		sk_logerr("front end kind malformed");
		return SK_ERR_PROTO;
	}
	if (profile[0] == '\0')
		memcpy(profile, b->conf.default_profile, sizeof(profile));
	out->line = sk_conf_profile(&b->conf, profile);
	if (out->line == NULL) {
		sk_logerr("unknown profile '%s' named by service '%s'", profile, out->service);
		return SK_ERR_NOTFOUND;
	}
	return SK_OK;
}

void
request_effective_profile(const struct broker *b, const struct sk_profile *line,
                          const struct user_rec *u, struct sk_profile *out)
{
	const struct sk_profile *own = u ? sk_conf_profile(&b->conf, u->profile) : NULL;

	sk_profile_merge(line, own, out);
}

void
request_limits(const struct sk_profile *p, struct tally_limits *l)
{
	l->deny = p->deny;
	l->fail_interval = p->fail_interval;
	l->unlock_time = p->unlock_time;
}

int
reply_status(struct sk_msg *reply, enum sk_status st)
{
	return sk_msg_put_uint(reply, SK_K_STATUS, st);
}

int
request_refuse(struct sk_msg *reply, enum sk_status st, enum sk_reason why)
{
	int r = reply_status(reply, st);

	return r == SK_OK ? sk_msg_put_uint(reply, SK_K_REASON, why) : r;
}

int
reply_locked(struct sk_msg *reply, const struct tally *t)
{
	int r = reply_status(reply, SK_ST_LOCKED);

	if (r == SK_OK)
		r = sk_msg_put_uint(reply, SK_K_LOCKED_UNTIL, (uint64_t)t->locked_until);
	return r;
}
