/* Typed calls of the HR family (see skc.h): HR_STAGE, HR_COMMIT, HR_PENDING
 * (doc/hr-import.md, doc/protocol.md). */
#ifndef SKC_HR_H
#define SKC_HR_H
#include "skc.h"

#define SKC_HR_STAFF_MAX 17   /* SK_K_HR_STAFF: 16 digits and the NUL */

/* HR_STAGE: up to SK_HR_STAGE_RECORDS_MAX records of one file (of them at most SK_ARRAY_MAX
 * hires), each the wire text of SK_K_HR_RECORDS (1-127 bytes, no newline), sent as one
 * SK_K_HR_RECORD_BLOCK; SK_ERR_RANGE otherwise. first says that this is the file's first batch. Status EXISTS: the file was imported.
 * With status OK, the temporary password of each hire staged now (a secret: shown only
 * after the commit succeeded, then explicit_bzero'd). */
struct skc_hr_stage_in {
	const char *actor;
	const char *file_sha256;          /* 64 lower-case hex digits */
	int first;
	const char *const *records;
	size_t n;
};
#define SKC_HR_PW_MAX 64
struct skc_hr_hire_password {
	char staff[SKC_HR_STAFF_MAX];
	char password[SKC_HR_PW_MAX];
};
struct skc_hr_stage_out {
	struct skc_result res;
	struct skc_hr_hire_password hires[SK_ARRAY_MAX];
	size_t n_hires;
};
int skc_hr_stage(struct sk_client *c, const struct skc_hr_stage_in *in,
                 struct skc_hr_stage_out *out);

/* Begins a staging request of type (HR_STAGE, USER_IMPORT_STAGE) with a batch of rows, each
 * sent as the text of one SK_K_HR_RECORDS item: SK_ERR_RANGE unless 1..SK_ARRAY_MAX rows. */
int skc_stage_batch(struct skc_req *q, unsigned type, const char *actor, const char *file_sha256,
                    int first, const char *const *rows, size_t n);

/* The "NAME<TAB>PASSWORD" items of SK_K_HR_TEMP_PASSWORDS (HR hires, bulk enrolment): each
 * name shorter than name_cap and each password shorter than pw_cap, neither empty, no NUL;
 * put() stores item i (a secret: the caller zeroes it after use). Absent: SK_OK with
 * *n_out = 0, or SK_ERR_PROTO when required. Any malformed item: SK_ERR_PROTO. */
#define SKC_TEMP_PASSWORD_TEXT_MAX 160
int skc_read_temp_passwords(const struct sk_msg *reply, int required, size_t name_cap,
                            size_t pw_cap,
                            void (*put)(void *arg, size_t i, const char *name, const char *pw),
                            void *arg, size_t *n_out);

/* HR_COMMIT: applies the staged rows of the file in one transaction. With status OK, doc is
 * {"file", "applied", "pending", "unchanged", "hires": [{"user", "effective"}]}: the hires
 * made, whose passwords HR_STAGE gave. A refusal's reason may name a
 * row: staff and line (SK_K_HR_STAFF, SK_K_HR_LINE), "" and 0 when it does not. */
struct skc_hr_commit_in {
	const char *actor;
	const char *file_sha256;
	uint64_t count;                   /* records staged */
};
struct skc_hr_commit_out {
	struct skc_result res;
	struct json_object *doc;
	char staff[SKC_HR_STAFF_MAX];
	uint64_t line;
};
int skc_hr_commit(struct sk_client *c, const struct skc_hr_commit_in *in,
                  struct skc_hr_commit_out *out);

/* HR_PENDING: {"pending": [{"staff_no", "event", "effective", "employment", "dept", "file",
 * "line", "event_id"}], "truncated"}. */
struct skc_hr_pending_in {
	const char *actor;
};
int skc_hr_pending(struct sk_client *c, const struct skc_hr_pending_in *in,
                   struct skc_json_out *out);

#endif
