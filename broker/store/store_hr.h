/* HR state in the store (issue 10, apply layer; doc/hr-import.md): the HR files imported (by
 * content hash), the events they carried (by event identity, pending until their effective
 * date, then applied), the rows of an import being staged, and the HR fields of a user.
 *
 * Staging: the CLI sends a validated file's records in bounded batches (HR_STAGE), each
 * batch its own short transaction into hr_staged; HR_COMMIT then applies the staged rows in
 * ONE transaction, so the writer lock is never held across a round trip to the client and
 * the apply is all or nothing. */
#ifndef BROKER_STORE_HR_H
#define BROKER_STORE_HR_H
#include <stddef.h>
#include <stdint.h>

#include "sk_records.h"

struct sk_store_txn;

#define HR_ID_HEX 65          /* hex SHA-256 + NUL: event identity, file hash */
#define HR_STAFF_MAX 17       /* 16 digits + NUL */
#define HR_KEYWORD_MAX 16     /* "retirement", "fiscal-year" */
#define HR_DEPT_LEN 33
#define HR_DATE_LEN 11        /* YYYY-MM-DD + NUL */

enum hr_state { HR_STATE_PENDING = 0, HR_STATE_APPLIED = 1 };

/* One HR event: a staged row (state unused) or a recorded one. */
struct hr_event_rec {
	char event_id[HR_ID_HEX];
	char staff_no[HR_STAFF_MAX];
	char event[HR_KEYWORD_MAX];        /* hr_event_keyword() */
	char employment[HR_KEYWORD_MAX];   /* hr_employment_keyword(), "" when absent */
	char dept[HR_DEPT_LEN];
	char effective[HR_DATE_LEN];       /* YYYY-MM-DD in the site's time zone */
	char file_sha256[HR_ID_HEX];
	int64_t line;                      /* physical line of the row in its file */
	enum hr_state state;
	char pw_hash[PASSWORD_HASH_MAX];   /* a hire's temporary password (hash), until applied */
	int64_t created, applied;
};

/* The HR fields of a user (users.hr_*). staff_no "" = not from HR. */
struct user_hr {
	int64_t user_id;
	char name[64];
	char staff_no[HR_STAFF_MAX];
	char employment[HR_KEYWORD_MAX];
	char dept[HR_DEPT_LEN];
	int suspended;          /* leave or secondment: disabled by HR, re-enabled by return */
	int reconfirm;          /* set by an HR return: no login until `user reconfirm` */
};

/* *known = 1 when a file with this content hash was imported. */
int store_hr_file_known(struct sk_store_txn *t, const char *sha256, int *known);
int store_hr_file_add(struct sk_store_txn *t, const char *sha256, int64_t records, int64_t now);

/* Staging: rows of one file's import, with a hire's password hash made before the commit
 * (hashing is slow; the commit holds the writer lock). SK_ERR_EXISTS, nothing written, when
 * this identity is staged for this file already. */
int store_hr_stage_add(struct sk_store_txn *t, const struct hr_event_rec *e);
/* Drops the staged rows of one file, or of every file when sha256 is NULL (broker start). */
int store_hr_stage_clear(struct sk_store_txn *t, const char *sha256);
int store_hr_stage_count(struct sk_store_txn *t, const char *sha256, int64_t *n);
/* Up to cap staged rows (pw_hash included) after (effective, line) = (after_date,
 * after_line), in that order, into out[0..*n): SK_OK with *n >= 1, SK_ERR_NOTFOUND (*n 0) at
 * the end. Start with after_date "", then continue after the last row given. Many rows a
 * call: one statement per row was a tenth of a 100,000-row commit (doc/performance.md). */
int store_hr_stage_next(struct sk_store_txn *t, const char *sha256, const char *after_date,
                        int64_t after_line, struct hr_event_rec *out, size_t cap, size_t *n);
/* The first staged non-hire row whose staff number has no user, no staged hire and no
 * recorded hire: SK_ERR_NOTFOUND when there is none. */
/* A larger page cache on t's connection for one HR commit (on 1), back to the default after
 * it (on 0), which frees it: the commit's one transaction touches the hr_events index by a
 * hash (event_id) and spilled pages to the WAL and read them back (doc/performance.md). The
 * extra memory is bounded (STORE_HR_BULK_CACHE_KIB), not per row. No-op where the backend
 * keeps no cache of its own (PostgreSQL). Call outside a transaction. */
#define STORE_HR_BULK_CACHE_KIB 16384
int store_hr_bulk_cache(struct sk_store_txn *t, int on);
int store_hr_stage_orphan(struct sk_store_txn *t, const char *sha256, struct hr_event_rec *out);

/* Recorded events. *known = 1 when this identity was recorded (by any file). */
int store_hr_event_known(struct sk_store_txn *t, const char *event_id, int *known);
int store_hr_event_insert(struct sk_store_txn *t, const struct hr_event_rec *e);
int store_hr_event_set_applied(struct sk_store_txn *t, const char *event_id, int64_t now);
/* The earliest pending event due on or before today (YYYY-MM-DD), by (effective, line);
 * SK_ERR_NOTFOUND when none is due. */
int store_hr_event_next_due(struct sk_store_txn *t, const char *today, struct hr_event_rec *out);
/* Calls fn for each pending event by (effective, line); fn returns non-zero to stop. */
int store_hr_event_pending(struct sk_store_txn *t,
                           int (*fn)(void *, const struct hr_event_rec *), void *arg);

/* The user with this staff number: SK_ERR_NOTFOUND when none. */
int store_user_hr_by_staff(struct sk_store_txn *t, const char *staff_no, struct user_hr *out);
/* The HR fields of the user with this id: SK_ERR_NOTFOUND when none. */
int store_user_hr_get(struct sk_store_txn *t, int64_t user_id, struct user_hr *out);
/* Writes staff number, employment, department, suspended and reconfirm of user_id. A staff number ""
 * unlinks the user (stored as NULL, so any number of users may be unlinked). */
int store_user_hr_set(struct sk_store_txn *t, const struct user_hr *h);

#endif
