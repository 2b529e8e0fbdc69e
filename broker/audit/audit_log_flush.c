/* The audit log's part in the group commit (audit_durable.c, doc/architecture.md
 * "Durability"): the sync that covers many decisions at once, and at start the restore of
 * records the store committed but the log lost.
 *
 * audit_log_flush syncs a duplicate of the descriptor without holding the log's lock, so
 * that the thread holding the store's writer lock can append the next transaction's records
 * while the sync runs: what is synced is at least every record written before it started,
 * and only those are counted as synced. The anchor then names the last of them; it is
 * rewritten without a sync of its own (the kernel writes it back), see "Durability" for what
 * that leaves to an attacker who holds the disk. */
#include "audit_log.h"
#include "audit_log_internal.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

int
audit_log_flush(struct audit_log *log, uint64_t *seq_out)
{
	struct sk_audit_anchor a;
	int fd, rc = SK_OK;

	pthread_mutex_lock(&log->mu);
	if (log->broken) {
		pthread_mutex_unlock(&log->mu);
		sk_logerr("refused: an earlier failure left log and anchor out of step");
		return SK_ERR_AUDIT;
	}
	a.seq = log->seq;
	memcpy(a.mac, log->mac, sizeof(a.mac));
	/* A rotation may close log_fd meanwhile (after syncing it): the duplicate stays ours. */
	fd = a.seq > log->synced_seq ? fcntl(log->log_fd, F_DUPFD_CLOEXEC, 0) : -2;
	pthread_mutex_unlock(&log->mu);
	if (fd == -2) {
		if (seq_out != NULL)
			*seq_out = a.seq;
		return SK_OK;
	}
	if (fd < 0 || fdatasync(fd) != 0) {
		sk_logerr("cannot sync the log: %s", strerror(errno));
		rc = SK_ERR_AUDIT;
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&log->mu);
	if (rc != SK_OK) {
		/* Whether the records exist is unknown: nothing may be chained to them. */
		log->broken = 1;
	} else if (log->broken) {
		rc = SK_ERR_AUDIT;
	} else if (a.seq > log->synced_seq) {
		if (sk_audit_anchor_put(log->anchor_fd, log->key, sizeof(log->key), &a, 0) != SK_OK) {
			log->broken = 1;
			rc = SK_ERR_AUDIT;
		} else {
			log->synced_seq = a.seq;
		}
	}
	pthread_mutex_unlock(&log->mu);
	if (rc == SK_OK && seq_out != NULL)
		*seq_out = a.seq;
	return rc;
}

uint64_t
audit_log_synced_seq(struct audit_log *log)
{
	uint64_t seq;

	pthread_mutex_lock(&log->mu);
	seq = log->synced_seq;
	pthread_mutex_unlock(&log->mu);
	return seq;
}

int
audit_log_restore_line(struct audit_log *log, const char *line, size_t len)
{
	char mac[SK_AUDIT_MAC_HEX + 1], prev[SK_AUDIT_MAC_HEX + 1];
	char buf[SK_AUDIT_LINE_MAX + 1];
	const char *why = "";
	uint64_t seq = 0;
	int rc;

	if (len == 0 || len >= SK_AUDIT_LINE_MAX || memchr(line, '\n', len) != NULL) {
		sk_logerr("stored audit line malformed");
		return SK_ERR_AUDIT;
	}
	rc = sk_audit_line_open(log->key, SK_AUDIT_KEY_LEN, line, len, &seq, prev, mac, &why);
	if (rc != SK_OK) {
		sk_logerr("stored audit line does not verify (%s)", rc == SK_ERR_CRYPTO ?
		          "MAC" : why);
		return SK_ERR_AUDIT;
	}
	pthread_mutex_lock(&log->mu);
	if (log->broken || seq != log->seq + 1 ||
	    CRYPTO_memcmp(prev, log->mac, SK_AUDIT_MAC_HEX) != 0) {
		sk_logerr("stored audit record %" PRIu64 " does not continue the log (last seq %"
		          PRIu64 ")", seq, log->seq);
		pthread_mutex_unlock(&log->mu);
		return SK_ERR_AUDIT;
	}
	rc = audit_log_check_identity(log);
	memcpy(buf, line, len);
	buf[len] = '\n';
	if (rc == SK_OK && sk_write_full(log->log_fd, buf, len + 1, -1) != SK_OK) {
		sk_logerr("cannot write the log: %s", strerror(errno));
		log->broken = 1;   /* maybe a part of the line: restart looks again */
		rc = SK_ERR_AUDIT;
	}
	if (rc == SK_OK) {
		log->seq = seq;
		memcpy(log->mac, mac, sizeof(log->mac));
		log->end += (off_t)len + 1;
	}
	pthread_mutex_unlock(&log->mu);
	return rc;
}
