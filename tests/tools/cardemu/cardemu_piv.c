/* The emulated PIV card (SP 800-73-4): partial-AID select, GET DATA of the 9A and 9E
 * certificates and the discovery object, VERIFY / logout, GENERAL AUTHENTICATE with RSA-2048
 * (raw RSA over a host-padded block, command chaining) and ECC P-256 (ECDSA over the hash). */
#include "cardemu.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

static const uint8_t piv_aid[] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
};
/* Application property template: PIX and the authority's AID. */
static const uint8_t piv_apt[] = {
	0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08
};
/* Discovery object: the PIV AID and a PIN usage policy of "PIV PIN only". */
static const uint8_t piv_discovery[] = {
	0x7E, 0x12, 0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x5F, 0x2F, 0x02, 0x40, 0x00
};

static void
sw(struct emu_resp *r, uint16_t v)
{
	r->len = 0;
	r->sw = v;
}

static size_t
put_len(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	if (len <= 0xFF) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return 3;
}

/* Reads tag and length of a simple TLV; returns the header size or 0 when malformed. */
static size_t
get_tl(const uint8_t *p, size_t avail, unsigned int *tag, size_t *len)
{
	size_t h;

	if (avail < 2)
		return 0;
	*tag = p[0];
	if (p[1] < 0x80) {
		*len = p[1];
		h = 2;
	} else if (p[1] == 0x81 && avail >= 3) {
		*len = p[2];
		h = 3;
	} else if (p[1] == 0x82 && avail >= 4) {
		*len = (size_t)p[2] << 8 | p[3];
		h = 4;
	} else {
		return 0;
	}
	return *len <= avail - h ? h : 0;
}

static void
select_app(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	/* OpenSC sends the AID without its version (9 bytes): accept any prefix of 5 or more. */
	if (a->p1 != 0x04 || a->lc < 5 || a->lc > sizeof(piv_aid) ||
	    memcmp(a->data, piv_aid, a->lc) != 0) {
		sw(r, 0x6A82);
		return;
	}
	c->piv_selected = 1;
	if (a->has_le)
		emu_answer_long(c, a, piv_apt, sizeof(piv_apt), r);
	else
		sw(r, 0x9000);
}

static void
get_data(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	static uint8_t obj[EMU_OBJ_MAX + 16];
	const struct emu_blob *cert;
	unsigned int tag;
	size_t n = 0, inner;

	if (a->p1 != 0x3F || a->p2 != 0xFF || a->lc < 3 || a->data[0] != 0x5C ||
	    a->data[1] != a->lc - 2) {
		sw(r, 0x6A80);
		return;
	}
	if (a->lc == 3 && a->data[2] == 0x7E) {
		emu_answer_long(c, a, piv_discovery, sizeof(piv_discovery), r);
		return;
	}
	if (a->lc != 5) {
		sw(r, 0x6A82);
		return;
	}
	tag = (unsigned int)a->data[2] << 16 | (unsigned int)a->data[3] << 8 | a->data[4];
	if (tag == 0x5FC102 && c->has_chuid) {
		/* CHUID: 53 { 30 FASC-N (25), 34 GUID (16), 35 expiry "20351231", 3E 00, FE 00 } */
		static const uint8_t fascn[25] = { 0xD4, 0x32, 0x10, 0xD8, 0x21, 0x0C, 0x2C, 0x08 };

		obj[n++] = 0x53;
		obj[n++] = 2 + 25 + 2 + 16 + 2 + 8 + 2 + 2;
		obj[n++] = 0x30;
		obj[n++] = 25;
		memcpy(obj + n, fascn, 25);
		n += 25;
		obj[n++] = 0x34;
		obj[n++] = 16;
		memcpy(obj + n, c->chuid_guid, 16);
		n += 16;
		obj[n++] = 0x35;
		obj[n++] = 8;
		memcpy(obj + n, "20351231", 8);
		n += 8;
		obj[n++] = 0x3E;
		obj[n++] = 0x00;
		obj[n++] = 0xFE;
		obj[n++] = 0x00;
		emu_answer_long(c, a, obj, n, r);
		return;
	}
	if (tag == 0x5FC105)
		cert = &c->cert_9a;
	else if (tag == 0x5FC101)
		cert = &c->cert_9e;
	else
		cert = NULL;
	if (cert == NULL || cert->der == NULL || cert->len + 16 > sizeof(obj)) {
		sw(r, 0x6A82);
		return;
	}
	/* 53 { 70 cert, 71 01 00 (not compressed), FE 00 } */
	inner = 1 + (cert->len < 0x80 ? 1 : cert->len <= 0xFF ? 2 : 3) + cert->len + 3 + 2;
	obj[n++] = 0x53;
	n += put_len(obj + n, emu_fault(c, "obj-overrun") ? inner + 16 : inner);
	obj[n++] = 0x70;
	n += put_len(obj + n, cert->len);
	memcpy(obj + n, cert->der, cert->len);
	n += cert->len;
	obj[n++] = 0x71;
	obj[n++] = 0x01;
	obj[n++] = emu_fault(c, "compressed") ? 0x01 : 0x00;
	obj[n++] = 0xFE;
	obj[n++] = 0x00;
	emu_answer_long(c, a, obj, n, r);
}

static void
verify(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	size_t len;

	if (a->p2 != 0x80) {
		sw(r, 0x6A88);
		return;
	}
	if (a->p1 == 0xFF) {
		/* SP 800-73-4 logout: reset the PIN's security status. */
		c->pin.verified = 0;
		sw(r, a->lc == 0 ? 0x9000 : 0x6700);
		return;
	}
	if (a->p1 != 0x00) {
		sw(r, 0x6A86);
		return;
	}
	if (a->lc != 0 && a->lc != 8) {
		sw(r, 0x6700);
		return;
	}
	len = a->lc;
	while (len > 0 && a->data[len - 1] == 0xFF)
		len--;
	if (a->lc != 0 && len == 0)
		len = 8;   /* all FF: not a PIN, compare as is so it fails */
	emu_verify(c, &c->pin, a->data, len, r);
}

static int
key_matches(EVP_PKEY *k, uint8_t alg)
{
	if (alg == 0x07)
		return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) == 2048;
	if (alg == 0x11) {
		char group[64];
		size_t glen = 0;

		return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
		       EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) == 1 &&
		       strcmp(group, "prime256v1") == 0;
	}
	return 0;
}

static void
general_authenticate(struct emu_card *c, const struct emu_apdu *a, const uint8_t *in,
		     size_t in_len, struct emu_resp *r)
{
	uint8_t sig[512], out[600];
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx;
	const uint8_t *challenge = NULL;
	size_t off = 0, h, len, chal_len = 0, siglen = sizeof(sig), n = 0;
	unsigned int tag;
	int want_response = 0;

	key = a->p2 == 0x9A ? c->key_9a : a->p2 == 0x9E ? c->key_9e : NULL;
	if (a->p2 != 0x9A && a->p2 != 0x9E) {
		sw(r, 0x6A86);
		return;
	}
	if (key == NULL) {
		sw(r, 0x6A82);
		return;
	}
	if (!key_matches(key, a->p1)) {
		sw(r, 0x6A80);
		return;
	}
	if (a->p2 == 0x9A && !c->pin.verified) {
		sw(r, 0x6982);
		return;
	}
	/* 7C { 82 00, 81 challenge } in any order. */
	h = get_tl(in, in_len, &tag, &len);
	if (h == 0 || tag != 0x7C || h + len != in_len) {
		sw(r, 0x6A80);
		return;
	}
	in += h;
	in_len = len;
	while (off < in_len) {
		h = get_tl(in + off, in_len - off, &tag, &len);
		if (h == 0) {
			sw(r, 0x6A80);
			return;
		}
		if (tag == 0x82 && len == 0) {
			want_response = 1;
		} else if (tag == 0x81) {
			challenge = in + off + h;
			chal_len = len;
		} else {
			sw(r, 0x6A80);
			return;
		}
		off += h + len;
	}
	if (!want_response || challenge == NULL ||
	    (a->p1 == 0x07 ? chal_len != 256 : (chal_len == 0 || chal_len > 32))) {
		sw(r, 0x6A80);
		return;
	}
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    (a->p1 == 0x07 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1) ||
	    EVP_PKEY_sign(ctx, sig, &siglen, challenge, chal_len) != 1) {
		EVP_PKEY_CTX_free(ctx);
		sw(r, 0x6F00);
		return;
	}
	EVP_PKEY_CTX_free(ctx);
	c->count.sign_ops++;
	/* 7C { 82 signature } */
	out[n++] = 0x7C;
	n += put_len(out + n, 1 + (siglen < 0x80 ? 1 : siglen <= 0xFF ? 2 : 3) + siglen);
	out[n++] = 0x82;
	n += put_len(out + n, siglen);
	memcpy(out + n, sig, siglen);
	n += siglen;
	emu_answer_long(c, a, out, n, r);
}

/* Command chaining (CLA 10): collect fragments, answer 90 00, act on the last one. */
static void
chained(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	if (c->chaining && (c->chain_hdr[0] != a->ins || c->chain_hdr[1] != a->p1 ||
			    c->chain_hdr[2] != a->p2)) {
		c->chaining = 0;
		c->chain_len = 0;
	}
	if (a->cla & 0x10) {
		c->count.chained++;
		if (c->chain_len + a->lc > sizeof(c->chain)) {
			c->chaining = 0;
			c->chain_len = 0;
			sw(r, 0x6700);
			return;
		}
		memcpy(c->chain + c->chain_len, a->data, a->lc);
		c->chain_len += a->lc;
		c->chain_hdr[0] = a->ins;
		c->chain_hdr[1] = a->p1;
		c->chain_hdr[2] = a->p2;
		c->chaining = 1;
		sw(r, 0x9000);
		return;
	}
	if (c->chaining) {
		if (c->chain_len + a->lc > sizeof(c->chain)) {
			c->chaining = 0;
			c->chain_len = 0;
			sw(r, 0x6700);
			return;
		}
		memcpy(c->chain + c->chain_len, a->data, a->lc);
		c->chain_len += a->lc;
		c->chaining = 0;
		general_authenticate(c, a, c->chain, c->chain_len, r);
		c->chain_len = 0;
		return;
	}
	general_authenticate(c, a, a->data, a->lc, r);
}

void
emu_piv_apdu(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	uint8_t cla = a->cla & (uint8_t)~0x10;

	if (cla != 0x00) {
		c->count.unknown++;
		sw(r, 0x6E00);
		return;
	}
	if (a->ins != 0x87 && c->chaining) {
		c->chaining = 0;
		c->chain_len = 0;
	}
	if (a->ins == 0xA4 && !(a->cla & 0x10)) {
		select_app(c, a, r);
		return;
	}
	if (!c->piv_selected) {
		sw(r, 0x6D00);
		return;
	}
	switch (a->ins) {
	case 0xCB:
		get_data(c, a, r);
		break;
	case 0x20:
		verify(c, a, r);
		break;
	case 0x87:
		chained(c, a, r);
		break;
	default:
		c->count.unknown++;
		sw(r, 0x6D00);
	}
}
