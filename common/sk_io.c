#include "sk_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
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

int
sk_write_all(int fd, const void *buf, size_t n, int64_t deadline_ms)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t w;
		int r = wait_fd(fd, POLLOUT, deadline_ms);

		if (r != SK_OK)
			return r;
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return SK_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return SK_OK;
}

int
sk_read_all(int fd, void *buf, size_t n, int64_t deadline_ms)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r;
		int w = wait_fd(fd, POLLIN, deadline_ms);

		if (w != SK_OK)
			return w;
		r = recv(fd, p, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return SK_ERR_IO;
		p += r;
		n -= (size_t)r;
	}
	return SK_OK;
}

int
sk_connect_unix(const char *path, int *fd_out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

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
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		sk_logerr("connect %s: %s", path, strerror(errno));
		close(fd);
		return SK_ERR_UNAVAILABLE;
	}
	*fd_out = fd;
	return SK_OK;
}
