/* Typed calls of the IC card family (see skc.h): enrolment of a card's certificate (read
 * without the PIN; the broker decides, R-CARD-1, R-CARD-4), the list of a user's cards, and
 * revocation (R-CARD-3) and the record of collection or destruction (R-CARD-4, R-LIFE-5). */
#ifndef SKC_CARD_H
#define SKC_CARD_H
#include "skc.h"

struct skc_card_enroll_in {
	const char *actor;
	const char *user;
	const unsigned char *cert;        /* DER: the certificate the logins will use */
	size_t cert_len;
	unsigned kind;                    /* enum sk_card_kind */
	const char *uid;                  /* the PIV card's identity, NULL or "" for none */
	const unsigned char *other_cert;  /* the card's other certificate, NULL for none */
	size_t other_cert_len;
};
struct skc_card_enroll_out {
	struct skc_result res;            /* DENIED + CERT_INVALID, EXISTS + CERT_BOUND,
	                                   * BAD_REQUEST + NOT_CONFIGURED: the detail (English)
	                                   * in res.message */
	uint64_t factor_id;               /* with status OK */
	char cert_hash[SKC_HASH_HEX];     /* with status OK: the binding, 64 hex digits */
};
int skc_card_enroll(struct sk_client *c, const struct skc_card_enroll_in *in,
                    struct skc_card_enroll_out *out);

/* CARD_LIST: the user's cards as the broker's JSON document (an array). */
int skc_card_list(struct sk_client *c, const struct skc_user_in *in, struct skc_json_out *out);

/* CARD_REVOKE and CARD_DISPOSE name the card by its user or by its binding hash. */
struct skc_card_change_in {
	const char *actor;
	const char *user;                 /* the user's active (revoke) or revoked (dispose)
	                                   * card, or NULL with cert_hash */
	const char *cert_hash;            /* 64 lower-case hex digits, or NULL with user */
	const char *reason;               /* revoke: lost | damaged | returned;
	                                   * dispose: collected | destroyed */
	const char *note;                 /* dispose only, NULL for none */
};
int skc_card_revoke(struct sk_client *c, const struct skc_card_change_in *in,
                    struct skc_reply_out *out);
int skc_card_dispose(struct sk_client *c, const struct skc_card_change_in *in,
                     struct skc_reply_out *out);

#endif
