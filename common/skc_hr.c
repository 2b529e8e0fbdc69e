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
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = skc_stage_batch(&q, SK_REQ_HR_STAGE, in->actor, in->file_sha256, in->first,
	                         in->records, in->n)) != SK_OK)
		return r;
	return skc_exchange(c, &q, &out->res, decode_stage, out);
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
