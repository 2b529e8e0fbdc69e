/* The bulk enrolment family's typed calls (skc_import.h). */
#include "skc_import.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"

static int
decode_stage(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_user_import_stage_out *o = out;
	char text[SKC_IMPORT_USER_MAX + SKC_IMPORT_PW_MAX + 1], *tab;
	size_t n = 0, len;

	if (!skc_optional(sk_msg_get_uint_opt(reply, SK_K_HR_LINE, 0, &o->line)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_array_len(reply, SK_K_HR_TEMP_PASSWORDS, &n) != SK_OK || n > SK_ARRAY_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < n; i++) {
		if (sk_msg_get_array_bytes(reply, SK_K_HR_TEMP_PASSWORDS, i, (unsigned char *)text,
		                           sizeof(text) - 1, &len) != SK_OK)
			return SK_ERR_PROTO;
		text[len] = '\0';
		tab = strchr(text, '\t');
		if (tab == NULL || memchr(text, '\0', len) != NULL ||
		    (size_t)(tab - text) >= SKC_IMPORT_USER_MAX || tab == text ||
		    strlen(tab + 1) == 0 || strlen(tab + 1) >= SKC_IMPORT_PW_MAX) {
			explicit_bzero(text, sizeof(text));
			return SK_ERR_PROTO;
		}
		*tab = '\0';
		/* Lengths checked above. */
		memcpy(o->pw[i].user, text, (size_t)(tab - text) + 1);
		memcpy(o->pw[i].password, tab + 1, strlen(tab + 1) + 1);
		o->n = i + 1;
	}
	explicit_bzero(text, sizeof(text));
	return SK_OK;
}

int
skc_user_import_stage(struct sk_client *c, const struct skc_user_import_stage_in *in,
                      struct skc_user_import_stage_out *out)
{
	const unsigned char *items[SK_ARRAY_MAX];
	size_t lens[SK_ARRAY_MAX];
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	if (in->n == 0 || in->n > SK_ARRAY_MAX)
		return SK_ERR_RANGE;
	for (size_t i = 0; i < in->n; i++) {
		items[i] = (const unsigned char *)in->rows[i];
		lens[i] = strlen(in->rows[i]);
	}
	skc_req_begin(&q, SK_REQ_USER_IMPORT_STAGE, in->actor);
	skc_put_text(&q, SK_K_HR_FILE, in->file_sha256);
	skc_put_bool(&q, SK_K_HR_FIRST, in->first);
	skc_put_bytes_array(&q, SK_K_HR_RECORDS, items, lens, in->n);
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
