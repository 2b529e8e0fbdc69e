/* Strict BER-TLV reading for card responses (untrusted input, R-INPUT-1).
 *
 * Accepted: tags of one to three bytes (ISO 7816-4 / SP 800-73 use at most three), definite
 * lengths in short form or 81 xx / 82 xx xx (non-minimal long forms are accepted: some cards
 * write them). Refused: indefinite length (80), longer length forms, and any value that would
 * run past the buffer. */
#ifndef SC_TLV_H
#define SC_TLV_H
#include <stddef.h>
#include <stdint.h>

struct sc_tlv {
	unsigned int tag;       /* the tag bytes, big-endian, e.g. 0x5FC105 */
	const uint8_t *val;     /* points into the parsed buffer */
	size_t len;             /* value length */
	size_t hdr_len;         /* tag + length bytes */
};

/* Parses only the tag and length at buf[0..len): the value need not be present yet (used to
 * learn an object's size from its first bytes). SK_ERR_PROTO when malformed or truncated. */
int sc_tlv_header(const uint8_t *buf, size_t len, unsigned int *tag, size_t *hdr_len,
		  size_t *val_len);

/* Reads the TLV at buf[*off] and advances *off past it; the value must lie inside buf. */
int sc_tlv_next(const uint8_t *buf, size_t len, size_t *off, struct sc_tlv *out);

/* buf must be exactly one TLV with the given tag, nothing before or after it. */
int sc_tlv_only(const uint8_t *buf, size_t len, unsigned int tag, struct sc_tlv *out);

/* Writes a BER length (at most 3 bytes) to out; returns the bytes written, 0 if len > 0xFFFF
 * or out is too small. */
size_t sc_tlv_put_len(uint8_t *out, size_t cap, size_t len);

#endif
