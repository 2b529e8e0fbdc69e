/* The audit log's anchor (R-LOG-3): the last seq and mac, and a tag that only the holder of
 * the audit key can make, so that a log cut back cannot be given a matching anchor by
 * someone without the key. Also the "SEQ:MAC" form the broker writes to syslog, for
 * `sekimori audit verify --anchor`. The format is described in sk_audit_chain.h. */
#include "sk_audit_chain.h"
#include "sk_audit_internal.h"
#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* "seq=<20 digits> mac=<64 hex> tag=<64 hex>\n": fixed size, so a rewrite in place never
 * leaves a tail of an older, longer record, and the record fits one disk sector (written
 * whole). The tag is the HMAC of the body (everything before " tag=") with the anchor key. */
#define ANCHOR_SEQ_DIGITS 20
#define ANCHOR_BODY_LEN (4 + ANCHOR_SEQ_DIGITS + 5 + SK_AUDIT_MAC_HEX)
#define ANCHOR_TAG_AT (ANCHOR_BODY_LEN + 5)
#define ANCHOR_LEN (ANCHOR_TAG_AT + SK_AUDIT_MAC_HEX + 1)

/* Domain separation: the anchor key is derived from the audit key, so that no record MAC can
 * ever serve as an anchor tag or the other way round. */
static const char anchor_key_label[] = "sekimori audit anchor v1";

/* tag = HMAC(HMAC(key, label), body). */
static int
anchor_tag(const unsigned char *key, size_t keylen, const char *body, size_t len,
           char hex[SK_AUDIT_MAC_HEX + 1])
{
	unsigned char akey[EVP_MAX_MD_SIZE];
	unsigned int akeylen = 0;
	int rc;

	if (key == NULL || keylen != SK_AUDIT_KEY_LEN) {
		sk_logerr("invalid audit key");
		return SK_ERR_ARG;
	}
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)anchor_key_label,
	         sizeof(anchor_key_label) - 1, akey, &akeylen) == NULL || akeylen != 32) {
		sk_logerr("HMAC-SHA256 failed");
		explicit_bzero(akey, sizeof(akey));
		return SK_ERR_CRYPTO;
	}
	rc = sk_audit_hmac_hex(akey, akeylen, body, len, hex);
	explicit_bzero(akey, sizeof(akey));
	return rc;
}

int
sk_audit_anchor_read(const char *path, const unsigned char *key, size_t keylen,
                     struct sk_audit_anchor *out)
{
	char buf[ANCHOR_LEN + 1];
	char tag[SK_AUDIT_MAC_HEX + 1];
	size_t got = 0, i;
	struct stat st;
	uint64_t seq = 0;
	ssize_t r;
	int fd, rc = SK_OK;

	if (path == NULL || out == NULL || key == NULL || keylen != SK_AUDIT_KEY_LEN) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;   /* logging may change errno */

		sk_logerr("cannot open the anchor %s: %s", path, strerror(e));
		return e == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sk_logerr("anchor %s is not a regular file", path);
		rc = SK_ERR_IO;
		goto out;
	}
	/* Read one byte more than a record so that a longer file is caught, not cut. */
	while (got < sizeof(buf)) {
		r = read(fd, buf + got, sizeof(buf) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sk_logerr("cannot read the anchor %s: %s", path, strerror(errno));
			rc = SK_ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != ANCHOR_LEN || memcmp(buf, "seq=", 4) != 0 ||
	    !sk_audit_is_digits(buf + 4, ANCHOR_SEQ_DIGITS) ||
	    memcmp(buf + 4 + ANCHOR_SEQ_DIGITS, " mac=", 5) != 0 ||
	    !sk_audit_is_lower_hex(buf + 9 + ANCHOR_SEQ_DIGITS, SK_AUDIT_MAC_HEX) ||
	    memcmp(buf + ANCHOR_BODY_LEN, " tag=", 5) != 0 ||
	    !sk_audit_is_lower_hex(buf + ANCHOR_TAG_AT, SK_AUDIT_MAC_HEX) || buf[ANCHOR_LEN - 1] != '\n') {
		sk_logerr("anchor %s is malformed", path);
		rc = SK_ERR_PROTO;
		goto out;
	}
	for (i = 0; i < ANCHOR_SEQ_DIGITS; i++) {
		unsigned d = (unsigned)(buf[4 + i] - '0');

		if (seq > (UINT64_MAX - d) / 10) {
			sk_logerr("anchor %s: seq out of range", path);
			rc = SK_ERR_PROTO;
			goto out;
		}
		seq = seq * 10 + d;
	}
	if ((rc = anchor_tag(key, keylen, buf, ANCHOR_BODY_LEN, tag)) != SK_OK)
		goto out;
	if (CRYPTO_memcmp(tag, buf + ANCHOR_TAG_AT, SK_AUDIT_MAC_HEX) != 0) {
		sk_logerr("anchor %s: tag does not verify with the audit key", path);
		rc = SK_ERR_CRYPTO;
		goto out;
	}
	out->seq = seq;
	memcpy(out->mac, buf + 9 + ANCHOR_SEQ_DIGITS, SK_AUDIT_MAC_HEX);
	out->mac[SK_AUDIT_MAC_HEX] = '\0';
out:
	close(fd);
	return rc;
}

int
sk_audit_anchor_write(int fd, const unsigned char *key, size_t keylen,
                      const struct sk_audit_anchor *a)
{
	return sk_audit_anchor_put(fd, key, keylen, a, 1);
}

int
sk_audit_anchor_put(int fd, const unsigned char *key, size_t keylen,
                    const struct sk_audit_anchor *a, int sync)
{
	char buf[ANCHOR_LEN + 1];
	char tag[SK_AUDIT_MAC_HEX + 1];
	int n, flags, rc;

	if (fd < 0 || a == NULL || key == NULL || keylen != SK_AUDIT_KEY_LEN || strnlen(a->mac, SK_AUDIT_MAC_HEX + 1) != SK_AUDIT_MAC_HEX ||
	    !sk_audit_is_lower_hex(a->mac, SK_AUDIT_MAC_HEX)) {
		sk_logerr("invalid argument");
		return SK_ERR_ARG;
	}
	/* On Linux pwrite on an O_APPEND descriptor appends, which would grow the anchor
	 * instead of rewriting it. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_APPEND) != 0) {
		sk_logerr("anchor descriptor is unusable or opened with O_APPEND");
		return SK_ERR_ARG;
	}
	n = snprintf(buf, sizeof(buf), "seq=%020" PRIu64 " mac=%s", a->seq, a->mac);
	if (n != ANCHOR_BODY_LEN) {
		sk_logerr("cannot format the anchor");
		return SK_ERR_INTERNAL;
	}
	if ((rc = anchor_tag(key, keylen, buf, ANCHOR_BODY_LEN, tag)) != SK_OK)
		return rc;
	n = snprintf(buf + ANCHOR_BODY_LEN, sizeof(buf) - ANCHOR_BODY_LEN, " tag=%s\n", tag);
	if (n != ANCHOR_LEN - ANCHOR_BODY_LEN) {
		sk_logerr("cannot format the anchor tag");
		return SK_ERR_INTERNAL;
	}
	if (sk_write_full(fd, buf, ANCHOR_LEN, 0) != SK_OK) {
		sk_logerr("cannot write the anchor: %s", strerror(errno));
		return SK_ERR_IO;
	}
	if (sync && fdatasync(fd) != 0) {
		sk_logerr("cannot sync the anchor: %s", strerror(errno));
		return SK_ERR_IO;
	}
	return SK_OK;
}

int
sk_audit_anchor_parse(const char *text, struct sk_audit_anchor *out)
{
	const char *colon;
	uint64_t seq = 0;
	size_t n, i;

	if (text == NULL || out == NULL)
		return SK_ERR_ARG;
	colon = strchr(text, ':');
	if (colon == NULL)
		return SK_ERR_PROTO;
	n = (size_t)(colon - text);
	if (n == 0 || n > ANCHOR_SEQ_DIGITS || !sk_audit_is_digits(text, n) ||
	    strlen(colon + 1) != SK_AUDIT_MAC_HEX || !sk_audit_is_lower_hex(colon + 1, SK_AUDIT_MAC_HEX))
		return SK_ERR_PROTO;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(text[i] - '0');

		if (seq > (UINT64_MAX - d) / 10)
			return SK_ERR_PROTO;
		seq = seq * 10 + d;
	}
	if (seq == 0)
		return SK_ERR_PROTO;
	out->seq = seq;
	memcpy(out->mac, colon + 1, SK_AUDIT_MAC_HEX);
	out->mac[SK_AUDIT_MAC_HEX] = '\0';
	return SK_OK;
}
