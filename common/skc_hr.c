/* The HR family's typed calls (skc_hr.h). */
#include "skc_hr.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"

int
skc_read_temp_passwords(const struct sk_msg *reply, int required, size_t name_cap, size_t pw_cap,
                        void (*put)(void *arg, size_t i, const char *name, const char *pw),
                        void *arg, size_t *n_out)
{
	char text[SKC_TEMP_PASSWORD_TEXT_MAX], *tab;
	size_t n = 0, len;
	int g;

	*n_out = 0;
	if (name_cap + pw_cap + 1 > sizeof(text))
		return SK_ERR_ARG;
	if ((g = sk_msg_get_array_len(reply, SK_K_HR_TEMP_PASSWORDS, &n)) == SK_ERR_NOTFOUND)
		return required ? SK_ERR_PROTO : SK_OK;
	if (g != SK_OK || n > SK_ARRAY_MAX)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < n; i++) {
		if (sk_msg_get_array_bytes(reply, SK_K_HR_TEMP_PASSWORDS, i, (unsigned char *)text,
		                           name_cap + pw_cap, &len) != SK_OK)
			return SK_ERR_PROTO;
		text[len] = '\0';
		tab = strchr(text, '\t');
		if (tab == NULL || memchr(text, '\0', len) != NULL ||
		    (size_t)(tab - text) >= name_cap || tab == text ||
		    strlen(tab + 1) == 0 || strlen(tab + 1) >= pw_cap) {
			explicit_bzero(text, sizeof(text));
			return SK_ERR_PROTO;
		}
		*tab = '\0';
		put(arg, i, text, tab + 1);   /* lengths checked above */
		*n_out = i + 1;
	}
	explicit_bzero(text, sizeof(text));
	return SK_OK;
}

static void
put_hire(void *arg, size_t i, const char *staff, const char *password)
{
	struct skc_hr_stage_out *o = arg;

	memcpy(o->hires[i].staff, staff, strlen(staff) + 1);
	memcpy(o->hires[i].password, password, strlen(password) + 1);
}

static int
decode_stage(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_hr_stage_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return skc_read_temp_passwords(reply, 0, SKC_HR_STAFF_MAX, SKC_HR_PW_MAX, put_hire, o,
	                               &o->n_hires);
}

int
skc_stage_batch(struct skc_req *q, unsigned type, const char *actor, const char *file_sha256,
                int first, const char *const *rows, size_t n)
{
	const unsigned char *items[SK_ARRAY_MAX];
	size_t lens[SK_ARRAY_MAX];

	if (n == 0 || n > SK_ARRAY_MAX)
		return SK_ERR_RANGE;
	for (size_t i = 0; i < n; i++) {
		items[i] = (const unsigned char *)rows[i];
		lens[i] = strlen(rows[i]);
	}
	skc_req_begin(q, type, actor);
	skc_put_text(q, SK_K_HR_FILE, file_sha256);
	skc_put_bool(q, SK_K_HR_FIRST, first);
	skc_put_bytes_array(q, SK_K_HR_RECORDS, items, lens, n);
	return SK_OK;
}

int
skc_hr_stage(struct sk_client *c, const struct skc_hr_stage_in *in, struct skc_hr_stage_out *out)
{
	struct skc_req q;
	char *block;
	size_t len = 0, l;
	int r;

	memset(out, 0, sizeof(*out));
	if (in->n == 0 || in->n > SK_HR_STAGE_RECORDS_MAX)
		return SK_ERR_RANGE;
	/* One bytes value of many records, not an array of SK_ARRAY_MAX: the round trip per
	 * batch, not the records, was most of the staging of a large file (doc/performance.md). */
	if ((block = malloc(SK_HR_STAGE_BLOCK_MAX)) == NULL)
		return SK_ERR_NOMEM;
	for (size_t i = 0; i < in->n; i++) {
		l = strlen(in->records[i]);
		if (l == 0 || l > 127 || memchr(in->records[i], '\n', l) != NULL ||
		    len + l + (i > 0) > SK_HR_STAGE_BLOCK_MAX) {
			free(block);
			return SK_ERR_RANGE;
		}
		if (i > 0)
			block[len++] = '\n';
		memcpy(block + len, in->records[i], l);
		len += l;
	}
	skc_req_begin(&q, SK_REQ_HR_STAGE, in->actor);
	skc_put_text(&q, SK_K_HR_FILE, in->file_sha256);
	skc_put_bool(&q, SK_K_HR_FIRST, in->first);
	skc_put_bytes(&q, SK_K_HR_RECORD_BLOCK, block, len);
	free(block);
	r = skc_exchange(c, &q, &out->res, decode_stage, out);
	return r;
}

static int
decode_commit(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_hr_commit_out *o = out;

	if (!skc_optional(sk_msg_get_text_opt(reply, SK_K_HR_STAFF, o->staff, sizeof(o->staff))) ||
	    !skc_optional(sk_msg_get_uint_opt(reply, SK_K_HR_LINE, 0, &o->line)))
		return SK_ERR_PROTO;
	if (res->status != SK_ST_OK)
		return SK_OK;
	/* The document carries the hires' temporary passwords: skc_read_json wipes its text. */
	return skc_read_json(reply, &o->doc);
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
