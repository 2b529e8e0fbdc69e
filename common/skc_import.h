/* Typed calls of the bulk enrolment family (see skc.h): USER_IMPORT_STAGE and
 * USER_IMPORT_COMMIT (doc/bulk-enrol.md, doc/protocol.md). */
#ifndef SKC_IMPORT_H
#define SKC_IMPORT_H
#include "skc.h"

#define SKC_IMPORT_USER_MAX 64   /* SK_USER_MAX */
#define SKC_IMPORT_PW_MAX 64

/* USER_IMPORT_STAGE: up to SK_ARRAY_MAX rows, each "user\tprofile\tstaff\tline" (profile and
 * staff may be empty). first starts the file's staging on this connection (any older one is
 * dropped). With status OK, one temporary password per row, in order (a secret: shown only
 * after the commit succeeded, then explicit_bzero'd). A refusal's line names the row. */
struct skc_user_import_stage_in {
	const char *actor;
	const char *file_sha256;          /* 64 lower-case hex digits */
	int first;
	const char *const *rows;
	size_t n;
};
struct skc_import_password {
	char user[SKC_IMPORT_USER_MAX];
	char password[SKC_IMPORT_PW_MAX];
};
struct skc_user_import_stage_out {
	struct skc_result res;
	struct skc_import_password pw[SK_ARRAY_MAX];
	size_t n;
	uint64_t line;
};
int skc_user_import_stage(struct sk_client *c, const struct skc_user_import_stage_in *in,
                          struct skc_user_import_stage_out *out);

/* USER_IMPORT_COMMIT: adds every staged user in one transaction. Status OK: doc is
 * {"file", "added"}; EXISTS: this file was imported before (nothing changed). A refusal's
 * line names the row (0 when it is about no row). */
struct skc_user_import_commit_in {
	const char *actor;
	const char *file_sha256;
	uint64_t count;                   /* rows staged */
};
struct skc_user_import_commit_out {
	struct skc_result res;
	struct json_object *doc;
	uint64_t line;
};
int skc_user_import_commit(struct sk_client *c, const struct skc_user_import_commit_in *in,
                           struct skc_user_import_commit_out *out);

#endif
