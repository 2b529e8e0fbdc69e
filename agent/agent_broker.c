/* The agent's two conversations with the broker: the standing SESSION_WATCH request (the
 * broker answers it once at once, "registered", then with deadline warnings of a privileged
 * session, and last when it orders the session locked or ended: a lost card, a grant's
 * deadline, a revoke or lock), and SESSION_EVENT for the audit trail.
 * Both go through the typed calls of common/skc_session.h. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "sk_err.h"
#include "sk_log.h"
#include "skc_session.h"

#define WATCH_READ_MS 5000   /* an order, once its first byte arrived, comes whole by then */

static struct skc_session_ref
session_of(const struct agent_job *j)
{
	return (struct skc_session_ref){ .user = j->user, .session_id = j->session_id,
	                                 .card_hash = j->card };
}

int
agent_watch_open(const struct agent_job *j, int *fd, unsigned *ordered, char *cause,
                 size_t causesz)
{
	struct sk_client client = { .fd = -1 };
	struct skc_session_watch_in in = { .session = session_of(j), .action = j->action,
	                                   .priv_ends = (uint64_t)j->ends_at,
	                                   .priv_role = j->role, .priv_grant = j->grant_id };
	struct skc_session_watch_out out = { .ordered = 0 };
	int r = sk_client_open(&client, j->socket_path, j->request_timeout_ms);

	*fd = -1;
	*ordered = 0;
	if (r == SK_OK)
		r = skc_session_watch(&client, &in, &out);
	if (r == SK_OK && out.res.status != SK_ST_OK) {
		sk_logerr("the broker refused to watch session %llu of %s (status %u)",
		          j->session_id, j->user, out.res.status);
		r = SK_ERR_DENIED;
	}
	if (r == SK_OK && out.ordered && out.action == SK_SESSION_WARN)
		r = SK_ERR_PROTO;   /* a warning is never the first answer */
	if (r == SK_OK && out.ordered) {
		*ordered = out.action;
		snprintf(cause, causesz, "%s", out.cause);
	} else if (r == SK_OK) {
		*fd = client.fd;
		client.fd = -1;
	}
	sk_client_close(&client);
	return r;
}

int
agent_watch_read(int fd, unsigned *action, char *cause, size_t causesz, int64_t *priv_ends)
{
	struct sk_client client = { .fd = fd };
	struct skc_session_watch_out out = { .ordered = 0 };
	int r = skc_session_watch_order(&client, WATCH_READ_MS, &out);

	if (r == SK_OK && out.res.status != SK_ST_OK)
		r = SK_ERR_DENIED;
	else if (r == SK_OK && !out.ordered)
		r = SK_ERR_PROTO;   /* one registration answer only */
	if (r == SK_OK) {
		*action = out.action;
		snprintf(cause, causesz, "%s", out.cause);
		*priv_ends = (int64_t)out.priv_ends;
	}
	return r;
}

void
agent_report(const struct agent_job *j, const char *event)
{
	struct sk_client client = { .fd = -1 };
	struct skc_session_event_in in = { .session = session_of(j), .event = event };
	struct skc_reply_out out = { .res.status = SK_ST_ERROR };
	int r = sk_client_open(&client, j->socket_path, j->request_timeout_ms);

	if (r == SK_OK)
		r = skc_session_event(&client, &in, &out);
	if (r != SK_OK || out.res.status != SK_ST_OK)
		sk_logerr("the broker did not record %s for %s", event, j->user);
	sk_client_close(&client);
}
