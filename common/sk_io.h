/* Socket I/O with deadlines, shared by every side of the protocol, and whole reads and
 * writes of local files. */
#ifndef SK_IO_H
#define SK_IO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Milliseconds on a monotonic clock. */
int64_t sk_now_ms(void);
/* Write or read exactly n bytes before deadline_ms (sk_now_ms() based). SK_ERR_TIMEOUT,
 * SK_ERR_IO on error or end of stream. */
int sk_write_all(int fd, const void *buf, size_t n, int64_t deadline_ms);
int sk_read_all(int fd, void *buf, size_t n, int64_t deadline_ms);

/* A blocking file descriptor (a local file): reads up to n bytes, fewer only at the end of
 * the file, retrying after EINTR and short reads. The count, or -1 with errno set; nothing
 * is logged (the caller says what failed). */
ssize_t sk_read_full(int fd, void *buf, size_t n);
/* Writes all n bytes at offset (pwrite), or at the file position when offset < 0, retrying
 * after EINTR and short writes. SK_OK, or SK_ERR_IO with errno set (EIO when the kernel
 * accepted nothing); nothing is logged. */
int sk_write_full(int fd, const void *buf, size_t n, off_t offset);

/* Connects to the broker's Unix socket before deadline_ms (sk_now_ms() based), even when
 * the broker has stopped accepting and its listen backlog is full: SK_ERR_TIMEOUT then,
 * SK_ERR_UNAVAILABLE when nobody listens. */
int sk_connect_unix_by(const char *path, int64_t deadline_ms, int *fd_out);
/* The same within SK_CONNECT_DEFAULT_MS (the default request_timeout_ms). */
#define SK_CONNECT_DEFAULT_MS 15000
int sk_connect_unix(const char *path, int *fd_out);

#endif
