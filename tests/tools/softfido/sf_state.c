/* softfido: state files, so that one authenticator can outlive its process (the CLI enrols
 * in one process, a PAM login asserts in another). One "name value..." line per item, binary
 * values in hex. The file holds generated test keys only (R-TEST-1); it is written 0600 and
 * replaced atomically. Loading is strict (R-INPUT-1): every line is bounded, every key known,
 * every value checked. */
#include "sf_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "sk_err.h"
#include "sk_log.h"

#define SF_STATE_MAGIC "softfido-state 1"
#define SF_STATE_LINE_MAX 16384   /* an RS256 key in hex is about 2.5 KiB */
#define SF_STATE_DER_MAX 4096

/* Writes "name HEX" for len bytes. */
static bool
put_hex(FILE *f, const char *name, const unsigned char *p, size_t len)
{
	char *hex;
	size_t n = 0;
	bool ok;

	if (len == 0)
		return fprintf(f, "%s -\n", name) > 0;
	if ((hex = malloc(2 * len + 1)) == NULL)
		return false;
	ok = OPENSSL_buf2hexstr_ex(hex, 2 * len + 1, &n, p, len, '\0') == 1 &&
	     fprintf(f, "%s %s\n", name, hex) > 0;
	free(hex);
	return ok;
}

/* PKCS#8 DER of a private key; OPENSSL_free it. */
static int
key_der(EVP_PKEY *key, unsigned char **der)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	int len = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, der) : -1;

	PKCS8_PRIV_KEY_INFO_free(p8);
	return len;
}

static bool
put_key(FILE *f, const char *name, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = key_der(key, &der);
	bool ok = len > 0 && put_hex(f, name, der, (size_t)len);

	if (der != NULL)
		OPENSSL_clear_free(der, len > 0 ? (size_t)len : 0);
	return ok;
}

static bool
put_cred(FILE *f, const struct sf_cred *c)
{
	unsigned char *der = NULL;
	char id[2 * SF_CRED_ID_LEN + 1], rp[65], uid[2 * SF_USER_ID_MAX + 1], *key = NULL;
	size_t n;
	int len = key_der(c->key, &der);
	bool ok = len > 0 && (key = malloc(2 * (size_t)len + 1)) != NULL &&
	          OPENSSL_buf2hexstr_ex(id, sizeof(id), &n, c->id, sizeof(c->id), '\0') == 1 &&
	          OPENSSL_buf2hexstr_ex(rp, sizeof(rp), &n, c->rp_hash, 32, '\0') == 1 &&
	          OPENSSL_buf2hexstr_ex(uid, sizeof(uid), &n, c->user_id, c->user_id_len, '\0') ==
	              1 &&
	          OPENSSL_buf2hexstr_ex(key, 2 * (size_t)len + 1, &n, der, (size_t)len, '\0') == 1 &&
	          fprintf(f, "cred %d %d %s %s %s %s\n", c->resident ? 1 : 0, c->alg, id, rp, uid,
	                  key) > 0;

	if (key != NULL)
		OPENSSL_clear_free(key, 2 * (size_t)len + 1);
	if (der != NULL)
		OPENSSL_clear_free(der, len > 0 ? (size_t)len : 0);
	return ok;
}

static bool
write_state(FILE *f, const struct softfido *sf)
{
	const struct softfido_opts *o = &sf->o;
	bool ok;

	ok = fprintf(f, "%s\n", SF_STATE_MAGIC) > 0 &&
	     put_hex(f, "aaguid", o->aaguid, SOFTFIDO_AAGUID_LEN) &&
	     fprintf(f, "rk %d\nclient_pin %d\nbuiltin_uv %d\nbio_enroll %d\nbio_match %d\n",
	             o->rk, o->client_pin, o->builtin_uv, o->bio_enroll, o->bio_match) > 0 &&
	     fprintf(f, "counter_mode %d\ncounter %u\nnever_touched %d\ndevice_timeout_ms %d\n",
	             (int)o->counter, (unsigned)sf->counter, o->never_touched,
	             o->device_timeout_ms) > 0 &&
	     fprintf(f, "algs %d %d %d\nlist_algs %d\natt %d\n", o->algs[0], o->algs[1], o->algs[2],
	             o->list_algs, (int)o->att) > 0 &&
	     fprintf(f, "pin_retries %d\ntouches %u\npin_tokens %u\nbuiltin_uvs %u\n",
	             sf->pin_retries, sf->n_touch, sf->n_pin_token, sf->n_builtin_uv) > 0 &&
	     fprintf(f, "pin_fails_in_row %d\nuv_retries %d\n", sf->pin_fails_in_row,
	             sf->uv_retries) > 0;
	if (ok && sf->pin_set)
		ok = put_hex(f, "pin", (const unsigned char *)sf->pin, strlen(sf->pin));
	if (ok && sf->att_key != NULL)
		ok = put_key(f, "att_key", sf->att_key);
	if (ok && sf->att_der != NULL)
		ok = put_hex(f, "att_cert", sf->att_der, sf->att_der_len);
	for (size_t i = 0; ok && i < SF_MAX_CREDS; i++)
		if (sf->creds[i].used)
			ok = put_cred(f, &sf->creds[i]);
	return ok;
}

int
softfido_save(const struct softfido *sf, const char *file)
{
	char tmp[4096];
	FILE *f;
	int fd, n;
	bool ok;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		sk_logerr("state file name too long");
		return SK_ERR_RANGE;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		sk_logerr("cannot create %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SK_ERR_IO;
	}
	ok = write_state(f, sf);
	if (fclose(f) != 0 || !ok || rename(tmp, file) != 0) {
		sk_logerr("cannot write %s", file);
		(void)unlink(tmp);
		return SK_ERR_IO;
	}
	return SK_OK;
}

/* Exactly len bytes of hex, or any length up to max when len is 0. */
static bool
get_hex(const char *s, unsigned char *out, size_t len, size_t max, size_t *got)
{
	size_t n = strlen(s), written = 0;

	if (n == 0 || n % 2 != 0 || n / 2 > max || (len != 0 && n / 2 != len))
		return false;
	if (OPENSSL_hexstr2buf_ex(out, max, &written, s, '\0') != 1 || written != n / 2)
		return false;
	if (got != NULL)
		*got = written;
	return true;
}

static bool
get_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
get_bool(const char *s, bool *out)
{
	long v;

	if (!get_int(s, 0, 1, &v))
		return false;
	*out = v != 0;
	return true;
}

static EVP_PKEY *
get_key(const char *hex)
{
	unsigned char *der = malloc(SF_STATE_DER_MAX);
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *k = NULL;
	size_t len = 0;

	if (der != NULL && get_hex(hex, der, 0, SF_STATE_DER_MAX, &len) &&
	    (p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) != NULL && p == der + len)
		k = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (der != NULL)
		OPENSSL_clear_free(der, SF_STATE_DER_MAX);
	return k;
}

static bool
alg_known(long alg)
{
	return alg == 0 || alg == COSE_ES256 || alg == COSE_EDDSA || alg == COSE_RS256;
}

/* "cred RESIDENT ALG ID RPHASH USERID KEY" */
static bool
get_cred(struct softfido *sf, char **tok, size_t n)
{
	struct sf_cred *c = NULL;
	long alg;

	for (size_t i = 0; i < SF_MAX_CREDS && c == NULL; i++)
		if (!sf->creds[i].used)
			c = &sf->creds[i];
	if (c == NULL || n != 7 || !get_bool(tok[1], &c->resident) ||
	    !get_int(tok[2], -65535, -1, &alg) || !alg_known(alg) ||
	    !get_hex(tok[3], c->id, SF_CRED_ID_LEN, SF_CRED_ID_LEN, NULL) ||
	    !get_hex(tok[4], c->rp_hash, 32, 32, NULL) ||
	    !get_hex(tok[5], c->user_id, 0, SF_USER_ID_MAX, &c->user_id_len) ||
	    (c->key = get_key(tok[6])) == NULL) {
		if (c != NULL)
			memset(c, 0, sizeof(*c));
		return false;
	}
	c->alg = (int)alg;
	c->used = true;
	return true;
}

static bool
get_att_cert(struct softfido *sf, const char *hex)
{
	unsigned char *der = malloc(SF_STATE_DER_MAX);
	const unsigned char *p = der;
	size_t len = 0;
	X509 *x = NULL;

	if (der == NULL || sf->att_der != NULL || !get_hex(hex, der, 0, SF_STATE_DER_MAX, &len) ||
	    (x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		free(der);
		return false;
	}
	X509_free(x);
	sf->att_der = OPENSSL_memdup(der, len);
	sf->att_der_len = len;
	free(der);
	return sf->att_der != NULL;
}

static bool
get_pin(struct softfido *sf, const char *hex)
{
	size_t len = 0;

	if (!get_hex(hex, (unsigned char *)sf->pin, 0, sizeof(sf->pin) - 1, &len) || len < 4 ||
	    memchr(sf->pin, '\0', len) != NULL)
		return false;
	sf->pin[len] = '\0';
	sf->pin_set = true;
	return true;
}

/* One line, split into at most 8 tokens. */
static bool
apply_line(struct softfido *sf, char *line)
{
	char *tok[8], *save = NULL, *t;
	struct softfido_opts *o = &sf->o;
	size_t n = 0;
	long v;

	for (t = strtok_r(line, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (n == 8)
			return false;
		tok[n++] = t;
	}
	if (n == 0)
		return false;
	if (strcmp(tok[0], "cred") == 0)
		return get_cred(sf, tok, n);
	if (n == 4 && strcmp(tok[0], "algs") == 0) {
		for (size_t i = 0; i < 3; i++) {
			if (!get_int(tok[i + 1], -65535, 0, &v) || !alg_known(v))
				return false;
			o->algs[i] = (int)v;
		}
		return true;
	}
	if (n != 2)
		return false;
	if (strcmp(tok[0], "aaguid") == 0)
		return get_hex(tok[1], o->aaguid, SOFTFIDO_AAGUID_LEN, SOFTFIDO_AAGUID_LEN, NULL);
	if (strcmp(tok[0], "rk") == 0)
		return get_bool(tok[1], &o->rk);
	if (strcmp(tok[0], "client_pin") == 0)
		return get_bool(tok[1], &o->client_pin);
	if (strcmp(tok[0], "builtin_uv") == 0)
		return get_bool(tok[1], &o->builtin_uv);
	if (strcmp(tok[0], "bio_enroll") == 0)
		return get_bool(tok[1], &o->bio_enroll);
	if (strcmp(tok[0], "bio_match") == 0)
		return get_bool(tok[1], &o->bio_match);
	if (strcmp(tok[0], "never_touched") == 0)
		return get_bool(tok[1], &o->never_touched);
	if (strcmp(tok[0], "list_algs") == 0)
		return get_bool(tok[1], &o->list_algs);
	if (strcmp(tok[0], "pin") == 0)
		return get_pin(sf, tok[1]);
	if (strcmp(tok[0], "att_key") == 0)
		return sf->att_key == NULL && (sf->att_key = get_key(tok[1])) != NULL;
	if (strcmp(tok[0], "att_cert") == 0)
		return get_att_cert(sf, tok[1]);
	if (strcmp(tok[0], "counter_mode") == 0 &&
	    get_int(tok[1], SOFTFIDO_COUNTER_INCREMENT, SOFTFIDO_COUNTER_REPLAY, &v)) {
		o->counter = (enum softfido_counter)v;
		return true;
	}
	if (strcmp(tok[0], "att") == 0 && get_int(tok[1], SOFTFIDO_ATT_PACKED, SOFTFIDO_ATT_NONE, &v)) {
		o->att = (enum softfido_attestation)v;
		return true;
	}
	if (!get_int(tok[1], 0, INT32_MAX, &v))
		return false;
	if (strcmp(tok[0], "counter") == 0)
		sf->counter = (uint32_t)v;
	else if (strcmp(tok[0], "device_timeout_ms") == 0)
		o->device_timeout_ms = (int)v;
	else if (strcmp(tok[0], "pin_retries") == 0 && v <= SF_PIN_RETRIES)
		sf->pin_retries = (int)v;
	else if (strcmp(tok[0], "pin_fails_in_row") == 0 && v <= 3)
		sf->pin_fails_in_row = (int)v;
	else if (strcmp(tok[0], "uv_retries") == 0 && v <= SF_UV_RETRIES)
		sf->uv_retries = (int)v;
	else if (strcmp(tok[0], "touches") == 0)
		sf->n_touch = (unsigned)v;
	else if (strcmp(tok[0], "pin_tokens") == 0)
		sf->n_pin_token = (unsigned)v;
	else if (strcmp(tok[0], "builtin_uvs") == 0)
		sf->n_builtin_uv = (unsigned)v;
	else
		return false;
	return true;
}

/* Fills sf (already registered, power-up state made) from file. */
int
sf_state_read(struct softfido *sf, const char *file)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int r = SK_OK;

	if (f == NULL) {
		sk_logerr("cannot open %s: %s", file, strerror(errno));
		return SK_ERR_IO;
	}
	while (r == SK_OK && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len == 0 || len > SF_STATE_LINE_MAX || line[len - 1] != '\n') {
			r = SK_ERR_PROTO;
			break;
		}
		line[len - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(line, SF_STATE_MAGIC) != 0)
				r = SK_ERR_PROTO;
		} else if (!apply_line(sf, line)) {
			r = SK_ERR_PROTO;
		}
	}
	if (r == SK_OK && lineno == 0)
		r = SK_ERR_PROTO;
	if (r == SK_OK && sf->o.att == SOFTFIDO_ATT_PACKED &&
	    (sf->att_key == NULL || sf->att_der == NULL))
		r = SK_ERR_PROTO;
	if (r == SK_OK && sf->pin_set && !sf->o.client_pin)
		r = SK_ERR_PROTO;
	if (r != SK_OK)
		sk_logerr("%s:%u: not a valid softfido state", file, lineno);
	if (line != NULL)
		OPENSSL_clear_free(line, cap);
	fclose(f);
	return r;
}
