/* The module's connection to the broker. Requests go through the typed calls of
 * common/skc_*.h (the module's monitor_wrap); this file gives them the connection and the
 * login they belong to. */
#include "pamsk.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_log.h"
#include "sk_proto.h"

struct skc_login
pamsk_login(const struct pamsk *m)
{
	return (struct skc_login){ .user = m->user, .service = m->service, .rhost = m->rhost,
	                           .tty = m->tty, .profile = m->profile,
	                           .frontend = m->frontend };   /* R-MFA-3 */
}

struct sk_client *
pamsk_client(struct pamsk *m)
{
	return sk_client_connected(&m->client, m->conf.socket_path,
	                           (int)m->conf.request_timeout_ms);
}

int
pamsk_answered(struct pamsk *m, int r)
{
	if (r == SK_OK)
		return 1;
	sk_client_close(&m->client);
	pamsk_say_unavailable(m);
	return 0;
}
