/* Remote terminals (issue 12, item 4; doc/deployment.md "Remote terminals"): every client
 * certificate that completed a TLS handshake with the broker, by its SHA-256 fingerprint,
 * and whether an administrator revoked it (sekimori terminal revoke). A revoked terminal is
 * refused at its next handshake and at its next request on a connection already open. */
#ifndef BROKER_STORE_TERMINAL_H
#define BROKER_STORE_TERMINAL_H
#include <stdint.h>

struct sk_store_txn;

#define TERMINAL_FP_HEX 65       /* SHA-256 of the DER certificate, lower-case hex, NUL */
#define TERMINAL_SERIAL_MAX 65   /* the serial number, lower-case hex without leading 0s */
#define TERMINAL_CN_MAX 128      /* the subject's commonName */

struct terminal_rec {
	char fingerprint[TERMINAL_FP_HEX];
	char serial[TERMINAL_SERIAL_MAX];   /* "" for a certificate revoked before it was seen */
	char cn[TERMINAL_CN_MAX];
	int64_t first_seen, last_seen;      /* 0: never seen */
	int64_t revoked_at;                 /* 0: not revoked */
	char revoked_by[64];
};

/* Records a handshake: a new row, or last_seen (and serial and CN) of the existing one. */
int store_terminal_seen(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                        const char *cn, int64_t now);
/* *revoked = 1 when the certificate's fingerprint, or its serial number, was revoked. */
int store_terminal_revoked(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                           int *revoked);
/* Revokes by fingerprint (a row is made when the certificate was never seen) or, with
 * by_serial, every seen certificate with that serial: SK_ERR_NOTFOUND when none was seen.
 * *n gets the number of terminals revoked now (0 when they all were already). */
int store_terminal_revoke(struct sk_store_txn *t, const char *key, int by_serial,
                          const char *by, int64_t now, int64_t *n);
/* Every terminal, by fingerprint; fn returns non-zero to stop. */
int store_terminal_list(struct sk_store_txn *t,
                        int (*fn)(void *, const struct terminal_rec *), void *arg);

#endif
