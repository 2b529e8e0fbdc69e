/* The emulated My Number card: JPKI AP with the user-authentication side (EF 000A certificate,
 * EF 0017 key, EF 0018 PIN), the signature PIN EF 001B (OpenSC queries it), EF 000B (a CA
 * certificate the host must NOT trust) and EF 0006 (token). */
#include "cardemu.h"

#include <string.h>
#include <openssl/rsa.h>

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };

static void
sw(struct emu_resp *r, uint16_t v)
{
	r->len = 0;
	r->sw = v;
}

static void
select_file(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	uint16_t fid;

	if (a->p1 == 0x04) {
		if (a->lc == sizeof(jpki_aid) && memcmp(a->data, jpki_aid, a->lc) == 0) {
			/* Selecting the AP clears the security state (logout). */
			c->ap_selected = 1;
			c->cur_ef = 0;
			c->pin.verified = 0;
			c->sign_pin.verified = 0;
			sw(r, 0x9000);
		} else {
			sw(r, 0x6A82);
		}
		return;
	}
	if (a->p1 != 0x02 || a->lc != 2) {
		sw(r, 0x6A82);
		return;
	}
	fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
	if (!c->ap_selected) {
		sw(r, 0x6A82);
		return;
	}
	switch (fid) {
	case 0x0006: case 0x000A: case 0x000B: case 0x0017: case 0x0018: case 0x001B:
		c->cur_ef = fid;
		sw(r, 0x9000);
		break;
	default:
		sw(r, 0x6A82);
	}
}

static void
read_binary(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	const uint8_t *buf;
	size_t size, off = (size_t)(a->p1 & 0x7F) << 8 | a->p2, n;

	if (c->cur_ef == 0x000A) {
		buf = c->auth_cert.der;
		size = c->auth_cert.len;
	} else if (c->cur_ef == 0x000B) {
		buf = c->ca_cert.der;
		size = c->ca_cert.len;
	} else if (c->cur_ef == 0x0006) {
		buf = c->token;
		size = sizeof(c->token);
	} else if (c->cur_ef == 0) {
		sw(r, 0x6986);
		return;
	} else {
		sw(r, 0x6981);   /* keys and PINs are not readable */
		return;
	}
	if ((a->p1 & 0x80) || !a->has_le) {
		sw(r, 0x6A86);
		return;
	}
	if (buf == NULL || off >= size) {
		sw(r, 0x6B00);
		return;
	}
	n = size - off;
	if (a->le > n && c->short_read_6c) {
		c->count.wrong_length++;
		sw(r, (uint16_t)(0x6C00 | (n > 255 ? 0 : n)));
		return;
	}
	if (n > a->le)
		n = a->le;
	memcpy(r->data, buf + off, n);
	r->len = n;
	r->sw = 0x9000;
	if (emu_fault(c, "cert-huge") && c->cur_ef == 0x000A && off == 0 && n >= 4) {
		r->data[2] = 0x7F;
		r->data[3] = 0xFF;
	}
	if (emu_fault(c, "extra-data"))
		r->data[r->len++] = 0x00;
}

/* 80 2A 00 80: the card adds PKCS#1 v1.5 type-1 padding to the DigestInfo and signs. */
static void
sign(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	EVP_PKEY_CTX *ctx;
	size_t siglen = sizeof(r->data);

	if (a->p1 != 0x00 || a->p2 != 0x80) {
		sw(r, 0x6A86);
		return;
	}
	if (c->cur_ef != 0x0017) {
		sw(r, 0x6A82);   /* the signature key (001A) is not emulated */
		return;
	}
	if (!c->pin.verified) {
		sw(r, 0x6982);
		return;
	}
	if (a->lc == 0 || a->lc > 245) {
		sw(r, 0x6700);
		return;
	}
	ctx = EVP_PKEY_CTX_new(c->auth_key, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_sign(ctx, r->data, &siglen, a->data, a->lc) != 1) {
		EVP_PKEY_CTX_free(ctx);
		sw(r, 0x6F00);
		return;
	}
	EVP_PKEY_CTX_free(ctx);
	c->count.sign_ops++;
	/* One answer with 90 00 (OpenSC never asks for more). */
	r->len = emu_fault(c, "sig-short") ? siglen - 1 : siglen;
	r->sw = 0x9000;
}

void
emu_jpki_apdu(struct emu_card *c, const struct emu_apdu *a, struct emu_resp *r)
{
	if (a->cla == 0x00 && a->ins == 0xA4) {
		select_file(c, a, r);
	} else if (a->cla == 0x00 && a->ins == 0xB0) {
		read_binary(c, a, r);
	} else if (a->cla == 0x00 && a->ins == 0x20) {
		if (a->p1 != 0x00 || a->p2 != 0x80) {
			sw(r, 0x6A86);
		} else if (c->cur_ef == 0x0018) {
			emu_verify(c, &c->pin, a->data, a->lc, r);
		} else if (c->cur_ef == 0x001B) {
			emu_verify(c, &c->sign_pin, a->data, a->lc, r);
		} else {
			sw(r, 0x6A88);
		}
	} else if (a->cla == 0x80 && a->ins == 0x2A) {
		sign(c, a, r);
	} else {
		c->count.unknown++;
		sw(r, a->cla == 0x00 || a->cla == 0x80 ? 0x6D00 : 0x6E00);
	}
}
