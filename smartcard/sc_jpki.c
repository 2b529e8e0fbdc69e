#include "sc_jpki.h"

#include <string.h>

#include "sc_pin.h"
#include "sc_tlv.h"
#include "sk_err.h"
#include "sk_log.h"

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };

#define EF_TOKEN 0x0006
#define EF_AUTH_CERT 0x000A
#define EF_AUTH_KEY 0x0017
#define EF_AUTH_PIN 0x0018
#define READ_CHUNK 256

int
sc_jpki_select(struct sc_card *card)
{
	const struct sc_apdu a = { 0x00, 0xA4, 0x04, 0x0C, jpki_aid, sizeof(jpki_aid), 0 };
	size_t n;
	uint16_t sw;
	int r = sc_transmit(card, &a, NULL, 0, &n, &sw);

	if (r != SK_OK)
		return r;
	if (sw == 0x9000)
		return SK_OK;
	if (sw == 0x6A82 || sw == 0x6A86 || sw == 0x6D00 || sw == 0x6E00) {
		sk_logerr("no JPKI application on the card (%04X)", sw);
		return SK_ERR_NOTFOUND;
	}
	return sc_sw_error(sw, "select JPKI AP");
}

static int
select_ef(struct sc_card *card, uint16_t fid)
{
	const uint8_t id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	const struct sc_apdu a = { 0x00, 0xA4, 0x02, 0x0C, id, sizeof(id), 0 };
	size_t n;
	uint16_t sw;
	int r = sc_transmit(card, &a, NULL, 0, &n, &sw);

	if (r != SK_OK)
		return r;
	if (sw != 0x9000) {
		sk_logerr("select EF %04X: card answered %04X", fid, sw);
		return sw == 0x6A82 ? SK_ERR_NOTFOUND : SK_ERR_PROTO;
	}
	return SK_OK;
}

/* READ BINARY of up to `want` bytes at `offset` of the selected EF; at least one byte must
 * come back. 62 82 (end of file reached) counts as success with what was sent. */
static int
read_binary(struct sc_card *card, size_t offset, uint8_t *buf, size_t want, size_t *got)
{
	struct sc_apdu a = { 0x00, 0xB0, 0, 0, NULL, 0, want };
	uint16_t sw;
	int r;

	if (offset > 0x7FFF || want == 0 || want > READ_CHUNK) {
		sk_logerr("read offset or size out of range");
		return SK_ERR_RANGE;
	}
	a.p1 = (uint8_t)(offset >> 8);
	a.p2 = (uint8_t)offset;
	r = sc_transmit(card, &a, buf, want, got, &sw);
	if (r != SK_OK)
		return r;
	if (sw != 0x9000 && sw != 0x6282)
		return sc_sw_error(sw, "READ BINARY");
	if (*got == 0) {
		sk_logerr("READ BINARY returned no data at offset %zu", offset);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sc_jpki_read_token(struct sc_card *card, char *token, size_t cap)
{
	uint8_t buf[READ_CHUNK];
	size_t n, i;
	int r;

	if (token == NULL || cap <= SC_JPKI_TOKEN_LEN) {
		sk_logerr("token buffer too small");
		return SK_ERR_ARG;
	}
	r = select_ef(card, EF_TOKEN);
	if (r != SK_OK)
		return r;
	/* Le 00: the card states the real size (with 6Cxx, 62 82 or a short answer). */
	r = read_binary(card, 0, buf, sizeof(buf), &n);
	if (r != SK_OK)
		return r;
	if (n > SC_JPKI_TOKEN_LEN) {
		sk_logerr("token of %zu bytes", n);
		return SK_ERR_PROTO;
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		n--;
	for (i = 0; i < n; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7E) {
			sk_logerr("token holds a non-printable byte");
			return SK_ERR_PROTO;
		}
	}
	memcpy(token, buf, n);
	token[n] = '\0';
	return SK_OK;
}

int
sc_jpki_read_auth_cert(struct sc_card *card, uint8_t *der, size_t cap, size_t *der_len)
{
	struct sc_tlv whole;
	unsigned int tag;
	size_t hdr, vlen, total, off, got;
	int r;

	if (der == NULL || der_len == NULL || cap < 4) {
		sk_logerr("certificate buffer missing or too small");
		return SK_ERR_ARG;
	}
	*der_len = 0;
	r = select_ef(card, EF_AUTH_CERT);
	if (r != SK_OK)
		return r;
	/* The first four bytes hold the SEQUENCE header (30 82 hi lo): they give the size. */
	r = read_binary(card, 0, der, 4, &got);
	if (r != SK_OK)
		return r;
	r = sc_tlv_header(der, got, &tag, &hdr, &vlen);
	if (r != SK_OK)
		return r;
	if (tag != 0x30) {
		sk_logerr("certificate EF does not start with a SEQUENCE");
		return SK_ERR_PROTO;
	}
	total = hdr + vlen;
	if (total > cap || total > SC_JPKI_CERT_MAX) {
		sk_logerr("certificate of %zu bytes is larger than %zu", total,
			  cap < SC_JPKI_CERT_MAX ? cap : (size_t)SC_JPKI_CERT_MAX);
		return SK_ERR_RANGE;
	}
	for (off = got; off < total; off += got) {
		size_t want = total - off < READ_CHUNK ? total - off : READ_CHUNK;

		r = read_binary(card, off, der + off, want, &got);
		if (r != SK_OK)
			return r;
	}
	if (off != total) {
		sk_logerr("certificate read past its DER length");
		return SK_ERR_PROTO;
	}
	r = sc_tlv_only(der, total, 0x30, &whole);
	if (r != SK_OK)
		return r;
	*der_len = total;
	return SK_OK;
}

int
sc_jpki_pin_status(struct sc_card *card, int *tries, int *verified)
{
	int r;

	if (tries == NULL || verified == NULL) {
		sk_logerr("missing output");
		return SK_ERR_ARG;
	}
	r = select_ef(card, EF_AUTH_PIN);
	if (r != SK_OK)
		return r;
	return sc_pin_status(card, 0x80, tries, verified);
}

int
sc_jpki_verify_pin(struct sc_card *card, const char *pin, int *tries_left)
{
	uint8_t data[SC_JPKI_PIN_LEN];
	int r;

	if (tries_left == NULL) {
		sk_logerr("missing output");
		return SK_ERR_ARG;
	}
	*tries_left = -1;
	/* 4 ASCII digits exactly: anything else is refused before it reaches the card. */
	if (!sc_pin_digits_ok(pin, SC_JPKI_PIN_LEN, SC_JPKI_PIN_LEN)) {
		sk_logerr("PIN is not 4 digits: not sent");
		return SK_ERR_PIN_FORMAT;
	}
	r = select_ef(card, EF_AUTH_PIN);
	if (r != SK_OK)
		return r;
	memcpy(data, pin, sizeof(data));
	return sc_pin_verify(card, 0x80, data, sizeof(data), tries_left);
}

int
sc_jpki_sign_sha256(struct sc_card *card, const uint8_t hash[32], uint8_t *sig, size_t cap,
		    size_t *sig_len)
{
	uint8_t di[sizeof(sc_sha256_digestinfo) + 32];
	const struct sc_apdu a = { 0x80, 0x2A, 0x00, 0x80, di, sizeof(di), SC_LE_MAX };
	uint16_t sw;
	int r;

	if (hash == NULL || sig == NULL || sig_len == NULL || cap < SC_JPKI_SIG_LEN) {
		sk_logerr("missing argument or signature buffer too small");
		return SK_ERR_ARG;
	}
	*sig_len = 0;
	memcpy(di, sc_sha256_digestinfo, sizeof(sc_sha256_digestinfo));
	memcpy(di + sizeof(sc_sha256_digestinfo), hash, 32);
	r = select_ef(card, EF_AUTH_KEY);
	if (r != SK_OK)
		return r;
	r = sc_transmit(card, &a, sig, cap, sig_len, &sw);
	if (r != SK_OK)
		return r;
	if (sw != 0x9000) {
		*sig_len = 0;
		return sc_sw_error(sw, "JPKI sign");
	}
	if (*sig_len != SC_JPKI_SIG_LEN) {
		sk_logerr("signature of %zu bytes, expected %d", *sig_len, SC_JPKI_SIG_LEN);
		*sig_len = 0;
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sc_jpki_logout(struct sc_card *card)
{
	return sc_jpki_select(card);
}
