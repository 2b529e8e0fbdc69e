#include "sc_login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sc_jpki.h"
#include "sc_piv.h"
#include "sk_err.h"
#include "sk_log.h"

/* The two PIN dialects differ only in their APDUs; the rules in sc_login.h are common. */
struct pin_ops {
	int (*status)(struct sc_card *card, int *tries, int *verified);
	int (*verify)(struct sc_card *card, const char *pin, int *tries_left);
	int (*reselect)(struct sc_card *card);
};

static const struct pin_ops jpki_pin = { sc_jpki_pin_status, sc_jpki_verify_pin, sc_jpki_select };
static const struct pin_ops piv_pin = { sc_piv_pin_status, sc_piv_verify_pin, sc_piv_select };

/* Reads the tries left, refusing to rely on a PIN some earlier program left verified:
 * such a card is reset once and asked again. */
static int
pin_tries(struct sc_card *card, const struct pin_ops *ops, int *tries)
{
	int verified, r;

	r = ops->status(card, tries, &verified);
	if (r != SK_OK || !verified)
		return r;
	r = sc_card_reset(card);
	if (r == SK_OK)
		r = ops->reselect(card);
	if (r == SK_OK)
		r = ops->status(card, tries, &verified);
	if (r == SK_OK && verified) {
		sk_logerr("card reports the PIN verified even after a reset");
		return SK_ERR_PROTO;
	}
	return r;
}

static int
pin_step(struct sc_card *card, const struct pin_ops *ops, const struct sc_login_req *req,
	 struct sc_login_result *res)
{
	char pin[SC_PIN_BUF];
	int tries, left, again, verified, r;

	r = pin_tries(card, ops, &tries);
	if (r != SK_OK)
		return r;
	res->tries_left = tries;
	if (tries <= 0) {
		sk_logerr("PIN blocked: nothing sent");
		return SK_ERR_PIN_BLOCKED;
	}
	if (tries == 1) {
		sk_logerr("one PIN try left: PIN not asked for and not sent");
		return SK_ERR_PIN_LAST_TRY;
	}
	memset(pin, 0, sizeof(pin));
	r = req->pin_cb(req->pin_arg, tries, pin, sizeof(pin));
	if (r == SK_OK && pin[0] == '\0')
		r = SK_ERR_PIN_EMPTY;
	if (r != SK_OK) {
		explicit_bzero(pin, sizeof(pin));
		if (r == SK_ERR_PIN_EMPTY || r == SK_ERR_PIN_FORMAT) {
			sk_logerr("%s", sk_strerror(r));
			return r;
		}
		sk_logerr("PIN entry cancelled");
		return SK_ERR_PIN_CANCELLED;
	}
	if (memchr(pin, '\0', sizeof(pin)) == NULL) {
		explicit_bzero(pin, sizeof(pin));
		sk_logerr("PIN not terminated: not sent");
		return SK_ERR_PIN_FORMAT;
	}
	r = ops->verify(card, pin, &left);
	explicit_bzero(pin, sizeof(pin));
	if (r == SK_OK) {
		res->tries_left = -1;   /* the card restores its counter; we have not read it */
		return SK_OK;
	}
	if (r == SK_ERR_PIN_WRONG) {
		/* The free status query is the authority on what is left (OpenSC notes: some
		 * stacks do not report it after a failed VERIFY). */
		if (ops->status(card, &again, &verified) == SK_OK && !verified)
			left = again;
		res->tries_left = left;
		return left == 0 ? SK_ERR_PIN_BLOCKED : SK_ERR_PIN_WRONG;
	}
	if (r == SK_ERR_PIN_BLOCKED)
		res->tries_left = 0;
	return r;
}

int
sc_cert_spki_sha256(const uint8_t *der, size_t len, uint8_t out[SC_KEY_HASH_LEN])
{
	const unsigned char *p = der;
	X509 *x = der == NULL ? NULL : d2i_X509(NULL, &p, (long)len);
	unsigned char *spki = NULL;
	int n, r = SK_ERR_PROTO;

	if (x == NULL || p != der + len) {
		sk_logerr("not one DER certificate");
		goto out;
	}
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0) {
		sk_logerr("certificate public key unreadable");
		goto out;
	}
	r = EVP_Digest(spki, (size_t)n, out, NULL, EVP_sha256(), NULL) == 1 ? SK_OK : SK_ERR_CRYPTO;
out:
	OPENSSL_free(spki);
	X509_free(x);
	return r;
}

/* Is this card the user's? Decided on the certificate alone, before anything about the PIN
 * is sent (R-CARD-1): a card that is not is left exactly as it was found. */
static int
check_bound(const struct sc_login_req *req, struct sc_login_result *res)
{
	uint8_t h[SC_KEY_HASH_LEN];
	int r, match = 0;

	if (req->bound_keys == NULL) {
		res->identified = 1;
		return SK_OK;
	}
	r = sc_cert_spki_sha256(res->cert, res->cert_len, h);
	if (r != SK_OK)
		return r;
	for (size_t i = 0; i < req->n_bound_keys; i++)
		match |= CRYPTO_memcmp(h, req->bound_keys[i], sizeof(h)) == 0;
	if (!match) {
		sk_logerr("the card in \"%s\" holds no key bound to this user: nothing sent",
			  res->reader);
		return SK_ERR_CARD_FOREIGN;
	}
	res->identified = 1;
	return SK_OK;
}

/* What key the (still untrusted) certificate holds decides how the card is asked to sign. */
static int
cert_sig_alg(const uint8_t *der, size_t len, enum sc_sig_alg *alg)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	EVP_PKEY *pk;
	char group[64];
	size_t glen = 0;
	int r = SK_ERR_PROTO;

	if (x == NULL || p != der + len) {
		sk_logerr("card certificate is not one DER certificate");
		goto out;
	}
	pk = X509_get0_pubkey(x);
	if (pk == NULL) {
		sk_logerr("card certificate public key unreadable");
		goto out;
	}
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) == 2048) {
		*alg = SC_SIG_RSA_PKCS1_SHA256;
		r = SK_OK;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
		   EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1 &&
		   strcmp(group, "prime256v1") == 0) {
		*alg = SC_SIG_ECDSA_SHA256;
		r = SK_OK;
	} else {
		sk_logerr("card key is neither RSA-2048 nor ECC P-256");
	}
out:
	X509_free(x);
	return r;
}

static int
login_jpki(struct sc_card *card, const struct sc_login_req *req, struct sc_login_result *res,
	   const uint8_t hash[32])
{
	int r = sc_jpki_select(card);

	if (r != SK_OK)
		return r;
	r = sc_jpki_read_token(card, res->jpki_token, sizeof(res->jpki_token));
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;   /* a missing token EF is tolerated: it only informs */
	r = sc_jpki_read_auth_cert(card, res->cert, sizeof(res->cert), &res->cert_len);
	if (r != SK_OK)
		return r;
	r = check_bound(req, res);
	if (r != SK_OK)
		return r;
	r = cert_sig_alg(res->cert, res->cert_len, &res->sig_alg);
	if (r != SK_OK)
		return r;
	if (res->sig_alg != SC_SIG_RSA_PKCS1_SHA256) {
		sk_logerr("JPKI certificate does not hold an RSA-2048 key");
		return SK_ERR_PROTO;
	}
	r = pin_step(card, &jpki_pin, req, res);
	if (r != SK_OK)
		return r;
	r = sc_jpki_sign_sha256(card, hash, res->sig, sizeof(res->sig), &res->sig_len);
	if (r != SK_OK)
		return r;
	/* The reset on disconnect clears the PIN too; a failed logout is logged, not fatal. */
	(void)sc_jpki_logout(card);
	return SK_OK;
}

static int
login_piv(struct sc_card *card, const struct sc_login_req *req, struct sc_login_result *res,
	  const uint8_t hash[32])
{
	enum sc_piv_key key = req->kind == SC_KIND_PIV_9A ? SC_PIV_KEY_AUTH : SC_PIV_KEY_CARD_AUTH;
	enum sc_piv_alg alg;
	int r = sc_piv_select(card);

	if (r != SK_OK)
		return r;
	r = sc_piv_read_cert(card, key, res->cert, sizeof(res->cert), &res->cert_len);
	if (r != SK_OK)
		return r;
	r = check_bound(req, res);
	if (r != SK_OK)
		return r;
	/* The card's own name (R-CARD-1: the broker checks it is the card enrolled); a card
	 * without a CHUID is known by its keys alone. */
	r = sc_piv_read_card_uid(card, res->card_uid, sizeof(res->card_uid));
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;
	r = cert_sig_alg(res->cert, res->cert_len, &res->sig_alg);
	if (r != SK_OK)
		return r;
	alg = res->sig_alg == SC_SIG_RSA_PKCS1_SHA256 ? SC_PIV_ALG_RSA2048 : SC_PIV_ALG_ECC_P256;
	if (key == SC_PIV_KEY_AUTH) {
		/* Never rely on a PIN verified earlier; pin_tries resets the card if the logout
		 * is not supported and a PIN is still verified. */
		(void)sc_piv_logout(card);
		r = pin_step(card, &piv_pin, req, res);
		if (r != SK_OK)
			return r;
	}
	r = sc_piv_sign_sha256(card, key, alg, hash, res->sig, sizeof(res->sig), &res->sig_len);
	if (r != SK_OK)
		return r;
	if (key == SC_PIV_KEY_AUTH)
		(void)sc_piv_logout(card);
	return SK_OK;
}

static int
check_req(const struct sc_login_req *req, const struct sc_login_result *res)
{
	if (req == NULL || res == NULL || req->challenge == NULL) {
		sk_logerr("missing argument");
		return SK_ERR_ARG;
	}
	if (req->challenge_len < SC_CHALLENGE_MIN || req->challenge_len > SC_CHALLENGE_MAX) {
		sk_logerr("challenge of %zu bytes out of range", req->challenge_len);
		return SK_ERR_ARG;
	}
	if (req->kind != SC_KIND_JPKI && req->kind != SC_KIND_PIV_9A &&
	    req->kind != SC_KIND_PIV_9E) {
		sk_logerr("unknown card kind %d", (int)req->kind);
		return SK_ERR_ARG;
	}
	if (req->kind != SC_KIND_PIV_9E && req->pin_cb == NULL) {
		sk_logerr("a PIN callback is required for this card kind");
		return SK_ERR_ARG;
	}
	if (req->bound_keys != NULL && req->n_bound_keys > SC_BOUND_KEYS_MAX) {
		sk_logerr("too many bound keys");
		return SK_ERR_ARG;
	}
	return SK_OK;
}

static void
clear_evidence(struct sc_login_result *res)
{
	explicit_bzero(res->cert, sizeof(res->cert));
	explicit_bzero(res->sig, sizeof(res->sig));
	res->cert_len = 0;
	res->sig_len = 0;
	res->sig_alg = SC_SIG_NONE;
	res->card_uid[0] = '\0';
	res->jpki_token[0] = '\0';
	res->tries_left = -1;
	res->identified = 0;
}

/* One reader: connect, and inside one transaction identify the card and (if it is the
 * user's) run the login. *had_card says whether a card was there to talk to. */
static int
login_at(SCARDCONTEXT ctx, const char *reader, const struct sc_login_req *req,
	 struct sc_login_result *res, const uint8_t hash[32], int *had_card)
{
	struct sc_card card;
	int r;

	memset(&card, 0, sizeof(card));
	clear_evidence(res);
	snprintf(res->reader, sizeof(res->reader), "%s", reader);
	*had_card = 0;
	r = sc_card_connect(ctx, reader, &card);
	if (r == SK_ERR_CARD_REMOVED)
		return r;
	*had_card = r == SK_OK;
	if (r == SK_OK)
		r = sc_card_begin(&card);
	if (r == SK_OK)
		r = req->kind == SC_KIND_JPKI ? login_jpki(&card, req, res, hash) :
						login_piv(&card, req, res, hash);
	/* Reset on the way out: whatever happened, no PIN stays verified for the next client.
	 * A card that is not the user's was only read: it is left as it was, so that the
	 * program using it (at a counter, say) is not disturbed. */
	sc_card_disconnect(&card, r != SK_ERR_CARD_FOREIGN && r != SK_ERR_NOTFOUND);
	return r;
}

/* Every reader holding a card, in pcscd's order, until one holds the user's key. A card
 * without the application or certificate of the requested kind is not the user's either; a
 * card that fails before it was identified does not stop the search (the user's card may be
 * in the next reader), but once the user's card is found its outcome is the answer. */
static int
login_scan(SCARDCONTEXT ctx, const struct sc_login_req *req, struct sc_login_result *res,
	   const uint8_t hash[32])
{
	struct sc_readers *list = calloc(1, sizeof(*list));
	int r, had_card, unreadable = SK_OK;

	if (list == NULL)
		return SK_ERR_NOMEM;
	r = sc_readers_list(ctx, list);
	for (size_t i = 0; r == SK_OK && i < list->count; i++) {
		r = login_at(ctx, list->name[i], req, res, hash, &had_card);
		if (r == SK_OK || res->identified)
			break;
		if (r == SK_ERR_CARD_FOREIGN || r == SK_ERR_NOTFOUND)
			res->foreign_cards++;
		else if (had_card && unreadable == SK_OK)
			unreadable = r;   /* could have been the user's card: say so if none is */
		r = SK_OK;                /* not this one (or an empty reader): the next reader */
	}
	free(list);
	if (r == SK_OK && !res->identified)
		r = unreadable != SK_OK ? unreadable :
		    res->foreign_cards > 0 ? SK_ERR_CARD_FOREIGN : SK_ERR_CARD_REMOVED;
	return r;
}

int
sc_login(const struct sc_login_req *req, struct sc_login_result *res)
{
	char first[SC_READER_NAME_MAX];
	SCARDCONTEXT ctx;
	uint8_t hash[32];
	int r, had_card;

	r = check_req(req, res);
	if (r != SK_OK)
		return r;
	memset(res, 0, sizeof(*res));
	res->tries_left = -1;
	if (EVP_Digest(req->challenge, req->challenge_len, hash, NULL, EVP_sha256(), NULL) != 1) {
		sk_logerr("SHA-256 of the challenge failed");
		return SK_ERR_CRYPTO;
	}
	r = sc_ctx_open(&ctx);
	if (r != SK_OK)
		return r;
	r = sc_card_wait(ctx, req->reader, req->card_wait_ms, first, sizeof(first));
	if (r == SK_ERR_TIMEOUT)
		sk_logerr("no card within %u ms", req->card_wait_ms);
	if (r == SK_OK && req->reader == NULL && req->bound_keys != NULL)
		r = login_scan(ctx, req, res, hash);
	else if (r == SK_OK)
		r = login_at(ctx, first, req, res, hash, &had_card);
	sc_ctx_close(ctx);
	if (r != SK_OK) {
		int tries = res->tries_left;

		clear_evidence(res);
		res->tries_left = tries;
	}
	return r;
}
