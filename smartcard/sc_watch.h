/* sc_watch: notices that the card used for a login has left its reader, so the session can be
 * locked at once (R-CARD-2: removing the card must not leave an open session).
 *
 * It rests on SCardGetStatusChange, which pcscd answers as soon as its reader poll sees the
 * change (vpcd and most CCID readers: well under a second). The watch takes a snapshot of the
 * reader's event counter when opened, so a card pulled and another pushed in between two
 * waits (a swap) also counts as removal.
 *
 * Fail closed: sc_watch_wait() returns SK_OK only when the card is gone, SK_ERR_TIMEOUT when it
 * is verifiably still there, SK_ERR_BUSY when sc_watch_cancel() interrupted it. ANY other
 * result (pcscd stopped, reader unplugged, ...) means the card can no longer be vouched for:
 * treat it like a removal and lock.
 *
 * Typical use: open the watch BEFORE sc_login() (so there is no window between the login and
 * the snapshot), log in, then loop on sc_watch_wait() in a thread or with a short timeout. */
#ifndef SC_WATCH_H
#define SC_WATCH_H
#include "sc_pcsc.h"

struct sc_watch {
	SCARDCONTEXT ctx;             /* the watch's own context: SCardCancel needs one */
	char reader[SC_READER_NAME_MAX];
	DWORD state;                  /* last seen dwEventState, event counter in the high word */
	int open;
};

/* Opens a watch on `reader`, which must hold a card now (SK_ERR_CARD_REMOVED otherwise;
 * SK_ERR_NOTFOUND for an unknown reader). */
int sc_watch_open(struct sc_watch *w, const char *reader);

/* Blocks up to timeout_ms. SK_OK: the card was removed or replaced. SK_ERR_TIMEOUT: still
 * there. SK_ERR_BUSY: cancelled. Anything else: lock (see above). */
int sc_watch_wait(struct sc_watch *w, unsigned int timeout_ms);

/* Wakes a sc_watch_wait() blocked in another thread (it returns SK_ERR_BUSY). */
int sc_watch_cancel(struct sc_watch *w);

void sc_watch_close(struct sc_watch *w);

/* One-shot form: open, wait, close. Same results as sc_watch_wait(). */
int sc_watch_removal(const char *reader, unsigned int timeout_ms);

#endif
