/* sekimori-session-agent: one per watched session. The PAM module execs it at session open
 * (pam_module/pamsk_card_watch.c) with an empty environment, stdin/stdout/stderr on
 * /dev/null, and exactly three more descriptors at fixed numbers:
 *   3  a pidfd of the PAM application's process (the session's leader), or closed;
 *   4  the read end of the module's lifeline pipe: EOF when the session closes;
 *   5  the write end of the ready pipe: one byte, 'w' (watching) or 'g' (card gone).
 * It holds no PAM state and no secret: a user name, session ids, a reader name, the card's
 * binding hash, the action, the lock command and the broker's socket path, from argv; for a
 * privileged session (issue 9) also its deadline, idle limit, role, terminal and language. */
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
#define AGENT_TTY_MAX 64

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
	/* A privileged session (--ends-at): ended, every process of it, at its deadline (the
	 * broker orders it; the agent does it itself AGENT_DEADLINE_GRACE_MS later if no order
	 * came), after idle seconds without input on its terminal, or on any order. */
	int64_t ends_at;                   /* epoch seconds; 0: not a privileged session */
	unsigned idle;                     /* seconds, 0: no idle limit */
	char role[SK_NAME_MAX];
	uint64_t grant_id;                 /* its grant (--grant), named when it registers again */
	char tty[AGENT_TTY_MAX];           /* "/dev/pts/3", or "" unknown */
	char language[16];
	char locale_dir[PATH_MAX];
};

#define AGENT_DEADLINE_GRACE_MS 250

/* Kills every process of the session (agent_kill.c): 1 when some were found and all are
 * gone. */
int agent_kill_session(const struct agent_job *j);
/* A terminal name from PAM_TTY ("/dev/pts/3", "pts/3", "/dev/tty2", "tty2") as a path under
 * /dev; 0 for anything else (":0", "ssh"). */
int agent_tty_path(const char *tty, char *out, size_t outsz);
/* Writes the deadline warning to the session's terminal: 1 when written. */
int agent_warn_tty(const struct agent_job *j, int64_t ends_at);
/* Seconds since the last input on the session's terminal (its atime), or -1 unknown. */
int64_t agent_tty_idle(const struct agent_job *j);

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
int agent_watch_read(int fd, unsigned *action, char *cause, size_t causesz,
                     int64_t *priv_ends);
/* SESSION_EVENT for the audit trail. */
void agent_report(const struct agent_job *j, const char *event);

#endif
