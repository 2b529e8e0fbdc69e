/* Terminal QR rendering for TOTP enrolment (R-MFA-1: the phone becomes the possession
 * factor). The otpauth URI carries the seed, so nothing here logs the text. */
#include "cli_qr.h"

#include "sk_err.h"
#include "sk_log.h"

#include <errno.h>
#include <string.h>

#include <qrencode.h>

/* Largest 8-bit payload at level M (version 40); longer text cannot be encoded at all. */
#define QR_TEXT_MAX 2331
/* ISO/IEC 18004 asks for a 4-module light margin; scanners fail without it. */
#define QR_QUIET 4

/* Black on white, set explicitly: on a dark-themed terminal the plain glyphs would show
 * light-on-dark, which many phone scanners do not read. 107 is bright white; a terminal
 * that lacks it keeps 47 (light grey), still enough contrast. */
static const char qr_sgr_on[] = "\x1b[30;47;107m";
static const char qr_sgr_off[] = "\x1b[0m";

static int
qr_dark(const QRcode *qr, int x, int y)
{
	int w = qr->width;

	if (x < QR_QUIET || y < QR_QUIET || x >= w + QR_QUIET || y >= w + QR_QUIET)
		return 0;
	/* Bit 0 of each module byte is dark/light; the other bits are encoder bookkeeping. */
	return qr->data[(size_t)(y - QR_QUIET) * (size_t)w + (size_t)(x - QR_QUIET)] & 1;
}

int
cli_qr_print(FILE *out, const char *text)
{
	/* Indexed by top | bottom << 1: light/light, dark/light (U+2580 upper half block),
	 * light/dark (U+2584 lower half), dark/dark (U+2588 full block); UTF-8 spelled out
	 * so the output does not depend on the compiler's execution character set. */
	static const char *const cell[4] = { " ", "\xe2\x96\x80", "\xe2\x96\x84", "\xe2\x96\x88" };
	QRcode *qr;
	size_t len;
	int full, x, y, rc = SK_OK;

	if (out == NULL || text == NULL) {
		sk_logerr("no output or text");
		return SK_ERR_ARG;
	}
	len = strnlen(text, QR_TEXT_MAX + 1);
	if (len == 0) {
		sk_logerr("empty text");
		return SK_ERR_PROTO;
	}
	if (len > QR_TEXT_MAX) {
		sk_logerr("text longer than %d bytes", QR_TEXT_MAX);
		return SK_ERR_RANGE;
	}
	/* encodeData keeps the whole text in 8-bit mode: no mode switching that could
	 * change how a scanner reads a case-sensitive base32 secret. */
	qr = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_M);
	if (qr == NULL) {
		int err = errno;

		sk_logerr("QRcode_encodeData failed: %s", strerror(err));
		return err == ERANGE ? SK_ERR_RANGE : err == ENOMEM ? SK_ERR_NOMEM : SK_ERR_INTERNAL;
	}
	full = qr->width + 2 * QR_QUIET;
	for (y = 0; y < full; y += 2) {
		fputs(qr_sgr_on, out);
		for (x = 0; x < full; x++) {
			/* An odd last row pairs with a light row below, i.e. more quiet zone. */
			int bits = qr_dark(qr, x, y) | (y + 1 < full ? qr_dark(qr, x, y + 1) : 0) << 1;

			fputs(cell[bits], out);
		}
		/* Reset before the newline so the background does not run on to the line end. */
		fputs(qr_sgr_off, out);
		fputc('\n', out);
	}
	QRcode_free(qr);
	if (fflush(out) != 0 || ferror(out)) {
		sk_logerr("writing the QR code failed");
		rc = SK_ERR_IO;
	}
	return rc;
}
