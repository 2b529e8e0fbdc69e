/* The broker's own password store: hashing and verification with yescrypt (libxcrypt),
 * the quality rules of R-CRED-3 and the temporary passwords of R-CRED-1.
 *
 * Accepted hash schemes: only "$y$" (yescrypt), which is what password_hash writes.
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

/* The yescrypt parameters of a bulk-enrolment temporary password (doc/bulk-enrol.md): "j35"
 * in place of the default "j9T". Such a password is 16 characters drawn uniformly from 66
 * (about 96 bits), so the hash's cost is not what protects it; the production cost would
 * bound bulk enrolment near 20 users/s per CPU. It must be changed at the first login, and
 * the new password gets the production parameters. */
#define PASSWORD_ENROL_PARAMS "j35"

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
password_hash_enrolment(const char *pw, char *out, size_t outsz)
{
	return hash_with(pw, PASSWORD_ENROL_PARAMS, out, outsz);
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
int
password_generate_temp(char *out, size_t outsz)
{
	char alphabet[sizeof(temp_lower) + sizeof(temp_upper) + sizeof(temp_digit) +
	              sizeof(temp_symbol)];
	struct rand_pool pool;
	size_t alen = 0;
	int rc = SK_ERR_INTERNAL;

	if (out == NULL || outsz < PASSWORD_TEMP_LEN + 1) {
		sk_logerr("output buffer missing or smaller than %d bytes", PASSWORD_TEMP_LEN + 1);
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

		for (size_t k = 0; k < PASSWORD_TEMP_LEN; k++) {
			size_t idx;

			rc = pool_index(&pool, alen, &idx);
			if (rc != SK_OK)
				goto done;
			out[k] = alphabet[idx];
			classes |= class_of((unsigned char)alphabet[idx]);
		}
		out[PASSWORD_TEMP_LEN] = '\0';
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
