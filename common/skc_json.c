/* The typed calls' JSON replies (see skc.h): apart from skc.c so that a program that reads no
 * JSON document - pam_sekimori.so - does not link libjson-c (issue 11, item 2). */
#include "skc.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"

int
skc_read_json(const struct sk_msg *reply, struct json_object **doc)
{
	char *text;
	int r = SK_OK;

	*doc = NULL;
	if ((text = malloc(SK_TEXT_MAX + 1)) == NULL)
		return SK_ERR_NOMEM;
	if (sk_msg_get_text(reply, SK_K_JSON, text, SK_TEXT_MAX + 1) != SK_OK ||
	    (*doc = json_tokener_parse(text)) == NULL)
		r = SK_ERR_PROTO;
	/* Some documents carry secrets (temporary passwords of hires): the text is wiped. */
	explicit_bzero(text, SK_TEXT_MAX + 1);
	free(text);
	return r;
}

int
skc_decode_json(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_json_out *o = out;

	o->doc = NULL;
	if (res->status != SK_ST_OK)
		return SK_OK;
	return skc_read_json(reply, &o->doc);
}

int
skc_user_json(struct sk_client *c, unsigned type, const struct skc_user_in *in,
              struct skc_json_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, type, in->actor);
	skc_put_text_opt(&q, SK_K_USER, in->user);
	out->doc = NULL;
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}
