/* The terminal family's typed calls (skc_terminal.h). */
#include "skc_terminal.h"

#include <ctype.h>
#include <string.h>

#include "sk_err.h"

static int
decode_revoke(const struct sk_msg *reply, const struct skc_result *res, void *out)
{
	struct skc_terminal_revoke_out *o = out;

	if (res->status != SK_ST_OK)
		return SK_OK;
	return sk_msg_get_uint(reply, SK_K_TERMINAL_COUNT, &o->revoked) == SK_OK ? SK_OK :
	       SK_ERR_PROTO;
}

int
skc_terminal_revoke(struct sk_client *c, const struct skc_terminal_revoke_in *in,
                    struct skc_terminal_revoke_out *out)
{
	struct skc_req q;

	memset(out, 0, sizeof(*out));
	skc_req_begin(&q, SK_REQ_TERMINAL_REVOKE, in->actor);
	skc_put_text_opt(&q, SK_K_TERMINAL_FP, in->fingerprint);
	skc_put_text_opt(&q, SK_K_TERMINAL_SERIAL, in->serial);
	return skc_exchange(c, &q, &out->res, decode_revoke, out);
}

int
skc_terminal_list(struct sk_client *c, const struct skc_terminal_list_in *in,
                  struct skc_json_out *out)
{
	struct skc_req q;

	skc_req_begin(&q, SK_REQ_TERMINAL_LIST, in->actor);
	out->doc = NULL;
	return skc_exchange(c, &q, &out->res, skc_decode_json, out);
}

int
skc_terminal_key(const char *arg, char fp[65], char serial[65])
{
	char hex[65];
	size_t n = 0;
	const char *p = arg;

	fp[0] = serial[0] = '\0';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= sizeof(hex) - 1)
			return -1;
		hex[n++] = (char)tolower((unsigned char)*p);
	}
	hex[n] = '\0';
	if (n == 64) {   /* a serial is at most 20 octets (RFC 5280), 40 digits */
		memcpy(fp, hex, sizeof(hex));
		return 0;
	}
	p = hex;
	while (*p == '0' && p[1] != '\0')
		p++;
	if (n == 0 || n > 40 || strcmp(p, "0") == 0)
		return -1;
	memcpy(serial, p, strlen(p) + 1);
	return 0;
}
