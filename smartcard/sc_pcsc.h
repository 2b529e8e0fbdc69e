/* sc_pcsc: PC/SC access over pcsclite — contexts, reader listing, waiting for a card,
 * connecting, and APDU exchange.
 *
 * sc_transmit() is the only way the card profiles talk to a card. It hides the transport
 * details every profile would otherwise get wrong:
 *   - commands with more than 255 data bytes go out with ISO 7816-4 command chaining
 *     (CLA | 0x10 on every fragment but the last; PIV GENERAL AUTHENTICATE for RSA-2048);
 *   - SW 61xx: the rest of the answer is fetched with GET RESPONSE (00 C0 00 00 xx) and appended;
 *   - SW 6Cxx: the command is sent once more with Le = xx;
 *   - every length the card reports is checked against the caller's buffer and against what was
 *     asked for; a card that sends more is a protocol error, never a buffer overrun (R-INPUT-1).
 * Command buffers are wiped after sending (they may hold a PIN); APDU bytes are never logged. */
#ifndef SC_PCSC_H
#define SC_PCSC_H
#include <stddef.h>
#include <stdint.h>
#include <PCSC/winscard.h>

#define SC_READER_NAME_MAX 128  /* longer reader names are refused */
#define SC_READERS_MAX 16       /* readers beyond this are ignored */
#define SC_ATR_MAX 33
#define SC_CMD_DATA_MAX 1024    /* largest command data sc_transmit sends (chained) */
#define SC_LE_MAX 256           /* short APDUs: Le 00 means 256 */

struct sc_readers {
	size_t count;
	char name[SC_READERS_MAX][SC_READER_NAME_MAX];
};

/* One connection to a card. Fill with sc_card_connect(); release with sc_card_disconnect(). */
struct sc_card {
	SCARDCONTEXT ctx;
	SCARDHANDLE handle;
	DWORD protocol;                  /* SCARD_PROTOCOL_T0 or _T1 */
	int connected;
	int in_transaction;
	char reader[SC_READER_NAME_MAX];
	uint8_t atr[SC_ATR_MAX];
	size_t atr_len;
};

/* The DER DigestInfo prefix of a SHA-256 hash (PKCS#1 v1.5), which the JPKI and PIV
 * profiles put before the 32 hash bytes when the card signs raw. */
#define SC_SHA256_DIGESTINFO_LEN 19
extern const uint8_t sc_sha256_digestinfo[SC_SHA256_DIGESTINFO_LEN];

/* A status word a card profile did not expect: logged once here (what = the step), mapped
 * to an SK_ERR_* code (6982 denied, 6A82 not found, anything else malformed). */
int sc_sw_error(uint16_t sw, const char *what);

/* A short APDU (ISO 7816-4). data_len may exceed 255 (then it is chained). le is the number of
 * response bytes expected: 0 = no Le field (nothing expected), 1..256 = Le (256 is sent as 00). */
struct sc_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t data_len;
	size_t le;
};

/* Establishes a PC/SC context (SCARD_SCOPE_SYSTEM). SK_ERR_UNAVAILABLE when pcscd is not there. */
int sc_ctx_open(SCARDCONTEXT *ctx);
void sc_ctx_close(SCARDCONTEXT ctx);

/* Lists the readers pcscd knows. SK_ERR_NOTFOUND when there is none. */
int sc_readers_list(SCARDCONTEXT ctx, struct sc_readers *out);

/* Waits up to timeout_ms for a card in `reader`, or in any reader when reader is NULL
 * (readers plugged in while waiting are picked up). Writes the reader's name to found.
 * SK_OK, SK_ERR_TIMEOUT, SK_ERR_NOTFOUND (named reader does not exist), SK_ERR_IO. */
int sc_card_wait(SCARDCONTEXT ctx, const char *reader, unsigned int timeout_ms,
		 char *found, size_t found_cap);

/* Waits up to timeout_ms until `reader` holds no card. SK_OK or SK_ERR_TIMEOUT. */
int sc_card_wait_empty(SCARDCONTEXT ctx, const char *reader, unsigned int timeout_ms);

/* Connects (shared mode, T=0 or T=1) and reads the ATR. SK_ERR_CARD_REMOVED when no card. */
int sc_card_connect(SCARDCONTEXT ctx, const char *reader, struct sc_card *card);

/* Exclusive access for a sequence of commands (SCardBeginTransaction), so no other PC/SC
 * client can slip a command between our VERIFY and our signature. */
int sc_card_begin(struct sc_card *card);
void sc_card_end(struct sc_card *card);

/* Warm-resets the card (clears every verified PIN) and reconnects; a transaction in progress
 * is re-opened. */
int sc_card_reset(struct sc_card *card);

/* Ends a transaction if open and disconnects. reset != 0 resets the card on the way out so
 * that no PIN stays verified for the next client. Safe on a card that never connected. */
void sc_card_disconnect(struct sc_card *card, int reset);

/* Sends one APDU (with chaining, GET RESPONSE and 6Cxx handling as above) and returns the
 * reassembled response data in resp[0..*resp_len) and the final status word in *sw.
 * Returns SK_OK whenever the card answered, whatever the status word; the caller judges the SW.
 * Errors: SK_ERR_ARG, SK_ERR_RANGE (answer longer than resp_cap), SK_ERR_PROTO (malformed
 * answer), SK_ERR_CARD_REMOVED, SK_ERR_IO. */
int sc_transmit(struct sc_card *card, const struct sc_apdu *apdu, uint8_t *resp,
		size_t resp_cap, size_t *resp_len, uint16_t *sw);

#endif
