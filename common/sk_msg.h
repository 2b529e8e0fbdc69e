/* Protocol messages: build, read, send and receive (see sk_proto.h, doc/protocol.md).
 * Every getter checks type and length strictly (R-INPUT-1); text values must be valid
 * UTF-8 without NUL. Messages are wiped before they are freed: they carry secrets. */
#ifndef SK_MSG_H
#define SK_MSG_H
#include <stddef.h>
#include <stdint.h>

struct sk_msg;

struct sk_msg *sk_msg_new(unsigned type);
void sk_msg_free(struct sk_msg *m);
unsigned sk_msg_type(const struct sk_msg *m);

int sk_msg_put_uint(struct sk_msg *m, unsigned key, uint64_t v);
int sk_msg_put_bool(struct sk_msg *m, unsigned key, int v);
int sk_msg_put_text(struct sk_msg *m, unsigned key, const char *s);
int sk_msg_put_bytes(struct sk_msg *m, unsigned key, const void *p, size_t n);
int sk_msg_put_uint_array(struct sk_msg *m, unsigned key, const uint64_t *v, size_t n);
int sk_msg_put_bytes_array(struct sk_msg *m, unsigned key, const unsigned char *const *items,
                           const size_t *lens, size_t n);

/* Getters return SK_OK, SK_ERR_NOTFOUND (key absent) or SK_ERR_PROTO (wrong type, too long,
 * invalid UTF-8). */
int sk_msg_get_uint(const struct sk_msg *m, unsigned key, uint64_t *out);
int sk_msg_get_bool(const struct sk_msg *m, unsigned key, int *out);
int sk_msg_get_text(const struct sk_msg *m, unsigned key, char *buf, size_t cap);
int sk_msg_get_bytes(const struct sk_msg *m, unsigned key, unsigned char *buf, size_t cap,
                     size_t *len);
/* Arrays: the count, then one element at a time. */
int sk_msg_get_array_len(const struct sk_msg *m, unsigned key, size_t *n);
int sk_msg_get_array_uint(const struct sk_msg *m, unsigned key, size_t i, uint64_t *out);
int sk_msg_get_array_bytes(const struct sk_msg *m, unsigned key, size_t i, unsigned char *buf,
                           size_t cap, size_t *len);

/* A text value that may be absent: absent gives "". */
int sk_msg_get_text_opt(const struct sk_msg *m, unsigned key, char *buf, size_t cap);
/* An unsigned value that may be absent: absent gives def. */
int sk_msg_get_uint_opt(const struct sk_msg *m, unsigned key, uint64_t def, uint64_t *out);

/* Encoding without I/O, for tests and the fuzzer. encode allocates *buf once, of the exact
 * size (no copy of a secret is left in a freed block); wipe it before free() when the
 * message may carry a secret. */
int sk_msg_encode(const struct sk_msg *m, unsigned char **buf, size_t *len);
int sk_msg_decode(const unsigned char *buf, size_t len, struct sk_msg **out);

/* Framed I/O with a deadline in milliseconds for the whole message. */
int sk_msg_send(int fd, const struct sk_msg *m, int timeout_ms);
int sk_msg_recv(int fd, struct sk_msg **out, int timeout_ms);
/* sk_msg_recv that logs nothing: *why says what the peer did wrong (a fixed text), or is
 * NULL when it hung up or went quiet before a frame. For the broker, which rate-limits the
 * log lines a peer can cause. */
int sk_msg_recv_why(int fd, struct sk_msg **out, int timeout_ms, const char **why);
/* sk_msg_decode that logs nothing (*why as above): for the broker's event loop, which reads
 * a frame's bytes itself (broker/daemon/server.c). */
int sk_msg_decode_why(const unsigned char *buf, size_t len, struct sk_msg **out,
                      const char **why);

#endif
