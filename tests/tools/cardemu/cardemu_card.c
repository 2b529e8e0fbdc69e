/* What both emulated applications share: APDU parsing, GET RESPONSE, PIN checks, reset. */
#include "cardemu.h"

#include <string.h>
#include <openssl/crypto.h>

int
emu_fault(const struct emu_card *c, const char *name)
{
	return c->fault != NULL && strcmp(c->fault, name) == 0;
}

void
emu_reset(struct emu_card *c)
{
	c->pin.verified = 0;
	c->sign_pin.verified = 0;
	c->ap_selected = 0;
	c->cur_ef = 0;
	c->piv_selected = 1;   /* SP 800-73: PIV is the default application */
	c->chaining = 0;
	c->chain_len = 0;
	c->pending_len = 0;
	c->pending_off = 0;
}

static void
sw(struct emu_resp *r, uint16_t v)
{
	r->len = 0;
	r->sw = v;
}

/* Sends the next piece of the pending answer: at most `le` bytes, 61xx when more is left. */
static void
next_piece(struct emu_card *c, size_t le, struct emu_resp *r)
{
	size_t left = c->pending_len - c->pending_off;
	size_t n = left < le ? left : le;

	memcpy(r->data, c->pending + c->pending_off, n);
	r->len = n;
	if (emu_fault(c, "extra-data") && n > 0)
		r->data[r->len++] = 0x00;
	c->pending_off += n;
	left -= n;
	if (emu_fault(c, "endless-61") && n > 0) {
		c->pending_off = 0;   /* start over: the answer never ends */
		r->sw = 0x6100;
		return;
	}
	if (left == 0) {
		c->pending_len = c->pending_off = 0;
		r->sw = 0x9000;
	} else {
		r->sw = (uint16_t)(0x6100 | (left > 255 ? 0 : left));
	}
}

void
emu_answer_long(struct emu_card *c, const struct emu_apdu *a, const uint8_t *data, size_t len,
		struct emu_resp *r)
{
	if (len > sizeof(c->pending)) {
		sw(r, 0x6F00);
		return;
	}
	memcpy(c->pending, data, len);
	c->pending_len = len;
	c->pending_off = 0;
	/* No Le (case 3): announce everything with 61xx. */
	next_piece(c, a->has_le ? a->le : 0, r);
}

void
emu_verify(struct emu_card *c, struct emu_pin *pin, const uint8_t *data, size_t len,
	   struct emu_resp *r)
{
	if (data == NULL || len == 0) {
		c->count.pin_status++;
		if (pin->tries == 0)
			sw(r, c->blocked_sw);
		else if (pin->verified && c->kind == EMU_PIV)
			sw(r, 0x9000);
		else
			sw(r, (uint16_t)(0x63C0 | pin->tries));
		return;
	}
	c->count.pin_verify_data++;
	if (pin->tries == 0) {
		sw(r, 0x6983);
		return;
	}
	if (len == strlen(pin->value) && CRYPTO_memcmp(data, pin->value, len) == 0) {
		pin->tries = pin->max_tries;
		pin->verified = 1;
		sw(r, 0x9000);
		return;
	}
	c->count.pin_wrong++;
	pin->tries--;
	pin->verified = 0;
	sw(r, (uint16_t)(0x63C0 | pin->tries));
}

/* ISO 7816-4 short APDU cases 1-4. Extended length is not supported (67 00). */
static int
parse(const uint8_t *cmd, size_t len, struct emu_apdu *a)
{
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return -1;
	a->cla = cmd[0];
	a->ins = cmd[1];
	a->p1 = cmd[2];
	a->p2 = cmd[3];
	if (len == 4)
		return 0;
	if (len == 5) {
		a->has_le = 1;
		a->le = cmd[4] == 0 ? 256 : cmd[4];
		return 0;
	}
	if (cmd[4] == 0)
		return -1;   /* extended length */
	a->lc = cmd[4];
	a->data = cmd + 5;
	if (len == 5 + a->lc)
		return 0;
	if (len == 6 + a->lc) {
		a->has_le = 1;
		a->le = cmd[len - 1] == 0 ? 256 : cmd[len - 1];
		return 0;
	}
	return -1;
}

void
emu_process(struct emu_card *c, const uint8_t *cmd, size_t len, struct emu_resp *r)
{
	struct emu_apdu a;

	c->count.apdus++;
	if (parse(cmd, len, &a) != 0) {
		sw(r, 0x6700);
		return;
	}
	if (a.ins == 0xC0 && (a.cla & 0xF0) == 0x00) {
		c->count.get_response++;
		if (c->pending_len == 0) {
			sw(r, 0x6985);
			return;
		}
		next_piece(c, a.has_le ? a.le : 256, r);
		return;
	}
	c->pending_len = c->pending_off = 0;   /* any other command drops an unread answer */
	if (c->kind == EMU_JPKI)
		emu_jpki_apdu(c, &a, r);
	else
		emu_piv_apdu(c, &a, r);
}
