/* Typed client calls: what every request family (common/skc_<family>.{h,c}) shares. In the
 * manner of OpenSSH's monitor_wrap.c, the PAM module, the CLI and the session agent send
 * requests only through functions of the form
 *
 *     int skc_<request>(struct sk_client *c, const struct skc_<request>_in *in,
 *                       struct skc_<request>_out *out);
 *
 * that build the sk_msg from typed inputs, exchange it, and decode the reply into a typed
 * output, every field checked for type and bounded. Callers never touch an sk_msg.
 *
 * The return value says whether there is a verdict to read:
 *   SK_OK              a well-formed reply: out->res.status is the broker's verdict (which may
 *                      be a refusal) and the fields the request documents are filled;
 *   SK_ERR_UNAVAILABLE the broker could not be reached or did not answer in time (the
 *                      connection is closed; the next call reconnects);
 *   SK_ERR_PROTO       the reply is malformed: a status missing or out of range, a field of
 *                      the wrong type or too long, a required field missing. Fail closed;
 *   SK_ERR_RANGE       an input cannot be sent (too long, not UTF-8): nothing was sent;
 *   SK_ERR_NOMEM.
 * Only with SK_OK is anything in out meaningful beyond being zeroed. */
#ifndef SKC_H
#define SKC_H
#include <stddef.h>
#include <stdint.h>

#include "sk_client.h"
#include "sk_msg.h"
#include "sk_proto.h"

#define SKC_MESSAGE_MAX 256   /* SK_K_MESSAGE: a short English detail */
#define SKC_HASH_HEX 65       /* SK_K_CERT_HASH: 64 hex digits and the NUL */

/* What every reply carries. */
struct skc_result {
	unsigned status;                 /* enum sk_status */
	uint64_t reason;                 /* enum sk_reason; SK_REASON_NONE when absent */
	char message[SKC_MESSAGE_MAX];   /* SK_K_MESSAGE, "" when absent */
};

/* The login a PAM module request belongs to (SK_K_USER, _SERVICE, _RHOST, _TTY, _PROFILE,
 * _FRONTEND). service, rhost and tty are always sent ("" when PAM has none); user and profile
 * are left out when NULL or "", frontend when 0 (the line named none, R-MFA-3). */
struct skc_login {
	const char *user;
	const char *service;
	const char *rhost;
	const char *tty;
	const char *profile;
	unsigned frontend;   /* enum sk_frontend (sk_origin.h) */
};

/* An administrative request that names one user (SK_K_ACTOR, SK_K_USER). actor is the
 * administrator's own name for the audit record (SUDO_USER); left out when NULL or not a
 * valid user name. */
struct skc_user_in {
	const char *actor;
	const char *user;
};

/* A reply that carries only the verdict. */
struct skc_reply_out {
	struct skc_result res;
};

/* A read command's reply: the JSON document of SK_K_JSON, parsed (json-c; json_object_put
 * it). With status SK_ST_OK the document is there; with any other status doc is NULL. */
struct json_object;
struct skc_json_out {
	struct skc_result res;
	struct json_object *doc;
};

/* --- For the skc_<family>.c files only: building and exchanging. --- */

/* A request under construction: the first failure to add a field is kept, and
 * skc_exchange refuses to send a request that lost a field. */
struct skc_req {
	struct sk_msg *m;
	int err;
};

void skc_req_begin(struct skc_req *q, unsigned type, const char *actor);
void skc_req_login(struct skc_req *q, const struct skc_login *l);
/* Each adder does nothing once the request has failed. A required text that is NULL fails
 * the request (SK_ERR_RANGE); put_text_opt leaves out NULL and "". */
void skc_put_text(struct skc_req *q, unsigned key, const char *s);
void skc_put_text_opt(struct skc_req *q, unsigned key, const char *s);
void skc_put_uint(struct skc_req *q, unsigned key, uint64_t v);
void skc_put_bool(struct skc_req *q, unsigned key, int v);
void skc_put_bytes(struct skc_req *q, unsigned key, const void *p, size_t len);
void skc_put_bytes_array(struct skc_req *q, unsigned key, const unsigned char *const *items,
                         const size_t *lens, size_t n);

/* Reads the request's own fields from a reply whose status, reason and message are in res;
 * SK_OK or SK_ERR_PROTO (a field malformed, out of bounds, or missing where res->status
 * requires it). Called for every well-formed reply, whatever its status. */
typedef int (*skc_decoder)(const struct sk_msg *reply, const struct skc_result *res, void *out);

/* Sends the request (then frees and wipes it), waits for the reply within the client's
 * timeout, decodes status, reason and message into res, then the request's own fields
 * with decode (NULL: a verdict only) into out. Returns as skc.h says at the top. */
int skc_exchange(struct sk_client *c, struct skc_req *q, struct skc_result *res,
                 skc_decoder decode, void *out);
/* The reply's SK_K_JSON document, parsed (json_object_put it): SK_OK, SK_ERR_PROTO when it is
 * missing or not JSON, SK_ERR_NOMEM. The text is wiped after parsing. */
int skc_read_json(const struct sk_msg *reply, struct json_object **doc);
/* The decoder of a read command's reply (struct skc_json_out). */
int skc_decode_json(const struct sk_msg *reply, const struct skc_result *res, void *out);
/* A request that names one user (struct skc_user_in; user may be NULL for STATUS and
 * USER_LIST) and answers with the verdict, or with a JSON document. */
int skc_user_verdict(struct sk_client *c, unsigned type, const struct skc_user_in *in,
                     struct skc_reply_out *out);
int skc_user_json(struct sk_client *c, unsigned type, const struct skc_user_in *in,
                  struct skc_json_out *out);
/* Decodes status, reason and message of a reply that has already been read (the session
 * agent's standing request). SK_OK or SK_ERR_PROTO. */
int skc_decode_result(const struct sk_msg *reply, struct skc_result *res);

/* Whether a getter's result is acceptable for an optional field: present and well formed,
 * or absent. */
int skc_optional(int get_result);

#endif
