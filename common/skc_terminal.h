/* Typed calls of the terminal family (see skc.h): TERMINAL_REVOKE, TERMINAL_LIST
 * (doc/deployment.md "Remote terminals", doc/protocol.md). */
#ifndef SKC_TERMINAL_H
#define SKC_TERMINAL_H
#include "skc.h"

/* TERMINAL_REVOKE: by fingerprint (64 lower-case hex digits) or serial (lower-case hex, no
 * leading 0), exactly one non-NULL. out->revoked: terminals revoked by this request. Status
 * INVALID (SK_REASON_TERMINAL_KEY_INVALID), NOT_FOUND (SK_REASON_TERMINAL_SERIAL_UNSEEN). */
struct skc_terminal_revoke_in {
	const char *actor;
	const char *fingerprint;
	const char *serial;
};
struct skc_terminal_revoke_out {
	struct skc_result res;
	uint64_t revoked;
};
int skc_terminal_revoke(struct sk_client *c, const struct skc_terminal_revoke_in *in,
                        struct skc_terminal_revoke_out *out);

/* TERMINAL_LIST: {"terminals": [{"fingerprint", "serial", "cn", "first_seen", "last_seen",
 * "revoked", "revoked_at", "revoked_by"}], "total", "truncated"}. */
struct skc_terminal_list_in {
	const char *actor;
};
int skc_terminal_list(struct sk_client *c, const struct skc_terminal_list_in *in,
                      struct skc_json_out *out);

/* The broker's form of what an administrator typed: a fingerprint (64 hex digits, ':'
 * between pairs allowed) into fp, or else a serial (hex, "0x" allowed, leading zeros
 * dropped) into serial. 0, or -1 when it is neither. */
int skc_terminal_key(const char *arg, char fp[65], char serial[65]);

#endif
