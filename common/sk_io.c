#include "sk_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"

int64_t
sk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline_ms - sk_now_ms();
		int r;

		if (left <= 0)
			return SK_ERR_TIMEOUT;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return SK_OK;
		if (r < 0 && errno != EINTR)
			return SK_ERR_IO;
	}
}

/* Sends src (src != NULL) or receives into dst, exactly n bytes, before deadline_ms: the
 * one loop both directions share. MSG_DONTWAIT: poll said some room (or some data), not n
 * bytes; a blocking call would wait past the deadline for the rest. */
static int
transfer_all(int fd, const unsigned char *src, unsigned char *dst, size_t n, int64_t deadline_ms)
{
	while (n > 0) {
		ssize_t done;
		int r = wait_fd(fd, src != NULL ? POLLOUT : POLLIN, deadline_ms);

		if (r != SK_OK)
			return r;
		done = src != NULL ? send(fd, src, n, MSG_NOSIGNAL | MSG_DONTWAIT)
		                   : recv(fd, dst, n, MSG_DONTWAIT);
		if (done < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (done <= 0)
			return SK_ERR_IO;
		if (src != NULL)
			src += done;
		else
			dst += done;
		n -= (size_t)done;
	}
	return SK_OK;
}

int
sk_write_all(int fd, const void *buf, size_t n, int64_t deadline_ms)
{
	return transfer_all(fd, buf, NULL, n, deadline_ms);
}

int
sk_read_all(int fd, void *buf, size_t n, int64_t deadline_ms)
{
	return transfer_all(fd, NULL, buf, n, deadline_ms);
}

ssize_t
sk_read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int
sk_write_full(int fd, const void *buf, size_t n, off_t offset)
{
	const unsigned char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t w = offset < 0 ? write(fd, p + done, n - done)
		                       : pwrite(fd, p + done, n - done, offset + (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return SK_ERR_IO;
		}
		done += (size_t)w;
	}
	return SK_OK;
}

/* A Unix stream connect() to a listener whose backlog is full sleeps until the listener
 * accepts, with no end unless the socket has a send timeout (the kernel's unix_stream_connect
 * waits SO_SNDTIMEO). So the deadline is given as SO_SNDTIMEO, and taken off again after. */
static int
connect_by(int fd, const struct sockaddr_un *sa, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - sk_now_ms();
		struct timeval tv;

		if (left <= 0)
			return SK_ERR_TIMEOUT;
		/* At least 1 ms: a zero timeval would mean "wait for ever". */
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
			return SK_ERR_IO;
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
			struct timeval none = { 0, 0 };
			return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none)) == 0 ?
			       SK_OK : SK_ERR_IO;
		}
		/* EAGAIN: the wait ran out (or the backlog is full and no time is left); EINTR: a
		 * signal. Both leave the socket unconnected, so connect() may be tried again. */
		if (errno != EAGAIN && errno != EINTR)
			return SK_ERR_UNAVAILABLE;
	}
}

int
sk_connect_unix_by(const char *path, int64_t deadline_ms, int *fd_out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	*fd_out = -1;
	if (strnlen(path, sizeof(sa.sun_path)) >= sizeof(sa.sun_path)) {
		sk_logerr("socket path too long");
		return SK_ERR_CONFIG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sk_logerr("socket: %s", strerror(errno));
		return SK_ERR_UNAVAILABLE;
	}
	if ((r = connect_by(fd, &sa, deadline_ms)) != SK_OK) {
		if (r == SK_ERR_TIMEOUT)
			sk_logerr("connect %s: no answer in time (the broker is not accepting)", path);
		else
			sk_logerr("connect %s: %s", path, strerror(errno));
		close(fd);
		return r == SK_ERR_TIMEOUT ? SK_ERR_TIMEOUT : SK_ERR_UNAVAILABLE;
	}
	*fd_out = fd;
	return SK_OK;
}

int
sk_connect_unix(const char *path, int *fd_out)
{
	return sk_connect_unix_by(path, sk_now_ms() + SK_CONNECT_DEFAULT_MS, fd_out);
}
