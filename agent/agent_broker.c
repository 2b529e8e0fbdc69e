/* The agent's two conversations with the broker: the standing SESSION_WATCH request (the
 * broker answers it once at once, "registered", and again when it orders the session locked
 * or ended: a lost card, later a grant's deadline), and SESSION_EVENT for the audit trail. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_log.h"
#include "sk_msg.h"
#include "sk_proto.h"

/* An order is a reply with SK_K_SESSION_ACTION; its cause in SK_K_EVENT. */
static int
read_order(const struct sk_msg *reply, int *ordered, unsigned *action, char *cause,
           size_t causesz)
{
	uint64_t a;

	*ordered = 0;
	if (sk_reply_status(reply) != SK_ST_OK)
		return SK_ERR_DENIED;
	if (sk_msg_get_uint(reply, SK_K_SESSION_ACTION, &a) != SK_OK)
		return SK_OK;   /* the first answer: registered */
	if ((a != SK_CARD_REMOVAL_LOCK && a != SK_CARD_REMOVAL_END) ||
	    sk_msg_get_text(reply, SK_K_EVENT, cause, causesz) != SK_OK) {
		sk_logerr("the broker's order is malformed");
		return SK_ERR_PROTO;
	}
	*ordered = 1;
	*action = (unsigned)a;
	return SK_OK;
}

/* USER, SESSION_ID and, when known, the card: what names the session to the broker. */
static int
put_session(struct sk_msg *req, const struct agent_job *j)
{
	if (req == NULL)
		return SK_ERR_NOMEM;
	if (sk_msg_put_text(req, SK_K_USER, j->user) != SK_OK ||
	    sk_msg_put_uint(req, SK_K_SESSION_ID, j->session_id) != SK_OK ||
	    (j->card[0] && sk_msg_put_text(req, SK_K_CERT_HASH, j->card) != SK_OK))
		return SK_ERR_NOMEM;
	return SK_OK;
}

int
agent_watch_open(const struct agent_job *j, int *fd, unsigned *ordered, char *cause,
                 size_t causesz)
{
	struct sk_client client = { .fd = -1 };
	struct sk_msg *req = sk_msg_new(SK_REQ_SESSION_WATCH), *reply = NULL;
	int r = put_session(req, j), got = 0;
	unsigned action = 0;

	*fd = -1;
	*ordered = 0;
	if (r == SK_OK && sk_msg_put_uint(req, SK_K_SESSION_ACTION, j->action) != SK_OK)
		r = SK_ERR_NOMEM;
	if (r == SK_OK)
		r = sk_client_open(&client, j->socket_path, j->request_timeout_ms);
	if (r == SK_OK)
		r = sk_client_call(&client, req, &reply, 0);
	if (r == SK_OK && (r = read_order(reply, &got, &action, cause, causesz)) == SK_ERR_DENIED)
		sk_logerr("the broker refused to watch session %llu of %s (status %u)",
		          j->session_id, j->user, sk_reply_status(reply));
	if (r == SK_OK && got) {
		*ordered = action;
	} else if (r == SK_OK) {
		*fd = client.fd;
		client.fd = -1;
	}
	sk_client_close(&client);
	sk_msg_free(req);
	sk_msg_free(reply);
	return r;
}

int
agent_watch_read(int fd, unsigned *action, char *cause, size_t causesz)
{
	struct sk_msg *reply = NULL;
	int r = sk_msg_recv(fd, &reply, 5000), ordered = 0;

	if (r == SK_OK && sk_msg_type(reply) != SK_MSG_REPLY)
		r = SK_ERR_PROTO;
	if (r == SK_OK)
		r = read_order(reply, &ordered, action, cause, causesz);
	if (r == SK_OK && !ordered)
		r = SK_ERR_PROTO;   /* one registration answer only */
	sk_msg_free(reply);
	return r;
}

void
agent_report(const struct agent_job *j, const char *event)
{
	struct sk_client client = { .fd = -1 };
	struct sk_msg *req = sk_msg_new(SK_REQ_SESSION_EVENT), *reply = NULL;
	int r = put_session(req, j);

	if (r == SK_OK && sk_msg_put_text(req, SK_K_EVENT, event) != SK_OK)
		r = SK_ERR_NOMEM;
	if (r == SK_OK)
		r = sk_client_open(&client, j->socket_path, j->request_timeout_ms);
	if (r == SK_OK)
		r = sk_client_call(&client, req, &reply, 0);
	if (r != SK_OK || sk_reply_status(reply) != SK_ST_OK)
		sk_logerr("the broker did not record %s for %s", event, j->user);
	sk_client_close(&client);
	sk_msg_free(req);
	sk_msg_free(reply);
}
