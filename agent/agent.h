/* sekimori-session-agent: one per watched session. The PAM module execs it at session open
 * (pam_module/pamsk_card_watch.c) with an empty environment, stdin/stdout/stderr on
 * /dev/null, and exactly three more descriptors at fixed numbers:
 *   3  a pidfd of the PAM application's process (the session's leader), or closed;
 *   4  the read end of the module's lifeline pipe: EOF when the session closes;
 *   5  the write end of the ready pipe: one byte, 'w' (watching) or 'g' (card gone).
 * It holds no PAM state and no secret: a user name, session ids, a reader name, the card's
 * binding hash, the action, the lock command and the broker's socket path, from argv. */
#ifndef AGENT_H
#define AGENT_H
#include <limits.h>
#include <sys/types.h>

#include "sc_pcsc.h"
#include "sk_conf.h"

enum { AGENT_FD_LEADER = 3, AGENT_FD_LIFELINE = 4, AGENT_FD_READY = 5 };

#define AGENT_XDG_ID_MAX 64
#define AGENT_HASH_MAX 65
#define AGENT_SOCKET_MAX 108

struct agent_job {
	char reader[SC_READER_NAME_MAX];   /* "" when no card is watched */
	char user[SK_USER_MAX];
	char xdg_session[AGENT_XDG_ID_MAX];
	char lock_command[PATH_MAX];
	char socket_path[AGENT_SOCKET_MAX];
	char card[AGENT_HASH_MAX];         /* SPKI SHA-256 of the login card, "" unknown */
	int request_timeout_ms;
	unsigned long long session_id;
	unsigned action;                   /* SK_CARD_REMOVAL_LOCK or _END */
	pid_t leader;
	int have_leader_fd;
};

/* argv → job; SK_OK or SK_ERR_RANGE / SK_ERR_PROTO (logged). */
int agent_parse_args(int argc, char **argv, struct agent_job *j);
int agent_valid_session_id(const char *s);

/* Locks or ends the session (action), escalating lock → end → SIGHUP to the leader.
 * Returns the outcome word: "lock", "end" or "unhandled". */
const char *agent_act(const struct agent_job *j, unsigned action, const char *why);

/* The broker. The watch connection: agent_watch_open registers (SESSION_WATCH) and waits for
 * the broker's first answer; SK_OK with *fd the connection to poll, or with *fd -1 and
 * *ordered set when the broker answered with an order at once. */
int agent_watch_open(const struct agent_job *j, int *fd, unsigned *ordered, char *cause,
                     size_t causesz);
/* Reads the order that made *fd readable: SK_OK with action and cause, or an error when the
 * connection broke (reconnect). */
int agent_watch_read(int fd, unsigned *action, char *cause, size_t causesz);
/* SESSION_EVENT for the audit trail. */
void agent_report(const struct agent_job *j, const char *event);

#endif
