#include "server.h"

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

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"
#include "store.h"

int
server_listen(struct broker *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = b->conf.socket_path;
	gid_t gid = 0;
	mode_t mode = 0600;
	int fd;

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
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chown(path, 0, gid) != 0 ||
	    chmod(path, mode) != 0 || listen(fd, 128) != 0) {
		sk_logerr("bind/listen %s: %s", path, strerror(errno));
		close(fd);
		return SK_ERR_IO;
	}
	b->listen_fd = fd;
	return SK_OK;
}

int
server_peer(struct broker *b, struct broker_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		sk_logerr("SO_PEERCRED: %s", strerror(errno));
		return SK_ERR_IO;
	}
	c->peer_pid = cred.pid;
	c->peer_uid = cred.uid;
	c->peer_gid = cred.gid;
	c->peer_is_root = cred.uid == 0;
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		snprintf(c->peer_name, sizeof(c->peer_name), "%s", pw.pw_name);
		if (b->have_admin_gid) {
			gid_t groups[256];
			int n = 256;
			if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) >= 0) {
				for (int i = 0; i < n; i++)
					if (groups[i] == b->admin_gid)
						c->peer_is_admin = 1;
			}
		}
	}
	return SK_OK;
}

static void *
client_thread(void *arg)
{
	struct broker_conn *c = arg;
	struct broker *b = c->b;

	if (server_peer(b, c) == SK_OK && store_acquire(b->conf.store_path, &c->db) == SK_OK) {
		for (;;) {
			struct sk_msg *req = NULL, *reply = NULL;
			/* A client mid-login may take long to type; an idle one must be quick. */
			int timeout = c->state == CONN_AUTH ? (int)b->conf.auth_timeout * 1000 :
			              (int)b->conf.request_timeout_ms;
			int r = sk_msg_recv(c->fd, &req, timeout);

			if (r != SK_OK)
				break;
			r = broker_dispatch(c, req, &reply);
			sk_msg_free(req);
			if (r == SK_OK)
				r = sk_msg_send(c->fd, reply, (int)b->conf.request_timeout_ms);
			sk_msg_free(reply);
			if (r != SK_OK)
				break;
		}
	}
	store_release(c->db);
	close(c->fd);
	explicit_bzero(c, sizeof(*c));
	free(c);
	atomic_fetch_sub(&b->clients, 1);
	return NULL;
}

static void
refuse_busy(struct broker *b, int fd)
{
	struct sk_msg *m = sk_msg_new(SK_MSG_REPLY);

	if (m != NULL && sk_msg_put_uint(m, SK_K_STATUS, SK_ST_BUSY) == SK_OK)
		(void)sk_msg_send(fd, m, 1000);
	sk_msg_free(m);
	close(fd);
	sk_logerr("refused a client: %u clients already (max_clients)", b->conf.max_clients);
}

static void
start_client(struct broker *b, int fd)
{
	pthread_attr_t attr;
	pthread_t tid;
	struct broker_conn *c;

	if (atomic_fetch_add(&b->clients, 1) >= b->conf.max_clients) {
		atomic_fetch_sub(&b->clients, 1);
		refuse_busy(b, fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		atomic_fetch_sub(&b->clients, 1);
		close(fd);
		sk_logerr("allocation");
		return;
	}
	c->b = b;
	c->fd = fd;
	c->state = CONN_IDLE;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, client_thread, c) != 0) {
		atomic_fetch_sub(&b->clients, 1);
		close(fd);
		free(c);
		sk_logerr("pthread_create failed");
	}
	pthread_attr_destroy(&attr);
}

int
server_run(struct broker *b)
{
	while (!b->stop) {
		struct pollfd p = { .fd = b->listen_fd, .events = POLLIN };
		int fd, r = poll(&p, 1, 500);

		if (r < 0 && errno != EINTR) {
			sk_logerr("poll: %s", strerror(errno));
			return SK_ERR_IO;
		}
		if (r <= 0)
			continue;
		fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				sk_logerr("accept: %s", strerror(errno));
			continue;
		}
		start_client(b, fd);
	}
	/* Let running clients finish their current request before the store closes. */
	for (int i = 0; i < 100 && atomic_load(&b->clients) > 0; i++)
		usleep(50000);
	return SK_OK;
}
