/* Live privileged sessions and their own deadlines (issue 9, item 4; R-PRIV-7, R-INC-1).
 * SESSION_OPEN registers a session that a grant let in (auth_ticket.h), with the grant's end
 * as its deadline, and sets two timers on session_watch.h's list: a warning
 * warn_seconds before the deadline (SK_SESSION_WARN) and the end at it (END, cause
 * "grant_expired"). The session agent, watching the session through SESSION_WATCH, passes the
 * warning to the terminal and ends the session — every process of it — on the order.
 *
 * Ending early: priv_session_end_grant (a grant revoked or ended early), priv_session_end_user
 * (`sekimori user lock`), priv_session_end_all (`sekimori user lock --all-privileged`) order
 * END at once. A session is forgotten when it closes or its agent leaves with it.
 *
 * In memory, like the watch registry: after a broker restart the agent registers again and
 * gives its deadline back (SESSION_WATCH carries SK_K_PRIV_ENDS), which re-arms the timers;
 * the agent also ends the session by itself at that deadline if no broker does. */
#ifndef BROKER_PRIV_SESSION_H
#define BROKER_PRIV_SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "sk_proto.h"

#define PRIV_SESSIONS_MAX 4096

struct priv_session_info {
	uint64_t session_id;
	char user[SK_USER_MAX];
	uint64_t grant_id;          /* 0 when re-registered by an agent after a restart */
	char role[SK_NAME_MAX];
	int64_t ends_at;            /* epoch seconds: the grant's end */
};

/* Registers (or re-arms, for a session already known) the session and its two timers; a
 * warning already due is not sent, a deadline already past ends the session at once.
 * SK_ERR_BUSY when PRIV_SESSIONS_MAX are live. */
int priv_session_add(const struct priv_session_info *s, unsigned warn_seconds);
/* The session's entry: SK_OK or SK_ERR_NOTFOUND. */
int priv_session_get(uint64_t session_id, struct priv_session_info *out);
/* Cancels its timers and forgets it (closed, or its agent left with it). */
void priv_session_forget(uint64_t session_id);
/* Orders END, with cause, for every live privileged session of the grant / of the user / of
 * everyone; returns how many were ordered. priv_session_end_all copies the users whose
 * sessions it ended into users (at most max, each once) and sets *n_users. */
size_t priv_session_end_grant(uint64_t grant_id, const char *cause);
size_t priv_session_end_user(const char *user, const char *cause);
size_t priv_session_end_all(const char *cause, char (*users)[SK_USER_MAX], size_t max,
                            size_t *n_users);
size_t priv_session_count(void);
/* Forgets every entry and its timers (tests, broker stop). */
void priv_session_clear(void);

#endif
