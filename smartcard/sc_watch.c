#include "sc_watch.h"

#include <stdio.h>
#include <string.h>
#include <PCSC/pcsclite.h>

#include "sk_err.h"
#include "sk_io.h"
#include "sk_log.h"

/* pcsc-lite keeps a count of card insertions and removals in the high word of dwEventState. */
#define EVENT_COUNT(s) (((s) >> 16) & 0xFFFF)

int
sc_watch_open(struct sc_watch *w, const char *reader)
{
	SCARD_READERSTATE st;
	LONG rv;
	int r, n;

	if (w == NULL || reader == NULL) {
		sk_logerr("missing argument");
		return SK_ERR_ARG;
	}
	memset(w, 0, sizeof(*w));
	n = snprintf(w->reader, sizeof(w->reader), "%s", reader);
	if (n < 0 || (size_t)n >= sizeof(w->reader)) {
		sk_logerr("reader name too long");
		return SK_ERR_ARG;
	}
	r = sc_ctx_open(&w->ctx);
	if (r != SK_OK)
		return r;
	memset(&st, 0, sizeof(st));
	st.szReader = w->reader;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	rv = SCardGetStatusChange(w->ctx, 0, &st, 1);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardGetStatusChange failed: %s", pcsc_stringify_error(rv));
		sc_ctx_close(w->ctx);
		return rv == SCARD_E_UNKNOWN_READER ? SK_ERR_NOTFOUND : SK_ERR_IO;
	}
	if (st.dwEventState & SCARD_STATE_UNKNOWN) {
		sk_logerr("no reader named \"%s\"", reader);
		sc_ctx_close(w->ctx);
		return SK_ERR_NOTFOUND;
	}
	if (!(st.dwEventState & SCARD_STATE_PRESENT)) {
		sk_logerr("no card in \"%s\" to watch", reader);
		sc_ctx_close(w->ctx);
		return SK_ERR_CARD_REMOVED;
	}
	w->state = st.dwEventState & ~SCARD_STATE_CHANGED;
	w->open = 1;
	return SK_OK;
}

int
sc_watch_wait(struct sc_watch *w, unsigned int timeout_ms)
{
	SCARD_READERSTATE st;
	int64_t deadline = sk_now_ms() + timeout_ms;
	LONG rv;

	if (w == NULL || !w->open) {
		sk_logerr("watch not open");
		return SK_ERR_ARG;
	}
	for (;;) {
		int64_t left = deadline - sk_now_ms();

		memset(&st, 0, sizeof(st));
		st.szReader = w->reader;
		st.dwCurrentState = w->state;
		rv = SCardGetStatusChange(w->ctx, (DWORD)(left > 0 ? left : 0), &st, 1);
		if (rv == SCARD_E_TIMEOUT)
			return SK_ERR_TIMEOUT;
		if (rv == SCARD_E_CANCELLED)
			return SK_ERR_BUSY;
		if (rv != SCARD_S_SUCCESS) {
			sk_logerr("SCardGetStatusChange failed: %s: treat the card as gone",
				  pcsc_stringify_error(rv));
			return rv == SCARD_E_UNKNOWN_READER ? SK_ERR_NOTFOUND : SK_ERR_IO;
		}
		if (st.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
			sk_logerr("reader \"%s\" gone: treat the card as gone", w->reader);
			return SK_ERR_NOTFOUND;
		}
		if ((st.dwEventState & SCARD_STATE_EMPTY) ||
		    EVENT_COUNT(st.dwEventState) != EVENT_COUNT(w->state)) {
			sk_log(LOG_NOTICE, "card removed from \"%s\"", w->reader);
			w->state = st.dwEventState & ~SCARD_STATE_CHANGED;
			return SK_OK;
		}
		/* Some other change (in use, reset ...): the same card is still there. */
		w->state = st.dwEventState & ~SCARD_STATE_CHANGED;
		if (deadline - sk_now_ms() <= 0)
			return SK_ERR_TIMEOUT;
	}
}

int
sc_watch_cancel(struct sc_watch *w)
{
	LONG rv;

	if (w == NULL || !w->open) {
		sk_logerr("watch not open");
		return SK_ERR_ARG;
	}
	rv = SCardCancel(w->ctx);
	if (rv != SCARD_S_SUCCESS) {
		sk_logerr("SCardCancel failed: %s", pcsc_stringify_error(rv));
		return SK_ERR_IO;
	}
	return SK_OK;
}

void
sc_watch_close(struct sc_watch *w)
{
	if (w == NULL || !w->open)
		return;
	sc_ctx_close(w->ctx);
	w->open = 0;
}

int
sc_watch_removal(const char *reader, unsigned int timeout_ms)
{
	struct sc_watch w;
	int r = sc_watch_open(&w, reader);

	if (r == SK_ERR_CARD_REMOVED)
		return SK_OK;   /* already gone */
	if (r != SK_OK)
		return r;
	r = sc_watch_wait(&w, timeout_ms);
	sc_watch_close(&w);
	return r;
}
