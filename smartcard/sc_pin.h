/* sc_pin: the card PIN as ISO 7816-4 VERIFY handles it, the same for the JPKI and PIV
 * profiles: the status query (VERIFY without data), the check itself and what its status
 * word means, and the digits-only form both profiles demand before a PIN is sent. The
 * profiles choose the PIN (P2, JPKI's EF selection) and its padding. */
#ifndef SC_PIN_H
#define SC_PIN_H
#include <stddef.h>
#include <stdint.h>

#include "sc_pcsc.h"

/* 1 when pin is min..max ASCII digits, else 0 (a NULL pin too). */
int sc_pin_digits_ok(const char *pin, size_t min, size_t max);

/* VERIFY without data for PIN reference p2: *tries = tries left (-1: the card says it is
 * verified, or does not tell), *verified = 1 when the PIN is verified in this session. */
int sc_pin_status(struct sc_card *card, uint8_t p2, int *tries, int *verified);

/* VERIFY with data (the profile's padded PIN; wiped here whatever happens) for PIN
 * reference p2. SK_OK, SK_ERR_PIN_WRONG with *tries_left (-1: not told), SK_ERR_PIN_BLOCKED
 * (*tries_left = 0), or the transport's or sc_sw_error's code. */
int sc_pin_verify(struct sc_card *card, uint8_t p2, uint8_t *data, size_t len,
                  int *tries_left);

#endif
