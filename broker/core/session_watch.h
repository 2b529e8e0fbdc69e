/* The registry of watched sessions (R-CARD-3; the ground for ending privileged sessions at a
 * grant's deadline). Each session agent (agent/) holds one SESSION_WATCH request open; its
 * handler thread registers the session here and sleeps until it is woken by an order (lock or
 * end, with a cause) or its agent goes away. Orders come from events (a card revoked:
 * session_watch_order_card) and from the timer list (session_watch_timer_add), which one
 * timer thread runs.
 *
 * One registry per process (static): the broker has one; tests link the same code. */
#ifndef BROKER_SESSION_WATCH_H
#define BROKER_SESSION_WATCH_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sk_conf.h"
#include "sk_proto.h"

#define SESSION_WATCH_MAX 4096        /* registered sessions at most */
#define SESSION_WATCH_HASH 65         /* hex SHA-256 + NUL (card binding) */

struct session_watch;
struct card_rec;

/* Registers a session; action is what its profile says (SK_CARD_REMOVAL_LOCK or _END), card
 * its login card's binding hash or "". SK_ERR_BUSY when the registry is full. */
int session_watch_add(uint64_t session_id, const char *user, const char *card, unsigned action,
                      struct session_watch **out);
/* Sleeps until an order (SK_OK, *action and cause filled), until peer_fd reports the agent
 * gone or writing (SK_ERR_IO), or until *stop is set (SK_ERR_UNAVAILABLE). A deadline
 * warning returns SK_OK with *action SK_SESSION_WARN and cause "deadline_warning"; the
 * session stays registered and the caller waits again. */
int session_watch_wait(struct session_watch *w, int peer_fd, volatile sig_atomic_t *stop,
                       unsigned *action, char *cause, size_t causesz);
void session_watch_remove(struct session_watch *w);

/* Orders every session that logged in with this card, each with its own profile's action.
 * Returns how many were ordered. */
size_t session_watch_order_card(const char *card, const char *cause);
/* Orders every session of this user with action (HR: leave, secondment and retirement end
 * them, SK_CARD_REMOVAL_END). Returns how many were ordered. */
size_t session_watch_order_user(const char *user, unsigned action, const char *cause);
/* The hook for card revocation (admin_card.c): orders the sessions of these cards,
 * "card_revoked". */
size_t session_watch_cards_revoked(const struct card_rec *cards, size_t n);
/* Orders one session; 0 when no agent watches it now. action SK_SESSION_WARN warns
 * (session_watch_wait) without ending the watch. */
size_t session_watch_order_session(uint64_t session_id, unsigned action, const char *cause);
size_t session_watch_count(void);

/* The timer list (action LOCK, END or SK_SESSION_WARN): at `when_ms` (CLOCK_REALTIME, epoch milliseconds) the session is ordered
 * (session_watch_order_session). *id identifies the timer for session_watch_timer_cancel. A
 * session without an agent at that moment is only logged. */
int session_watch_timer_add(int64_t when_ms, uint64_t session_id, unsigned action,
                            const char *cause, uint64_t *id);
/* SK_ERR_NOTFOUND when it fired already or never existed. */
int session_watch_timer_cancel(uint64_t id);
/* Stops the timer thread and drops pending timers (broker exit, tests). */
void session_watch_timers_stop(void);

#endif
