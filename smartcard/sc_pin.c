#include "sc_pin.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

int
sc_pin_digits_ok(const char *pin, size_t min, size_t max)
{
	size_t len, i;

	if (pin == NULL)
		return 0;
	len = strnlen(pin, max + 1);
	if (len < min || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

int
sc_pin_status(struct sc_card *card, uint8_t p2, int *tries, int *verified)
{
	const struct sc_apdu a = { 0x00, 0x20, 0x00, p2, NULL, 0, 0 };
	size_t n;
	uint16_t sw;
	int r;

	if (tries == NULL || verified == NULL) {
		sk_logerr("missing output");
		return SK_ERR_ARG;
	}
	r = sc_transmit(card, &a, NULL, 0, &n, &sw);
	if (r != SK_OK)
		return r;
	*verified = 0;
	if ((sw & 0xFFF0) == 0x63C0) {
		*tries = sw & 0x0F;
	} else if (sw == 0x6983) {
		*tries = 0;
	} else if (sw == 0x9000) {
		*tries = -1;
		*verified = 1;
	} else {
		return sc_sw_error(sw, "PIN status query");
	}
	return SK_OK;
}

int
sc_pin_verify(struct sc_card *card, uint8_t p2, uint8_t *data, size_t len, int *tries_left)
{
	const struct sc_apdu a = { 0x00, 0x20, 0x00, p2, data, len, 0 };
	size_t n;
	uint16_t sw;
	int r;

	*tries_left = -1;
	r = sc_transmit(card, &a, NULL, 0, &n, &sw);
	explicit_bzero(data, len);
	if (r != SK_OK)
		return r;
	if (sw == 0x9000)
		return SK_OK;
	if (sw == 0x6983 || sw == 0x63C0) {
		*tries_left = 0;
		sk_logerr("PIN refused: card blocked");
		return SK_ERR_PIN_BLOCKED;
	}
	if ((sw & 0xFFF0) == 0x63C0 || sw == 0x6300) {
		*tries_left = sw == 0x6300 ? -1 : (sw & 0x0F);
		sk_logerr("PIN refused, %d tries left", *tries_left);
		return SK_ERR_PIN_WRONG;
	}
	return sc_sw_error(sw, "VERIFY");
}
