/* RFC 6238 TOTP over liboath, with replay protection by time step. */
#ifndef SK_TOTP_H
#define SK_TOTP_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum sk_totp_algo { SK_TOTP_SHA1 = 0, SK_TOTP_SHA256 = 1, SK_TOTP_SHA512 = 2 };

struct sk_totp_params {
	enum sk_totp_algo algo;
	unsigned digits;  /* 6 or 8 */
	unsigned period;  /* seconds, 15..300 */
};

#define SK_TOTP_SEED_MAX 64   /* SHA-512 test vectors use 64-byte seeds */
#define SK_TOTP_CODE_MAX 9    /* 8 digits and the NUL */

/* Fills params with SHA1 / 6 digits / 30 s. */
void sk_totp_params_default(struct sk_totp_params *p);
/* Checks digits, period and algorithm; SK_ERR_PROTO when out of range. */
int sk_totp_params_check(const struct sk_totp_params *p);
int sk_totp_algo_parse(const char *name, enum sk_totp_algo *out);
const char *sk_totp_algo_name(enum sk_totp_algo algo); /* "SHA1", "SHA256", "SHA512" */

/* The code for time `now`. out must hold SK_TOTP_CODE_MAX bytes. */
int sk_totp_generate(const unsigned char *seed, size_t seed_len, const struct sk_totp_params *p,
                     time_t now, char *out, size_t outsz);

/* Accepts `code` if it matches a time step within +-window of now and that step is greater
 * than last_step (a code is accepted once only). Compares in constant time. On success
 * writes the matched step. Returns SK_OK, SK_ERR_DENIED (no match or replay) or
 * SK_ERR_PROTO (code not all digits / wrong length). */
int sk_totp_verify(const unsigned char *seed, size_t seed_len, const struct sk_totp_params *p,
                   time_t now, unsigned window, int64_t last_step, const char *code,
                   int64_t *matched_step);
/* As sk_totp_verify; when it returns SK_ERR_DENIED, *replayed (may be NULL) says whether the
 * code matched a step of the window that was already used (at most last_step): a replay,
 * which the broker audits apart from a wrong code (R-LOG-5). */
int sk_totp_verify_replay(const unsigned char *seed, size_t seed_len,
                          const struct sk_totp_params *p, time_t now, unsigned window,
                          int64_t last_step, const char *code, int64_t *matched_step,
                          int *replayed);

/* Random seed of the algorithm's natural size (20/32/64 bytes). */
int sk_totp_random_seed(enum sk_totp_algo algo, unsigned char *seed, size_t *seed_len);

/* RFC 4648 base32 without padding (as authenticator apps expect); decode accepts
 * upper/lower case, ignores spaces and '=' padding, rejects anything else. */
int sk_base32_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz);
int sk_base32_decode(const char *in, unsigned char *out, size_t outcap, size_t *outlen);

/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...&digits=...&period=...
 * with issuer and account percent-encoded. */
int sk_totp_uri(const char *issuer, const char *account, const unsigned char *seed,
                size_t seed_len, const struct sk_totp_params *p, char *out, size_t outsz);

#endif
