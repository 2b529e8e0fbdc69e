/* The broker's audit writer (R-LOG-1, R-LOG-3, R-LOG-4). The record chain and anchor format
 * live in common/sk_audit_chain.c; this file owns the files, the order of durable writes,
 * and what happens when a write fails (R-LOG-1: the append fails, so the decision denies).
 *
 * Order of durable writes. A record appended on its own (audit_log_append_seq): the line
 * with its newline in one write(), fdatasync, then the anchor. Records appended inside a
 * store transaction (audit_log_append_deferred, audit_event.c) are only written; the log is
 * fdatasync'ed and the anchor rewritten once for all of them by audit_log_sync, which the
 * store calls just before it commits the transaction (store_set_precommit_hook): the log is
 * still durable before the store commit, and a transaction of N records costs one log sync
 * and one anchor instead of N of each.
 *
 * So a crash leaves the log some records ahead of the anchor (those written since the last
 * sync). Open accepts that case when every record after the anchored one verifies with the
 * key and chains back to the anchored mac, re-anchors the last one and says so in the log.
 * Anything else — a log cut short, rewritten, a record that does not verify or link — is
 * refused, never silently continued.
 *
 * Before each append the open log is checked to still be the file at its path, with one
 * link: a log deleted or renamed away while the broker runs would otherwise take every new
 * record into a file nobody sees. Then the broker refuses every further record (every
 * decision denies) until it is restarted; it does not create a new file, so that the old
 * one, still open, can be copied back from /proc/PID/fd before the restart.
 *
 * Rotation (logrotate, doc/deployment.md) is the one move that is followed, and only when
 * announced: audit_log_rotate_prepare records audit.rotate_requested; then, for at most
 * ROTATE_ARMED_MAX seconds, a log moved away whole (one link, the size we left) while its
 * path is free or holds an empty file of its own is continued in a new file at the path.
 * Its first record is audit.rotated: seq goes on and prev is the old file's last mac, so
 * the files verify as one chain (sk_audit_verify_segment, `sekimori audit verify FILE...`)
 * and neither the old file's end nor the new file's start can be cut unnoticed. */
#include "audit_log.h"
#include "audit_log_internal.h"
#include "sk_audit_chain.h"
#include "sk_err.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>


/* Syslog gets a short summary; the full record is in the log. */
#define SUMMARY_VALUE_MAX 64
/* How long an announced rotation may take (logrotate moves the file right after its
 * prerotate script); an announcement never finished does not weaken the checks for long. */
#define ROTATE_ARMED_MAX 600


static const char zero_mac[SK_AUDIT_MAC_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void
destroy(struct audit_log *log)
{
	if (log->log_fd >= 0)
		close(log->log_fd);
	if (log->anchor_fd >= 0)
		close(log->anchor_fd);
	pthread_mutex_destroy(&log->mu);
	explicit_bzero(log->key, sizeof(log->key));
	free(log);
}

/* A newly created file is only durable once its directory entry is. */
static int
sync_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL) {
		dir[0] = '.';
		n = 1;
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			sk_logerr("directory of %s too long", path);
			return SK_ERR_AUDIT;
		}
		memcpy(dir, path, n);
	}
	dir[n] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		sk_logerr("cannot sync directory %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SK_ERR_AUDIT;
	}
	close(fd);
	return SK_OK;
}

/* The log's last line, without newline, into buf (SK_AUDIT_LINE_MAX + 1 bytes: one more
 * than the longest line with its newline, to see the newline before it). */
static int
read_tail(int fd, off_t size, char *buf, size_t bufsz, size_t *len)
{
	off_t start = size > (off_t)bufsz ? size - (off_t)bufsz : 0;
	size_t want = (size_t)(size - start), got = 0, first;
	const char *nl;
	ssize_t r;

	if (want == 0 || want > bufsz) {
		sk_logerr("no log tail to read");
		return SK_ERR_AUDIT;
	}
	while (got < want) {
		r = pread(fd, buf + got, want - got, start + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			sk_logerr("cannot read the log tail: %s", r < 0 ? strerror(errno) : "short file");
			return SK_ERR_AUDIT;
		}
		got += (size_t)r;
	}
	if (buf[want - 1] != '\n') {
		sk_logerr("log ends in a partial line");
		return SK_ERR_AUDIT;
	}
	nl = want > 1 ? memrchr(buf, '\n', want - 1) : NULL;
	if (nl != NULL) {
		first = (size_t)(nl - buf) + 1;
	} else if (start == 0) {
		first = 0;
	} else {
		sk_logerr("last log line longer than %d bytes", SK_AUDIT_LINE_MAX);
		return SK_ERR_AUDIT;
	}
	*len = want - 1 - first;
	memmove(buf, buf + first, *len);
	buf[*len] = '\0';
	return SK_OK;
}

/* Takes seq, prev and mac from the last line and checks its MAC with our key, so that a
 * broker restarted with another key refuses instead of starting a chain nobody can verify.
 * The whole chain is checked by sk_audit_verify; this is the resume point only. */
static int
check_tail(const unsigned char *key, const char *line, size_t len, uint64_t *seq,
           char mac[SK_AUDIT_MAC_HEX + 1], char prev[SK_AUDIT_MAC_HEX + 1])
{
	const char *why = "";
	int rc = sk_audit_line_open(key, SK_AUDIT_KEY_LEN, line, len, seq, prev, mac, &why);

	if (rc == SK_ERR_CRYPTO)
		sk_logerr("last log record does not verify with this key");
	else if (rc != SK_OK)
		sk_logerr("last log line malformed (%s)", why);
	return rc == SK_OK ? SK_OK : SK_ERR_AUDIT;
}

/* The records after the anchored one, read backwards from the last one (seq last, whose
 * prev is last_prev) whose line starts at offset end: each must verify with the key, carry
 * the seq one below the record after it and the mac that record names as prev, down to the
 * anchored record, whose mac the first of them must name. They are the records a crash
 * left written but not anchored (inside a transaction, the anchor is written once before
 * the commit); any break is a log tampered with, refused. Costs one pread per record ahead,
 * which a transaction's size bounds. */
static int
check_ahead(struct audit_log *log, off_t end, const struct sk_audit_anchor *anchor,
            uint64_t last, const char *last_prev)
{
	char line[SK_AUDIT_LINE_MAX + 1];
	char mac[SK_AUDIT_MAC_HEX + 1], prev[SK_AUDIT_MAC_HEX + 1], want[SK_AUDIT_MAC_HEX + 1];
	uint64_t expect = last - 1, seq = 0;
	size_t len = 0;

	memcpy(want, last_prev, sizeof(want));
	while (expect > anchor->seq) {
		if (end <= 0 || read_tail(log->log_fd, end, line, sizeof(line), &len) != SK_OK ||
		    check_tail(log->key, line, len, &seq, mac, prev) != SK_OK)
			return SK_ERR_AUDIT;
		if (seq != expect || CRYPTO_memcmp(mac, want, SK_AUDIT_MAC_HEX) != 0) {
			sk_logerr("record %" PRIu64 " after the anchor does not link to the record after "
			          "it: log rewritten", seq);
			return SK_ERR_AUDIT;
		}
		memcpy(want, prev, sizeof(want));
		end -= (off_t)len + 1;
		expect--;
	}
	if (CRYPTO_memcmp(want, anchor->mac, SK_AUDIT_MAC_HEX) != 0) {
		sk_logerr("the records after the anchor (seq %" PRIu64 ") do not start from the "
		          "anchored record: log truncated or rewritten", anchor->seq);
		return SK_ERR_AUDIT;
	}
	return SK_OK;
}

/* Resumes the chain where the anchor says it ends (R-LOG-3): a log cut short, rewritten at
 * its end, or without its anchor is refused, never silently continued. */
static int
resume(struct audit_log *log, off_t size, const struct sk_audit_anchor *anchor)
{
	char line[SK_AUDIT_LINE_MAX + 1];
	char mac[SK_AUDIT_MAC_HEX + 1], prev[SK_AUDIT_MAC_HEX + 1];
	uint64_t seq = 0;
	size_t len = 0;
	int rc;

	if (size == 0) {
		if (anchor != NULL &&
		    (anchor->seq != 0 || CRYPTO_memcmp(anchor->mac, zero_mac, SK_AUDIT_MAC_HEX) != 0)) {
			sk_logerr("log is empty but the anchor says seq %" PRIu64, anchor->seq);
			return SK_ERR_AUDIT;
		}
		log->seq = 0;
		memcpy(log->mac, zero_mac, sizeof(log->mac));
		return SK_OK;
	}
	if (anchor == NULL) {
		sk_logerr("log has records but its anchor is missing or empty");
		return SK_ERR_AUDIT;
	}
	rc = read_tail(log->log_fd, size, line, sizeof(line), &len);
	if (rc == SK_OK)
		rc = check_tail(log->key, line, len, &seq, mac, prev);
	if (rc != SK_OK)
		return rc;
	if (seq > anchor->seq) {
		struct sk_audit_anchor a = { .seq = seq };

		if (check_ahead(log, size - (off_t)len - 1, anchor, seq, prev) != SK_OK)
			return SK_ERR_AUDIT;
		memcpy(a.mac, mac, sizeof(a.mac));
		if (sk_audit_anchor_write(log->anchor_fd, log->key, sizeof(log->key), &a) != SK_OK)
			return SK_ERR_AUDIT;
		sk_logwarn("records %" PRIu64 "-%" PRIu64 " were written but not anchored (crash?); "
		           "anchored now", anchor->seq + 1, seq);
	} else if (seq != anchor->seq || CRYPTO_memcmp(mac, anchor->mac, SK_AUDIT_MAC_HEX) != 0) {
		sk_logerr("last log record (seq %" PRIu64 ") does not match the anchor (seq %" PRIu64
		          "): log truncated or rewritten",
		          seq, anchor->seq);
		return SK_ERR_AUDIT;
	}
	log->seq = seq;
	log->synced_seq = seq;
	memcpy(log->mac, mac, sizeof(log->mac));
	return SK_OK;
}

/* Is the open log still the one file at its path, of the size we left it? Deleted, renamed
 * away, replaced, given a second name, or written by someone else: SK_ERR_AUDIT, said to
 * syslog at LOG_ALERT once (the log is then broken and refuses every further record). */
int
audit_log_check_identity(struct audit_log *log)
{
	struct stat fst, pst;
	const char *what = NULL;

	if (fstat(log->log_fd, &fst) != 0)
		what = "cannot be examined";
	else if (fst.st_nlink == 0)
		what = "was deleted";
	else if (lstat(log->path, &pst) != 0)
		what = errno == ENOENT ? "was deleted or renamed away" : "cannot be found at its path";
	else if (pst.st_dev != log->dev || pst.st_ino != log->ino)
		what = "was replaced by another file";
	else if (fst.st_nlink != 1)
		what = "has a second name (hard link)";
	else if (fst.st_size != log->end)
		what = "was written to or cut by someone else";
	if (what == NULL)
		return SK_OK;
	sk_log(LOG_ALERT, "audit log %s %s while the broker ran: every decision is refused until "
	       "the broker is restarted (the open file stays readable in /proc/%ld/fd/%d)",
	       log->path, what, (long)getpid(), log->log_fd);
	log->broken = 1;
	return SK_ERR_AUDIT;
}

static int
open_file(const char *path, int flags, struct stat *st)
{
	int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		sk_logerr("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		sk_logerr("%s is not a regular file", path);
		close(fd);
		return -1;
	}
	/* Existing files keep their mode; say so when it is looser than ours. */
	if ((st->st_mode & 077) != 0)
		sk_logwarn("%s is accessible to group or others (mode %03o)", path,
		           (unsigned)(st->st_mode & 0777));
	return fd;
}

int
audit_log_open(const char *log_path, const char *anchor_path, const unsigned char *key,
               size_t keylen, struct audit_log **out)
{
	struct sk_audit_anchor anchor;
	struct audit_log *log;
	struct stat lst, ast;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (log_path == NULL || anchor_path == NULL || key == NULL || out == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	if (keylen != SK_AUDIT_KEY_LEN) {
		sk_logerr("audit key must be %d bytes", SK_AUDIT_KEY_LEN);
		return SK_ERR_ARG;
	}
	log = calloc(1, sizeof(*log));
	if (log == NULL) {
		sk_logerr("cannot allocate the audit log");
		return SK_ERR_NOMEM;
	}
	log->log_fd = -1;
	log->anchor_fd = -1;
	if (pthread_mutex_init(&log->mu, NULL) != 0) {
		sk_logerr("pthread_mutex_init failed");
		free(log);
		return SK_ERR_INTERNAL;
	}
	memcpy(log->key, key, SK_AUDIT_KEY_LEN);
	if (strlen(log_path) >= sizeof(log->path)) {
		sk_logerr("audit log path too long");
		rc = SK_ERR_ARG;
		goto fail;
	}
	memcpy(log->path, log_path, strlen(log_path) + 1);

	/* O_APPEND: every write lands at the end, whatever the offset; O_RDWR for the tail. */
	log->log_fd = open_file(log_path, O_RDWR | O_APPEND, &lst);
	if (log->log_fd < 0) {
		rc = SK_ERR_AUDIT;
		goto fail;
	}
	/* Two writers would fork the chain; the second broker must not start. */
	if (flock(log->log_fd, LOCK_EX | LOCK_NB) != 0) {
		sk_logerr("%s is locked by another writer: %s", log_path, strerror(errno));
		rc = SK_ERR_AUDIT;
		goto fail;
	}
	/* Not O_APPEND: the anchor is rewritten in place with pwrite. */
	log->anchor_fd = open_file(anchor_path, O_RDWR, &ast);
	if (log->anchor_fd < 0) {
		rc = SK_ERR_AUDIT;
		goto fail;
	}
	if (lst.st_dev == ast.st_dev && lst.st_ino == ast.st_ino) {
		sk_logerr("log and anchor are the same file");
		rc = SK_ERR_ARG;
		goto fail;
	}
	rc = sync_parent_dir(log_path);
	if (rc == SK_OK)
		rc = sync_parent_dir(anchor_path);
	if (rc != SK_OK)
		goto fail;
	/* An empty anchor is one created here before any record was anchored. */
	if (ast.st_size != 0 &&
	    sk_audit_anchor_read(anchor_path, log->key, sizeof(log->key), &anchor) != SK_OK) {
		rc = SK_ERR_AUDIT;
		goto fail;
	}
	rc = resume(log, lst.st_size, ast.st_size != 0 ? &anchor : NULL);
	if (rc != SK_OK)
		goto fail;
	log->end = lst.st_size;
	log->dev = lst.st_dev;
	log->ino = lst.st_ino;
	if (lst.st_nlink != 1) {
		sk_logerr("%s has %lu names (hard links); the log must have one", log_path,
		          (unsigned long)lst.st_nlink);
		rc = SK_ERR_AUDIT;
		goto fail;
	}
	*out = log;
	return SK_OK;
fail:
	destroy(log);
	return rc;
}

/* One syslog-safe value: printable ASCII only, bounded, so a user name cannot inject
 * lines or fields into syslog. */
static void
summary_value(json_object *event, const char *name, char *out, size_t outsz)
{
	json_object *v;
	const unsigned char *s;
	size_t n = 0;

	out[0] = '\0';
	if (!json_object_object_get_ex(event, name, &v) || !json_object_is_type(v, json_type_string))
		return;
	for (s = (const unsigned char *)json_object_get_string(v); *s != '\0' && n + 1 < outsz; s++)
		out[n++] = (*s > 0x20 && *s < 0x7f) ? (char)*s : '?';
	out[n] = '\0';
}

/* Only the anchor (seq:mac), event, user and result: the record may hold fields syslog must
 * not see. The anchor is the remote copy an auditor gives to `audit verify --anchor`. */
static void
summary(uint64_t seq, const char *mac, json_object *event)
{
	static const char *const names[] = { "event", "user", "result" };
	char fields[3 * (SUMMARY_VALUE_MAX + 16)];
	char value[SUMMARY_VALUE_MAX + 1];
	size_t off = 0, i;
	int n;

	fields[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		summary_value(event, names[i], value, sizeof(value));
		if (value[0] == '\0')
			continue;
		n = snprintf(fields + off, sizeof(fields) - off, " %s=%s", names[i], value);
		if (n < 0 || (size_t)n >= sizeof(fields) - off)
			break;
		off += (size_t)n;
	}
	sk_log(LOG_INFO, "audit anchor=%" PRIu64 ":%s%s", seq, mac, fields);
}

static int append_locked(struct audit_log *log, json_object *event, uint64_t *seq_out,
                         char mac[SK_AUDIT_MAC_HEX + 1], int defer, char *copy, size_t cap);

/* The new file at the path after a rotation: opened, locked, and begun with the record
 * audit.rotated that chains it to the old one. Called with log->mu held. On failure the log
 * is broken: the chain's place is no longer certain. */
static int
start_segment(struct audit_log *log)
{
	char mac[SK_AUDIT_MAC_HEX + 1];
	uint64_t last = log->seq, seq = 0;
	struct stat st;
	json_object *ev;
	int fd, rc;

	fd = open(log->path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0 ||
	    st.st_nlink != 1 || flock(fd, LOCK_EX | LOCK_NB) != 0 ||
	    sync_parent_dir(log->path) != SK_OK) {
		sk_log(LOG_ALERT, "audit log rotation: cannot begin a new %s (%s); every decision is "
		       "refused until the broker is restarted", log->path,
		       fd < 0 ? strerror(errno) : "not an empty file of its own");
		if (fd >= 0)
			close(fd);
		log->broken = 1;
		return SK_ERR_AUDIT;
	}
	close(log->log_fd);   /* the moved file: whole, and no longer ours to write */
	log->log_fd = fd;
	log->dev = st.st_dev;
	log->ino = st.st_ino;
	log->end = 0;
	log->rotating_since = 0;
	ev = json_object_new_object();
	rc = ev ? SK_OK : SK_ERR_AUDIT;
	if (rc == SK_OK &&
	    (json_object_object_add(ev, "event", json_object_new_string(SK_AUDIT_ROTATED)) != 0 ||
	     json_object_object_add(ev, "previous_last_seq",
	                            json_object_new_int64((int64_t)last)) != 0))
		rc = SK_ERR_AUDIT;
	if (rc == SK_OK)
		rc = append_locked(log, ev, &seq, mac, 0, NULL, 0);
	if (rc == SK_OK) {
		summary(seq, mac, ev);
		sk_log(LOG_NOTICE, "audit log rotated: %s goes on from record %" PRIu64, log->path, seq);
	} else {
		log->broken = 1;   /* an empty new file would read as a log cut at its start */
	}
	json_object_put(ev);
	return rc;
}

/* During an announced rotation: the new segment when the log was moved away whole and its
 * path is free (nocreate) or holds an empty file (logrotate's create). Anything else is
 * left as it is, for audit_log_check_identity to judge. Called with log->mu held. */
static int
follow_rotation(struct audit_log *log)
{
	struct stat fst, pst;

	if (log->rotating_since == 0)
		return SK_OK;
	if (time(NULL) - log->rotating_since > ROTATE_ARMED_MAX) {
		sk_logwarn("audit log rotation announced but not finished within %d s; %s is "
		           "watched as before", ROTATE_ARMED_MAX, log->path);
		log->rotating_since = 0;
		return SK_OK;
	}
	if (fstat(log->log_fd, &fst) != 0 || fst.st_nlink != 1 || fst.st_size != log->end)
		return SK_OK;
	if (lstat(log->path, &pst) == 0) {
		if ((pst.st_dev == log->dev && pst.st_ino == log->ino) || !S_ISREG(pst.st_mode) ||
		    pst.st_size != 0 || pst.st_nlink != 1)
			return SK_OK;
	} else if (errno != ENOENT) {
		return SK_OK;
	}
	/* Records written to the old file but not yet synced are made durable there first:
	 * the old file is closed and no longer ours to sync. */
	if (audit_log_sync_locked(log) != SK_OK)
		return SK_ERR_AUDIT;
	return start_segment(log);
}

/* Makes every record written so far durable and anchors the last one: one fdatasync of the
 * log, one anchor rewrite (itself fdatasync'ed). Nothing to do when nothing is pending.
 * Called with log->mu held. */
int
audit_log_sync_locked(struct audit_log *log)
{
	struct sk_audit_anchor a;

	if (log->broken) {
		sk_logerr("refused: an earlier failure left log and anchor out of step");
		return SK_ERR_AUDIT;
	}
	if (log->synced_seq == log->seq)
		return SK_OK;
	/* After a failed fdatasync the kernel may have dropped the pages: whether the records
	 * exist is unknown, so no further record may be chained to them. */
	if (fdatasync(log->log_fd) != 0) {
		sk_logerr("cannot sync the log: %s", strerror(errno));
		log->broken = 1;
		return SK_ERR_AUDIT;
	}
	a.seq = log->seq;
	memcpy(a.mac, log->mac, sizeof(a.mac));
	if (sk_audit_anchor_write(log->anchor_fd, log->key, sizeof(log->key), &a) != SK_OK) {
		log->broken = 1;
		return SK_ERR_AUDIT;
	}
	log->synced_seq = log->seq;
	return SK_OK;
}

/* Called with log->mu held. defer: write only, audit_log_sync makes it durable later.
 * copy (cap bytes, NULL: none) gets the sealed line without its newline. */
static int
append_locked(struct audit_log *log, json_object *event, uint64_t *seq_out,
              char mac[SK_AUDIT_MAC_HEX + 1], int defer, char *copy, size_t cap)
{
	char line[SK_AUDIT_LINE_MAX];
	uint64_t seq;
	size_t len;
	ssize_t w;

	if (log->broken) {
		sk_logerr("refused: an earlier failure left log and anchor out of step");
		return SK_ERR_AUDIT;
	}
	if (follow_rotation(log) != SK_OK)
		return SK_ERR_AUDIT;
	seq = log->seq + 1;
	/* sk_audit_seal_line keeps the line below SK_AUDIT_LINE_MAX, leaving room for '\n'. */
	if (sk_audit_seal_line(log->key, sizeof(log->key), seq, log->mac, event, line,
	                       sizeof(line), mac) != SK_OK)
		return SK_ERR_AUDIT;
	len = strlen(line);
	if (len + 1 > sizeof(line)) {
		sk_logerr("sealed line too long");
		return SK_ERR_AUDIT;
	}
	if (copy != NULL) {
		if (cap <= len) {
			sk_logerr("no room for the sealed line");
			return SK_ERR_AUDIT;
		}
		memcpy(copy, line, len);
		copy[len] = '\0';
	}
	line[len++] = '\n';
	/* Anything else that wrote to, cut, deleted or replaced the log must stop us, not be
	 * chained over. */
	if (audit_log_check_identity(log) != SK_OK)
		return SK_ERR_AUDIT;
	/* One write(): with O_APPEND the line lands whole at the end, never interleaved with
	 * another writer's; only a full disk or file size limit can cut it short (below). */
	do {
		w = write(log->log_fd, line, len);
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		/* Nothing was written: the chain is where it was and the next append may work. */
		sk_logerr("cannot write the log: %s", strerror(errno));
		return SK_ERR_AUDIT;
	}
	if ((size_t)w != len) {
		sk_logerr("short write to the log (%zd of %zu bytes)", w, len);
		/* Take the torn line back so that the log still ends in a whole record. */
		if (ftruncate(log->log_fd, log->end) != 0)
			log->broken = 1;
		return SK_ERR_AUDIT;
	}
	/* The record is in the file: the chain goes on from it whether or not the sync below
	 * works (a failed sync breaks the log, so nothing is chained after all). */
	log->seq = seq;
	memcpy(log->mac, mac, sizeof(log->mac));
	log->end += (off_t)len;
	if (!defer && audit_log_sync_locked(log) != SK_OK)
		return SK_ERR_AUDIT;
	*seq_out = seq;
	return SK_OK;
}

int
audit_log_append(struct audit_log *log, json_object *event)
{
	return audit_log_append_seq(log, event, NULL);
}

static int append_public(struct audit_log *log, json_object *event, uint64_t *seq_out,
                         int defer, char *copy, size_t cap);

int
audit_log_append_seq(struct audit_log *log, json_object *event, uint64_t *seq_out)
{
	return append_public(log, event, seq_out, 0, NULL, 0);
}

int
audit_log_append_deferred(struct audit_log *log, json_object *event, uint64_t *seq_out,
                          char *line, size_t cap)
{
	return append_public(log, event, seq_out, 1, line, cap);
}

int
audit_log_sync(struct audit_log *log)
{
	int rc;

	if (log == NULL)
		return SK_ERR_AUDIT;
	pthread_mutex_lock(&log->mu);
	rc = audit_log_sync_locked(log);
	pthread_mutex_unlock(&log->mu);
	return rc;
}

static int
append_public(struct audit_log *log, json_object *event, uint64_t *seq_out, int defer,
              char *copy, size_t cap)
{
	char mac[SK_AUDIT_MAC_HEX + 1];
	uint64_t seq = 0;
	int rc;

	if (log == NULL || event == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_AUDIT;
	}
	if (pthread_mutex_lock(&log->mu) != 0) {
		sk_logerr("pthread_mutex_lock failed");
		return SK_ERR_AUDIT;
	}
	rc = append_locked(log, event, &seq, mac, defer, copy, cap);
	pthread_mutex_unlock(&log->mu);
	/* Outside the lock; seq orders the syslog lines should they interleave. */
	if (rc == SK_OK) {
		summary(seq, mac, event);
		if (seq_out != NULL)
			*seq_out = seq;
	}
	return rc;
}

uint64_t
audit_log_last_seq(struct audit_log *log)
{
	uint64_t seq;

	pthread_mutex_lock(&log->mu);
	seq = log->seq;
	pthread_mutex_unlock(&log->mu);
	return seq;
}

/* Appends one event under the lock and sends its summary; for the rotation records. */
static int
append_event(struct audit_log *log, const char *name)
{
	char mac[SK_AUDIT_MAC_HEX + 1];
	json_object *ev = json_object_new_object();
	uint64_t seq = 0;
	int rc = ev ? SK_OK : SK_ERR_AUDIT;

	if (rc == SK_OK && json_object_object_add(ev, "event", json_object_new_string(name)) != 0)
		rc = SK_ERR_AUDIT;
	if (rc == SK_OK)
		rc = append_locked(log, ev, &seq, mac, 0, NULL, 0);
	if (rc == SK_OK)
		summary(seq, mac, ev);
	json_object_put(ev);
	return rc;
}

int
audit_log_rotate_prepare(struct audit_log *log)
{
	int rc;

	pthread_mutex_lock(&log->mu);
	/* The record first: a failure leaves no announcement behind. A repeated announcement
	 * is recorded again (the waiting script looks for it) and restarts the clock. */
	log->rotating_since = 0;
	rc = append_event(log, SK_AUDIT_ROTATE_REQUESTED);
	if (rc == SK_OK)
		log->rotating_since = time(NULL);
	pthread_mutex_unlock(&log->mu);
	return rc;
}

int
audit_log_rotate_finish(struct audit_log *log)
{
	int rc = SK_OK;

	pthread_mutex_lock(&log->mu);
	if (log->rotating_since != 0 && !log->broken) {
		rc = follow_rotation(log);
		if (rc == SK_OK && log->rotating_since != 0) {
			sk_logwarn("audit log rotation announced, but %s was not moved away whole; "
			           "it is watched as before", log->path);
			log->rotating_since = 0;
		}
	}
	pthread_mutex_unlock(&log->mu);
	return rc;
}

void
audit_log_break(struct audit_log *log, const char *why)
{
	pthread_mutex_lock(&log->mu);
	if (!log->broken)
		sk_log(LOG_ALERT, "audit log refuses every further record until restart: %s", why);
	log->broken = 1;
	pthread_mutex_unlock(&log->mu);
}

void
audit_log_close(struct audit_log *log)
{
	if (log != NULL)
		destroy(log);
}
