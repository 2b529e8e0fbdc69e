/* The bulk enrolment family's typed calls (skc_import.h). */
#include "skc_import.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "skc_hr.h"

static void
put_password(void *arg, size_t i, const char *user, const char *password)
{
	struct skc_user_import_stage_out *o = arg;

	memcpy(o->pw[i].user, user, strlen(user) + 1);
	memcpy(o->pw[i].password, password, strlen(password) + 1);
}

static int
decode_stage(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_user_import_stage_out *o = out;

	if (!skc_optional(sk_msg_get_uint_opt(reply, SK_K_HR_LINE, 0, &o->line)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* The same items as HR_STAGE's hires, with user names (skc_hr.h). */
	return skc_read_temp_passwords(reply, 1, SKC_IMPORT_USER_MAX, SKC_IMPORT_PW_MAX,
	                               put_password, o, &o->n);
}

int
skc_user_import_stage(struct sk_client *c, const struct skc_user_import_stage_in *in,
                      struct skc_user_import_stage_out *out)
{
	struct skc_req q;
	int r;

	memset(out, 0, sizeof(*out));
	/* The same staging as HR_STAGE (skc_hr.h), under its own request type. */
	if ((r = skc_stage_batch(&q, SK_REQ_USER_IMPORT_STAGE, in->actor, in->file_sha256,
	                         in->first, in->rows, in->n)) != SK_OK)
		return r;
	return skc_exchange(c, &q, &out->res, decode_stage, out);
}

static int
decode_commit(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_user_import_commit_out *o = out;

	if (!skc_optional(sk_msg_get_uint_opt(reply, SK_K_HR_LINE, 0, &o->line)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	return skc_read_json(reply, &o->doc);
}

int
skc_user_import_commit(struct sk_client *c, const struct skc_user_import_commit_in *in,
                       struct skc_user_import_commit_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_USER_IMPORT_COMMIT, in->actor);
	skc_put_text(&q, SK_K_HR_FILE, in->file_sha256);
	skc_put_uint(&q, SK_K_HR_COUNT, in->count);
	return skc_exchange(c, &q, &out->res, decode_commit, out);
}
