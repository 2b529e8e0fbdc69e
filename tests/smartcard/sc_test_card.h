/* What every test with an emulated IC card shares (tests/smartcard, tests/card_e2e): the
 * test PKI that harness.sh made (SK_TEST_PKI, R-TEST-1), vsmartcard-vpcd's two
 * readers, and sk-cardemu started as the card in one of them and pulled again. */
#ifndef SC_TEST_CARD_H
#define SC_TEST_CARD_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "sc_pcsc.h"
#include "sk_io.h"   /* sk_now_ms(): the monotonic clock in milliseconds */

/* The two vpcd readers; vpcd listens on port SCT_VPCD_PORT + slot for the card in slot. */
#define SCT_READERS 2
#define SCT_VPCD_PORT 35963

/* SK_TEST_PKI/name, in one of 8 rotating buffers (so that a call can take several). */
const char *sct_pki_path(const char *name);

/* Opens a PC/SC context once pcscd shows vpcd's two readers (pcscd may still be loading the
 * driver: tried for about 5 s) and copies their names. 0, or -1 after saying why. */
int sct_readers_open(SCARDCONTEXT *ctx, char readers[SCT_READERS][SC_READER_NAME_MAX]);

/* Waits until pcscd has seen the card pulled from reader *stale go (none when *stale < 0);
 * then *stale = -1. */
void sct_settle(SCARDCONTEXT ctx, char readers[SCT_READERS][SC_READER_NAME_MAX], int *stale);

/* Runs tests/card_e2e/extra_certs.sh for more cards of the test CA (names separated by
 * spaces): a binding is forever, so each card test needs its own. 0, or -1 after saying
 * why (out gets the script's output). */
int sct_extra_certs(const char *names, char *out, size_t cap);

/* The command line of one emulated card: sk-cardemu --type TYPE --port PORT and options. */
struct sct_emu_argv {
	const char *v[40];
	size_t n;
	char port[16];
};

/* Starts an argv for emu_bin with --type type for the card in reader slot. */
void sct_emu_argv_init(struct sct_emu_argv *a, const char *emu_bin, const char *type, int slot);
/* Appends one option (asserting room for it and the closing NULL). */
void sct_emu_argv_add(struct sct_emu_argv *a, const char *arg);
/* Appends the options up to a NULL. */
void sct_emu_argv_add_list(struct sct_emu_argv *a, va_list ap);

/* Starts the emulator (it dies with this process through PDEATHSIG, never outlives the test)
 * and waits until pcscd sees its card in reader; the name pcscd gives goes into found. */
pid_t sct_emu_spawn(SCARDCONTEXT ctx, const char *reader, struct sct_emu_argv *a, char *found,
                    size_t found_cap);

/* Pulls the card: stops the emulator and reaps it (vpcd then reports the reader empty). */
void sct_emu_kill(pid_t pid);

/* A counter KEY=N from an emulator's state file, or -1 when the file does not have it. */
long sct_emu_state(const char *state_file, const char *key);

#endif
