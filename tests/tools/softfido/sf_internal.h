/* softfido internals shared by its files. */
#ifndef SF_INTERNAL_H
#define SF_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "softfido.h"

#define SF_MAX_CREDS 32
#define SF_CRED_ID_LEN 48
#define SF_MAXMSG 2048          /* libfido2's FIDO_MAXMSG */
#define SF_PIN_RETRIES 8
#define SF_UV_RETRIES 5          /* maxUvAttempts of its "sensor" (CTAP 2.1) */
#define SF_USER_ID_MAX 64
#define SF_RP_ID_MAX 253
#define SF_CRED_ID_MAX 1023
#define SF_MAX_LIST 16

struct sf_cred {
	bool used;
	bool resident;
	int alg;
	unsigned char id[SF_CRED_ID_LEN];
	unsigned char rp_hash[32];
	unsigned char user_id[SF_USER_ID_MAX];
	size_t user_id_len;
	EVP_PKEY *key;
};

struct softfido {
	char path[128];
	struct softfido_opts o;
	char pin[64];
	bool pin_set;
	int pin_retries;
	int pin_fails_in_row;       /* 3 in a row block PIN use until a power cycle */
	int uv_retries;             /* built-in verifications left before the sensor blocks */
	unsigned char pin_token[32];
	EVP_PKEY *ka_key;           /* key agreement key (clientPIN) */
	EVP_PKEY *att_key;
	unsigned char *att_der;     /* attestation certificate, DER */
	size_t att_der_len;
	uint32_t counter;
	struct sf_cred creds[SF_MAX_CREDS];
	bool open;
	/* the answer waiting for rx */
	bool pending;
	bool hang;                  /* waiting for a touch that never comes */
	uint8_t pend_cmd;
	unsigned char resp[SF_MAXMSG];
	size_t resp_len;
	/* what happened, for tests */
	unsigned n_touch;
	unsigned n_pin_token;
	unsigned n_builtin_uv;
	char *state_file;           /* softfido_load with autosave: written after each command */
};

/* CTAP status in resp[0], CBOR after it. */
void sf_reply_status(struct softfido *sf, uint8_t status);
int sf_reply_cbor(struct softfido *sf, cbor_item_t *map);  /* takes map over */

/* CBOR helpers (untrusted request input: every length bounded by the caller's max). */
const cbor_item_t *sf_map_uint(const cbor_item_t *map, uint8_t key);
const cbor_item_t *sf_map_text(const cbor_item_t *map, const char *key);
const cbor_item_t *sf_map_negint(const cbor_item_t *map, uint8_t n);  /* key -1-n */
bool sf_bytes(const cbor_item_t *it, size_t min, size_t max, const unsigned char **p,
              size_t *len);
bool sf_text(const cbor_item_t *it, size_t max, char *out, size_t outsz);
bool sf_bool(const cbor_item_t *it, bool *out);
bool sf_int(const cbor_item_t *it, int64_t *out);
bool sf_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *val);  /* consumes both */
bool sf_push(cbor_item_t *array, cbor_item_t *val);                 /* consumes val */
cbor_item_t *sf_negint(int64_t v);   /* v < 0 */
cbor_item_t *sf_cose_ec2(EVP_PKEY *key, int alg);
/* COSE_Key for a credential key of COSE algorithm alg (ES256, EdDSA, RS256). */
cbor_item_t *sf_cose_key(EVP_PKEY *key, int alg);

/* crypto */
EVP_PKEY *sf_ec_gen(void);
EVP_PKEY *sf_key_gen(int alg);
bool sf_alg_supported(const struct softfido *sf, int alg);
int sf_ec_xy(EVP_PKEY *key, unsigned char x[32], unsigned char y[32]);
/* A signature over a | b as COSE algorithm alg prescribes (ES256/RS256: SHA-256, EdDSA:
 * the message itself). */
int sf_sign(EVP_PKEY *key, int alg, const unsigned char *a, size_t alen,
            const unsigned char *b, size_t blen, unsigned char *sig, size_t *siglen);
int sf_sha256(const void *p, size_t len, unsigned char out[32]);
int sf_ecdh_shared(EVP_PKEY *mine, const unsigned char x[32], const unsigned char y[32],
                   unsigned char shared[32]);
int sf_aes256cbc(const unsigned char key[32], int enc, const unsigned char *in, size_t len,
                 unsigned char *out);
int sf_random(void *p, size_t len);
int sf_make_att_cert(struct softfido *sf);

/* commands */
void sf_cmd_make_credential(struct softfido *sf, const cbor_item_t *req);
void sf_cmd_get_assertion(struct softfido *sf, const cbor_item_t *req);
void sf_cmd_client_pin(struct softfido *sf, const cbor_item_t *req);
/* pinAuth check shared by makeCredential and getAssertion: CTAP status. */
uint8_t sf_check_pin_auth(struct softfido *sf, const cbor_item_t *pin_auth,
                          const cbor_item_t *protocol, const unsigned char cdh[32]);
uint32_t sf_next_counter(struct softfido *sf);
/* state files (sf_state.c): fills a fresh instance from file. */
int sf_state_read(struct softfido *sf, const char *file);

#endif
