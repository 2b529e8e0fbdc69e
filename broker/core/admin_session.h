/* Admin sessions: what an administrator holds after proving their own factors with
 * `sekimori admin login` (issue 8, item 5). Kept in the broker's memory only: a restart ends
 * every admin session, which is the safe direction (a session is short, logging in again is
 * cheap, and a stolen token file outlives nothing). A session is bound to the peer uid that
 * logged in; its token is 32 random bytes the client keeps in a 0600 file, and only the
 * token's SHA-256 is kept here, compared in constant time. */
#ifndef BROKER_ADMIN_SESSION_H
#define BROKER_ADMIN_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sk_proto.h"

#define ADMIN_TOKEN_LEN SK_ADMIN_TOKEN_LEN
#define ADMIN_SESSIONS_MAX 128   /* live at once; the oldest expired ones make room first */

/* What a connection learns about the session it presented. */
struct admin_session_view {
	uint64_t id;                 /* never reused within one broker run */
	uid_t uid;                   /* the peer uid it is bound to */
	char name[SK_USER_MAX];      /* the authenticated person */
	int64_t created;
	int64_t auth_at;             /* when the factors were last proven */
	int64_t expires;
};

/* A new session for (uid, name) lasting seconds from now; token gets its secret.
 * SK_ERR_BUSY when ADMIN_SESSIONS_MAX live sessions exist already. */
int admin_session_create(uid_t uid, const char *name, int64_t now, int64_t seconds,
                         unsigned char token[ADMIN_TOKEN_LEN], struct admin_session_view *out);
/* The session a token names, for the peer uid. SK_OK with out filled; SK_ERR_NOTFOUND for
 * an unknown token or another uid's (the two are not told apart); SK_ERR_TIMEOUT once it
 * has expired: from then on it only ever answers that, until a new session takes its slot
 * or it is logged out. */
int admin_session_find(const unsigned char token[ADMIN_TOKEN_LEN], uid_t uid, int64_t now,
                       struct admin_session_view *out);
/* The same check by id, for every request on a connection that presented the session. */
int admin_session_check(uint64_t id, uid_t uid, int64_t now, struct admin_session_view *out);
/* Ends a session (logout). SK_ERR_NOTFOUND when it no longer exists. */
int admin_session_end(uint64_t id);
/* Ends every live session of the person name at once (their account was suspended, disabled
 * or locked: admin_session_stop.h); an expired one is left to say "expired". The ended
 * sessions' ids go to ids (up to cap of them, for the audit); returns how many were ended. */
size_t admin_session_end_name(const char *name, int64_t now, uint64_t *ids, size_t cap);
/* Forgets every session (tests; a broker stop). */
void admin_session_clear(void);

#endif
