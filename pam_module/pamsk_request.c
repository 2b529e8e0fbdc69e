/* The module's connection to the broker. Requests go through the typed calls of
 * common/skc_*.h (the module's monitor_wrap); this file gives them the connection and the
 * login they belong to.
 *
 * One connection for a transaction's phases (issue 11, item 3): a phase that ends with
 * PAM_SUCCESS leaves its connection in the PAM handle (pam_set_data "pam_sekimori_conn"),
 * and the next phase of the same handle in the same process uses it instead of connecting,
 * when the broker cannot have closed it yet: its last answer came less than half of
 * request_timeout_ms ago (the broker closes a connection idle for request_timeout_ms),
 * the connection is younger than connection_lifetime less request_timeout_ms, and the
 * broker has sent nothing on it since (no end of file). Otherwise, and in a process forked
 * from the one that connected, the phase connects anew. pam_end() closes a kept connection.
 * A TLS connection to a remote broker (pamsk_tls.h) is never kept: each phase connects. */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "pamsk.h"
#include "pamsk_tls.h"
#include "sk_err.h"
#include "sk_io.h"
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

#define PAMSK_CONN_DATA "pam_sekimori_conn"

struct kept_conn {
	int fd;                 /* -1 once a phase took it */
	pid_t pid;              /* the process that connected */
	int64_t connected_ms, used_ms;
};

static void
drop_kept(pam_handle_t *pamh, void *data, int status)
{
	struct kept_conn *k = data;

	(void)pamh;
	(void)status;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

/* The kept connection when it is still good (see the top of this file), or -1. */
static int
adopt_kept(struct pamsk *m)
{
	const void *data = NULL;
	struct kept_conn *k;
	int64_t now = sk_now_ms(), timeout = (int64_t)m->conf.request_timeout_ms;
	int fd;

	if (pam_get_data(m->pamh, PAMSK_CONN_DATA, &data) != PAM_SUCCESS || data == NULL)
		return -1;
	k = (struct kept_conn *)data;
	if ((fd = k->fd) < 0)
		return -1;
	k->fd = -1;
	if (k->pid == getpid() && now - k->used_ms < timeout / 2 &&
	    now - k->connected_ms < (int64_t)m->conf.connection_lifetime * 1000 - timeout) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 0) == 0) {
			m->connected_ms = k->connected_ms;
			return fd;
		}
	}
	/* In a forked process the descriptor is this process's own copy: closing it leaves
	 * the other process's connection alone. */
	close(fd);
	return -1;
}

struct sk_client *
pamsk_client(struct pamsk *m)
{
	/* Remote brokers ([client] broker = tls://...): a new TLS connection per phase, through
	 * the TLS plug-in; when none answers fd stays -1 and the typed call fails closed. */
	if (m->conf.tls.n_brokers > 0) {
		if (m->client.fd < 0 && pamsk_tls_connect(m) == SK_OK)
			m->connected_ms = sk_now_ms();
		return &m->client;
	}
	if (m->client.fd < 0) {
		int fd = adopt_kept(m);

		if (fd >= 0) {
			m->client.fd = fd;
			m->client.timeout_ms = (int)m->conf.request_timeout_ms;
			m->client.opened_ms = 0;
			m->client.answered_ms = 0;
			return &m->client;
		}
		m->connected_ms = sk_now_ms();
	}
	return sk_client_connected(&m->client, m->conf.socket_path,
	                           (int)m->conf.request_timeout_ms);
}

void
pamsk_keep_client(struct pamsk *m)
{
	struct kept_conn *k;

	/* A TLS connection is not kept: its state lives in the plug-in, not in a descriptor. */
	if (m->client.fd < 0 || m->client.answered_ms == 0 || m->client.tr != NULL)
		return;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return;
	k->fd = m->client.fd;
	k->pid = getpid();
	k->connected_ms = m->connected_ms;
	k->used_ms = m->client.answered_ms;
	if (pam_set_data(m->pamh, PAMSK_CONN_DATA, k, drop_kept) != PAM_SUCCESS) {
		free(k);
		return;   /* pamsk_end closes it */
	}
	m->client.fd = -1;
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
