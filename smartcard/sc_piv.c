#include "sc_piv.h"

#include <string.h>

#include "sc_pin.h"
#include "sc_tlv.h"
#include "sk_err.h"
#include "sk_log.h"

static const uint8_t piv_aid[] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
};

#define RSA2048_LEN 256
#define ECDSA_P256_DER_MAX 72
#define GA_RESP_MAX 512

int
sc_piv_select(struct sc_card *card)
{
	const struct sc_apdu a = { 0x00, 0xA4, 0x04, 0x00, piv_aid, sizeof(piv_aid), SC_LE_MAX };
	uint8_t resp[SC_LE_MAX];
	struct sc_tlv apt;
	size_t n;
	uint16_t sw;
	int r = sc_transmit(card, &a, resp, sizeof(resp), &n, &sw);

	if (r != SK_OK)
		return r;
	if (sw == 0x6A82 || sw == 0x6A86 || sw == 0x6D00 || sw == 0x6E00) {
		sk_logerr("no PIV application on the card (%04X)", sw);
		return SK_ERR_NOTFOUND;
	}
	if (sw != 0x9000)
		return sc_sw_error(sw, "select PIV");
	/* SP 800-73-4: an application property template (61); early cards send an FCI (6F). */
	if (n > 0 && sc_tlv_only(resp, n, resp[0] == 0x6F ? 0x6F : 0x61, &apt) != SK_OK) {
		sk_logerr("malformed answer to select PIV");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sc_piv_read_cert(struct sc_card *card, enum sc_piv_key key, uint8_t *der, size_t cap,
		 size_t *der_len)
{
	/* 5FC105: PIV Authentication certificate (9A); 5FC101: Card Authentication (9E). */
	const uint8_t cmd[5] = { 0x5C, 0x03, 0x5F, 0xC1, key == SC_PIV_KEY_AUTH ? 0x05 : 0x01 };
	const struct sc_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, cmd, sizeof(cmd), SC_LE_MAX };
	uint8_t resp[SC_PIV_CERT_MAX + 32];
	struct sc_tlv outer, t, cert = { 0, NULL, 0, 0 }, whole;
	int seen71 = 0, seenFE = 0;
	size_t n, off = 0;
	uint16_t sw;
	int r;

	if (der == NULL || der_len == NULL) {
		sk_logerr("missing output");
		return SK_ERR_ARG;
	}
	*der_len = 0;
	if (key != SC_PIV_KEY_AUTH && key != SC_PIV_KEY_CARD_AUTH) {
		sk_logerr("unknown PIV key %02X", (unsigned int)key);
		return SK_ERR_ARG;
	}
	r = sc_transmit(card, &a, resp, sizeof(resp), &n, &sw);
	if (r != SK_OK)
		return r;
	if (sw == 0x6A82)
		return SK_ERR_NOTFOUND;   /* an empty slot: ordinary, the caller decides */
	if (sw != 0x9000)
		return sc_sw_error(sw, "GET DATA certificate");
	r = sc_tlv_only(resp, n, 0x53, &outer);
	if (r != SK_OK)
		return r;
	while (off < outer.len) {
		r = sc_tlv_next(outer.val, outer.len, &off, &t);
		if (r != SK_OK)
			return r;
		if (t.tag == 0x70 && cert.val == NULL) {
			cert = t;
		} else if (t.tag == 0x71 && !seen71) {
			seen71 = 1;
			if (t.len != 1 || (t.val[0] & 0x01)) {
				sk_logerr("certificate info %s not supported",
					  t.len == 1 ? "compressed" : "of this length");
				return SK_ERR_PROTO;
			}
		} else if (t.tag == 0xFE && !seenFE) {
			seenFE = 1;   /* error detection code: carries nothing we use */
		} else {
			sk_logerr("unexpected or repeated tag 0x%X in a certificate object", t.tag);
			return SK_ERR_PROTO;
		}
	}
	if (cert.val == NULL || cert.len == 0) {
		sk_logerr("certificate object holds no certificate");
		return SK_ERR_NOTFOUND;
	}
	if (cert.len > cap) {
		sk_logerr("certificate of %zu bytes is larger than %zu", cert.len, cap);
		return SK_ERR_RANGE;
	}
	r = sc_tlv_only(cert.val, cert.len, 0x30, &whole);
	if (r != SK_OK)
		return r;
	memcpy(der, cert.val, cert.len);
	*der_len = cert.len;
	return SK_OK;
}

static void
hex_text(const char *prefix, const uint8_t *v, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t k = strlen(prefix);

	memcpy(out, prefix, k);
	for (size_t i = 0; i < n; i++) {
		out[k++] = digits[v[i] >> 4];
		out[k++] = digits[v[i] & 0x0F];
	}
	out[k] = '\0';
}

int
sc_piv_read_card_uid(struct sc_card *card, char *uid, size_t cap)
{
	static const uint8_t zero_guid[16];
	const uint8_t cmd[5] = { 0x5C, 0x03, 0x5F, 0xC1, 0x02 };
	const struct sc_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, cmd, sizeof(cmd), SC_LE_MAX };
	uint8_t resp[1024];
	struct sc_tlv outer, t, guid = { 0, NULL, 0, 0 }, fascn = { 0, NULL, 0, 0 };
	size_t n, off = 0;
	uint16_t sw;
	int r;

	if (uid == NULL || cap < SC_CARD_UID_MAX) {
		sk_logerr("card identity buffer missing or too small");
		return SK_ERR_ARG;
	}
	uid[0] = '\0';
	r = sc_transmit(card, &a, resp, sizeof(resp), &n, &sw);
	if (r != SK_OK)
		return r;
	if (sw == 0x6A82)
		return SK_ERR_NOTFOUND;   /* no CHUID: the card is known by its keys alone */
	if (sw != 0x9000)
		return sc_sw_error(sw, "GET DATA CHUID");
	r = sc_tlv_only(resp, n, 0x53, &outer);
	while (r == SK_OK && off < outer.len) {
		r = sc_tlv_next(outer.val, outer.len, &off, &t);
		if (r == SK_OK && t.tag == 0x34 && guid.val == NULL)
			guid = t;
		else if (r == SK_OK && t.tag == 0x30 && fascn.val == NULL)
			fascn = t;
	}
	if (r != SK_OK) {
		sk_logerr("malformed CHUID");
		return r;
	}
	if (guid.val != NULL && guid.len == 16 && memcmp(guid.val, zero_guid, 16) != 0) {
		hex_text("piv-guid:", guid.val, 16, uid);
		return SK_OK;
	}
	if (fascn.val != NULL && fascn.len == 25) {
		hex_text("piv-fascn:", fascn.val, 25, uid);
		return SK_OK;
	}
	sk_logerr("CHUID holds neither a GUID nor a FASC-N");
	return SK_ERR_NOTFOUND;
}

int
sc_piv_pin_status(struct sc_card *card, int *tries, int *verified)
{
	return sc_pin_status(card, 0x80, tries, verified);
}

int
sc_piv_verify_pin(struct sc_card *card, const char *pin, int *tries_left)
{
	uint8_t data[SC_PIV_PIN_MAX];

	if (tries_left == NULL) {
		sk_logerr("missing output");
		return SK_ERR_ARG;
	}
	*tries_left = -1;
	if (!sc_pin_digits_ok(pin, SC_PIV_PIN_MIN, SC_PIV_PIN_MAX)) {
		sk_logerr("PIN is not 4 to 8 digits: not sent");
		return SK_ERR_PIN_FORMAT;
	}
	/* SP 800-73-4: the PIN padded with FF to 8 bytes. */
	memset(data, 0xFF, sizeof(data));
	memcpy(data, pin, strnlen(pin, sizeof(data)));
	return sc_pin_verify(card, 0x80, data, sizeof(data), tries_left);
}

/* An ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, each 1..33 bytes, nothing else. */
static int
ecdsa_der_ok(const uint8_t *sig, size_t len)
{
	struct sc_tlv seq, i1, i2;
	size_t off = 0;

	if (len > ECDSA_P256_DER_MAX || sc_tlv_only(sig, len, 0x30, &seq) != SK_OK)
		return 0;
	if (sc_tlv_next(seq.val, seq.len, &off, &i1) != SK_OK ||
	    sc_tlv_next(seq.val, seq.len, &off, &i2) != SK_OK)
		return 0;
	return off == seq.len && i1.tag == 0x02 && i2.tag == 0x02 && i1.len >= 1 &&
	       i1.len <= 33 && i2.len >= 1 && i2.len <= 33;
}

int
sc_piv_sign_sha256(struct sc_card *card, enum sc_piv_key key, enum sc_piv_alg alg,
		   const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len)
{
	/* 7C 82 01 06 { 82 00, 81 82 01 00 <256> } is the largest template: 266 bytes. */
	uint8_t cmd[4 + 2 + 4 + RSA2048_LEN];
	uint8_t in[RSA2048_LEN];
	uint8_t resp[GA_RESP_MAX];
	struct sc_apdu a = { 0x00, 0x87, (uint8_t)alg, (uint8_t)key, cmd, 0, SC_LE_MAX };
	struct sc_tlv outer, s;
	size_t in_len, inner, n = 0, k, got;
	uint16_t sw;
	int r;

	if (hash == NULL || sig == NULL || sig_len == NULL ||
	    (key != SC_PIV_KEY_AUTH && key != SC_PIV_KEY_CARD_AUTH)) {
		sk_logerr("missing or invalid argument");
		return SK_ERR_ARG;
	}
	*sig_len = 0;
	if (alg == SC_PIV_ALG_RSA2048) {
		/* EMSA-PKCS1-v1_5: 00 01 FF..FF 00 DigestInfo — the card does raw RSA. */
		size_t ps = RSA2048_LEN - 3 - sizeof(sc_sha256_digestinfo) - 32;

		in[0] = 0x00;
		in[1] = 0x01;
		memset(in + 2, 0xFF, ps);
		in[2 + ps] = 0x00;
		memcpy(in + 3 + ps, sc_sha256_digestinfo, sizeof(sc_sha256_digestinfo));
		memcpy(in + 3 + ps + sizeof(sc_sha256_digestinfo), hash, 32);
		in_len = RSA2048_LEN;
	} else if (alg == SC_PIV_ALG_ECC_P256) {
		memcpy(in, hash, 32);
		in_len = 32;
	} else {
		sk_logerr("unsupported PIV algorithm %02X", (unsigned int)alg);
		return SK_ERR_ARG;
	}
	/* Dynamic authentication template: 82 00 asks for the response, 81 carries the challenge. */
	inner = 2 + 1 + (in_len < 0x80 ? 1 : in_len <= 0xFF ? 2 : 3) + in_len;
	cmd[n++] = 0x7C;
	k = sc_tlv_put_len(cmd + n, sizeof(cmd) - n, inner);
	if (k == 0) {
		sk_logerr("template too long");
		return SK_ERR_INTERNAL;
	}
	n += k;
	cmd[n++] = 0x82;
	cmd[n++] = 0x00;
	cmd[n++] = 0x81;
	k = sc_tlv_put_len(cmd + n, sizeof(cmd) - n, in_len);
	if (k == 0 || sizeof(cmd) - n - k < in_len) {
		sk_logerr("template too long");
		return SK_ERR_INTERNAL;
	}
	n += k;
	memcpy(cmd + n, in, in_len);
	n += in_len;
	a.data_len = n;
	r = sc_transmit(card, &a, resp, sizeof(resp), &got, &sw);
	if (r != SK_OK)
		return r;
	if (sw != 0x9000)
		return sc_sw_error(sw, "GENERAL AUTHENTICATE");
	r = sc_tlv_only(resp, got, 0x7C, &outer);
	if (r != SK_OK)
		return r;
	r = sc_tlv_only(outer.val, outer.len, 0x82, &s);
	if (r != SK_OK)
		return r;
	if (alg == SC_PIV_ALG_RSA2048 ? s.len != RSA2048_LEN : !ecdsa_der_ok(s.val, s.len)) {
		sk_logerr("malformed signature of %zu bytes", s.len);
		return SK_ERR_PROTO;
	}
	if (s.len > cap) {
		sk_logerr("signature buffer too small");
		return SK_ERR_RANGE;
	}
	memcpy(sig, s.val, s.len);
	*sig_len = s.len;
	return SK_OK;
}

int
sc_piv_logout(struct sc_card *card)
{
	const struct sc_apdu a = { 0x00, 0x20, 0xFF, 0x80, NULL, 0, 0 };
	size_t n;
	uint16_t sw;
	int r = sc_transmit(card, &a, NULL, 0, &n, &sw);

	if (r != SK_OK)
		return r;
	if (sw != 0x9000)
		return sc_sw_error(sw, "PIV logout");
	return SK_OK;
}
