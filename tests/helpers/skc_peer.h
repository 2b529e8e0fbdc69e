/* The broker's end of a typed client call, for the tests of common/skc_*.c: a socketpair
 * whose far end the test plays. The test writes the crafted reply first (it waits in the
 * socket), runs the typed call on `client`, then reads the request the call sent and checks
 * its fields. No thread: the socket buffers both messages. */
#ifndef SKC_PEER_H
#define SKC_PEER_H
#include <stddef.h>
#include <stdint.h>

#include "sk_client.h"
#include "sk_msg.h"

struct skc_peer {
	int fd;                    /* the broker's end */
	struct sk_client client;   /* the client's end, as a typed call takes it */
};

void skc_peer_open(struct skc_peer *p);
void skc_peer_close(struct skc_peer *p);
/* A reply with this status (SK_MSG_REPLY, SK_K_STATUS). */
struct sk_msg *skc_peer_reply(unsigned status);
/* Queues the reply for the client (and frees it). */
void skc_peer_answer(struct skc_peer *p, struct sk_msg *reply);
/* Queues raw bytes for the client: a frame the test wrote by hand. */
void skc_peer_answer_raw(struct skc_peer *p, const void *bytes, size_t n);
/* The request the client sent; asserts it is there and of this type. sk_msg_free it. */
struct sk_msg *skc_peer_request(struct skc_peer *p, unsigned type);
/* Asserts the client sent nothing (an input the call refused before sending). */
void skc_peer_assert_nothing_sent(struct skc_peer *p);

/* Field checks on a request. */
void skc_assert_text(const struct sk_msg *m, unsigned key, const char *want);
void skc_assert_uint(const struct sk_msg *m, unsigned key, uint64_t want);
void skc_assert_bytes(const struct sk_msg *m, unsigned key, const void *want, size_t n);
void skc_assert_absent(const struct sk_msg *m, unsigned key);

#endif
