/* Character-level helpers for HR fields: strict UTF-8, full-width normalisation, trimming,
 * control characters and katakana. Input has passed the decoder, so it is valid UTF-8. */
#include <string.h>

#include "hr_int.h"
#include "sk_err.h"

int
hr_utf8_seq(const unsigned char *s, size_t n)
{
	int len;
	unsigned char lo = 0x80, hi = 0xbf;   /* the allowed range of the second byte */

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;            /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;            /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;            /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;            /* above U+10FFFF */
	} else {
		return -1;                    /* continuation byte, C0, C1 or F5..FF */
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if (i == 1 ? (s[i] < lo || s[i] > hi) : (s[i] < 0x80 || s[i] > 0xbf))
			return -1;
	}
	return len;
}

unsigned
hr_utf8_cp(const unsigned char *s, int len)
{
	switch (len) {
	case 1: return s[0];
	case 2: return ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	case 3: return ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) |
		       (s[2] & 0x3f);
	default: return ((unsigned)(s[0] & 0x07) << 18) | ((unsigned)(s[1] & 0x3f) << 12) |
		       ((unsigned)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	}
}

/* Length of the (valid) sequence at s, or 1 for a byte that is not one, so loops advance. */
static int
seq_at(const char *s, size_t n, unsigned *cp)
{
	int len = hr_utf8_seq((const unsigned char *)s, n);

	if (len <= 0) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = hr_utf8_cp((const unsigned char *)s, len);
	return len;
}

static int
is_space_cp(unsigned cp)
{
	return cp == ' ' || cp == '\t' || cp == 0x3000;
}

void
hr_trim(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t a = 0, b = n;
	unsigned cp;

	while (a < n) {
		int l = seq_at(s + a, n - a, &cp);
		if (!is_space_cp(cp))
			break;
		a += (size_t)l;
	}
	/* From the end: U+3000 is E3 80 80, the only multibyte space. */
	while (b > a) {
		if (s[b - 1] == ' ' || s[b - 1] == '\t') {
			b--;
		} else if (b - a >= 3 && memcmp(s + b - 3, "\xe3\x80\x80", 3) == 0) {
			b -= 3;
		} else {
			break;
		}
	}
	*start = a;
	*len = b - a;
}

int
hr_norm_ascii(const char *s, size_t n, char *out, size_t outsz)
{
	size_t a, len, o = 0;
	unsigned cp;

	hr_trim(s, n, &a, &len);
	for (size_t i = a; i < a + len;) {
		int l = seq_at(s + i, a + len - i, &cp);
		size_t add;
		const char *from;
		char c;

		if (cp >= 0xff01 && cp <= 0xff5e) {
			c = (char)(cp - 0xff01 + 0x21);
			from = &c;
			add = 1;
		} else if (cp == 0x3000) {
			c = ' ';
			from = &c;
			add = 1;
		} else {
			from = s + i;
			add = (size_t)l;
		}
		if (o + add >= outsz)
			return SK_ERR_RANGE;
		memcpy(out + o, from, add);
		o += add;
		i += (size_t)l;
	}
	if (outsz == 0)
		return SK_ERR_RANGE;
	out[o] = '\0';
	return SK_OK;
}

int
hr_has_control(const char *s, size_t n, int allow_ws)
{
	unsigned cp;

	for (size_t i = 0; i < n;) {
		int l = seq_at(s + i, n - i, &cp);
		if (allow_ws && (cp == '\t' || cp == '\r' || cp == '\n')) {
			i += (size_t)l;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return 1;
		i += (size_t)l;
	}
	return 0;
}

int
hr_is_kana(const char *s, size_t n)
{
	unsigned cp;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		int l = seq_at(s + i, n - i, &cp);
		/* ァ..ヺ, ・, ー, ヽ, ヾ; half-width ｡..ﾟ; spaces between family and given name. */
		if (!((cp >= 0x30a1 && cp <= 0x30fe) || (cp >= 0xff61 && cp <= 0xff9f) ||
		      cp == ' ' || cp == 0x3000))
			return 0;
		i += (size_t)l;
	}
	return 1;
}

int
hr_is_dept(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HR_DEPT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int
hr_header_eq(const char *s, size_t n, const char *want)
{
	size_t a, len;

	hr_trim(s, n, &a, &len);
	if (len != strlen(want))
		return 0;
	/* ASCII only, whatever the locale: UTF-8 bytes of Japanese headers compare exactly. */
	for (size_t i = 0; i < len; i++) {
		char x = s[a + i], y = want[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}
