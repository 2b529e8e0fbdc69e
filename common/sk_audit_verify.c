/* Verification of the audit chain (R-LOG-1): a whole log, or one rotated segment, read
 * record by record and held to the anchor (sk_audit_chain.h says what is checked). Sealing
 * and opening one line are in sk_audit_chain.c. */
#include "sk_audit_chain.h"
#include "sk_audit_internal.h"
#include "sk_err.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

/* How long verify waits for appends in flight on a running broker to be anchored. */
#define SETTLE_ROUNDS 50
static const struct timespec settle_wait = { 0, 10 * 1000 * 1000 };

static void fault(struct sk_audit_report *r, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fault(struct sk_audit_report *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->line = line;
	va_start(ap, fmt);
	/* The longest message fits; were one cut, a shorter report is still correct. */
	(void)vsnprintf(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
}

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_TORN, LINE_IOERR };

/* One line into buf without its newline. A line (with newline) longer than bufsz is a
 * fault and is not read further: the log is untrusted input of any size. */
static enum line_status
read_line(FILE *f, char *buf, size_t bufsz, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '\n') {
			buf[n] = '\0';
			*len = n;
			return LINE_OK;
		}
		if (n + 1 >= bufsz)
			return LINE_TOO_LONG;
		buf[n++] = (char)c;
	}
	if (ferror(f))
		return LINE_IOERR;
	/* A last line without newline is a torn write, never a whole record. */
	return n == 0 ? LINE_EOF : LINE_TORN;
}

/* Checks one record against the chain so far. SK_OK: sound, mac filled. 1: a fault,
 * written to the report. Negative: an error (not a finding about the log). */
static int
check_record(const unsigned char *key, size_t keylen, const char *line, size_t len,
             uint64_t lineno, uint64_t expect_seq, const char *prev_mac,
             struct sk_audit_report *r, char mac[SK_AUDIT_MAC_HEX + 1])
{
	char want[SK_AUDIT_MAC_HEX + 1];
	char prev[SK_AUDIT_MAC_HEX + 1];
	struct sk_audit_marker m = { 0, 0, 0, 0 };
	const char *why = "";
	uint64_t seq = 0;
	int rc = sk_audit_line_open_marked(key, keylen, line, len, &seq, prev, want, &m, &why);

	if (rc == SK_ERR_CRYPTO) {
		fault(r, lineno, "record modified");
		return 1;
	}
	if (rc == SK_ERR_PROTO) {
		fault(r, lineno, "malformed line (%s)", why);
		return 1;
	}
	if (rc != SK_OK)
		return rc;
	/* A file begun by a rotation joins the file before it there: its first record is
	 * audit.rotated, and what it continues is checked against that file (by the caller). */
	if (r->records == 0 && seq > 1 && m.rotated) {
		r->first_seq = seq;
		memcpy(r->first_prev, prev, sizeof(r->first_prev));
	} else if (seq != expect_seq) {
		fault(r, lineno, "record missing or reordered (seq %" PRIu64 " after %" PRIu64 ")",
		      seq, expect_seq - 1);
		return 1;
	} else if (CRYPTO_memcmp(prev, prev_mac, SK_AUDIT_MAC_HEX) != 0) {
		fault(r, lineno, "chain broken (prev does not match)");
		return 1;
	}
	memcpy(mac, want, SK_AUDIT_MAC_HEX + 1);
	r->last_seq = seq;
	memcpy(r->last_mac, want, sizeof(r->last_mac));
	/* Markers are written once per start for the records beyond the store's last commit;
	 * the ranges of two markers never overlap. */
	if (m.present)
		r->not_committed += m.last - m.first + 1;
	return SK_OK;
}

/* Where a verification stands: the chain read so far and the anchor it is held to. */
struct verify_state {
	FILE *f;
	off_t offset;                 /* just past the last whole line */
	uint64_t lineno;
	int torn;                     /* the log ends in a partial line, for now */
	char last_mac[SK_AUDIT_MAC_HEX + 1];
	struct sk_audit_anchor anchor;
	int anchor_present;
	int have_anchor_mac;          /* the mac of record anchor.seq has been read */
	char anchor_seq_mac[SK_AUDIT_MAC_HEX + 1];
	const struct sk_audit_anchor *remote;   /* an anchor copied from syslog, or NULL */
	int have_remote_mac;
	char remote_seq_mac[SK_AUDIT_MAC_HEX + 1];
};

/* Reads records from where the last call stopped to the end of the log. SK_OK at the end,
 * 1 for a fault (in the report), negative for an error. */
static int
scan_lines(struct verify_state *vs, const unsigned char *key, size_t keylen,
           struct sk_audit_report *r)
{
	char line[SK_AUDIT_LINE_MAX];
	char mac[SK_AUDIT_MAC_HEX + 1];
	size_t len = 0;
	int rc;

	vs->torn = 0;
	clearerr(vs->f);
	for (;;) {
		enum line_status ls = read_line(vs->f, line, sizeof(line), &len);

		if (ls == LINE_EOF)
			return SK_OK;
		if (ls == LINE_IOERR) {
			sk_logerr("cannot read the log");
			return SK_ERR_IO;
		}
		if (ls == LINE_TORN) {
			/* Maybe an append still being copied in: read the line again next round. */
			vs->torn = 1;
			if (fseeko(vs->f, vs->offset, SEEK_SET) != 0) {
				sk_logerr("cannot seek in the log: %s", strerror(errno));
				return SK_ERR_IO;
			}
			return SK_OK;
		}
		vs->lineno++;
		if (ls == LINE_TOO_LONG) {
			fault(r, vs->lineno, "malformed line (longer than %d bytes)", SK_AUDIT_LINE_MAX);
			return 1;
		}
		rc = check_record(key, keylen, line, len, vs->lineno, r->last_seq + 1, vs->last_mac, r,
		                  mac);
		if (rc != SK_OK)
			return rc;
		r->records++;
		vs->offset += (off_t)len + 1;
		memcpy(vs->last_mac, mac, sizeof(vs->last_mac));
		if (r->last_seq == vs->anchor.seq) {
			vs->have_anchor_mac = 1;
			memcpy(vs->anchor_seq_mac, mac, sizeof(vs->anchor_seq_mac));
		}
		if (vs->remote != NULL && r->last_seq == vs->remote->seq) {
			vs->have_remote_mac = 1;
			memcpy(vs->remote_seq_mac, mac, sizeof(vs->remote_seq_mac));
		}
	}
}

/* A missing anchor, or one created but never written (empty), reads as seq 0 with the
 * zero mac: only an empty log matches it. */
static int
load_anchor(const char *path, const unsigned char *key, size_t keylen, struct sk_audit_anchor *a,
            int *present, struct sk_audit_report *r)
{
	struct stat st;
	int attempt, rc = SK_OK;

	for (attempt = 0; attempt < 2; attempt++) {
		if (lstat(path, &st) != 0) {
			int e = errno;   /* logging may change errno */

			if (e != ENOENT) {
				sk_logerr("cannot stat the anchor %s: %s", path, strerror(e));
				return SK_ERR_IO;
			}
			st.st_size = 0;
		}
		if (st.st_size == 0) {
			*present = 0;
			a->seq = 0;
			memcpy(a->mac, sk_audit_zero_mac, sizeof(a->mac));
			return SK_OK;
		}
		rc = sk_audit_anchor_read(path, key, keylen, a);
		if (rc != SK_ERR_PROTO && rc != SK_ERR_CRYPTO)
			break;
		/* A read racing the broker's rewrite in place may see a mix; read once more. */
		nanosleep(&settle_wait, NULL);
	}
	if (rc == SK_ERR_PROTO) {
		fault(r, 0, "anchor malformed");
		return 1;
	}
	if (rc == SK_ERR_CRYPTO) {
		fault(r, 0, "anchor forged: its tag does not verify with the audit key");
		return 1;
	}
	if (rc != SK_OK)
		return rc;
	*present = 1;
	return SK_OK;
}

/* The chain cannot show records cut off its end; the anchor can. The anchor was read before
 * the log: the broker syncs a record before anchoring it, so the log then held at least
 * anchor.seq records and a shorter log was truncated, even while the broker appends.
 * Records past the anchor are appends in flight on a running broker: wait briefly for them
 * to be anchored, and report them when they never are (a crash between the two writes, or
 * records added by someone holding the key). SK_OK when whole, 1 for a fault. */
static int
settle_with_anchor(struct verify_state *vs, const char *anchor_path, const unsigned char *key,
                   size_t keylen, struct sk_audit_report *r)
{
	struct sk_audit_anchor next;
	int round, present = 0, rc;

	for (round = 0;; round++) {
		rc = scan_lines(vs, key, keylen, r);
		if (rc != SK_OK)
			return rc;
		if (r->last_seq < vs->anchor.seq) {
			fault(r, vs->lineno + 1,
			      "truncated: log ends at seq %" PRIu64 ", anchor says %" PRIu64, r->last_seq,
			      vs->anchor.seq);
			return 1;
		}
		if (vs->have_anchor_mac &&
		    CRYPTO_memcmp(vs->anchor_seq_mac, vs->anchor.mac, SK_AUDIT_MAC_HEX) != 0) {
			fault(r, vs->anchor.seq,
			      "rewritten: record %" PRIu64 " does not match the anchor", vs->anchor.seq);
			return 1;
		}
		if (!vs->torn && vs->have_anchor_mac && r->last_seq == vs->anchor.seq)
			return SK_OK;
		if (round == SETTLE_ROUNDS) {
			if (vs->torn)
				fault(r, vs->lineno + 1, "malformed line (no final newline)");
			else if (!vs->anchor_present)
				fault(r, 0, "anchor missing: log has %" PRIu64 " records", r->records);
			else
				fault(r, vs->anchor.seq + 1,
				      "anchor mismatch: log ends at seq %" PRIu64 ", anchor says %" PRIu64,
				      r->last_seq, vs->anchor.seq);
			return 1;
		}
		nanosleep(&settle_wait, NULL);
		rc = load_anchor(anchor_path, key, keylen, &next, &present, r);
		if (rc != SK_OK)
			return rc;
		if (next.seq < vs->anchor.seq || (vs->anchor_present && !present)) {
			fault(r, 0, "anchor mismatch: anchor went back from seq %" PRIu64 " to %" PRIu64,
			      vs->anchor.seq, next.seq);
			return 1;
		}
		/* For a new seq the mac to hold it to is the last one read, or comes with the
		 * next scan; one passed already is not kept, so that round cannot settle. */
		if (next.seq != vs->anchor.seq) {
			vs->have_anchor_mac = next.seq == r->last_seq;
			memcpy(vs->anchor_seq_mac, vs->last_mac, sizeof(vs->anchor_seq_mac));
		}
		vs->anchor = next;
		vs->anchor_present = present;
	}
}

/* A log file for reading: not a symbolic link, a regular file. */
static int
open_log(const char *path, FILE **f)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;   /* logging may change errno */

		sk_logerr("cannot open the log %s: %s", path, strerror(e));
		return e == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sk_logerr("log %s is not a regular file", path);
		close(fd);
		return SK_ERR_IO;
	}
	if ((*f = fdopen(fd, "r")) == NULL) {
		sk_logerr("fdopen failed: %s", strerror(errno));
		close(fd);
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

/* Whole until a fault is found; a log that starts at record 1 joins nothing before it. */
static void
report_begin(struct sk_audit_report *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = 1;
	r->first_seq = 1;
	memcpy(r->first_prev, sk_audit_zero_mac, sizeof(r->first_prev));
	memcpy(r->last_mac, sk_audit_zero_mac, sizeof(r->last_mac));
}

/* Verification itself failed: the report must not read "whole" to a careless caller. */
static int
report_error(struct sk_audit_report *r, int rc)
{
	r->ok = 0;
	(void)snprintf(r->problem, sizeof(r->problem), "verification failed: %s", sk_strerror(rc));
	return rc;
}

/* The local anchor says the log is whole; a copy of a later anchor, taken from syslog, can
 * still show that log and anchor were both cut back (an older anchor put back, or the key
 * stolen). SK_OK when the log reaches it, 1 for a fault. */
static int
check_remote(const struct verify_state *vs, struct sk_audit_report *r)
{
	if (r->last_seq < vs->remote->seq) {
		fault(r, r->last_seq + 1,
		      "truncated: log ends at seq %" PRIu64 ", the remote anchor says %" PRIu64,
		      r->last_seq, vs->remote->seq);
		return 1;
	}
	if (!vs->have_remote_mac ||
	    CRYPTO_memcmp(vs->remote_seq_mac, vs->remote->mac, SK_AUDIT_MAC_HEX) != 0) {
		fault(r, vs->remote->seq,
		      "rewritten: record %" PRIu64 " does not match the remote anchor", vs->remote->seq);
		return 1;
	}
	return SK_OK;
}

int
sk_audit_verify(const char *log_path, const char *anchor_path, const unsigned char *key,
                size_t keylen, struct sk_audit_report *report)
{
	return sk_audit_verify_remote(log_path, anchor_path, key, keylen, NULL, report);
}

int
sk_audit_verify_remote(const char *log_path, const char *anchor_path,
                       const unsigned char *key, size_t keylen,
                       const struct sk_audit_anchor *remote, struct sk_audit_report *report)
{
	struct verify_state vs;
	int rc;

	if (log_path == NULL || anchor_path == NULL || key == NULL ||
	    keylen != SK_AUDIT_KEY_LEN || report == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	/* Not whole until proven so, also for a caller that ignores the return code. */
	memset(report, 0, sizeof(*report));
	memset(&vs, 0, sizeof(vs));
	memcpy(vs.last_mac, sk_audit_zero_mac, sizeof(vs.last_mac));
	report_begin(report);
	vs.remote = remote;
	rc = load_anchor(anchor_path, key, keylen, &vs.anchor, &vs.anchor_present, report);
	if (rc != SK_OK)
		return rc > 0 ? SK_OK : report_error(report, rc);
	vs.have_anchor_mac = vs.anchor.seq == 0;
	memcpy(vs.anchor_seq_mac, sk_audit_zero_mac, sizeof(vs.anchor_seq_mac));

	if ((rc = open_log(log_path, &vs.f)) != SK_OK)
		return report_error(report, rc);
	rc = settle_with_anchor(&vs, anchor_path, key, keylen, report);
	if (rc == SK_OK && remote != NULL)
		rc = check_remote(&vs, report);
	fclose(vs.f);
	/* A finding is a successful verification: rc > 0 only says the report has it. */
	return rc >= 0 ? SK_OK : report_error(report, rc);
}

int
sk_audit_verify_segment(const char *path, const unsigned char *key, size_t keylen,
                        struct sk_audit_report *report)
{
	struct verify_state vs;
	int rc;

	if (path == NULL || key == NULL || keylen != SK_AUDIT_KEY_LEN || report == NULL) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	memset(&vs, 0, sizeof(vs));
	memcpy(vs.last_mac, sk_audit_zero_mac, sizeof(vs.last_mac));
	report_begin(report);
	if ((rc = open_log(path, &vs.f)) != SK_OK)
		return report_error(report, rc);
	/* No anchor speaks for a rotated file: it must be whole lines, at least one, and its
	 * end is held by the start of the file after it (the caller's check). */
	rc = scan_lines(&vs, key, keylen, report);
	if (rc == SK_OK && vs.torn)
		fault(report, vs.lineno + 1, "malformed line (no final newline)");
	else if (rc == SK_OK && report->records == 0)
		fault(report, 0, "empty: a rotated file holds at least one record");
	fclose(vs.f);
	return rc >= 0 ? SK_OK : report_error(report, rc);
}
