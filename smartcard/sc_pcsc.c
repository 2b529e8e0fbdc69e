#include "sc_pcsc.h"

#include <stdio.h>
#include <string.h>
#include <PCSC/pcsclite.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

#define RAW_RESP_MAX (SC_LE_MAX + 2)   /* one short response: 256 data bytes + SW */
#define PNP_READER "\\\\?PnP?\\Notification"
#define VANISH_WAIT_MS 1000

/* Maps a PC/SC failure to an SK code; the caller has already decided it is a failure. */
static int
pcsc_code(LONG rv)
{
	switch (rv) {
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
		return SK_ERR_CARD_REMOVED;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return SK_ERR_UNAVAILABLE;
	case SCARD_E_TIMEOUT:
		return SK_ERR_TIMEOUT;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_READERS_AVAILABLE:
		return SK_ERR_NOTFOUND;
	case SCARD_E_CANCELLED:
		return SK_ERR_BUSY;
	default:
		return SK_ERR_IO;
	}
}

int
sc_ctx_open(SCARDCONTEXT *ctx)
{
	LONG rv;

	if (ctx == NULL) {
		sk_logerr("no context pointer");
		return SK_ERR_ARG;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardEstablishContext failed: %s", pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	return SK_OK;
}

void
sc_ctx_close(SCARDCONTEXT ctx)
{
	SCardReleaseContext(ctx);
}

int
sc_readers_list(SCARDCONTEXT ctx, struct sc_readers *out)
{
	char buf[SC_READERS_MAX * SC_READER_NAME_MAX];
	DWORD len = sizeof(buf);
	size_t off = 0;
	LONG rv;

	if (out == NULL) {
		sk_logerr("no output");
		return SK_ERR_ARG;
	}
	out->count = 0;
	rv = SCardListReaders(ctx, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return SK_ERR_NOTFOUND;   /* an answer, not a failure: the caller decides */
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardListReaders failed: %s", pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	if (len == 0 || len > sizeof(buf) || buf[len - 1] != '\0') {
		sk_logerr("reader list malformed");
		return SK_ERR_PROTO;
	}
	/* A multi-string: names separated by NUL, ended by an empty name. */
	while (off < len && buf[off] != '\0' && out->count < SC_READERS_MAX) {
		size_t n = strnlen(buf + off, len - off);

		if (n >= SC_READER_NAME_MAX) {
			sk_logwarn("reader name of %zu bytes skipped", n);
		} else {
			memcpy(out->name[out->count], buf + off, n + 1);
			out->count++;
		}
		off += n + 1;
	}
	return out->count > 0 ? SK_OK : SK_ERR_NOTFOUND;
}

static int
card_usable(DWORD state)
{
	return (state & SCARD_STATE_PRESENT) && !(state & SCARD_STATE_MUTE);
}

static int
copy_name(char *dst, size_t cap, const char *src)
{
	int n = snprintf(dst, cap, "%s", src);

	if (n < 0 || (size_t)n >= cap) {
		sk_logerr("reader name too long");
		return SK_ERR_RANGE;
	}
	return SK_OK;
}

int
sc_card_wait(SCARDCONTEXT ctx, const char *reader, unsigned int timeout_ms,
	     char *found, size_t found_cap)
{
	SCARD_READERSTATE st[SC_READERS_MAX + 1];
	struct sc_readers list;
	int64_t deadline = sk_now_ms() + timeout_ms;
	LONG rv;
	int r;

	if (found == NULL || found_cap == 0) {
		sk_logerr("no output for the reader name");
		return SK_ERR_ARG;
	}
	if (reader != NULL && strlen(reader) >= SC_READER_NAME_MAX) {
		sk_logerr("reader name too long");
		return SK_ERR_ARG;
	}
	for (;;) {
		size_t n = 0, i;

		/* (Re)build the watch list: readers may come and go while we wait. */
		memset(st, 0, sizeof(st));
		if (reader != NULL) {
			memcpy(list.name[0], reader, strlen(reader) + 1);
			list.count = 1;
		} else {
			r = sc_readers_list(ctx, &list);
			if (r != SK_OK && r != SK_ERR_NOTFOUND)
				return r;
			if (r == SK_ERR_NOTFOUND)
				list.count = 0;
		}
		for (i = 0; i < list.count; i++) {
			st[n].szReader = list.name[i];
			st[n].dwCurrentState = SCARD_STATE_UNAWARE;
			n++;
		}
		if (reader == NULL) {
			st[n].szReader = PNP_READER;
			st[n].dwCurrentState = SCARD_STATE_UNAWARE;
			n++;
		}
		/* Timeout 0 with UNAWARE: just the current states. */
		rv = SCardGetStatusChange(ctx, 0, st, (DWORD)n);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			sk_logerr("SCardGetStatusChange failed: %s", pcsc_stringify_error(rv));
			return pcsc_code(rv);
		}
		for (;;) {
			int64_t left;

			for (i = 0; i < list.count; i++) {
				if (reader != NULL && (st[i].dwEventState & SCARD_STATE_UNKNOWN)) {
					sk_logerr("no reader named \"%s\"", reader);
					return SK_ERR_NOTFOUND;
				}
				if (card_usable(st[i].dwEventState))
					return copy_name(found, found_cap, list.name[i]);
			}
			left = deadline - sk_now_ms();
			if (left <= 0)
				return SK_ERR_TIMEOUT;
			for (i = 0; i < n; i++)
				st[i].dwCurrentState = st[i].dwEventState & ~SCARD_STATE_CHANGED;
			rv = SCardGetStatusChange(ctx, (DWORD)left, st, (DWORD)n);
			if (rv == SCARD_E_TIMEOUT)
				return SK_ERR_TIMEOUT;
			if (rv != SCARD_S_SUCCESS) {
				sk_logerr("SCardGetStatusChange failed: %s",
					  pcsc_stringify_error(rv));
				return pcsc_code(rv);
			}
			if (reader == NULL && (st[n - 1].dwEventState & SCARD_STATE_CHANGED))
				break;   /* the set of readers changed: list them again */
		}
	}
}

int
sc_card_wait_empty(SCARDCONTEXT ctx, const char *reader, unsigned int timeout_ms)
{
	SCARD_READERSTATE st;
	int64_t deadline = sk_now_ms() + timeout_ms;
	LONG rv;

	if (reader == NULL) {
		sk_logerr("no reader named");
		return SK_ERR_ARG;
	}
	memset(&st, 0, sizeof(st));
	st.szReader = reader;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		int64_t left = deadline - sk_now_ms();

		rv = SCardGetStatusChange(ctx, st.dwCurrentState == SCARD_STATE_UNAWARE ? 0 :
					  (DWORD)(left > 0 ? left : 0), &st, 1);
		if (rv == SCARD_E_TIMEOUT)
			return SK_ERR_TIMEOUT;
		if (rv != SCARD_S_SUCCESS) {
			sk_logerr("SCardGetStatusChange failed: %s", pcsc_stringify_error(rv));
			return pcsc_code(rv);
		}
		if (st.dwEventState & SCARD_STATE_UNKNOWN) {
			sk_logerr("no reader named \"%s\"", reader);
			return SK_ERR_NOTFOUND;
		}
		if (st.dwEventState & SCARD_STATE_EMPTY)
			return SK_OK;
		if (deadline - sk_now_ms() <= 0)
			return SK_ERR_TIMEOUT;
		st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

int
sc_card_connect(SCARDCONTEXT ctx, const char *reader, struct sc_card *card)
{
	DWORD state, proto, atr_len = SC_ATR_MAX;
	LONG rv;
	int r;

	if (reader == NULL || card == NULL) {
		sk_logerr("no reader or card");
		return SK_ERR_ARG;
	}
	memset(card, 0, sizeof(*card));
	r = copy_name(card->reader, sizeof(card->reader), reader);
	if (r != SK_OK)
		return r;
	card->ctx = ctx;
	rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			  &card->handle, &card->protocol);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardConnect to \"%s\" failed: %s", reader, pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	card->connected = 1;
	rv = SCardStatus(card->handle, NULL, NULL, &state, &proto, card->atr, &atr_len);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardStatus failed: %s", pcsc_stringify_error(rv));
		sc_card_disconnect(card, 0);
		return pcsc_code(rv);
	}
	if (atr_len < 2 || atr_len > SC_ATR_MAX) {
		sk_logerr("ATR of %lu bytes", (unsigned long)atr_len);
		sc_card_disconnect(card, 0);
		return SK_ERR_PROTO;
	}
	card->atr_len = atr_len;
	return SK_OK;
}

int
sc_card_begin(struct sc_card *card)
{
	LONG rv;

	if (card == NULL || !card->connected) {
		sk_logerr("card not connected");
		return SK_ERR_ARG;
	}
	rv = SCardBeginTransaction(card->handle);
	if (rv == SCARD_W_RESET_CARD) {
		/* Someone reset the card since we connected: acknowledge and try once more. */
		rv = SCardReconnect(card->handle, SCARD_SHARE_SHARED,
				    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
				    &card->protocol);
		if (rv == SCARD_S_SUCCESS)
			rv = SCardBeginTransaction(card->handle);
	}
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardBeginTransaction failed: %s", pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	card->in_transaction = 1;
	return SK_OK;
}

void
sc_card_end(struct sc_card *card)
{
	if (card == NULL || !card->connected || !card->in_transaction)
		return;
	SCardEndTransaction(card->handle, SCARD_LEAVE_CARD);
	card->in_transaction = 0;
}

int
sc_card_reset(struct sc_card *card)
{
	int had_tx;
	LONG rv;

	if (card == NULL || !card->connected) {
		sk_logerr("card not connected");
		return SK_ERR_ARG;
	}
	had_tx = card->in_transaction;
	sc_card_end(card);
	rv = SCardReconnect(card->handle, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_RESET_CARD, &card->protocol);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardReconnect (reset) failed: %s", pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	return had_tx ? sc_card_begin(card) : SK_OK;
}

void
sc_card_disconnect(struct sc_card *card, int reset)
{
	if (card == NULL || !card->connected)
		return;
	sc_card_end(card);
	SCardDisconnect(card->handle, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
	card->connected = 0;
}

/* One exchange of one short APDU: no chaining, no retries. The command buffer is wiped. */
static int
exchange(struct sc_card *card, uint8_t cla, const struct sc_apdu *a, const uint8_t *data,
	 size_t data_len, size_t le, uint8_t *raw, size_t *raw_len)
{
	uint8_t cmd[5 + 255 + 1];
	const SCARD_IO_REQUEST *pci = card->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 :
				      SCARD_PCI_T1;
	DWORD rlen = RAW_RESP_MAX;
	size_t n = 0;
	LONG rv;

	if (data_len > 255 || le > SC_LE_MAX) {
		sk_logerr("APDU field out of range");
		return SK_ERR_INTERNAL;
	}
	cmd[n++] = cla;
	cmd[n++] = a->ins;
	cmd[n++] = a->p1;
	cmd[n++] = a->p2;
	if (data_len > 0) {
		cmd[n++] = (uint8_t)data_len;
		memcpy(cmd + n, data, data_len);
		n += data_len;
	}
	if (le > 0)
		cmd[n++] = (uint8_t)(le == SC_LE_MAX ? 0 : le);
	rv = SCardTransmit(card->handle, pci, cmd, (DWORD)n, NULL, raw, &rlen);
	explicit_bzero(cmd, sizeof(cmd));
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardTransmit (INS %02X) failed: %s", a->ins, pcsc_stringify_error(rv));
		return pcsc_code(rv);
	}
	if (rlen < 2 && sc_card_wait_empty(card->ctx, card->reader, VANISH_WAIT_MS) == SK_OK) {
		/* vpcd answers an empty success when the card left mid-command: give pcscd one
		 * poll cycle to confirm before calling it a malformed answer. */
		sk_logerr("card removed during INS %02X", a->ins);
		return SK_ERR_CARD_REMOVED;
	}
	if (rlen < 2 || rlen > RAW_RESP_MAX) {
		sk_logerr("response of %lu bytes to INS %02X", (unsigned long)rlen, a->ins);
		return SK_ERR_PROTO;
	}
	*raw_len = rlen;
	return SK_OK;
}

/* Sends the last (or only) command fragment and collects the answer: 6Cxx is answered by one
 * resend with the right Le; 61xx by GET RESPONSE until the card has nothing more. */
static int
final_fragment(struct sc_card *card, const struct sc_apdu *a, const uint8_t *data,
	       size_t data_len, uint8_t *resp, size_t cap, size_t *resp_len, uint16_t *sw)
{
	static const struct sc_apdu get_response = { 0x00, 0xC0, 0x00, 0x00, NULL, 0, 0 };
	uint8_t raw[RAW_RESP_MAX];
	size_t raw_len, total = 0, le = a->le;
	int r, tries;

	for (tries = 0;; tries++) {
		r = exchange(card, a->cla, a, data, data_len, le, raw, &raw_len);
		if (r != SK_OK)
			return r;
		if (raw[raw_len - 2] != 0x6C)
			break;
		if (tries > 0 || raw_len != 2) {
			sk_logerr("card repeated 6Cxx or sent data with it (INS %02X)", a->ins);
			return SK_ERR_PROTO;
		}
		le = raw[raw_len - 1] == 0 ? SC_LE_MAX : raw[raw_len - 1];
	}
	for (;;) {
		size_t n = raw_len - 2;
		if (n > (le == 0 ? 0 : le)) {
			sk_logerr("card sent %zu bytes where at most %zu were asked (INS %02X)", n,
				  le, a->ins);
			return SK_ERR_PROTO;
		}
		if (n > cap - total) {
			sk_logerr("response longer than %zu bytes (INS %02X)", cap, a->ins);
			return SK_ERR_RANGE;
		}
		if (n > 0) {
			memcpy(resp + total, raw, n);
			total += n;
		}
		if (raw[raw_len - 2] != 0x61)
			break;
		if (a->le == 0) {
			sk_logerr("card offers data (61xx) to a command that expects none (INS %02X)",
				  a->ins);
			return SK_ERR_PROTO;
		}
		le = raw[raw_len - 1] == 0 ? SC_LE_MAX : raw[raw_len - 1];
		r = exchange(card, 0x00, &get_response, NULL, 0, le, raw, &raw_len);
		if (r != SK_OK)
			return r;
		if (raw_len == 2 && raw[0] == 0x61) {
			sk_logerr("GET RESPONSE returned no data (INS %02X)", a->ins);
			return SK_ERR_PROTO;
		}
		if (raw[raw_len - 2] == 0x6C) {
			sk_logerr("6Cxx to GET RESPONSE (INS %02X)", a->ins);
			return SK_ERR_PROTO;
		}
	}
	*resp_len = total;
	*sw = (uint16_t)(raw[raw_len - 2] << 8 | raw[raw_len - 1]);
	return SK_OK;
}

int
sc_transmit(struct sc_card *card, const struct sc_apdu *apdu, uint8_t *resp,
	    size_t resp_cap, size_t *resp_len, uint16_t *sw)
{
	uint8_t raw[RAW_RESP_MAX];
	size_t off = 0, raw_len;

	if (card == NULL || !card->connected || apdu == NULL || resp_len == NULL || sw == NULL ||
	    (resp == NULL && resp_cap > 0) || (apdu->data == NULL && apdu->data_len > 0)) {
		sk_logerr("missing argument");
		return SK_ERR_ARG;
	}
	if (apdu->data_len > SC_CMD_DATA_MAX || apdu->le > SC_LE_MAX || (apdu->cla & 0x10)) {
		sk_logerr("APDU out of range");
		return SK_ERR_ARG;
	}
	*resp_len = 0;
	*sw = 0;
	/* Command chaining: every fragment but the last carries CLA | 0x10 and must be
	 * acknowledged with 90 00 and no data. */
	while (apdu->data_len - off > 255) {
		int r = exchange(card, apdu->cla | 0x10, apdu, apdu->data + off, 255, 0, raw, &raw_len);
		if (r != SK_OK)
			return r;
		if (raw_len != 2) {
			sk_logerr("data in the answer to a chained fragment (INS %02X)", apdu->ins);
			return SK_ERR_PROTO;
		}
		*sw = (uint16_t)(raw[0] << 8 | raw[1]);
		if (*sw != 0x9000)
			return SK_OK;   /* the card refused the chain: the caller judges the SW */
		off += 255;
	}
	return final_fragment(card, apdu, apdu->data + off, apdu->data_len - off, resp,
			      resp_cap, resp_len, sw);
}

const uint8_t sc_sha256_digestinfo[SC_SHA256_DIGESTINFO_LEN] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0x04, 0x20
};

int
sc_sw_error(uint16_t sw, const char *what)
{
	sk_logerr("%s: card answered %04X", what, sw);
	switch (sw) {
	case 0x6982: return SK_ERR_DENIED;
	case 0x6A82: return SK_ERR_NOTFOUND;
	default: return SK_ERR_PROTO;
	}
}
