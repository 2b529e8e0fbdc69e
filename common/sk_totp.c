/* RFC 6238 TOTP (R-MFA-1 possession factor) over liboath, with replay protection by time
 * step; RFC 4648 base32 and the otpauth:// URI that authenticator apps enrol from. */
#include "sk_totp.h"

#include "sk_err.h"
#include "sk_log.h"

#include <limits.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 4226 R6: a shared secret shorter than 128 bits is too easy to brute-force. */
#define TOTP_SEED_MIN 16
/* A wide window multiplies the guessing chances of an attacker (each step is one more valid
 * code) and keeps codes valid long after they were shown; a few steps cover clock drift. */
#define TOTP_WINDOW_MAX 10
/* 9999-12-31T23:59:59Z. Refusing later times keeps step * period far from time_t overflow. */
#define TOTP_TIME_MAX ((time_t)253402300799LL)
/* Issuer and account names end up in a QR code; anything longer is not a name. */
#define TOTP_NAME_MAX 256
/* Base32 of the largest seed: 64 bytes -> 103 characters, plus the NUL. */
#define TOTP_B32_MAX 128

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_init_rc = OATH_OK;

static void
oath_init_once(void)
{
	oath_init_rc = oath_init();
}

/* liboath wants oath_init before use; a broker thread pool may get here concurrently. */
static int
sk_oath_ready(void)
{
	if (pthread_once(&oath_once, oath_init_once) != 0) {
		sk_logerr("pthread_once failed");
		return SK_ERR_INTERNAL;
	}
	if (oath_init_rc != OATH_OK) {
		sk_logerr("oath_init failed: %s", oath_strerror(oath_init_rc));
		return SK_ERR_CRYPTO;
	}
	return SK_OK;
}

void
sk_totp_params_default(struct sk_totp_params *p)
{
	if (p == NULL)
		return;
	p->algo = SK_TOTP_SHA1;
	p->digits = 6;
	p->period = 30;
}

int
sk_totp_params_check(const struct sk_totp_params *p)
{
	if (p == NULL) {
		sk_logerr("no parameters");
		return SK_ERR_ARG;
	}
	if (p->algo != SK_TOTP_SHA1 && p->algo != SK_TOTP_SHA256 && p->algo != SK_TOTP_SHA512) {
		sk_logerr("unknown algorithm %d", (int)p->algo);
		return SK_ERR_PROTO;
	}
	if (p->digits != 6 && p->digits != 8) {
		sk_logerr("digits %u not 6 or 8", p->digits);
		return SK_ERR_PROTO;
	}
	if (p->period < 15 || p->period > 300) {
		sk_logerr("period %u outside 15..300", p->period);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sk_totp_algo_parse(const char *name, enum sk_totp_algo *out)
{
	static const struct {
		const char *name;
		enum sk_totp_algo algo;
	} names[] = {
		{ "SHA1", SK_TOTP_SHA1 }, { "SHA256", SK_TOTP_SHA256 }, { "SHA512", SK_TOTP_SHA512 },
	};
	size_t i;

	if (name == NULL || out == NULL) {
		sk_logerr("no name or output");
		return SK_ERR_ARG;
	}
	/* Configuration files and otpauth URIs spell these in either case. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strnlen(name, 8) == strlen(names[i].name) && strcasecmp(name, names[i].name) == 0) {
			*out = names[i].algo;
			return SK_OK;
		}
	}
	sk_logerr("unknown algorithm name");
	return SK_ERR_PROTO;
}

const char *
sk_totp_algo_name(enum sk_totp_algo algo)
{
	switch (algo) {
	case SK_TOTP_SHA1: return "SHA1";
	case SK_TOTP_SHA256: return "SHA256";
	case SK_TOTP_SHA512: return "SHA512";
	}
	/* NULL rather than a made-up name: a caller must not write an unknown algorithm out. */
	return NULL;
}

static int
totp_oath_flags(enum sk_totp_algo algo)
{
	switch (algo) {
	case SK_TOTP_SHA256: return OATH_TOTP_HMAC_SHA256;
	case SK_TOTP_SHA512: return OATH_TOTP_HMAC_SHA512;
	case SK_TOTP_SHA1: break;
	}
	return 0;
}

static int
totp_check_seed(const unsigned char *seed, size_t seed_len)
{
	if (seed == NULL) {
		sk_logerr("no seed");
		return SK_ERR_ARG;
	}
	if (seed_len < TOTP_SEED_MIN || seed_len > SK_TOTP_SEED_MAX) {
		sk_logerr("seed length %zu outside %d..%d", seed_len, TOTP_SEED_MIN, SK_TOTP_SEED_MAX);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

/* The code of one time step. Generating by step (not by wall time) lets verify walk the
 * window without rounding surprises; the caller has already checked seed and params. */
static int
totp_code_at_step(const unsigned char *seed, size_t seed_len, const struct sk_totp_params *p,
                  int64_t step, char code[SK_TOTP_CODE_MAX])
{
	int rc = oath_totp_generate2((const char *)seed, seed_len, (time_t)(step * p->period),
	                             p->period, OATH_TOTP_DEFAULT_START_TIME, p->digits,
	                             totp_oath_flags(p->algo), code);

	if (rc != OATH_OK) {
		explicit_bzero(code, SK_TOTP_CODE_MAX);
		sk_logerr("oath_totp_generate2 failed: %s", oath_strerror(rc));
		return SK_ERR_CRYPTO;
	}
	return SK_OK;
}

static int
totp_check_time(time_t now)
{
	if (now < 0 || now > TOTP_TIME_MAX) {
		sk_logerr("time %lld outside 1970..9999", (long long)now);
		return SK_ERR_ARG;
	}
	return SK_OK;
}

int
sk_totp_generate(const unsigned char *seed, size_t seed_len, const struct sk_totp_params *p,
                 time_t now, char *out, size_t outsz)
{
	char code[SK_TOTP_CODE_MAX];
	int rc;

	if ((rc = totp_check_seed(seed, seed_len)) != SK_OK || (rc = sk_totp_params_check(p)) != SK_OK
	    || (rc = totp_check_time(now)) != SK_OK || (rc = sk_oath_ready()) != SK_OK)
		return rc;
	if (out == NULL || outsz < (size_t)p->digits + 1) {
		sk_logerr("output buffer too small");
		return SK_ERR_RANGE;
	}
	rc = totp_code_at_step(seed, seed_len, p, (int64_t)(now / (time_t)p->period), code);
	if (rc == SK_OK)
		memcpy(out, code, (size_t)p->digits + 1);
	explicit_bzero(code, sizeof(code));
	return rc;
}

/* Exactly `digits` ASCII digits and nothing else (R-INPUT-1): no spaces, signs or
 * locale digits, so "12345a" or a 7-digit code for a 6-digit token never reach HMAC. */
static int
totp_code_wellformed(const char *code, unsigned digits)
{
	size_t len, i;

	if (code == NULL)
		return 0;
	len = strnlen(code, SK_TOTP_CODE_MAX);
	if (len != digits)
		return 0;
	for (i = 0; i < len; i++) {
		if (code[i] < '0' || code[i] > '9')
			return 0;
	}
	return 1;
}

int
sk_totp_verify(const unsigned char *seed, size_t seed_len, const struct sk_totp_params *p,
               time_t now, unsigned window, int64_t last_step, const char *code,
               int64_t *matched_step)
{
	return sk_totp_verify_replay(seed, seed_len, p, now, window, last_step, code, matched_step,
	                             NULL);
}

int
sk_totp_verify_replay(const unsigned char *seed, size_t seed_len,
                      const struct sk_totp_params *p, time_t now, unsigned window,
                      int64_t last_step, const char *code, int64_t *matched_step,
                      int *replayed_out)
{
	char expect[SK_TOTP_CODE_MAX];
	int64_t step, s, found = -1;
	int replayed = 0, rc;

	if (replayed_out != NULL)
		*replayed_out = 0;

	if ((rc = totp_check_seed(seed, seed_len)) != SK_OK || (rc = sk_totp_params_check(p)) != SK_OK
	    || (rc = totp_check_time(now)) != SK_OK)
		return rc;
	/* The caller has to store the matched step, or replay protection does nothing. */
	if (matched_step == NULL) {
		sk_logerr("no place for the matched step");
		return SK_ERR_ARG;
	}
	if (window > TOTP_WINDOW_MAX) {
		sk_logerr("window %u larger than %d", window, TOTP_WINDOW_MAX);
		return SK_ERR_ARG;
	}
	if (!totp_code_wellformed(code, p->digits)) {
		sk_logerr("code is not %u digits", p->digits);
		return SK_ERR_PROTO;
	}
	if ((rc = sk_oath_ready()) != SK_OK)
		return rc;

	/* Every step of the window is generated and compared, matched or not, so the time
	 * taken does not tell which step (if any) the code belongs to. The lowest fresh match
	 * wins: it moves last_step the least, so the user's next code stays acceptable. */
	step = (int64_t)(now / (time_t)p->period);
	for (s = step - (int64_t)window; s <= step + (int64_t)window; s++) {
		int same;

		if (s < 0)
			continue;
		rc = totp_code_at_step(seed, seed_len, p, s, expect);
		if (rc != SK_OK)
			return rc;
		same = CRYPTO_memcmp(expect, code, p->digits) == 0;
		explicit_bzero(expect, sizeof(expect));
		if (same && s > last_step && found < 0)
			found = s;
		else if (same && s <= last_step)
			replayed = 1;
	}
	if (found < 0) {
		if (replayed)
			sk_logerr("code of an already used time step (replay)");
		else
			sk_logerr("code matches no time step in the window");
		if (replayed_out != NULL)
			*replayed_out = replayed;
		return SK_ERR_DENIED;
	}
	*matched_step = found;
	return SK_OK;
}

int
sk_totp_random_seed(enum sk_totp_algo algo, unsigned char *seed, size_t *seed_len)
{
	size_t want;

	/* RFC 6238 keys of the hash's output size (20/32/64 bytes), as in its test vectors. */
	switch (algo) {
	case SK_TOTP_SHA1: want = 20; break;
	case SK_TOTP_SHA256: want = 32; break;
	case SK_TOTP_SHA512: want = 64; break;
	default:
		sk_logerr("unknown algorithm %d", (int)algo);
		return SK_ERR_PROTO;
	}
	/* *seed_len is the capacity of seed on the way in, the seed length on the way out. */
	if (seed == NULL || seed_len == NULL) {
		sk_logerr("no seed buffer");
		return SK_ERR_ARG;
	}
	if (*seed_len < want) {
		sk_logerr("seed buffer of %zu bytes, need %zu", *seed_len, want);
		return SK_ERR_RANGE;
	}
	if (RAND_bytes(seed, (int)want) != 1) {
		explicit_bzero(seed, want);
		sk_logerr("RAND_bytes failed");
		return SK_ERR_CRYPTO;
	}
	*seed_len = want;
	return SK_OK;
}

int
sk_base32_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz)
{
	char *tmp = NULL;
	size_t tmplen = 0, n;
	int rc;

	if (in == NULL || out == NULL) {
		sk_logerr("no input or output");
		return SK_ERR_ARG;
	}
	/* Unpadded length is ceil(8 * inlen / 5); check before liboath allocates anything. */
	if (inlen > (SIZE_MAX - 4) / 8 || outsz < (inlen * 8 + 4) / 5 + 1) {
		sk_logerr("output buffer too small");
		return SK_ERR_RANGE;
	}
	if ((rc = sk_oath_ready()) != SK_OK)
		return rc;
	rc = oath_base32_encode((const char *)in, inlen, &tmp, &tmplen);
	if (rc != OATH_OK || tmp == NULL) {
		free(tmp);
		sk_logerr("oath_base32_encode failed: %s", oath_strerror(rc));
		return SK_ERR_CRYPTO;
	}
	/* Authenticator apps expect the secret without '=' padding (Key Uri Format). */
	n = strnlen(tmp, tmplen);
	while (n > 0 && tmp[n - 1] == '=')
		n--;
	if (n + 1 > outsz) {
		explicit_bzero(tmp, tmplen);
		free(tmp);
		sk_logerr("output buffer too small");
		return SK_ERR_RANGE;
	}
	memcpy(out, tmp, n);
	out[n] = '\0';
	explicit_bzero(tmp, tmplen);
	free(tmp);
	return SK_OK;
}

static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Strict checks liboath does not make, done before it allocates: only the alphabet,
 * spaces and trailing '='; a length a real encoding can have; zero unused trailing bits
 * (so one secret has one spelling). Copies the significant characters, upper-cased, to
 * clean. */
static int
b32_clean(const char *in, size_t inlen, char *clean, size_t cleancap, size_t *cleanlen)
{
	size_t i, n = 0, pad = 0;
	static const unsigned spare_bits[8] = { 0, 99, 2, 99, 4, 1, 99, 3 };
	int v = 0;

	for (i = 0; i < inlen; i++) {
		char c = in[i];

		if (c == ' ')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b32_value(c);
		if (v < 0 || pad > 0) {
			sk_logerr("invalid base32 character at offset %zu", i);
			return SK_ERR_PROTO;
		}
		if (n + 1 >= cleancap) {
			sk_logerr("base32 input too long");
			return SK_ERR_RANGE;
		}
		clean[n++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	clean[n] = '\0';
	if (n == 0 || spare_bits[n % 8] == 99 || pad > 6 || (pad > 0 && (n + pad) % 8 != 0)) {
		sk_logerr("invalid base32 length");
		return SK_ERR_PROTO;
	}
	if (spare_bits[n % 8] != 0 && (v & ((1 << spare_bits[n % 8]) - 1)) != 0) {
		sk_logerr("non-canonical base32 trailing bits");
		return SK_ERR_PROTO;
	}
	*cleanlen = n;
	return SK_OK;
}

int
sk_base32_decode(const char *in, unsigned char *out, size_t outcap, size_t *outlen)
{
	char clean[TOTP_B32_MAX * 4];
	char *tmp = NULL;
	size_t inlen, cleanlen = 0, tmplen = 0;
	int rc;

	if (in == NULL || out == NULL || outlen == NULL) {
		sk_logerr("no input or output");
		return SK_ERR_ARG;
	}
	/* Bounded read of the caller's string; spaces are allowed, so leave room for them. */
	inlen = strnlen(in, sizeof(clean) * 2);
	if (inlen >= sizeof(clean) * 2) {
		sk_logerr("base32 input too long");
		return SK_ERR_RANGE;
	}
	rc = b32_clean(in, inlen, clean, sizeof(clean), &cleanlen);
	if (rc != SK_OK)
		goto out;
	if (cleanlen * 5 / 8 > outcap) {
		sk_logerr("output buffer too small");
		rc = SK_ERR_RANGE;
		goto out;
	}
	if ((rc = sk_oath_ready()) != SK_OK)
		goto out;
	rc = oath_base32_decode(clean, cleanlen, &tmp, &tmplen);
	if (rc != OATH_OK) {
		sk_logerr("oath_base32_decode failed: %s", oath_strerror(rc));
		rc = SK_ERR_PROTO;
		goto out;
	}
	if (tmplen > outcap || (tmplen > 0 && tmp == NULL)) {
		sk_logerr("decoded length %zu unexpected", tmplen);
		rc = SK_ERR_INTERNAL;
		goto out;
	}
	if (tmplen > 0)
		memcpy(out, tmp, tmplen);
	*outlen = tmplen;
	rc = SK_OK;
out:
	if (tmp != NULL) {
		explicit_bzero(tmp, tmplen);
		free(tmp);
	}
	explicit_bzero(clean, sizeof(clean));
	return rc;
}

/* A bounded string builder: the first overflow sticks, so the URI code checks once. */
struct uri_buf {
	char *p;
	size_t cap, len;
	int overflow;
};

static void
uri_putc(struct uri_buf *b, char c)
{
	if (b->overflow || b->len + 1 >= b->cap) {
		b->overflow = 1;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void
uri_puts(struct uri_buf *b, const char *s)
{
	while (*s != '\0')
		uri_putc(b, *s++);
}

/* RFC 3986 section 2.3 unreserved characters pass; every other byte (UTF-8 of Japanese
 * names, spaces, ':', '&', '?') becomes %XX, so a name cannot break the URI apart. */
static void
uri_put_encoded(struct uri_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		    || c == '-' || c == '.' || c == '_' || c == '~') {
			uri_putc(b, (char)c);
		} else {
			uri_putc(b, '%');
			uri_putc(b, hex[c >> 4]);
			uri_putc(b, hex[c & 0x0f]);
		}
	}
}

static int
uri_check_name(const char *name, const char *what)
{
	size_t len;

	if (name == NULL) {
		sk_logerr("no %s", what);
		return SK_ERR_ARG;
	}
	len = strnlen(name, TOTP_NAME_MAX + 1);
	if (len == 0 || len > TOTP_NAME_MAX) {
		sk_logerr("%s empty or longer than %d bytes", what, TOTP_NAME_MAX);
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

int
sk_totp_uri(const char *issuer, const char *account, const unsigned char *seed,
            size_t seed_len, const struct sk_totp_params *p, char *out, size_t outsz)
{
	char secret[TOTP_B32_MAX];
	char num[16];
	struct uri_buf b = { out, outsz, 0, 0 };
	int rc, n;

	if ((rc = uri_check_name(issuer, "issuer")) != SK_OK
	    || (rc = uri_check_name(account, "account")) != SK_OK
	    || (rc = totp_check_seed(seed, seed_len)) != SK_OK || (rc = sk_totp_params_check(p)) != SK_OK)
		return rc;
	if (out == NULL || outsz == 0) {
		sk_logerr("no output buffer");
		return SK_ERR_RANGE;
	}
	out[0] = '\0';
	if ((rc = sk_base32_encode(seed, seed_len, secret, sizeof(secret))) != SK_OK)
		return rc;

	uri_puts(&b, "otpauth://totp/");
	uri_put_encoded(&b, issuer);
	uri_putc(&b, ':');
	uri_put_encoded(&b, account);
	uri_puts(&b, "?secret=");
	uri_puts(&b, secret);
	uri_puts(&b, "&issuer=");
	uri_put_encoded(&b, issuer);
	uri_puts(&b, "&algorithm=");
	uri_puts(&b, sk_totp_algo_name(p->algo));
	n = snprintf(num, sizeof(num), "&digits=%u", p->digits);
	if (n > 0 && (size_t)n < sizeof(num))
		uri_puts(&b, num);
	else
		b.overflow = 1;
	n = snprintf(num, sizeof(num), "&period=%u", p->period);
	if (n > 0 && (size_t)n < sizeof(num))
		uri_puts(&b, num);
	else
		b.overflow = 1;
	explicit_bzero(secret, sizeof(secret));

	if (b.overflow) {
		/* A cut-off URI still carries part of the secret: do not leave it behind. */
		explicit_bzero(out, outsz);
		sk_logerr("URI longer than the output buffer");
		return SK_ERR_RANGE;
	}
	return SK_OK;
}
