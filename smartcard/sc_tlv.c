#include "sc_tlv.h"

#include "sk_err.h"
#include "sk_log.h"

int
sc_tlv_header(const uint8_t *buf, size_t len, unsigned int *tag, size_t *hdr_len,
	      size_t *val_len)
{
	size_t i = 0;
	unsigned int t;
	size_t l;

	if (buf == NULL || len < 2) {
		sk_logerr("TLV header truncated");
		return SK_ERR_PROTO;
	}
	t = buf[i++];
	if ((t & 0x1F) == 0x1F) {
		/* Multi-byte tag: continuation bytes have bit 8 set; three bytes at most. */
		do {
			if (i >= len || i >= 3) {
				sk_logerr("TLV tag too long or truncated");
				return SK_ERR_PROTO;
			}
			t = (t << 8) | buf[i];
		} while (buf[i++] & 0x80);
	}
	if (i >= len) {
		sk_logerr("TLV length missing");
		return SK_ERR_PROTO;
	}
	l = buf[i++];
	if (l == 0x81) {
		if (i + 1 > len) {
			sk_logerr("TLV length 81 truncated");
			return SK_ERR_PROTO;
		}
		l = buf[i++];
	} else if (l == 0x82) {
		if (i + 2 > len) {
			sk_logerr("TLV length 82 truncated");
			return SK_ERR_PROTO;
		}
		l = ((size_t)buf[i] << 8) | buf[i + 1];
		i += 2;
	} else if (l >= 0x80) {
		sk_logerr("TLV length form 0x%02zx not accepted", l);
		return SK_ERR_PROTO;
	}
	*tag = t;
	*hdr_len = i;
	*val_len = l;
	return SK_OK;
}

int
sc_tlv_next(const uint8_t *buf, size_t len, size_t *off, struct sc_tlv *out)
{
	size_t hdr, vlen;
	unsigned int tag;
	int r;

	if (*off > len) {
		sk_logerr("TLV offset past the buffer");
		return SK_ERR_INTERNAL;
	}
	r = sc_tlv_header(buf + *off, len - *off, &tag, &hdr, &vlen);
	if (r != SK_OK)
		return r;
	if (vlen > len - *off - hdr) {
		sk_logerr("TLV value of %zu bytes runs past the buffer", vlen);
		return SK_ERR_PROTO;
	}
	out->tag = tag;
	out->hdr_len = hdr;
	out->val = buf + *off + hdr;
	out->len = vlen;
	*off += hdr + vlen;
	return SK_OK;
}

int
sc_tlv_only(const uint8_t *buf, size_t len, unsigned int tag, struct sc_tlv *out)
{
	size_t off = 0;
	int r = sc_tlv_next(buf, len, &off, out);

	if (r != SK_OK)
		return r;
	if (out->tag != tag) {
		sk_logerr("expected tag 0x%X, got 0x%X", tag, out->tag);
		return SK_ERR_PROTO;
	}
	if (off != len) {
		sk_logerr("%zu bytes after tag 0x%X", len - off, tag);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

size_t
sc_tlv_put_len(uint8_t *out, size_t cap, size_t len)
{
	if (len < 0x80 && cap >= 1) {
		out[0] = (uint8_t)len;
		return 1;
	}
	if (len <= 0xFF && cap >= 2) {
		out[0] = 0x81;
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xFFFF && cap >= 3) {
		out[0] = 0x82;
		out[1] = (uint8_t)(len >> 8);
		out[2] = (uint8_t)len;
		return 3;
	}
	return 0;
}
