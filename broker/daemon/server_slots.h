/* Who holds the broker's connection slots, and how often a refusal is logged. A peer other
 * than root (an administrator's CLI, or anyone in socket_group) must not be able to keep
 * the module (root, every login) out: root_reserved_clients of max_clients are root's alone,
 * and each other uid holds at most max_clients_per_uid at once. One broker per process. */
#ifndef BROKER_SERVER_SLOTS_H
#define BROKER_SERVER_SLOTS_H
#include <sys/types.h>

#include "broker.h"

/* Checks the slot settings against each other and sizes the tables; SK_ERR_CONFIG with a
 * logged reason when they cannot work together. */
int slots_init(struct broker *b);
/* Takes a slot for a new connection from uid: SK_OK, or SK_ERR_BUSY with *why naming the
 * limit reached (a configuration key). */
int slots_take(struct broker *b, uid_t uid, const char **why);
void slots_give_back(struct broker *b, uid_t uid);
/* Logs a refusal of something uid sent, at most one line per uid per refusal_log_interval;
 * the next line that gets through says how many were left out meanwhile. */
void server_note_refusal(const struct broker *b, uid_t uid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
