/* Who a peer is (server.h: server_peer): its user name and whether it is in admin_group or
 * auditor_group, from its uid. Asking NSS (getpwuid_r, getgrouplist) reads /etc/passwd and
 * the whole of /etc/group each time, which cost more than the request itself (issue 11,
 * item 3), so answers are kept per uid.
 *
 * Invalidation: a kept answer is used only while /etc/passwd and /etc/group are unchanged
 * since it was read (same inode, size, modification and change time: useradd, usermod -aG,
 * gpasswd and vipw all replace or rewrite the file) and for at most PEER_CACHE_SECONDS
 * (a user or group served by another NSS source, LDAP or sssd, changes without either file
 * changing). A uid NSS does not know is not kept. */
#include "server.h"

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sk_err.h"
#include "sk_io.h"

#define PEER_CACHE_SECONDS 60
#define PEER_CACHE_MAX 256

struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct peer_entry {
	uid_t uid;
	int64_t read_ms;
	char name[SK_USER_MAX];
	int is_admin, is_auditor;
};

static struct {
	pthread_mutex_t lock;
	struct file_stamp passwd, group;
	struct peer_entry e[PEER_CACHE_MAX];
	size_t n;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
stamp_of(const char *path, struct file_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->size = st.st_size;
		s->mtim = st.st_mtim;
		s->ctim = st.st_ctim;
	}
}

static int
same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
	       a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* The kept answer for c's uid, when still valid; drops every entry when a file changed. */
static int
cache_get(struct broker_conn *c, int64_t now)
{
	struct file_stamp pw, gr;
	int hit = 0;

	stamp_of("/etc/passwd", &pw);
	stamp_of("/etc/group", &gr);
	pthread_mutex_lock(&cache.lock);
	if (!same_stamp(&pw, &cache.passwd) || !same_stamp(&gr, &cache.group)) {
		cache.n = 0;
		cache.passwd = pw;
		cache.group = gr;
	}
	for (size_t i = 0; i < cache.n; i++) {
		struct peer_entry *e = &cache.e[i];

		if (e->uid != c->peer_uid)
			continue;
		if (now - e->read_ms < PEER_CACHE_SECONDS * 1000) {
			memcpy(c->peer_name, e->name, sizeof(c->peer_name));
			c->peer_is_admin = e->is_admin;
			c->peer_is_auditor = e->is_auditor;
			hit = 1;
		} else {
			cache.e[i] = cache.e[--cache.n];
		}
		break;
	}
	pthread_mutex_unlock(&cache.lock);
	return hit;
}

static void
cache_put(const struct broker_conn *c, int64_t now, const struct file_stamp *pw,
          const struct file_stamp *gr)
{
	struct peer_entry *e = NULL;

	pthread_mutex_lock(&cache.lock);
	/* Read under files that changed meanwhile: not kept. */
	if (same_stamp(pw, &cache.passwd) && same_stamp(gr, &cache.group)) {
		for (size_t i = 0; i < cache.n && e == NULL; i++)
			if (cache.e[i].uid == c->peer_uid)
				e = &cache.e[i];
		if (e == NULL && cache.n < PEER_CACHE_MAX)
			e = &cache.e[cache.n++];
		if (e == NULL) {   /* full: the oldest goes */
			e = &cache.e[0];
			for (size_t i = 1; i < cache.n; i++)
				if (cache.e[i].read_ms < e->read_ms)
					e = &cache.e[i];
		}
		e->uid = c->peer_uid;
		e->read_ms = now;
		memcpy(e->name, c->peer_name, sizeof(e->name));
		e->is_admin = c->peer_is_admin;
		e->is_auditor = c->peer_is_auditor;
	}
	pthread_mutex_unlock(&cache.lock);
}

int
server_peer(struct broker *b, struct broker_conn *c)
{
	struct passwd pw, *res = NULL;
	struct file_stamp pws, grs;
	int64_t now = sk_now_ms();
	char buf[4096];

	/* The uid, gid and pid were read at accept (SO_PEERCRED). */
	c->peer_is_root = c->peer_uid == 0;
	if (cache_get(c, now))
		return SK_OK;
	stamp_of("/etc/passwd", &pws);
	stamp_of("/etc/group", &grs);
	if (getpwuid_r(c->peer_uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return SK_OK;   /* no name: only what the uid alone allows */
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
	cache_put(c, now, &pws, &grs);
	return SK_OK;
}
