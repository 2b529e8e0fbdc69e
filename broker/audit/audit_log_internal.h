/* The audit log's state, shared by the files of the writer (audit_log.c: open, append,
 * rotation; audit_log_flush.c: the group commit's sync and the store's restore). Not for
 * other callers: they see audit_log.h. */
#ifndef BROKER_AUDIT_LOG_INTERNAL_H
#define BROKER_AUDIT_LOG_INTERNAL_H
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "sk_audit_chain.h"

struct audit_log {
	pthread_mutex_t mu;
	int log_fd;
	int anchor_fd;
	/* Set when a failure may have left the log and anchor out of step (a record written
	 * but not anchored, or a sync that failed): every later append is refused, since
	 * continuing would bury the fault under new records. Reopening checks the state. */
	int broken;
	off_t end;          /* log size after our last record: anything else wrote to it */
	dev_t dev;          /* the log file opened, to see it deleted or replaced */
	ino_t ino;
	char path[PATH_MAX];
	time_t rotating_since;   /* audit_log_rotate_prepare's time; 0: no rotation announced */
	uint64_t seq;
	char mac[SK_AUDIT_MAC_HEX + 1];
	/* The last record made durable (log fdatasync'ed) and anchored; seq > synced_seq:
	 * records written but waiting for audit_log_sync or audit_log_flush. */
	uint64_t synced_seq;
	unsigned char key[SK_AUDIT_KEY_LEN];
};

/* Is the open log still the one file at its path, of the size we left it? Else SK_ERR_AUDIT,
 * said at LOG_ALERT, and the log broken. Called with log->mu held. */
int audit_log_check_identity(struct audit_log *log);
/* fdatasync of the log and an anchor rewrite (itself fdatasync'ed) for the last record, when
 * records are pending. Called with log->mu held. */
int audit_log_sync_locked(struct audit_log *log);

#endif
