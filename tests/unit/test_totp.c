/* TOTP (R-MFA-1 possession factor; R-CRED-2 misuse prevention by replay protection;
 * R-INPUT-1 strict parsing). Checked against RFC 6238 Appendix B and the independent
 * oathtool binary; every seed here is generated test data (R-TEST-1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "sk_err.h"
#include "sk_log.h"
#include "sk_test_helpers.h"
#include "sk_totp.h"

static const unsigned char seed_sha1[] = "12345678901234567890";
static const unsigned char seed_sha256[] = "12345678901234567890123456789012";
static const unsigned char seed_sha512[] =
	"1234567890123456789012345678901234567890123456789012345678901234";

static const unsigned char *
rfc_seed(enum sk_totp_algo algo, size_t *len)
{
	switch (algo) {
	case SK_TOTP_SHA256: *len = 32; return seed_sha256;
	case SK_TOTP_SHA512: *len = 64; return seed_sha512;
	case SK_TOTP_SHA1: break;
	}
	*len = 20;
	return seed_sha1;
}

static void
params(struct sk_totp_params *p, enum sk_totp_algo algo, unsigned digits, unsigned period)
{
	p->algo = algo;
	p->digits = digits;
	p->period = period;
}

/* RFC 6238 Appendix B: all 18 vectors (6 times x 3 hashes, 8 digits, 30 s). */
static void
test_rfc6238_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code[3]; /* SHA1, SHA256, SHA512 */
	} v[] = {
		{ 59, { "94287082", "46119246", "90693936" } },
		{ 1111111109, { "07081804", "68084774", "25091201" } },
		{ 1111111111, { "14050471", "67062674", "99943326" } },
		{ 1234567890, { "89005924", "91819424", "93441116" } },
		{ 2000000000, { "69279037", "90698825", "38618901" } },
		{ (time_t)20000000000LL, { "65353130", "77737706", "47863826" } },
	};
	size_t i, a, n = 0;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (a = 0; a < 3; a++) {
			struct sk_totp_params p;
			char code[SK_TOTP_CODE_MAX];
			size_t seed_len;
			const unsigned char *seed = rfc_seed((enum sk_totp_algo)a, &seed_len);
			int64_t step = -1;

			params(&p, (enum sk_totp_algo)a, 8, 30);
			assert_int_equal(sk_totp_generate(seed, seed_len, &p, v[i].t, code, sizeof(code)), SK_OK);
			assert_string_equal(code, v[i].code[a]);
			/* The same vector must verify, at exactly its own step. */
			assert_int_equal(sk_totp_verify(seed, seed_len, &p, v[i].t, 0, -1, v[i].code[a], &step),
			                 SK_OK);
			assert_int_equal(step, (int64_t)(v[i].t / 30));
			n++;
		}
	}
	assert_int_equal(n, 18);
}

static void
hex(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	size_t i;

	assert_true(outsz >= len * 2 + 1);
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
	out[len * 2] = '\0';
}

static uint64_t
rand_u64(void)
{
	uint64_t r;

	assert_int_equal(RAND_bytes((unsigned char *)&r, sizeof(r)), 1);
	return r;
}

/* Independent cross-check (R-MFA-1): 50 random seeds x random times x 3 hashes x 6/8 digits
 * x 30/60 s periods against oathtool. oathtool must be there: a missing tool fails. */
static void
test_oathtool_crosscheck(void **state)
{
	static const char *const oath_algo[3] = { "sha1", "sha256", "sha512" };
	static const unsigned digit_set[2] = { 6, 8 };
	static const unsigned period_set[2] = { 30, 60 };
	char out[64];
	int i, a, d, s, checked = 0;

	(void)state;
	if (sk_test_run("command -v oathtool", out, sizeof(out)) != 0) {
		print_error("oathtool not found: install the oathtool package\n");
		fail();
	}
	for (i = 0; i < 50; i++) {
		unsigned char seed[SK_TOTP_SEED_MAX];
		char seedhex[SK_TOTP_SEED_MAX * 2 + 1];
		size_t seed_len = 16 + (size_t)(rand_u64() % (SK_TOTP_SEED_MAX - 16 + 1));
		/* Up to 2^35 s (year 3058): covers the 32-bit time_t boundary of 2038. */
		time_t t = (time_t)(rand_u64() % (1ULL << 35));

		assert_int_equal(RAND_bytes(seed, (int)seed_len), 1);
		hex(seed, seed_len, seedhex, sizeof(seedhex));
		for (a = 0; a < 3; a++) {
			for (d = 0; d < 2; d++) {
				for (s = 0; s < 2; s++) {
					struct sk_totp_params p;
					char cmd[512], mine[SK_TOTP_CODE_MAX];
					int64_t step = -1;
					int n;

					params(&p, (enum sk_totp_algo)a, digit_set[d], period_set[s]);
					n = snprintf(cmd, sizeof(cmd), "oathtool --totp=%s -d %u -s %us -N @%lld %s",
					             oath_algo[a], p.digits, p.period, (long long)t, seedhex);
					assert_true(n > 0 && (size_t)n < sizeof(cmd));
					assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
					out[strcspn(out, "\n")] = '\0';
					assert_int_equal(sk_totp_generate(seed, seed_len, &p, t, mine, sizeof(mine)),
					                 SK_OK);
					if (strcmp(mine, out) != 0) {
						print_error("mismatch for: %s -> ours %s\n", cmd, mine);
						fail();
					}
					/* oathtool's code is accepted by verify, at the expected step. */
					assert_int_equal(sk_totp_verify(seed, seed_len, &p, t, 0, -1, out, &step), SK_OK);
					assert_int_equal(step, (int64_t)(t / (time_t)p.period));
					checked++;
				}
			}
		}
	}
	assert_int_equal(checked, 50 * 3 * 2 * 2);
}

/* Code of the step `offset` steps away from now. */
static void
code_at(const struct sk_totp_params *p, time_t now, int offset, char code[SK_TOTP_CODE_MAX])
{
	assert_int_equal(sk_totp_generate(seed_sha1, 20, p, now + (time_t)offset * (time_t)p->period, code,
	                                  SK_TOTP_CODE_MAX),
	                 SK_OK);
}

/* Clock drift: +-1 step accepted with window 1, +-2 refused (R-MFA-1). */
static void
test_window(void **state)
{
	struct sk_totp_params p;
	const time_t now = 1111111111;
	const int64_t step = now / 30;
	char code[SK_TOTP_CODE_MAX];
	int64_t m;
	int off;

	(void)state;
	params(&p, SK_TOTP_SHA1, 6, 30);
	for (off = -1; off <= 1; off++) {
		code_at(&p, now, off, code);
		m = -1;
		assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, -1, code, &m), SK_OK);
		assert_int_equal(m, step + off);
	}
	for (off = -2; off <= 2; off += 4) {
		code_at(&p, now, off, code);
		assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, -1, code, &m), SK_ERR_DENIED);
		/* ... and a wider window takes it, so the refusal above is the window's doing. */
		assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 2, -1, code, &m), SK_OK);
		assert_int_equal(m, step + off);
	}
	/* Window 0: only the current step. */
	code_at(&p, now, 1, code);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 0, -1, code, &m), SK_ERR_DENIED);
	/* An absurd window would make guessing easy: refused as a caller error. */
	code_at(&p, now, 0, code);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1000, -1, code, &m), SK_ERR_ARG);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, -1, code, NULL), SK_ERR_ARG);
	/* A wrong code. */
	assert_int_equal(sk_totp_verify(seed_sha256, 32, &p, now, 1, -1, code, &m), SK_ERR_DENIED);
}

/* Replay protection (R-CRED-2: misuse of a credential is prevented): a code is good once. */
static void
test_replay(void **state)
{
	struct sk_totp_params p;
	const time_t now = 1234567890;
	const int64_t step = now / 30;
	char code[SK_TOTP_CODE_MAX];
	int64_t m = -1, last;

	(void)state;
	params(&p, SK_TOTP_SHA256, 6, 30);
	code_at(&p, now, 0, code);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, step - 1, code, &m), SK_OK);
	assert_int_equal(m, step);
	last = m;
	/* Same code, same step: refused, also a few seconds later within the window. */
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, last, code, &m), SK_ERR_DENIED);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now + 20, 1, last, code, &m), SK_ERR_DENIED);
	/* An earlier step's code, though inside the window: refused. */
	code_at(&p, now, -1, code);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, last, code, &m), SK_ERR_DENIED);
	/* The next step's code: accepted and moves last_step on. */
	code_at(&p, now, 1, code);
	m = -1;
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now, 1, last, code, &m), SK_OK);
	assert_int_equal(m, step + 1);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, now + 30, 1, m, code, &m), SK_ERR_DENIED);
}

/* R-LOG-5: a refused replay is told apart from a wrong code, so that the broker can audit it
 * as otp_replayed; an accepted code and a code of no step in the window are not replays. */
static void
test_r_log_5_replay_told_apart(void **state)
{
	struct sk_totp_params p;
	const time_t now = 1234567890;
	const int64_t step = now / 30;
	char code[SK_TOTP_CODE_MAX];
	int64_t m = -1;
	int replayed = -1;

	(void)state;
	params(&p, SK_TOTP_SHA1, 6, 30);
	code_at(&p, now, 0, code);
	assert_int_equal(sk_totp_verify_replay(seed_sha1, 20, &p, now, 1, step - 1, code, &m,
	                                       &replayed), SK_OK);
	assert_int_equal(replayed, 0);
	replayed = -1;
	assert_int_equal(sk_totp_verify_replay(seed_sha1, 20, &p, now, 1, m, code, &m, &replayed),
	                 SK_ERR_DENIED);
	assert_int_equal(replayed, 1);
	/* A code an hour old matches no step of the window: a wrong code. */
	code_at(&p, now - 3600, 0, code);
	replayed = -1;
	assert_int_equal(sk_totp_verify_replay(seed_sha1, 20, &p, now, 1, step, code, &m,
	                                       &replayed), SK_ERR_DENIED);
	assert_int_equal(replayed, 0);
}

/* R-INPUT-1: exactly `digits` ASCII digits, nothing else. */
static void
test_malformed_codes(void **state)
{
	static const char *const bad6[] = {
		"12345a", "abcdef", "12345", "", "1234567", " 123456", "123456 ", "-12345", "+12345",
		"12 456", "123\n56", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93" /* fullwidth 123 */,
		"12345678",
	};
	struct sk_totp_params p;
	char good[SK_TOTP_CODE_MAX];
	int64_t m = -1;
	size_t i;

	(void)state;
	params(&p, SK_TOTP_SHA1, 6, 30);
	for (i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++)
		assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, 59, 1, -1, bad6[i], &m), SK_ERR_PROTO);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, 59, 1, -1, NULL, &m), SK_ERR_PROTO);
	assert_int_equal(m, -1);
	/* The right code with a trailing character is still malformed, not "close enough". */
	code_at(&p, 59, 0, good);
	good[6] = 'x';
	good[7] = '\0';
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, 59, 1, -1, good, &m), SK_ERR_PROTO);
	/* 8-digit token: a 6-digit code is the wrong length. */
	params(&p, SK_TOTP_SHA1, 8, 30);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, 59, 1, -1, "287082", &m), SK_ERR_PROTO);
	assert_int_equal(sk_totp_verify(seed_sha1, 20, &p, 59, 1, -1, "94287082", &m), SK_OK);
}

static void
test_params_and_seeds(void **state)
{
	struct sk_totp_params p;
	enum sk_totp_algo algo = SK_TOTP_SHA1;
	unsigned char seed[SK_TOTP_SEED_MAX], seed2[SK_TOTP_SEED_MAX];
	char code[SK_TOTP_CODE_MAX];
	size_t len, len2;

	(void)state;
	sk_totp_params_default(&p);
	assert_int_equal(p.algo, SK_TOTP_SHA1);
	assert_int_equal(p.digits, 6);
	assert_int_equal(p.period, 30);
	assert_int_equal(sk_totp_params_check(&p), SK_OK);
	p.digits = 7;
	assert_int_equal(sk_totp_params_check(&p), SK_ERR_PROTO);
	p.digits = 6;
	p.period = 14;
	assert_int_equal(sk_totp_params_check(&p), SK_ERR_PROTO);
	p.period = 301;
	assert_int_equal(sk_totp_params_check(&p), SK_ERR_PROTO);
	p.period = 300;
	p.algo = (enum sk_totp_algo)3;
	assert_int_equal(sk_totp_params_check(&p), SK_ERR_PROTO);
	assert_int_equal(sk_totp_params_check(NULL), SK_ERR_ARG);

	assert_int_equal(sk_totp_algo_parse("sha256", &algo), SK_OK);
	assert_int_equal(algo, SK_TOTP_SHA256);
	assert_int_equal(sk_totp_algo_parse("SHA512", &algo), SK_OK);
	assert_int_equal(algo, SK_TOTP_SHA512);
	assert_int_equal(sk_totp_algo_parse("SHA-256", &algo), SK_ERR_PROTO);
	assert_int_equal(sk_totp_algo_parse("SHA2560", &algo), SK_ERR_PROTO);
	assert_int_equal(sk_totp_algo_parse("", &algo), SK_ERR_PROTO);
	assert_string_equal(sk_totp_algo_name(SK_TOTP_SHA1), "SHA1");
	assert_string_equal(sk_totp_algo_name(SK_TOTP_SHA256), "SHA256");
	assert_string_equal(sk_totp_algo_name(SK_TOTP_SHA512), "SHA512");

	/* Seeds of the hash's size, fresh each time. */
	len = sizeof(seed);
	assert_int_equal(sk_totp_random_seed(SK_TOTP_SHA1, seed, &len), SK_OK);
	assert_int_equal(len, 20);
	len = sizeof(seed);
	assert_int_equal(sk_totp_random_seed(SK_TOTP_SHA256, seed, &len), SK_OK);
	assert_int_equal(len, 32);
	len = sizeof(seed);
	len2 = sizeof(seed2);
	assert_int_equal(sk_totp_random_seed(SK_TOTP_SHA512, seed, &len), SK_OK);
	assert_int_equal(sk_totp_random_seed(SK_TOTP_SHA512, seed2, &len2), SK_OK);
	assert_int_equal(len, 64);
	assert_memory_not_equal(seed, seed2, 64);
	len = 31;
	assert_int_equal(sk_totp_random_seed(SK_TOTP_SHA256, seed, &len), SK_ERR_RANGE);

	/* Seeds below RFC 4226's 128 bits and above the maximum are refused. */
	sk_totp_params_default(&p);
	assert_int_equal(sk_totp_generate(seed, 15, &p, 59, code, sizeof(code)), SK_ERR_PROTO);
	assert_int_equal(sk_totp_generate(seed, SK_TOTP_SEED_MAX + 1, &p, 59, code, sizeof(code)),
	                 SK_ERR_PROTO);
	assert_int_equal(sk_totp_generate(seed, 16, &p, 59, code, 6), SK_ERR_RANGE);
	assert_int_equal(sk_totp_generate(seed, 16, &p, -1, code, sizeof(code)), SK_ERR_ARG);
}

/* RFC 4648 section 10 vectors, unpadded as authenticator apps want them. */
static void
test_base32_vectors(void **state)
{
	static const struct {
		const char *raw, *b32;
	} v[] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
	};
	char out[64];
	unsigned char raw[64];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sk_base32_encode((const unsigned char *)v[i].raw, strlen(v[i].raw), out,
		                                  sizeof(out)),
		                 SK_OK);
		assert_string_equal(out, v[i].b32);
		if (v[i].raw[0] == '\0')
			continue;
		assert_int_equal(sk_base32_decode(v[i].b32, raw, sizeof(raw), &len), SK_OK);
		assert_int_equal(len, strlen(v[i].raw));
		assert_memory_equal(raw, v[i].raw, len);
	}
	/* Exactly enough room, then one byte short. */
	assert_int_equal(sk_base32_encode((const unsigned char *)"foobar", 6, out, 11), SK_OK);
	assert_int_equal(sk_base32_encode((const unsigned char *)"foobar", 6, out, 10), SK_ERR_RANGE);
}

static void
test_base32_roundtrip(void **state)
{
	unsigned char in[SK_TOTP_SEED_MAX], back[SK_TOTP_SEED_MAX];
	char b32[128], lower[128], spaced[256];
	size_t n, i, len, j;

	(void)state;
	for (n = 1; n <= SK_TOTP_SEED_MAX; n++) {
		assert_int_equal(RAND_bytes(in, (int)n), 1);
		assert_int_equal(sk_base32_encode(in, n, b32, sizeof(b32)), SK_OK);
		assert_null(strchr(b32, '='));
		assert_int_equal(strlen(b32), (n * 8 + 4) / 5);
		assert_int_equal(sk_base32_decode(b32, back, sizeof(back), &len), SK_OK);
		assert_int_equal(len, n);
		assert_memory_equal(in, back, n);
		/* Lower case, as people type it off a screen, and groups of four with spaces. */
		for (i = 0, j = 0; b32[i] != '\0'; i++) {
			lower[i] = (char)(b32[i] >= 'A' && b32[i] <= 'Z' ? b32[i] - 'A' + 'a' : b32[i]);
			if (i > 0 && i % 4 == 0)
				spaced[j++] = ' ';
			spaced[j++] = lower[i];
		}
		lower[i] = '\0';
		spaced[j] = '\0';
		memset(back, 0, sizeof(back));
		assert_int_equal(sk_base32_decode(lower, back, sizeof(back), &len), SK_OK);
		assert_int_equal(len, n);
		assert_memory_equal(in, back, n);
		assert_int_equal(sk_base32_decode(spaced, back, sizeof(back), &len), SK_OK);
		assert_int_equal(len, n);
		assert_memory_equal(in, back, n);
	}
}

/* R-INPUT-1: only the alphabet, spaces and correct trailing padding. */
static void
test_base32_strict(void **state)
{
	static const char *const bad[] = {
		"MZXW1",     /* '1' is not base32 */
		"MZXW8",     /* nor '8' */
		"MZXW6!",    "MZ-XW6", "MZXW6\n", "MZ\tXW6", "MZ=XW6", /* padding inside */
		"MZXW6=",    /* wrong amount of padding */
		"MZXW6YTB========", "M", "MZX", "MZXW6Y", /* impossible lengths */
		"MZXW6YR",   /* non-canonical: unused trailing bits set */
		"", "    ", "====",
		"\xe3\x81\x82", /* a hiragana letter */
	};
	unsigned char out[64];
	char longin[2048];
	size_t i, len = 12345;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sk_base32_decode(bad[i], out, sizeof(out), &len) != SK_ERR_PROTO) {
			print_error("accepted base32 input #%zu\n", i);
			fail();
		}
	}
	assert_int_equal(len, 12345);
	/* Accepted forms: padded, lower case. */
	assert_int_equal(sk_base32_decode("MZXW6===", out, sizeof(out), &len), SK_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(sk_base32_decode("mzxw6ytboi", out, sizeof(out), &len), SK_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "foobar", 6);
	/* Bounded: no room for the output, and an over-long input. */
	assert_int_equal(sk_base32_decode("MZXW6YTBOI", out, 5, &len), SK_ERR_RANGE);
	memset(longin, 'A', sizeof(longin) - 1);
	longin[sizeof(longin) - 1] = '\0';
	assert_int_equal(sk_base32_decode(longin, out, sizeof(out), &len), SK_ERR_RANGE);
}

/* The enrolment URI; the issuer is a municipality name with a space (generated). */
static void
test_uri(void **state)
{
	static const char expect[] =
		"otpauth://totp/%E5%BF%97%E5%92%8C%E7%94%BA%20Sekimori:test%20user%3A01"
		"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
		"&issuer=%E5%BF%97%E5%92%8C%E7%94%BA%20Sekimori&algorithm=SHA1&digits=6&period=30";
	struct sk_totp_params p;
	char uri[512], secret[128], cmd[256], out[64], mine[SK_TOTP_CODE_MAX];
	const char *s;
	size_t n, i;

	(void)state;
	sk_totp_params_default(&p);
	assert_int_equal(sk_totp_uri("志和町 Sekimori", "test user:01", seed_sha1, 20, &p, uri,
	                             sizeof(uri)),
	                 SK_OK);
	assert_string_equal(uri, expect);

	/* Unreserved characters stay as they are; '&', '?', '/' and '=' do not. */
	params(&p, SK_TOTP_SHA512, 8, 60);
	assert_int_equal(sk_totp_uri("A-Z.a_z~09", "x&y?z/w=v", seed_sha256, 32, &p, uri, sizeof(uri)),
	                 SK_OK);
	assert_string_equal(uri, "otpauth://totp/A-Z.a_z~09:x%26y%3Fz%2Fw%3Dv"
	                         "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
	                         "&issuer=A-Z.a_z~09&algorithm=SHA512&digits=8&period=60");

	/* The secret in the URI is what oathtool (base32 mode) turns into the same codes. */
	s = strstr(uri, "secret=");
	assert_non_null(s);
	s += strlen("secret=");
	n = strcspn(s, "&");
	assert_true(n < sizeof(secret));
	memcpy(secret, s, n);
	secret[n] = '\0';
	assert_null(strchr(secret, '='));
	snprintf(cmd, sizeof(cmd), "oathtool -b --totp=sha512 -d 8 -s 60s -N @1234567890 %s", secret);
	assert_int_equal(sk_test_run(cmd, out, sizeof(out)), 0);
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(sk_totp_generate(seed_sha256, 32, &p, 1234567890, mine, sizeof(mine)), SK_OK);
	assert_string_equal(out, mine);

	/* Too small a buffer: an error, and no half URI (with half a secret) left behind. */
	sk_totp_params_default(&p);
	memset(uri, 'Q', sizeof(uri));
	assert_int_equal(sk_totp_uri("Issuer", "acct", seed_sha1, 20, &p, uri, 60), SK_ERR_RANGE);
	for (i = 0; i < 60; i++)
		assert_int_equal(uri[i], '\0');
	assert_int_equal(sk_totp_uri("", "acct", seed_sha1, 20, &p, uri, sizeof(uri)), SK_ERR_PROTO);
	assert_int_equal(sk_totp_uri("Issuer", "", seed_sha1, 20, &p, uri, sizeof(uri)), SK_ERR_PROTO);
	assert_int_equal(sk_totp_uri(NULL, "acct", seed_sha1, 20, &p, uri, sizeof(uri)), SK_ERR_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_oathtool_crosscheck),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_r_log_5_replay_told_apart),
		cmocka_unit_test(test_malformed_codes),
		cmocka_unit_test(test_params_and_seeds),
		cmocka_unit_test(test_base32_vectors),
		cmocka_unit_test(test_base32_roundtrip),
		cmocka_unit_test(test_base32_strict),
		cmocka_unit_test(test_uri),
	};

	sk_log_to_stderr(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
