/* The HR family's typed calls (skc_hr.h). */
#include "skc_hr.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"

int
skc_hr_stage(struct sk_client *c, const struct skc_hr_stage_in *in, struct skc_reply_out *out)
{
	const unsigned char *items[SK_ARRAY_MAX];
	size_t lens[SK_ARRAY_MAX];
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->n == 0 || in->n > SK_ARRAY_MAX)
		return SK_ERR_RANGE;
	for (size_t i = 0; i < in->n; i++) {
		items[i] = (const unsigned char *)in->records[i];
		lens[i] = strlen(in->records[i]);
	}
	skc_req_begin(&q, SK_REQ_HR_STAGE, in->actor);
	skc_put_text(&q, SK_K_HR_FILE, in->file_sha256);
	skc_put_bool(&q, SK_K_HR_FIRST, in->first);
	skc_put_bytes_array(&q, SK_K_HR_RECORDS, items, lens, in->n);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

static int
decode_commit(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_hr_commit_out *o = out;
	char *text;
	int r = SK_OK;

	if (!skc_optional(sk_msg_get_text_opt(reply, SK_K_HR_STAFF, o->staff, sizeof(o->staff))) ||
	    !skc_optional(sk_msg_get_uint_opt(reply, SK_K_HR_LINE, 0, &o->line)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* The document carries the hires' temporary passwords: its text is wiped. */
	if ((text = malloc(SK_TEXT_MAX + 1)) == NULL)
		return SK_ERR_NOMEM;
	if (sk_msg_get_text(reply, SK_K_JSON, text, SK_TEXT_MAX + 1) != SK_OK ||
	    (o->doc = json_tokener_parse(text)) == NULL)
		r = SK_ERR_PROTO;
	explicit_bzero(text, SK_TEXT_MAX + 1);
	free(text);
	return r;
}

int
skc_hr_commit(struct sk_client *c, const struct skc_hr_commit_in *in,
              struct skc_hr_commit_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_HR_COMMIT, in->actor);
	skc_put_text(&q, SK_K_HR_FILE, in->file_sha256);
	skc_put_uint(&q, SK_K_HR_COUNT, in->count);
	return skc_exchange(c, &q, &out->res, decode_commit, out);
}

int
skc_hr_pending(struct sk_client *c, const struct skc_hr_pending_in *in, struct skc_json_out *out)
{
	const struct skc_user_in all = { .actor = in->actor };

	return skc_user_json(c, SK_REQ_HR_PENDING, &all, out);
}
