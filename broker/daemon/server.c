#include "server.h"
#include "audit_log.h"

#include <stdio.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin.h"
#include "server_slots.h"
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

int
server_listen(struct broker *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = b->conf.socket_path;
	gid_t gid = 0;
	mode_t mode = 0600;
	int fd, r;

	if ((r = slots_init(b)) != SK_OK)
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
	return SK_OK;
}

/* A connection as the server keeps it: what the handlers see, and when it was accepted. */
struct server_conn {
	struct broker_conn conn;
	int64_t accepted_ms;
};

int
server_peer(struct broker *b, struct broker_conn *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	/* The uid, gid and pid were read at accept (server_run); the names here may need NSS,
	 * which is slow, so this runs in the client's thread. */
	c->peer_is_root = c->peer_uid == 0;
	if (getpwuid_r(c->peer_uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		snprintf(c->peer_name, sizeof(c->peer_name), "%s", pw.pw_name);
		if (b->have_admin_gid || b->have_auditor_gid) {
			gid_t groups[256];
			int n = 256;
			if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) >= 0) {
				for (int i = 0; i < n; i++) {
					if (b->have_admin_gid && groups[i] == b->admin_gid)
						c->peer_is_admin = 1;
					if (b->have_auditor_gid && groups[i] == b->auditor_gid)
						c->peer_is_auditor = 1;
				}
			}
		}
	}
	return SK_OK;
}

/* How long to wait for the next request: a person typing between AUTH_BEGIN and
 * AUTH_FINISH, touching a key during FIDO2 enrolment, or request_timeout_ms; never past the
 * connection's lifetime, counted from its accept whatever it sends (a client that sends a
 * frame now and then cannot keep a slot for ever). */
static int
next_wait_ms(const struct server_conn *sc)
{
	const struct broker_conn *c = &sc->conn;
	const struct sk_conf *conf = &c->b->conf;
	int64_t wait = conf->request_timeout_ms;
	int64_t left = sc->accepted_ms + (int64_t)conf->connection_lifetime * 1000 - sk_now_ms();

	if (c->state == CONN_AUTH)
		wait = (int64_t)conf->auth_timeout * 1000;
	else if (c->state == CONN_ENROLL)
		wait = (int64_t)conf->fido2.timeout * 1000 + conf->request_timeout_ms;
	return (int)(left < wait ? (left > 0 ? left : 0) : wait);
}

/* A peer that is refused is hung up on: FORBIDDEN for anyone, and any bad request from a
 * peer that may send nothing at all, so that neither can hold a slot by asking again. */
static int
hang_up_after(const struct broker_conn *c, const struct sk_msg *reply)
{
	unsigned st = sk_reply_status(reply);

	return st == SK_ST_FORBIDDEN ||
	       (st == SK_ST_BAD_REQUEST && !c->peer_is_root && !c->peer_is_admin &&
	        !c->peer_is_auditor);
}

static void *
client_thread(void *arg)
{
	struct server_conn *sc = arg;
	struct broker_conn *c = &sc->conn;
	struct broker *b = c->b;
	uid_t uid = c->peer_uid;

	if (server_peer(b, c) == SK_OK && store_acquire(b->store, &c->db) == SK_OK) {
		for (;;) {
			struct sk_msg *req = NULL, *reply = NULL;
			const char *why = NULL;
			int wait = next_wait_ms(sc), r, last = 0;

			/* SESSION_WATCH gives its store handle back while it waits; when it could not
			 * take one again, nothing more is served on this connection. */
			if (wait <= 0 || c->db == NULL)
				break;
			r = sk_msg_recv_why(c->fd, &req, wait, &why);
			if (r != SK_OK) {
				if (why != NULL)
					server_note_refusal(b, uid, "a frame from uid %u: %s", (unsigned)uid, why);
				break;
			}
			r = broker_dispatch(c, req, &reply);
			sk_msg_free(req);
			if (r == SK_OK && c->reply_sent) {
				last = 1;   /* an order ends the watch: nothing follows on it */
			} else if (r == SK_OK) {
				last = hang_up_after(c, reply);
				r = sk_msg_send(c->fd, reply, (int)b->conf.request_timeout_ms);
			}
			c->reply_sent = 0;
			sk_msg_free(reply);
			if (r != SK_OK || last)
				break;
		}
	}
	admin_import_free(c);
	store_release(c->db);
	close(c->fd);
	explicit_bzero(sc, sizeof(*sc));
	free(sc);
	slots_give_back(b, uid);
	return NULL;
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
start_client(struct broker *b, int fd, const struct ucred *cred)
{
	pthread_attr_t attr;
	pthread_t tid;
	struct server_conn *sc;
	const char *why = NULL;

	if (slots_take(b, cred->uid, &why) != SK_OK) {
		refuse_busy(b, fd, cred->uid, why);
		return;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		slots_give_back(b, cred->uid);
		close(fd);
		sk_logerr("allocation");
		return;
	}
	sc->accepted_ms = sk_now_ms();
	sc->conn.b = b;
	sc->conn.fd = fd;
	sc->conn.state = CONN_IDLE;
	sc->conn.peer_pid = cred->pid;
	sc->conn.peer_uid = cred->uid;
	sc->conn.peer_gid = cred->gid;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, client_thread, sc) != 0) {
		slots_give_back(b, cred->uid);
		close(fd);
		free(sc);
		sk_logerr("pthread_create failed");
	}
	pthread_attr_destroy(&attr);
}

int
server_run(struct broker *b)
{
	while (!b->stop) {
		struct pollfd p = { .fd = b->listen_fd, .events = POLLIN };
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int fd, r = poll(&p, 1, 500);

		if (r < 0 && errno != EINTR) {
			sk_logerr("poll: %s", strerror(errno));
			return SK_ERR_IO;
		}
		/* A signal interrupts the poll: rotation steps run here, in order. */
		if (b->audit_rotate_prepare) {
			b->audit_rotate_prepare = 0;
			(void)audit_log_rotate_prepare(b->audit);   /* it logs a failure */
		}
		if (b->audit_rotate_finish) {
			b->audit_rotate_finish = 0;
			(void)audit_log_rotate_finish(b->audit);
		}
		if (r <= 0)
			continue;
		fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				sk_logerr("accept: %s", strerror(errno));
			continue;
		}
		/* Who it is decides which slots it may take, so it is asked before a thread. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
			sk_logerr("SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		start_client(b, fd, &cred);
	}
	/* Let running clients finish their current request before the store closes. */
	for (int i = 0; i < 100 && atomic_load(&b->clients) > 0; i++)
		usleep(50000);
	return SK_OK;
}
