/* The administrator's session token on disk ($XDG_RUNTIME_DIR/sekimori-admin-session, 0600),
 * and presenting it on a new connection (cli_admin_token.h). Apart from the admin commands
 * (cli_admin.c) so that the connection code (cli_common.c) can present it without depending
 * on them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_admin_token.h"
#include "sk_i18n.h"
#include "skc_admin.h"

#define TOKEN_FILE "sekimori-admin-session"

static int
token_path(char *out, size_t cap)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir != NULL && dir[0] == '/')
		n = snprintf(out, cap, "%s/%s", dir, TOKEN_FILE);
	else
		n = snprintf(out, cap, "/run/user/%u/%s", (unsigned)getuid(), TOKEN_FILE);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Reads the token: only from a regular file of the caller's own that nobody else can read. */
static int
token_load(unsigned char token[SK_ADMIN_TOKEN_LEN])
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if (token_path(path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0 || st.st_size != SK_ADMIN_TOKEN_LEN) {
		close(fd);
		fprintf(stderr, _("sekimori: ignoring %s: not a private token file of yours\n"), path);
		return -1;
	}
	n = read(fd, token, SK_ADMIN_TOKEN_LEN);
	close(fd);
	return n == SK_ADMIN_TOKEN_LEN ? 0 : -1;
}

int
cli_admin_token_save(const unsigned char token[SK_ADMIN_TOKEN_LEN])
{
	char path[4096], tmp[4200];
	int fd, ok;

	if (token_path(path, sizeof(path)) != 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, _("sekimori: cannot write the session token to %s: %s\n"), path,
		        strerror(errno));
		return -1;
	}
	ok = write(fd, token, SK_ADMIN_TOKEN_LEN) == SK_ADMIN_TOKEN_LEN && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, _("sekimori: cannot write the session token to %s: %s\n"), path,
		        strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

void
cli_admin_token_remove(void)
{
	char path[4096];

	if (token_path(path, sizeof(path)) == 0)
		(void)unlink(path);
}

void
cli_admin_present(struct cli *c)
{
	unsigned char token[SK_ADMIN_TOKEN_LEN];
	struct skc_admin_attach_in in = { token };
	struct skc_admin_session_out out;

	if (token_load(token) != 0)
		return;
	/* A refused token is not an error here: the broker remembers why, and the request that
	 * needs a session is refused with that reason (expired, unknown). */
	(void)skc_admin_attach(&c->client, &in, &out);
	explicit_bzero(token, sizeof(token));
}
