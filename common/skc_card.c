/* The IC card family's typed calls (skc_card.h). */
#include "skc_card.h"

#include <string.h>

#include "sk_err.h"

/* 64 lower-case hex digits: what the broker writes for a binding. */
static int
valid_hash(const char *s)
{
	return strlen(s) == SKC_HASH_HEX - 1 && strspn(s, "0123456789abcdef") == SKC_HASH_HEX - 1;
}

static int
decode_enroll(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_card_enroll_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	if (sk_msg_get_uint(reply, SK_K_FACTOR_ID, &o->factor_id) != SK_OK ||
	    sk_msg_get_text(reply, SK_K_CERT_HASH, o->cert_hash, sizeof(o->cert_hash)) != SK_OK ||
	    !valid_hash(o->cert_hash))
		return SK_ERR_PROTO;
	return SK_OK;
}

int
skc_card_enroll(struct sk_client *c, const struct skc_card_enroll_in *in,
                struct skc_card_enroll_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_CARD_ENROLL, in->actor);
	skc_put_text(&q, SK_K_USER, in->user);
	skc_put_bytes(&q, SK_K_CERT, in->cert, in->cert_len);
	skc_put_uint(&q, SK_K_CARD_KIND, in->kind);
	skc_put_text_opt(&q, SK_K_CARD_UID, in->uid);
	if (in->other_cert != NULL && in->other_cert_len > 0) {
		/* The card's other certificate, so that the broker binds the card and not one
		 * key (R-CARD-1). */
		const unsigned char *items[1] = { in->other_cert };
		size_t lens[1] = { in->other_cert_len };

		skc_put_bytes_array(&q, SK_K_CARD_CERTS, items, lens, 1);
	}
	return skc_exchange(c, &q, &out->res, decode_enroll, out);
}

int
skc_card_list(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out)
{
	return skc_user_json(c, SK_REQ_CARD_LIST, in, out);
}

static int
card_change(struct sk_client *c, unsigned type, const struct skc_card_change_in *in,
            struct skc_reply_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, type, in->actor);
	skc_put_text_opt(&q, SK_K_USER, in->user);
	skc_put_text_opt(&q, SK_K_CERT_HASH, in->cert_hash);
	skc_put_text(&q, SK_K_CARD_REASON, in->reason);
	skc_put_text_opt(&q, SK_K_MESSAGE, in->note);
	return skc_exchange(c, &q, &out->res, NULL, NULL);
}

int
skc_card_revoke(struct sk_client *c, const struct skc_card_change_in *in,
                struct skc_reply_out *out)
{
	return card_change(c, SK_REQ_CARD_REVOKE, in, out);
}

int
skc_card_dispose(struct sk_client *c, const struct skc_card_change_in *in,
                 struct skc_reply_out *out)
{
	return card_change(c, SK_REQ_CARD_DISPOSE, in, out);
}
