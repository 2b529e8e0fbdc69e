/* The broker's socket (issue 11, item 3): one event loop thread accepts connections and reads
 * their frames; a complete frame goes to the worker pool (server_pool.h), and the connection
 * comes back to the loop when its reply is sent. A connection waiting for its next frame - a
 * person typing between AUTH_BEGIN and AUTH_FINISH - holds no thread and no store handle. */
#include "server.h"
#include "audit_log.h"

#include <stdio.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server_conn.h"
#include "server_pool.h"
#include "admin.h"
#include "server_slots.h"
#include "server_tls.h"
#include "sk_client.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "store.h"

/* root:GROUP for a broker running as root. A broker running as its own user keeps the
 * socket as its own and gives it the group, which needs no capability when that user is a
 * member of the group (the unit's SupplementaryGroups=); root reaches it either way. */
static int
set_socket_owner(const char *path, gid_t gid)
{
	int as_root = geteuid() == 0;

	if (!as_root && (gid == 0 || gid == getegid()))
		return SK_OK;   /* no group asked for, or the file has it already */
	if (chown(path, as_root ? 0 : (uid_t)-1, gid) != 0) {
		sk_logerr("cannot give %s to group %u%s: %s", path, (unsigned)gid,
		          as_root ? "" : " (is the broker's user a member of it?)", strerror(errno));
		return SK_ERR_IO;
	}
	return SK_OK;
}

/* Room for max_clients connections: the soft descriptor limit is raised to what they need
 * (plus FD_SPARE for the store, the audit log and the loop), up to the hard limit. */
#define FD_SPARE 64

static int
fd_room(const struct broker *b)
{
	rlim_t need = (rlim_t)b->conf.max_clients + FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return SK_OK;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			sk_logerr("max_clients %u needs %lu open files, the hard limit (LimitNOFILE) is %lu",
			          b->conf.max_clients, (unsigned long)need, (unsigned long)rl.rlim_max);
			return SK_ERR_CONFIG;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			sk_logerr("cannot raise the open file limit to %lu: %s", (unsigned long)need,
			          strerror(errno));
			return SK_ERR_CONFIG;
		}
	}
	return SK_OK;
}

int
server_listen(struct broker *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = b->conf.socket_path;
	gid_t gid = 0;
	mode_t mode = 0600;
	int fd, r;

	if ((r = slots_init(b)) != SK_OK || (r = fd_room(b)) != SK_OK)
		return r;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		sk_logerr("socket path too long");
		return SK_ERR_CONFIG;
	}
	if (b->conf.socket_group[0] != '\0') {
		struct group *g = getgrnam(b->conf.socket_group);
		if (g == NULL) {
			sk_logerr("socket_group '%s' does not exist", b->conf.socket_group);
			return SK_ERR_CONFIG;
		}
		gid = g->gr_gid;
		mode = 0660;
	} else if (b->have_admin_gid) {
		/* Administrators use the CLI, so they need to reach the socket; nobody else. */
		gid = b->admin_gid;
		mode = 0660;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sk_logerr("socket: %s", strerror(errno));
		return SK_ERR_IO;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		sk_logerr("bind %s: %s", path, strerror(errno));
		r = SK_ERR_IO;
	} else if ((r = set_socket_owner(path, gid)) == SK_OK &&
	           (chmod(path, mode) != 0 || listen(fd, 128) != 0)) {
		sk_logerr("chmod/listen %s: %s", path, strerror(errno));
		r = SK_ERR_IO;
	}
	if (r != SK_OK) {
		close(fd);
		return r;
	}
	b->listen_fd = fd;
	if ((r = server_tls_listen(b)) != SK_OK) {
		close(fd);
		b->listen_fd = -1;
	}
	return r;
}

/* ---- The event loop -------------------------------------------------------------------- */

/* What only the loop thread touches (idle, epfd registrations), and the hand-back list the
 * workers fill (back, under lock), announced on the eventfd. */
static struct {
	int epfd, evfd;
	pthread_mutex_t lock;
	struct server_conn *back;          /* given back by workers, linked by next */
	struct server_conn *idle;          /* waiting for a frame, linked by prev/next */
} loop = { .epfd = -1, .evfd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static char listen_tag, wake_tag;     /* epoll data for the two descriptors that are not
                                         connections */

#define LOOP_TICK_MS 100              /* how often deadlines are checked */

static void
idle_link(struct server_conn *sc)
{
	sc->prev = NULL;
	sc->next = loop.idle;
	if (loop.idle != NULL)
		loop.idle->prev = sc;
	loop.idle = sc;
}

static void
idle_unlink(struct server_conn *sc)
{
	if (sc->prev != NULL)
		sc->prev->next = sc->next;
	else
		loop.idle = sc->next;
	if (sc->next != NULL)
		sc->next->prev = sc->prev;
	sc->prev = sc->next = NULL;
}

/* Waits for the connection's next frame (loop thread): a fresh frame, a fresh deadline. */
static void
loop_watch(struct server_conn *sc)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = sc };
	int wait = server_next_wait_ms(sc);

	sc->hdr_have = 0;
	sc->body_len = sc->body_have = 0;
	sc->deadline_ms = sk_now_ms() + wait;
	if (wait <= 0 || epoll_ctl(loop.epfd, EPOLL_CTL_ADD, sc->conn.fd, &ev) != 0) {
		server_conn_close(sc);
		return;
	}
	idle_link(sc);
}

/* Stops watching a connection (loop thread); closes it when why (or hung_up) says so. */
static void
loop_drop(struct server_conn *sc, const char *why)
{
	(void)epoll_ctl(loop.epfd, EPOLL_CTL_DEL, sc->conn.fd, NULL);
	idle_unlink(sc);
	if (why != NULL)
		server_note_refusal(sc->conn.b, sc->conn.peer_uid, "a frame from uid %u: %s",
		                    (unsigned)sc->conn.peer_uid, why);
	server_conn_close(sc);
}

/* A worker is done with a connection that stays open: the loop waits for its next frame.
 * Given to the pool at pool_start. */
static void
server_loop_give_back(struct server_conn *sc)
{
	uint64_t one = 1;

	pthread_mutex_lock(&loop.lock);
	sc->next = loop.back;
	loop.back = sc;
	pthread_mutex_unlock(&loop.lock);
	if (write(loop.evfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		sk_logerr("waking the event loop: %s", strerror(errno));
}

static void
take_back(void)
{
	struct server_conn *sc;
	uint64_t n;

	if (read(loop.evfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		sk_logerr("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&loop.lock);
	sc = loop.back;
	loop.back = NULL;
	pthread_mutex_unlock(&loop.lock);
	while (sc != NULL) {
		struct server_conn *next = sc->next;

		loop_watch(sc);
		sc = next;
	}
}

/* Reads what has arrived of the frame: 1 complete, 0 more to come, -1 to close (*why set
 * when the peer did something wrong, NULL when it hung up between frames). */
static int
read_frame(struct server_conn *sc, const char **why)
{
	int fd = sc->conn.fd;

	*why = NULL;
	for (;;) {
		unsigned char *dst;
		size_t want;
		ssize_t k;

		if (sc->hdr_have < sizeof(sc->hdr)) {
			dst = sc->hdr + sc->hdr_have;
			want = sizeof(sc->hdr) - sc->hdr_have;
		} else {
			dst = sc->body + sc->body_have;
			want = sc->body_len - sc->body_have;
		}
		k = recv(fd, dst, want, MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (k <= 0) {
			if (sc->hdr_have == sizeof(sc->hdr))
				*why = "frame body cut off";
			return -1;
		}
		if (sc->hdr_have < sizeof(sc->hdr)) {
			sc->hdr_have += (size_t)k;
			if (sc->hdr_have < sizeof(sc->hdr))
				continue;
			sc->body_len = (size_t)sc->hdr[0] << 24 | (size_t)sc->hdr[1] << 16 |
			               (size_t)sc->hdr[2] << 8 | sc->hdr[3];
			if (sc->body_len == 0 || sc->body_len > SK_MSG_MAX - 4) {
				*why = "frame length out of range";
				return -1;
			}
			if ((sc->body = malloc(sc->body_len)) == NULL) {
				*why = "allocation";
				return -1;
			}
			continue;
		}
		sc->body_have += (size_t)k;
		if (sc->body_have == sc->body_len)
			return 1;
	}
}

static void
on_readable(struct server_conn *sc)
{
	const char *why = NULL;
	int r = read_frame(sc, &why);

	if (r < 0) {
		loop_drop(sc, why);
	} else if (r > 0) {
		(void)epoll_ctl(loop.epfd, EPOLL_CTL_DEL, sc->conn.fd, NULL);
		idle_unlink(sc);
		pool_push(sc);
	}
}

/* Closes the connections whose frame did not come in time. */
static void
sweep(int64_t now)
{
	struct server_conn *sc = loop.idle;

	while (sc != NULL) {
		struct server_conn *next = sc->next;

		if (now >= sc->deadline_ms)
			loop_drop(sc, sc->hdr_have == sizeof(sc->hdr) ?
			              "frame body not complete in time" : NULL);
		sc = next;
	}
}

static void
refuse_busy(struct broker *b, int fd, uid_t uid, const char *why)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);

	/* A new connection's send buffer is empty: this reply never waits. */
	if (m != NULL && sk_msg_put_uint(m, SK_K_STATUS, SK_ST_BUSY) == SK_OK)
		(void)sk_msg_send(fd, m, 1000);
	sk_msg_free(m);
	close(fd);
	server_note_refusal(b, uid, "a connection from uid %u: %s reached (max_clients %u)",
	                    (unsigned)uid, why, b->conf.max_clients);
}

static void
on_accept(struct broker *b)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct server_conn *sc;
	const char *why = NULL;
	int fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			sk_logerr("accept: %s", strerror(errno));
		return;
	}
	/* Who it is decides which slots it may take. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		sk_logerr("SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	if (slots_take(b, cred.uid, &why) != SK_OK) {
		refuse_busy(b, fd, cred.uid, why);
		return;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		slots_give_back(b, cred.uid);
		close(fd);
		sk_logerr("allocation");
		return;
	}
	sc->accepted_ms = sk_now_ms();
	sc->conn.b = b;
	sc->conn.fd = fd;
	sc->conn.state = CONN_IDLE;
	sc->conn.peer_pid = cred.pid;
	sc->conn.peer_uid = cred.uid;
	sc->conn.peer_gid = cred.gid;
	/* The peer's name and groups may need NSS (LDAP, sssd), which can be slow: a worker
	 * asks before the connection's first request (server_pool.c), never this thread. */
	loop_watch(sc);
}

static int
loop_open(struct broker *b)
{
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &listen_tag };
	struct epoll_event wev = { .events = EPOLLIN, .data.ptr = &wake_tag };

	if ((loop.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (loop.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    epoll_ctl(loop.epfd, EPOLL_CTL_ADD, b->listen_fd, &lev) != 0 ||
	    epoll_ctl(loop.epfd, EPOLL_CTL_ADD, loop.evfd, &wev) != 0) {
		sk_logerr("event loop: %s", strerror(errno));
		return SK_ERR_IO;
	}
	return SK_OK;
}

static void
loop_close(void)
{
	while (loop.idle != NULL)
		loop_drop(loop.idle, NULL);
	pthread_mutex_lock(&loop.lock);
	while (loop.back != NULL) {
		struct server_conn *sc = loop.back;

		loop.back = sc->next;
		server_conn_close(sc);
	}
	pthread_mutex_unlock(&loop.lock);
	if (loop.evfd >= 0)
		close(loop.evfd);
	if (loop.epfd >= 0)
		close(loop.epfd);
	loop.evfd = loop.epfd = -1;
}

int
server_run(struct broker *b)
{
	struct epoll_event ev[64];
	int64_t swept = sk_now_ms();
	int r = loop_open(b);

	if (r == SK_OK)
		r = pool_start(b, server_loop_give_back);
	if (r == SK_OK && (r = server_tls_start(b, server_loop_give_back)) != SK_OK)
		pool_stop();
	if (r != SK_OK) {
		loop_close();
		return r;
	}
	while (!b->stop) {
		int n = epoll_wait(loop.epfd, ev, 64, LOOP_TICK_MS);
		int64_t now;

		if (n < 0 && errno != EINTR) {
			sk_logerr("epoll_wait: %s", strerror(errno));
			r = SK_ERR_IO;
			break;
		}
		/* A signal interrupts the wait: rotation steps run here, in order. */
		if (b->audit_rotate_prepare) {
			b->audit_rotate_prepare = 0;
			(void)audit_log_rotate_prepare(b->audit);   /* it logs a failure */
		}
		if (b->audit_rotate_finish) {
			b->audit_rotate_finish = 0;
			(void)audit_log_rotate_finish(b->audit);
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &listen_tag)
				on_accept(b);
			else if (ev[i].data.ptr == &wake_tag)
				take_back();
			else
				on_readable(ev[i].data.ptr);
		}
		if ((now = sk_now_ms()) - swept >= LOOP_TICK_MS) {
			sweep(now);
			swept = now;
		}
	}
	/* Workers finish the request they serve; queued and idle connections are closed. */
	server_tls_stop();
	pool_stop();
	loop_close();
	/* Session watchers see b->stop and end: let them before the store closes. */
	for (int i = 0; i < 100 && atomic_load(&b->clients) > 0; i++)
		usleep(50000);
	return r;
}
