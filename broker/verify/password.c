/* The broker's own password store: hashing and verification with yescrypt (libxcrypt),
 * the quality rules of R-CRED-3 and the temporary passwords of R-CRED-1.
 *
 * Accepted hash schemes: "$y$" (yescrypt), which is what password_hash writes, and, only
 * for an account whose password is marked temporary, "$sktmp1$" (password_issue_bulk_temp:
 * a broker-generated secret of at least 128 bits, salted SHA-256; see below).
 * Imports of "$6$" (sha512crypt) or "$2b$" (bcrypt) hashes are deliberately refused: under
 * R-CRED-1 every account starts from a temporary password issued by Sekimori, so nothing
 * needs to be imported, and accepting a faster scheme would let one tampered store row
 * downgrade an account to a hash that is much cheaper to attack offline.
 *
 * Lengths: PASSWORD_MAX is a limit in bytes (it bounds buffers, R-INPUT-1); the quality
 * rule min_length counts UTF-8 code points, so a Japanese password is judged by the
 * characters the user typed, not by its three-byte encoding.
 *
 * No Unicode normalisation is done: the bytes the terminal sends are the bytes hashed. */
#include "password.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"

#define USER_MAX 256           /* user names longer than this are refused by the quality check */
#define TEMP_MAX_ATTEMPTS 1000 /* a draw lacks a class ~20% of the time; 1000 misses cannot happen */

/* Look-alikes left out: 0/O/o, 1/l/I; '|' (reads as l or I), quotes and backquote (confused
 * with each other), '\' (shown as a yen sign on JIS keyboards), '~' and '_' (hard to read
 * on paper slips). */
static const char temp_lower[] = "abcdefghijkmnpqrstuvwxyz";
static const char temp_upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char temp_digit[] = "23456789";
static const char temp_symbol[] = "!#%&*+-=?@";

enum char_class {
	CLASS_LOWER = 1u << 0,
	CLASS_UPPER = 1u << 1,
	CLASS_DIGIT = 1u << 2,
	CLASS_OTHER = 1u << 3,
};

/* Decodes one strictly valid UTF-8 sequence at s[*i] (no overlong forms, no surrogates,
 * nothing above U+10FFFF). Returns 0 and advances *i, or -1 for invalid input. */
static int
utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t pos = *i;
	unsigned char c = s[pos];
	size_t need;
	uint32_t v;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		*i = pos + 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1fu;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0fu;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		return -1; /* a continuation byte, an overlong lead (c0, c1) or f5..ff */
	}
	if (len - pos - 1 < need)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		unsigned char cc = s[pos + k];

		if ((cc & 0xc0u) != 0x80u)
			return -1;
		v = (v << 6) | (cc & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i = pos + 1 + need;
	return 0;
}

/* C0 controls, DEL and C1 controls: never part of a password a person types. */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Counts the code points of s[0..len) into *count; -1 if s is not valid UTF-8 or holds a
 * control character. */
static int
utf8_check(const char *s, size_t len, size_t *count)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	size_t n = 0;
	uint32_t cp;

	while (i < len) {
		if (utf8_next(u, len, &i, &cp) != 0 || is_control(cp))
			return -1;
		n++;
	}
	*count = n;
	return 0;
}

/* The input rules shared by hash and verify: at most PASSWORD_MAX bytes, valid UTF-8, no
 * control characters (R-INPUT-1). Logs and returns SK_ERR_* on refusal. */
static int
password_input_check(const char *pw)
{
	size_t len = strnlen(pw, PASSWORD_MAX + 1);
	size_t count;

	if (len > PASSWORD_MAX) {
		sk_logerr("password longer than %d bytes", PASSWORD_MAX);
		return SK_ERR_RANGE;
	}
	if (utf8_check(pw, len, &count) != 0) {
		sk_logerr("password has control characters or invalid UTF-8");
		return SK_ERR_PROTO;
	}
	return SK_OK;
}

/* The characters crypt(5) uses in a yescrypt hash string. */
static int
hash_chars_ok(const char *hash, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)hash[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '/' || c == '$'))
			return 0;
	}
	return 1;
}

/* Each yescrypt run maps 16 MiB and keeps a CPU busy for tens of milliseconds; more runs at
 * once than CPUs only add memory and make every login slower. Bound them. */
static pthread_mutex_t crypt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t crypt_free = PTHREAD_COND_INITIALIZER;
static long crypt_running;

static long
crypt_limit(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 2 : n + 1;
}

static char *
bounded_crypt(const char *pw, const char *setting, struct crypt_data *cd)
{
	char *out;

	pthread_mutex_lock(&crypt_lock);
	while (crypt_running >= crypt_limit())
		pthread_cond_wait(&crypt_free, &crypt_lock);
	crypt_running++;
	pthread_mutex_unlock(&crypt_lock);
	out = crypt_rn(pw, setting, cd, (int)sizeof(*cd));
	pthread_mutex_lock(&crypt_lock);
	crypt_running--;
	pthread_cond_signal(&crypt_free);
	pthread_mutex_unlock(&crypt_lock);
	return out;
}

static int
hash_with(const char *pw, const char *params, char *out, size_t outsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	int rc;

	if (pw == NULL || out == NULL || outsz == 0) {
		sk_logerr("null or empty argument");
		return SK_ERR_ARG;
	}
	out[0] = '\0';
	rc = password_input_check(pw);
	if (rc != SK_OK)
		return rc;
	/* NULL random bytes: libxcrypt takes the salt from the kernel (getentropy). */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, (int)sizeof(salt)) == NULL ||
	    salt[0] == '*') {
		sk_logerr("crypt_gensalt_rn for yescrypt failed");
		return SK_ERR_CRYPTO;
	}
	/* "$y$" + 3 parameter characters + "$": the default parameters, replaced when asked. */
	if (params != NULL) {
		if (strlen(salt) < 8 || salt[6] != '$') {
			sk_logerr("unexpected yescrypt setting");
			return SK_ERR_CRYPTO;
		}
		memcpy(salt + 3, params, 3);
	}
	/* About 32 KiB: on the heap, so broker threads with small stacks are safe. calloc also
	 * gives the zeroed 'initialized' field crypt_rn wants. */
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		sk_logerr("calloc for crypt_data failed");
		return SK_ERR_NOMEM;
	}
	rc = SK_OK;
	if (bounded_crypt(pw, salt, cd) == NULL || cd->output[0] == '*' ||
	    strncmp(cd->output, "$y$", 3) != 0) {
		sk_logerr("crypt_rn with yescrypt failed");
		rc = SK_ERR_CRYPTO;
	} else {
		size_t len = strnlen(cd->output, sizeof(cd->output));

		if (len >= outsz || len >= PASSWORD_HASH_MAX) {
			sk_logerr("hash does not fit the output buffer");
			rc = SK_ERR_RANGE;
		} else {
			memcpy(out, cd->output, len + 1);
		}
	}
	/* crypt_data keeps a copy of the passphrase and intermediate state. */
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
password_hash(const char *pw, char *out, size_t outsz)
{
	return hash_with(pw, NULL, out, outsz);
}

int
password_verify(const char *pw, const char *hash)
{
	struct crypt_data *cd;
	size_t hash_len;
	int rc;

	if (pw == NULL || hash == NULL) {
		sk_logerr("null argument");
		return SK_ERR_ARG;
	}
	hash_len = strnlen(hash, PASSWORD_HASH_MAX);
	if (hash_len >= PASSWORD_HASH_MAX) {
		sk_logerr("stored hash too long");
		return SK_ERR_RANGE;
	}
	if (strncmp(hash, "$y$", 3) != 0) {
		sk_logerr("stored hash is not yescrypt");
		return SK_ERR_PROTO;
	}
	if (!hash_chars_ok(hash, hash_len)) {
		sk_logerr("stored hash has characters outside the crypt alphabet");
		return SK_ERR_PROTO;
	}
	rc = password_input_check(pw);
	if (rc != SK_OK)
		return rc;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		sk_logerr("calloc for crypt_data failed");
		return SK_ERR_NOMEM;
	}
	if (bounded_crypt(pw, hash, cd) == NULL || cd->output[0] == '*') {
		sk_logerr("crypt_rn rejected the stored hash");
		rc = SK_ERR_CRYPTO;
	} else {
		/* The output length depends only on the hash parameters, never on the password,
		 * so checking it before the constant-time compare leaks nothing. */
		size_t out_len = strnlen(cd->output, sizeof(cd->output));

		if (out_len == hash_len && CRYPTO_memcmp(cd->output, hash, hash_len) == 0) {
			rc = SK_OK;
		} else {
			sk_logdebug("password does not match");   /* an outcome, not an error */
			rc = SK_ERR_DENIED;
		}
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Whether needle occurs in hay, folding ASCII case only. Both are valid UTF-8, which is
 * self-synchronising, so a byte match is a match of whole characters. */
static int
contains_fold(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	if (needle_len == 0 || needle_len > hay_len)
		return 0;
	for (size_t i = 0; i + needle_len <= hay_len; i++) {
		size_t k = 0;

		while (k < needle_len && ascii_lower((unsigned char)hay[i + k]) ==
		                             ascii_lower((unsigned char)needle[k]))
			k++;
		if (k == needle_len)
			return 1;
	}
	return 0;
}

/* Writes the user name reversed by code point (so a reversed Japanese name stays valid
 * UTF-8) into out, which has room for len bytes. */
static void
reverse_utf8(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	size_t end = len;
	uint32_t cp;

	while (i < len) {
		size_t start = i;

		if (utf8_next(u, len, &i, &cp) != 0)
			return; /* the caller validated s; unreachable */
		end -= i - start;
		memcpy(out + end, s + start, i - start);
	}
}

static unsigned
class_of(uint32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		return CLASS_LOWER;
	if (cp >= 'A' && cp <= 'Z')
		return CLASS_UPPER;
	if (cp >= '0' && cp <= '9')
		return CLASS_DIGIT;
	return CLASS_OTHER; /* ASCII symbols, space and every non-ASCII character */
}

static unsigned
count_bits(unsigned v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* R-CRED-3: long enough and hard to guess. NULL arguments or an invalid user name are a
 * caller bug; the enum has no code for that, so they are logged and refused as
 * PASSWORD_BAD_CHARS (fail closed). */
enum password_quality
password_check_quality(const char *user, const char *pw, const struct password_rules *rules)
{
	const unsigned char *u;
	size_t pw_len, user_len, user_chars, pw_chars;
	size_t i = 0;
	unsigned classes = 0;
	uint32_t cp;
	enum password_quality q = PASSWORD_OK;

	if (user == NULL || pw == NULL || rules == NULL) {
		sk_logerr("null argument");
		return PASSWORD_BAD_CHARS;
	}
	pw_len = strnlen(pw, PASSWORD_MAX + 1);
	if (pw_len > PASSWORD_MAX) {
		sk_logerr("password longer than %d bytes", PASSWORD_MAX);
		return PASSWORD_TOO_LONG;
	}
	if (utf8_check(pw, pw_len, &pw_chars) != 0) {
		sk_logerr("password has control characters or invalid UTF-8");
		return PASSWORD_BAD_CHARS;
	}
	user_len = strnlen(user, USER_MAX);
	if (user_len >= USER_MAX || utf8_check(user, user_len, &user_chars) != 0) {
		sk_logerr("user name too long, invalid UTF-8 or has control characters");
		return PASSWORD_BAD_CHARS;
	}
	if (pw_chars < rules->min_length) {
		sk_logerr("password shorter than %u characters", rules->min_length);
		return PASSWORD_TOO_SHORT;
	}
	u = (const unsigned char *)pw;
	while (i < pw_len) {
		if (utf8_next(u, pw_len, &i, &cp) != 0) {
			sk_logerr("password UTF-8 changed while checking"); /* validated above */
			return PASSWORD_BAD_CHARS;
		}
		classes |= class_of(cp);
	}
	if (count_bits(classes) < rules->min_classes) {
		sk_logerr("password has fewer than %u character classes", rules->min_classes);
		return PASSWORD_TOO_FEW_CLASSES;
	}
	/* Very short names ("a", "jo") would match too many harmless passwords. */
	if (user_chars >= 3) {
		char rev[USER_MAX];

		reverse_utf8(user, user_len, rev);
		if (contains_fold(pw, pw_len, user, user_len) ||
		    contains_fold(pw, pw_len, rev, user_len)) {
			sk_logerr("password contains the user name");
			q = PASSWORD_CONTAINS_USER;
		}
		explicit_bzero(rev, sizeof(rev));
	}
	return q;
}

/* An unbiased index below n from the byte pool, refilled from RAND_bytes as needed: bytes
 * at or above the largest multiple of n are thrown away instead of reduced (no modulo
 * bias). */
struct rand_pool {
	unsigned char buf[64];
	size_t pos;
};

static int
pool_index(struct rand_pool *p, size_t n, size_t *idx)
{
	const unsigned limit = 256u - (256u % (unsigned)n);

	for (;;) {
		unsigned char b;

		if (p->pos >= sizeof(p->buf)) {
			if (RAND_bytes(p->buf, (int)sizeof(p->buf)) != 1) {
				sk_logerr("RAND_bytes failed");
				return SK_ERR_CRYPTO;
			}
			p->pos = 0;
		}
		b = p->buf[p->pos];
		p->buf[p->pos] = 0;
		p->pos++;
		if (b < limit) {
			*idx = b % n;
			return SK_OK;
		}
	}
}

/* R-CRED-1: the temporary password staff get on issue (changed at first login). Every
 * character is drawn uniformly from the whole alphabet and a draw missing a class is
 * thrown away whole, so the result is uniform over all passwords that have every class
 * (about 2^96 of them). */
static int
generate_temp(char *out, size_t outsz, size_t len)
{
	char alphabet[sizeof(temp_lower) + sizeof(temp_upper) + sizeof(temp_digit) +
	              sizeof(temp_symbol)];
	struct rand_pool pool;
	size_t alen = 0;
	int rc = SK_ERR_INTERNAL;

	if (out == NULL || outsz < len + 1) {
		sk_logerr("output buffer missing or smaller than %zu bytes", len + 1);
		return SK_ERR_RANGE;
	}
	memcpy(alphabet + alen, temp_lower, sizeof(temp_lower) - 1);
	alen += sizeof(temp_lower) - 1;
	memcpy(alphabet + alen, temp_upper, sizeof(temp_upper) - 1);
	alen += sizeof(temp_upper) - 1;
	memcpy(alphabet + alen, temp_digit, sizeof(temp_digit) - 1);
	alen += sizeof(temp_digit) - 1;
	memcpy(alphabet + alen, temp_symbol, sizeof(temp_symbol) - 1);
	alen += sizeof(temp_symbol) - 1;

	pool.pos = sizeof(pool.buf); /* empty: the first draw fills it */
	for (int attempt = 0; attempt < TEMP_MAX_ATTEMPTS; attempt++) {
		unsigned classes = 0;

		for (size_t k = 0; k < len; k++) {
			size_t idx;

			rc = pool_index(&pool, alen, &idx);
			if (rc != SK_OK)
				goto done;
			out[k] = alphabet[idx];
			classes |= class_of((unsigned char)alphabet[idx]);
		}
		out[len] = '\0';
		if (classes == (CLASS_LOWER | CLASS_UPPER | CLASS_DIGIT | CLASS_OTHER)) {
			rc = SK_OK;
			goto done;
		}
	}
	sk_logerr("no draw had every character class");
	rc = SK_ERR_INTERNAL;
done:
	explicit_bzero(&pool, sizeof(pool));
	if (rc != SK_OK)
		explicit_bzero(out, outsz);
	return rc;
}

int
password_generate_temp(char *out, size_t outsz)
{
	return generate_temp(out, outsz, PASSWORD_TEMP_LEN);
}

/* The bulk temporary password scheme ("$sktmp1$", doc/architecture.md "Passwords"):
 * "$sktmp1$" + 32 hex digits of a 16-byte random salt + "$" + 64 hex digits of
 * SHA-256(salt || password). Unkeyed and fast on purpose: the password is
 * PASSWORD_BULK_TEMP_LEN characters drawn uniformly from 66 by the broker itself (at least
 * 132 bits), so an offline search of the space is out of reach however fast one guess is,
 * and a slow KDF adds nothing but its cost (~60 ms a hash, which capped bulk enrolment). The
 * salt keeps two equal hashes from saying anything. Only password_issue_bulk_temp writes it
 * (it makes the password too: no caller can put a chosen password under it), and
 * password_verify_user accepts it only for an account marked temporary, whose password
 * must be changed at the first login (to a yescrypt one). */
#define BULK_PREFIX "$sktmp1$"
#define BULK_SALT_LEN 16
#define BULK_HASH_LEN (sizeof(BULK_PREFIX) - 1 + 2 * BULK_SALT_LEN + 1 + 2 * 32)

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hex_decode(const char *in, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char ch = in[2 * i + k];

			if (ch >= '0' && ch <= '9')
				v = v * 16 + (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v = v * 16 + (unsigned)(ch - 'a' + 10);
			else
				return SK_ERR_PROTO;
		}
		out[i] = (unsigned char)v;
	}
	return SK_OK;
}

static int
bulk_digest(const unsigned char salt[BULK_SALT_LEN], const char *pw, unsigned char md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, salt, BULK_SALT_LEN) == 1 &&
	         EVP_DigestUpdate(ctx, pw, strlen(pw)) == 1 && EVP_DigestFinal_ex(ctx, md, &len) == 1 &&
	         len == 32;

	EVP_MD_CTX_free(ctx);
	if (!ok) {
		sk_logerr("SHA-256 failed");
		return SK_ERR_CRYPTO;
	}
	return SK_OK;
}

int
password_issue_bulk_temp(char *pw, size_t pwsz, char *hash, size_t hashsz)
{
	unsigned char salt[BULK_SALT_LEN], md[32];
	int r;

	if (hash == NULL || hashsz < BULK_HASH_LEN + 1 || BULK_HASH_LEN + 1 > PASSWORD_HASH_MAX) {
		sk_logerr("hash buffer missing or too small");
		return SK_ERR_RANGE;
	}
	hash[0] = '\0';
	if ((r = generate_temp(pw, pwsz, PASSWORD_BULK_TEMP_LEN)) != SK_OK)
		return r;
	if (RAND_bytes(salt, (int)sizeof(salt)) != 1) {
		sk_logerr("RAND_bytes failed");
		r = SK_ERR_CRYPTO;
	} else if ((r = bulk_digest(salt, pw, md)) == SK_OK) {
		memcpy(hash, BULK_PREFIX, sizeof(BULK_PREFIX) - 1);
		hex_encode(salt, sizeof(salt), hash + sizeof(BULK_PREFIX) - 1);
		hash[sizeof(BULK_PREFIX) - 1 + 2 * BULK_SALT_LEN] = '$';
		hex_encode(md, sizeof(md), hash + sizeof(BULK_PREFIX) + 2 * BULK_SALT_LEN);
	}
	explicit_bzero(md, sizeof(md));
	if (r != SK_OK)
		explicit_bzero(pw, pwsz);
	return r;
}

int
password_is_bulk_temp_hash(const char *hash)
{
	return hash != NULL && strncmp(hash, BULK_PREFIX, sizeof(BULK_PREFIX) - 1) == 0;
}

/* A yescrypt hash with the production parameters of a random password, verified after a
 * bulk temporary password so that such a check takes as long as a yescrypt one: the time
 * of a login attempt does not tell that the account still has its bulk password. */
static char decoy_hash[PASSWORD_HASH_MAX];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void
make_decoy_hash(void)
{
	char pw[PASSWORD_TEMP_LEN + 1];

	if (password_generate_temp(pw, sizeof(pw)) == SK_OK)
		(void)password_hash(pw, decoy_hash, sizeof(decoy_hash));
	explicit_bzero(pw, sizeof(pw));
}

static int
verify_bulk(const char *pw, const char *hash)
{
	unsigned char salt[BULK_SALT_LEN], want[32], md[32];
	size_t off = sizeof(BULK_PREFIX) - 1;
	int r;

	if (strnlen(hash, PASSWORD_HASH_MAX) != BULK_HASH_LEN || hash[off + 2 * BULK_SALT_LEN] != '$' ||
	    hex_decode(hash + off, BULK_SALT_LEN, salt) != SK_OK ||
	    hex_decode(hash + off + 2 * BULK_SALT_LEN + 1, sizeof(want), want) != SK_OK) {
		sk_logerr("stored bulk temporary hash is malformed");
		return SK_ERR_PROTO;
	}
	if ((r = password_input_check(pw)) != SK_OK)
		return r;
	if ((r = bulk_digest(salt, pw, md)) == SK_OK)
		r = CRYPTO_memcmp(md, want, sizeof(md)) == 0 ? SK_OK : SK_ERR_DENIED;
	explicit_bzero(md, sizeof(md));
	pthread_once(&decoy_once, make_decoy_hash);
	if (decoy_hash[0] != '\0')
		(void)password_verify(pw, decoy_hash);
	return r;
}

int
password_verify_user(const char *pw, const char *hash, int temporary)
{
	if (pw == NULL || hash == NULL) {
		sk_logerr("null argument");
		return SK_ERR_ARG;
	}
	if (password_is_bulk_temp_hash(hash)) {
		if (!temporary) {
			/* Only ever the hash of an unchanged broker-made temporary password. */
			sk_logerr("bulk temporary hash on an account whose password is not temporary");
			return SK_ERR_PROTO;
		}
		return verify_bulk(pw, hash);
	}
	return password_verify(pw, hash);
}
