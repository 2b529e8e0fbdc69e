/* The AEAD master key on disk (R-CRED-2): a file of its owner alone whose ownership and
 * mode are checked on the open descriptor, so a swapped path or a loosened mode is refused.
 * The owner is the process itself, or, for root (sekimori audit verify), the owner of the
 * key's folder when nobody else may write there: the keys of a broker that runs as its own
 * user (doc/deployment.md) are that user's, in its folder. */
#include "sk_aead.h"

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

/* Keys are a few dozen bytes; a larger request is a bug, not a key. */
#define KEYFILE_LEN_MAX 4096

static int
keyfile_read_all(int fd, unsigned char *buf, size_t len)
{
	ssize_t got = sk_read_full(fd, buf, len);

	if (got < 0) {
		sk_logerr("read failed: %s", strerror(errno));
		return SK_ERR_IO;
	}
	if ((size_t)got < len) {
		sk_logerr("key file shorter than %zu bytes", len);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

static int
keyfile_write_all(int fd, const unsigned char *buf, size_t len)
{
	if (sk_write_full(fd, buf, len, -1) != SK_OK) {
		sk_logerr("write failed: %s", strerror(errno));
		return SK_ERR_IO;
	}
	return SK_OK;
}

/* The new file's directory entry must survive a crash too, or the next boot would mint
 * a different key and every sealed secret would be lost. */
static int
keyfile_sync_dir(const char *path)
{
	char copy[PATH_MAX];
	size_t len = strnlen(path, sizeof(copy));
	int dfd, rc = SK_OK;

	if (len >= sizeof(copy)) {
		sk_logerr("path too long");
		return SK_ERR_RANGE;
	}
	memcpy(copy, path, len + 1);
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		sk_logerr("open of the key directory failed: %s", strerror(errno));
		return SK_ERR_IO;
	}
	if (fsync(dfd) != 0) {
		sk_logerr("fsync of the key directory failed: %s", strerror(errno));
		rc = SK_ERR_IO;
	}
	close(dfd);
	return rc;
}

/* Creates path with fresh random key bytes. SK_ERR_EXISTS when another process won the
 * race; the caller then loads that process's key. */
static int
keyfile_create(const char *path, unsigned char *key, size_t keylen)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == EEXIST)
		return SK_ERR_EXISTS;
	if (fd < 0) {
		int err = errno;

		sk_logerr("create failed: %s", strerror(err));
		return err == EACCES ? SK_ERR_DENIED : SK_ERR_IO;
	}
	/* The umask may have taken bits away; the load check wants exactly 0600. */
	if (fchmod(fd, 0600) != 0) {
		sk_logerr("fchmod failed: %s", strerror(errno));
		rc = SK_ERR_IO;
		goto fail;
	}
	if (RAND_bytes(key, (int)keylen) != 1) {
		sk_logerr("RAND_bytes failed");
		rc = SK_ERR_CRYPTO;
		goto fail;
	}
	if ((rc = keyfile_write_all(fd, key, keylen)) != SK_OK)
		goto fail;
	if (fsync(fd) != 0) {
		sk_logerr("fsync failed: %s", strerror(errno));
		rc = SK_ERR_IO;
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		sk_logerr("close failed: %s", strerror(errno));
		rc = SK_ERR_IO;
		goto fail;
	}
	fd = -1;
	if ((rc = keyfile_sync_dir(path)) != SK_OK)
		goto fail;
	return SK_OK;
fail:
	/* A half-written key file would be loaded as a wrong key next time: remove it. */
	if (fd >= 0)
		close(fd);
	unlink(path);
	explicit_bzero(key, keylen);
	return rc;
}

/* Whether root may take a key owned by `owner`: the folder holding it belongs to that
 * owner too and is writable by nobody else, so only the owner (or root) could have put
 * the key there. */
static int
keyfile_owner_of_dir(const char *path, uid_t owner)
{
	char copy[PATH_MAX];
	size_t len = strnlen(path, sizeof(copy));
	struct stat dst;

	if (len >= sizeof(copy))
		return 0;
	memcpy(copy, path, len + 1);
	if (stat(dirname(copy), &dst) != 0 || !S_ISDIR(dst.st_mode))
		return 0;
	return dst.st_uid == owner && (dst.st_mode & 022) == 0;
}

static int
keyfile_check(int fd, const char *path, size_t keylen)
{
	struct stat st;
	mode_t perm;

	if (fstat(fd, &st) != 0) {
		sk_logerr("fstat failed: %s", strerror(errno));
		return SK_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		sk_logerr("key file is not a regular file");
		return SK_ERR_DENIED;
	}
	if (st.st_uid != geteuid() &&
	    !(geteuid() == 0 && keyfile_owner_of_dir(path, st.st_uid))) {
		sk_logerr("key file owned by uid %u, not %u%s", (unsigned)st.st_uid, (unsigned)geteuid(),
		          geteuid() == 0 ? " nor by the owner of its folder (writable by it alone)" : "");
		return SK_ERR_DENIED;
	}
	perm = st.st_mode & 07777;
	if (perm != 0600 && perm != 0400) {
		sk_logerr("key file mode %04o, want 0600 or 0400", (unsigned)perm);
		return SK_ERR_DENIED;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size != (unsigned long long)keylen) {
		sk_logerr("key file is %lld bytes, want %zu", (long long)st.st_size, keylen);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sk_keyfile_load(const char *path, unsigned char *key, size_t keylen, int create)
{
	unsigned char extra;
	ssize_t r;
	int fd = -1, rc, tries;

	if (path == NULL || key == NULL) {
		sk_logerr("no path or key buffer");
		return SK_ERR_ARG;
	}
	if (keylen == 0 || keylen > KEYFILE_LEN_MAX) {
		sk_logerr("key length %zu outside 1..%d", keylen, KEYFILE_LEN_MAX);
		return SK_ERR_ARG;
	}
	/* Two rounds at most: lose the O_EXCL race once, then load the winner's file. */
	for (tries = 0; tries < 2; tries++) {
		/* O_NOFOLLOW: a symlink planted at the path is refused, not followed.
		 * O_NONBLOCK: a FIFO there cannot hang the broker before fstat refuses it. */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			break;
		if (errno == ELOOP) {
			sk_logerr("key file is a symbolic link");
			return SK_ERR_DENIED;
		}
		if (errno == EACCES) {
			sk_logerr("open failed: %s", strerror(errno));
			return SK_ERR_DENIED;
		}
		if (errno != ENOENT) {
			sk_logerr("open failed: %s", strerror(errno));
			return SK_ERR_IO;
		}
		if (!create) {
			sk_logerr("key file missing");
			return SK_ERR_NOTFOUND;
		}
		rc = keyfile_create(path, key, keylen);
		if (rc != SK_ERR_EXISTS)
			return rc;
	}
	if (fd < 0) {
		sk_logerr("key file appeared and vanished");
		return SK_ERR_IO;
	}
	if ((rc = keyfile_check(fd, path, keylen)) != SK_OK || (rc = keyfile_read_all(fd, key, keylen)) != SK_OK)
		goto fail;
	/* The file may have grown between fstat and read: exactly keylen bytes or nothing. */
	do {
		r = read(fd, &extra, 1);
	} while (r < 0 && errno == EINTR);
	if (r != 0) {
		sk_logerr("key file longer than %zu bytes", keylen);
		rc = r < 0 ? SK_ERR_IO : SK_ERR_PROTO;
		goto fail;
	}
	close(fd);
	return SK_OK;
fail:
	close(fd);
	explicit_bzero(key, keylen);
	explicit_bzero(&extra, sizeof(extra));
	return rc;
}
